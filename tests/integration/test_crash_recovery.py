"""Crash safety: a process holding the journal open is SIGKILLed in the middle of a write loop; a restart
finds every confirmed step, every acknowledged event and the original declaration time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from tests.incident_fixtures import sample_runbook

# The "TUI": confirms a step, says so, then writes notes as fast as it can, acknowledging each one.
WRITER = """
import sys
from pathlib import Path
from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from tests.incident_fixtures import sample_runbook

svc = IncidentService(SqliteJournal(Path(sys.argv[1])), clock=SystemClock(), runbook_loader=lambda _: sample_runbook(),
                      settings=Settings(), actor="tui")
iid = sys.argv[2]
svc.confirm(iid, "promote", "db-replica-west")
print("confirmed", flush=True)
i = 0
while True:
    view = svc.note(iid, f"tick {i}")
    print(view.state.last_seq, flush=True)
    i += 1
"""


def service(path: Path) -> IncidentService:
    return IncidentService(
        SqliteJournal(path),
        clock=SystemClock(),
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        actor="cli",
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_write_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with service(path) as svc:
        iid = svc.declare("rds-failover", drill=True)
        svc.confirm(iid, "verify")
        declared_at = svc.get(iid).state.declared_at

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), iid], stdout=subprocess.PIPE, text=True, env=env, cwd=root
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "confirmed"
    acknowledged = 0
    deadline = time.monotonic() + 20
    while acknowledged < 3 + 50 and time.monotonic() < deadline:  # kill it while it is busy writing
        acknowledged = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    with service(path) as svc:  # the restart
        assert svc.verify(iid).ok
        view = svc.open_incident()
        assert view is not None and view.state.id == iid
        s = view.state
        assert s.declared_at == declared_at
        assert [st.status for st in s.steps[:2]] == ["done", "done"] and s.steps[1].finished_by == "tui"
        assert s.last_seq >= acknowledged >= 53
        # The clock keeps counting from the original declaration, not from the restart.
        assert view.timers.elapsed_seconds == pytest.approx((datetime.now(UTC) - declared_at).total_seconds(), abs=2)
        svc.confirm(iid, "dns", "app.example.com")  # and work carries on

    shown = subprocess.run(
        [sys.executable, "-m", "nexus_tui", "incident", "show", iid, "--json"],
        env={
            **env,
            "NEXUS_TUI_JOURNAL": str(path),
            "NEXUS_TUI_NO_STS": "1",
            "NEXUS_TUI_CONFIG": str(tmp_path / "none.toml"),
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    data = json.loads(shown.stdout)
    assert [st["status"] for st in data["steps"]] == ["done", "done", "done", "pending", "pending"]
    assert data["current_step"] == "health"
