"""The platform's drill API (seed 000): the client against a local stand-in, its errors as one line, the
cookie never shown or journaled, and `drill platform list|run` recording a dry-run as a drill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nexus_tui.cli import main
from nexus_tui.sources.http.drill_api import PlatformDrillApi, PlatformError, judge
from tests.drills_calendar.platform_server import COOKIE, PlatformServer

ENV = "NEXUS_TUI_PLATFORM_COOKIE"


def api(platform: PlatformServer, *, timeout: float = 10.0, cookie: str = COOKIE) -> PlatformDrillApi:
    return PlatformDrillApi(platform.base_url, cookie, timeout_seconds=timeout)


async def failure(call: object) -> str:
    with pytest.raises(PlatformError) as info:
        await call  # type: ignore[misc]
    message = str(info.value)
    assert "\n" not in message and COOKIE not in message and "vEry-secret" not in message
    return message


async def test_lists_runbooks_and_runs_a_dry_run_with_the_session_cookie(platform: PlatformServer) -> None:
    client = api(platform)
    books = await client.runbooks()
    assert [(b.id, b.name) for b in books] == [("rds-failover", "RDS Failover"), ("s3-restore", "S3 Object Recovery")]
    answer = await client.run_drill("rds-failover")
    assert answer.ok and "status=completed" in answer.summary and "drillId=d-1" in answer.summary
    post = platform.requests[-1]
    assert post["method"] == "POST" and post["path"] == "/api/v1/dr/run-drill"
    assert json.loads(post["body"]) == {"runbookId": "rds-failover", "dryRun": True}
    assert post["headers"]["Cookie"] == f"connect.sid={COOKIE}"


async def test_a_failed_dry_run_is_reported_as_failed(platform: PlatformServer) -> None:
    platform.mode = "fail"
    answer = await api(platform).run_drill("rds-failover")
    assert not answer.ok and "step 3 timed out" in answer.summary


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("401", "platform session expired or invalid (401)"),
        ("500", "platform error 500 at http://127.0.0.1:"),
        ("badjson", "/api/v1/dr/runbooks is not JSON (status 200)"),
        ("notalist", "/api/v1/dr/runbooks is not a list of runbooks"),
        ("redirect", "platform redirected"),
    ],
)
async def test_list_errors_are_one_line(platform: PlatformServer, mode: str, expected: str) -> None:
    platform.mode = mode
    assert expected in await failure(api(platform).runbooks())


async def test_a_wrong_cookie_is_a_401(platform: PlatformServer) -> None:
    assert await failure(api(platform, cookie="stale").runbooks()) == "platform session expired or invalid (401)"


async def test_a_server_echoing_the_cookie_does_not_make_us_show_it(platform: PlatformServer) -> None:
    platform.mode = "500-echo"
    message = await failure(api(platform).run_drill("rds-failover"))
    assert "platform error 500" in message and "boom: connect.sid=***" in message
    assert "whether the dry-run started is unknown" in message


async def test_slow_platform_times_out_and_a_dry_run_outcome_is_unknown(platform: PlatformServer) -> None:
    platform.mode = "slow"
    client = api(platform, timeout=0.2)
    assert "did not answer within 0.2 s" in await failure(client.runbooks())
    message = await failure(client.run_drill("rds-failover"))
    assert "did not answer within 0.2 s" in message and "unknown" in message


async def test_unreachable_platform(platform: PlatformServer) -> None:
    client = PlatformDrillApi("http://127.0.0.1:9", COOKIE, timeout_seconds=5)  # discard port: nothing listens
    assert "cannot reach the platform at http://127.0.0.1:9" in await failure(client.runbooks())


def test_a_cookie_that_is_no_cookie_is_refused_without_showing_it() -> None:
    with pytest.raises(PlatformError) as info:
        PlatformDrillApi("http://127.0.0.1:9", "abc\r\nX-Evil: 1")
    assert "X-Evil" not in str(info.value)


def test_judge_reads_the_usual_fields() -> None:
    assert judge({"success": True}).ok
    assert judge({}).summary == "accepted"
    assert not judge({"ok": False}).ok
    assert not judge({"status": "ERROR", "message": "no\nsuch runbook"}).ok
    assert "\n" not in judge({"status": "ERROR", "message": "no\nsuch runbook"}).summary


# -- the CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, platform: PlatformServer, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[platform]\nbase_url = "{platform.base_url}"\ntimeout_seconds = 0.3\n')
    monkeypatch.setenv(ENV, COOKIE)
    monkeypatch.setenv("NEXUS_TUI_NO_STS", "1")
    return cfg, tmp_path / "journal.sqlite3"


def test_cli_list(cli_env: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = cli_env
    assert main(["drill", "platform", "list", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "rds-failover  RDS Failover  (Promote the DR replica)  counts for: cross-region-failover" in out
    assert "s3-restore  S3 Object Recovery  (no scheduled drill)" in out and "2 platform runbook(s)" in out
    assert main(["drill", "platform", "list", "--json", "--config", str(cfg)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [b["id"] for b in rows] == ["rds-failover", "s3-restore"]
    assert rows[0]["drills"] == ["cross-region-failover", "failover-simulation"] and rows[1]["drills"] == []


def test_cli_run_records_a_drill_seen_by_incident_list_and_the_calendar(
    cli_env: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, journal = cli_env
    common = ["--config", str(cfg), "--journal", str(journal)]
    assert main(["drill", "platform", "run", "rds-failover", "--json", *common]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "pass" and result["answer"]["drillId"] == "d-1"
    incident_id = result["incident_id"]

    assert main(["incident", "list", "--json", *common]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == incident_id and listed["drill"] is True
    assert listed["runbook"]["id"] == "platform:rds-failover"
    assert main(["incident", "list", *common]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("platform:rds-failover  [drill]")
    assert main(["incident", "verify", incident_id, *common]) == 0  # the hash chain covers the record
    capsys.readouterr()

    assert main(["drill", "schedule", "--json", *common]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    # rds-failover is a runbook of these two seed drills: the platform's dry-run counts for both
    for name in ("cross-region-failover", "failover-simulation"):
        assert rows[name]["last_incident"] == incident_id and rows[name]["overdue"] is False
    assert rows["s3-object-recovery"]["last_run"] is None

    captured = capsys.readouterr()
    assert COOKIE not in captured.out + captured.err
    assert COOKIE.encode() not in b"".join(p.read_bytes() for p in journal.parent.glob("journal.sqlite3*"))


def test_cli_run_of_a_failed_dry_run_exits_1_and_is_recorded(
    cli_env: tuple[Path, Path], platform: PlatformServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, journal = cli_env
    platform.mode = "fail"
    assert main(["drill", "platform", "run", "rds-failover", "--config", str(cfg), "--journal", str(journal)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "step 3 timed out" in out and "recorded as drill" in out


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("401", "nexus-tui drill: platform session expired or invalid (401)"),
        ("500", "nexus-tui drill: platform error 500"),
        ("slow", "nexus-tui drill: platform did not answer within 0.3 s"),
        ("badjson", "is not JSON"),
    ],
)
def test_cli_run_errors_are_one_line_and_record_nothing(
    cli_env: tuple[Path, Path], platform: PlatformServer, capsys: pytest.CaptureFixture[str], mode: str, expected: str
) -> None:
    cfg, journal = cli_env
    platform.mode = mode
    assert main(["drill", "platform", "run", "rds-failover", "--config", str(cfg), "--journal", str(journal)]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert expected in err and "\n" not in err and "Traceback" not in err
    assert COOKIE not in captured.out + captured.err
    assert not journal.exists()


def test_cli_setup_problems_exit_2(
    tmp_path: Path, cli_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, _ = cli_env
    monkeypatch.delenv(ENV)
    assert main(["drill", "platform", "list", "--config", str(cfg)]) == 2
    assert f"set the environment variable {ENV}" in capsys.readouterr().err
    bare = tmp_path / "bare.toml"
    bare.write_text("")
    monkeypatch.setenv(ENV, COOKIE)
    assert main(["drill", "platform", "list", "--config", str(bare)]) == 2
    assert "set [platform] base_url" in capsys.readouterr().err
    assert main(["drill", "platform", "run", "bad\nid", "--config", str(cfg)]) == 2
    assert main(["drill", "platform", "--config", str(cfg)]) == 2
