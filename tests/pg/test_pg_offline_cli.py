"""`nexus-tui incident ...` when the shared journal goes away: real processes, a real server stopped and started.

The command goes on in the local offline journal and says so in one line (never the password); `nexus-tui
journal merge` puts the work back, or shows the conflict and waits for --accept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from nexus_tui.journal.postgres import PostgresJournal
from tests.pg.conftest import Restartable

SECRET = "s3cret-pw"
RUNBOOK = """\
id: cli-offline
title: CLI offline drill
trigger: a test says so
rto_minutes: 30
steps:
  - id: verify
    title: Verify the primary is down
    expected_minutes: 2
  - id: notify
    title: Notify stakeholders
    expected_minutes: 1
"""


class Cli:
    def __init__(self, tmp_path: Path, url: str) -> None:
        self.dir = tmp_path / "runbooks"
        self.dir.mkdir()
        (self.dir / "cli-offline.yaml").write_text(RUNBOOK)
        # The throwaway server trusts its Unix socket, so a password in the URL is accepted and unused: it is
        # there to prove it is never printed.
        parts = urlsplit(url)
        self.url = urlunsplit(parts._replace(netloc=f"{parts.username}:{SECRET}@{parts.netloc.rsplit('@', 1)[-1]}"))
        assert SECRET in self.url
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEXUS_TUI_", "SLACK_"))}
        self.env = {
            **env,
            "NEXUS_TUI_JOURNAL_URL": self.url,
            "NEXUS_TUI_CONFIG": str(tmp_path / "no-config.toml"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "NEXUS_TUI_NO_STS": "1",
            "USER": "alice",
            "LOGNAME": "alice",
        }

    def run(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        extra = ["--runbooks", str(self.dir)] if args[0] == "incident" else []
        proc = subprocess.run(
            [sys.executable, "-m", "nexus_tui", *args, *extra],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
        assert SECRET not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
        return proc


@pytest.fixture
def cli(tmp_path: Path, pg_restartable_url: str) -> Cli:
    return Cli(tmp_path, pg_restartable_url)


def _offline_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "shared journal" in line or "offline" in line]
    assert len(lines) == 1, stderr
    return lines[0]


def test_the_cli_works_offline_says_so_and_merges_back(cli: Cli, pg_restartable: Restartable) -> None:
    iid = cli.run("incident", "declare", "--runbook", "cli-offline").stdout.strip()
    cli.run("incident", "step", iid, "verify", "start")
    pg_restartable.stop()

    done = cli.run("incident", "step", iid, "verify", "done", "--note", "seen down")
    line = _offline_line(done.stderr)
    assert line.startswith("nexus-tui: shared journal unreachable (") and "wrote to local offline journal " in line
    assert line.endswith("run `nexus-tui journal merge` when it is back")
    offline_file = Path(line.split("local offline journal ")[1].split(";")[0])
    assert offline_file.exists()
    cli.run("incident", "note", iid, "still offline")  # a second command continues the same offline file
    shown = json.loads(cli.run("incident", "show", iid, "--json").stdout)
    assert [s["status"] for s in shown["steps"]][:1] == ["done"]
    cli.run("journal", "merge", code=2)  # still unreachable: one line, no traceback

    pg_restartable.start()
    merged = cli.run("journal", "merge")
    assert f"{iid}: merged 2 offline event(s) into postgresql://postgres:***@/" in merged.stdout
    assert "nothing to merge" in cli.run("journal", "merge").stdout
    with PostgresJournal(cli.url) as shared:
        events = shared.events_since(iid, 0)
        assert [e.type for e in events][-3:] == ["note", "step_confirmed", "note"]
        assert "offline_gap" in events[-3].payload and shared.verify(iid).ok


def test_a_conflict_waits_for_accept_and_lists_both_sides(cli: Cli, pg_restartable: Restartable) -> None:
    iid = cli.run("incident", "declare", "--runbook", "cli-offline").stdout.strip()
    cli.run("incident", "show", iid)
    pg_restartable.stop()
    stale = cli.run("incident", "show", iid).stderr
    assert _offline_line(stale).endswith("; shown as this machine last read it")
    cli.run("incident", "note", iid, "mine, offline")
    pg_restartable.start()
    with PostgresJournal(cli.url) as dba:  # another responder who could still reach the database
        head = dba.heads()[iid]
        dba.append(iid, "note", {"text": "theirs"}, at=dba.events_since(iid, 0)[-1].at, actor="dba",
                   aws_identity=None, expect_seq=head)  # fmt: skip

    # Any command first tries to merge: with a conflict it only says so, and works on the offline copy.
    shown = cli.run("incident", "show", iid)
    assert "not merged: 1 event(s) written by others meanwhile" in shown.stderr
    waiting = cli.run("journal", "merge", code=1)
    assert "written by others meanwhile:" in waiting.stdout and "dba: note theirs" in waiting.stdout
    assert "yours, recorded offline:" in waiting.stdout and "alice: note mine, offline" in waiting.stdout
    done = cli.run("journal", "merge", "--accept", "mine")
    assert f"{iid}: merged 1 offline event(s)" in done.stdout
    with PostgresJournal(cli.url) as shared:
        texts = [e.payload.get("text", "") for e in shared.events_since(iid, 0)]
        assert texts[-3] == "theirs" and "offline" in texts[-2] and texts[-1] == "mine, offline"


def test_the_dashboard_engine_runs_on_the_offline_capable_journal(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nexus_tui.commands.dashboard import incident_engine
    from nexus_tui.config import AppConfig
    from nexus_tui.engine.journal_link import JournalLink

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("NEXUS_TUI_NO_STS", "1")
    service, _executor, _comms = incident_engine(AppConfig(), pg_url)
    with service:
        link = JournalLink(service)
        assert link.enabled and link.status().unreachable_since is None and link.status().pending == 0
        assert service.journal.location == PostgresJournal(pg_url, lazy=True).location


def test_journal_merge_takes_every_offline_file_left_on_this_machine(
    tmp_path: Path, pg_restartable_url: str, pg_restartable: Restartable
) -> None:
    """A TUI and a command each went offline in a file of their own: one `journal merge` merges both."""
    import argparse
    import io
    from datetime import UTC, datetime, timedelta

    from nexus_tui.commands.journal_merge import run_merge
    from nexus_tui.journal.offline import OfflineCapableJournal
    from nexus_tui.journal.sqlite import SqliteJournal

    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    offline_dir = tmp_path / "offline"
    url = pg_restartable_url
    with PostgresJournal(url) as dba:
        for iid in ("INC-A", "INC-B"):
            dba.append(iid, "declared", {}, at=t0, actor="dba", aws_identity=None, expect_seq=0)
    writers = [
        OfflineCapableJournal(
            PostgresJournal(url), offline_dir, SqliteJournal, now=lambda m=m: t0 + timedelta(minutes=m)
        )
        for m in (1, 2)
    ]
    for writer, iid in zip(writers, ("INC-A", "INC-B"), strict=True):
        assert writer.events_since(iid, 0)
    pg_restartable.stop()
    for writer, iid in zip(writers, ("INC-A", "INC-B"), strict=True):
        writer.append(iid, "note", {"text": "offline"}, at=t0, actor="ic", aws_identity=None, expect_seq=1)
        writer.close()
    pg_restartable.start()
    store = OfflineCapableJournal(PostgresJournal(url), offline_dir, SqliteJournal)
    store.recover()
    out = io.StringIO()
    assert run_merge(argparse.Namespace(accept=None), store, out) == 0
    assert "INC-A: merged 1" in out.getvalue() and "INC-B: merged 1" in out.getvalue()
    store.close()
    with PostgresJournal(url) as shared:
        assert shared.heads() == {"INC-A": 3, "INC-B": 3}
