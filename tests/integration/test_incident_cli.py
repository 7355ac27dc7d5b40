"""`nexus-tui incident ...` end to end: a real process, a real journal file, a runbook YAML in tmp_path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

RUNBOOK = """\
id: cli-drill
title: CLI drill
trigger: a test says so
rto_minutes: 30
params:
  replica_db: db-replica-west
steps:
  - id: verify
    title: Verify the primary is down
    expected_minutes: 2
  - id: promote
    title: Promote the replica
    expected_minutes: 5
    action:
      name: rds.promote_read_replica
      region: us-west-2
      params: {DBInstanceIdentifier: "${replica_db}"}
  - id: notify
    title: Notify stakeholders
    expected_minutes: 1
"""


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "runbooks"
        self.dir.mkdir()
        (self.dir / "cli-drill.yaml").write_text(RUNBOOK)
        self.journal = tmp_path / "journal.sqlite3"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEXUS_TUI_"))}
        self.env = {
            **env,
            "NEXUS_TUI_JOURNAL": str(self.journal),
            "NEXUS_TUI_CONFIG": str(tmp_path / "no-config.toml"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            # Most tests skip the STS lookup (importing aiobotocore costs ~0.3 s a process); one test keeps it.
            "NEXUS_TUI_NO_STS": "1",
            "USER": "alice",
            "LOGNAME": "alice",
        }

    def __call__(self, *args: str, code: int = 0) -> str:
        cmd = [sys.executable, "-m", "nexus_tui", "incident", *args, "--runbooks", str(self.dir)]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
        if code:
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
            return lines[0]
        return proc.stdout


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    pytest.importorskip("nexus_tui.runbook.library")
    return Cli(tmp_path)


def test_a_drill_from_declaration_to_report(cli: Cli, tmp_path: Path) -> None:
    iid = cli("declare", "--runbook", "cli-drill", "--drill", "--severity", "sev3").strip()
    assert iid.startswith("INC-")
    shown = json.loads(cli("show", iid, "--json"))
    assert shown["severity"] == "SEV3" and shown["drill"] and shown["ic"] == "alice"
    assert [s["status"] for s in shown["steps"]] == ["pending"] * 3 and shown["current_step"] == "verify"
    assert shown["clock"]["rto_target_seconds"] == 1800 and shown["escalation"]["engaged"] == ["On-call engineer"]

    assert "not the current step" in cli("step", iid, "promote", "done", code=1)
    cli("step", iid, "verify", "done")
    refusal = cli("step", iid, "promote", "done", "--confirm", "wrong-db", code=1)
    assert "destructive" in refusal and "'db-replica-west'" in refusal
    cli("step", iid, "promote", "done", "--confirm", "db-replica-west")
    assert "needs a reason" in cli("step", iid, "notify", "skip", code=1)
    cli("note", iid, "TODO: rotate the DB password", "--todo")
    cli("step", iid, "notify", "skip", "--reason", "drill: nobody to notify")
    assert "undone: notify" in cli("undo", iid)
    cli("step", iid, "notify", "fail", "--reason", "slack down")
    cli("override", iid, "--step", "notify", "--reason", "drill")

    shown = json.loads(cli("show", iid, "--json"))
    promote = shown["steps"][1]
    assert promote["status"] == "done" and promote["manual"] and promote["finished_by"] == "alice"
    assert [s["status"] for s in shown["steps"]] == ["done", "done", "failed"]
    text = cli("show", iid)
    assert "cli-drill" in text and "Projected" in text and "> " in text

    listed = json.loads(cli("list", "--json"))
    assert [i["id"] for i in listed] == [iid] and listed[0]["steps_done"] == 2
    assert "--force" in cli("resolve", iid, code=1)
    assert "needs a reason" in cli("resolve", iid, "--force", code=1)
    assert "(forced)" in cli("resolve", iid, "--force", "--reason", "notify went out by phone")
    assert "is resolved" in cli("step", iid, "notify", "done", code=1)

    out = tmp_path / "report.md"
    cli("report", iid, "--output", str(out))
    report = out.read_text()
    assert report.startswith(f"# Drill report: {iid}")
    assert "executed outside nexus-tui" in report and "TODO (alice): TODO: rotate the DB password" in report
    assert "- Step `notify` failed: slack down" in report and "drill: nobody to notify" in report
    assert "ok (" in cli("verify", iid)


def test_verify_exits_1_when_the_journal_was_edited(cli: Cli) -> None:
    iid = cli("declare", "--runbook", "cli-drill").strip()
    cli("step", iid, "verify", "done")
    raw = sqlite3.connect(cli.journal)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
    raw.commit()
    raw.close()
    proc = subprocess.run(
        [sys.executable, "-m", "nexus_tui", "incident", "verify", iid], env=cli.env, capture_output=True, text=True
    )
    assert proc.returncode == 1 and "TAMPERED at seq 2" in proc.stdout


def test_params_reach_the_confirmation(cli: Cli) -> None:
    iid = cli("declare", "--runbook", "cli-drill", "--param", "replica_db=other-db", "--ic", "carol").strip()
    cli("step", iid, "verify", "done")
    assert "'other-db'" in cli("step", iid, "promote", "done", "--confirm", "db-replica-west", code=1)
    cli("step", iid, "promote", "done", "--confirm", "other-db")
    assert json.loads(cli("show", iid, "--json"))["ic"] == "carol"


def test_user_mistakes_are_one_line(cli: Cli, tmp_path: Path) -> None:
    assert "unknown runbook 'nope'" in cli("declare", "--runbook", "nope", code=2)
    assert "no incident 'INC-x'" in cli("show", "INC-x", code=1)
    assert "has no param 'replica'" in cli("declare", "--runbook", "cli-drill", "--param", "replica=x", code=1)
    assert "expected KEY=VALUE" in cli("declare", "--runbook", "cli-drill", "--param", "oops", code=2)
    assert "severity" in cli("declare", "--runbook", "cli-drill", "--severity", "huge", code=1)
    bad = tmp_path / "bad.toml"
    bad.write_text("[targets]\nrto_seconds = 'soon'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "nexus_tui", "--config", str(bad), "incident", "list"],
        env=cli.env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "rto_seconds" in proc.stderr
    assert cli("list") == "no incidents\n"


def test_events_carry_the_sts_identity_from_the_configured_endpoint(cli: Cli, tmp_path: Path) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        config = tmp_path / "config.toml"
        config.write_text(f'[aws]\nregions = ["us-east-1"]\n[aws.endpoints]\nus-east-1 = "http://{host}:{port}"\n')
        env = {
            **cli.env,
            "NEXUS_TUI_CONFIG": str(config),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        del env["NEXUS_TUI_NO_STS"]
        base = [sys.executable, "-m", "nexus_tui", "incident", "--runbooks", str(cli.dir)]
        iid = subprocess.run(
            [*base, "declare", "--runbook", "cli-drill"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
    finally:
        server.stop()
    # Without credentials the lookup quietly gives nothing; the step is still recorded.
    cli.env.pop("NEXUS_TUI_NO_STS")
    cli("step", iid, "verify", "done")
    raw = sqlite3.connect(cli.journal)
    identities = [r[0] for r in raw.execute("SELECT aws_identity FROM events ORDER BY seq")]
    raw.close()
    assert identities[0] is not None and identities[0].startswith("arn:aws:") and identities[1] is None
