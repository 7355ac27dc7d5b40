"""Several processes (several machines) on one incident in PostgreSQL: one step confirmed once, no note lost."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from nexus_tui.journal.postgres import PostgresJournal

WRITER = str(Path(__file__).with_name("pg_writer.py"))
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, WRITER, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_two_processes_confirm_one_step_and_exactly_one_wins(pg_url: str) -> None:
    with PostgresJournal(pg_url) as j:
        j.append("INC-1", "declared", {}, at=T0, actor="ic", aws_identity=None, expect_seq=0)
        j.append("INC-1", "step_started", {"step_id": "s1"}, at=T0, actor="ic", aws_identity=None, expect_seq=1)
    procs = [_spawn("confirm", pg_url, "INC-1", who) for who in ("ic@laptop", "dba@desktop")]
    for p in procs:  # both have read seq 2 before either writes
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outcomes = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert outcomes == ["conflict", "won"]
    with PostgresJournal(pg_url) as j:
        events = j.events_since("INC-1", 0)
        assert [e.type for e in events] == ["declared", "step_started", "step_confirmed"]
        assert j.verify("INC-1").ok


def test_four_processes_by_fifty_notes_all_land_and_the_chain_verifies(pg_url: str) -> None:
    with PostgresJournal(pg_url) as j:
        j.append("INC-1", "declared", {}, at=T0, actor="ic", aws_identity=None, expect_seq=0)
    writers = [f"w{n}" for n in range(4)]
    procs = [_spawn("notes", pg_url, "INC-1", who, "50") for who in writers]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    with PostgresJournal(pg_url) as j:
        events = j.events_since("INC-1", 0)
        assert [e.seq for e in events] == list(range(1, 202))
        for who in writers:
            assert [e.payload["i"] for e in events if e.actor == who] == list(range(50))
        result = j.verify("INC-1")
        assert result.ok and result.checked == 201
