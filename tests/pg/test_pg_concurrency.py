"""Several processes (several machines) on one incident in PostgreSQL: one step confirmed once, no note lost."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from nexus_tui.journal.base import OutboxDraft
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


def test_two_engines_on_two_machines_confirm_one_step_and_exactly_one_wins(pg_url: str) -> None:
    from nexus_tui.domain.clock import SystemClock
    from nexus_tui.domain.settings import Settings
    from nexus_tui.engine.incidents import IncidentService
    from tests.incident_fixtures import sample_runbook

    svc = IncidentService(
        PostgresJournal(pg_url),
        clock=SystemClock(),
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        actor="ic",
    )
    with svc:
        incident = svc.declare("rds-failover", severity="sev1", ic="ic", drill=True)
    procs = [_spawn("engine", pg_url, incident, who) for who in ("ic@laptop", "dba@desktop")]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outcomes = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert outcomes[1] == "won" and outcomes[0].startswith("refused: "), outcomes
    with PostgresJournal(pg_url) as j:
        confirmations = [e for e in j.events_since(incident, 0) if e.type == "step_confirmed"]
        assert len(confirmations) == 1 and j.verify(incident).ok


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


def test_four_senders_claim_concurrently_and_each_message_goes_once_in_incident_order(pg_url: str) -> None:
    with PostgresJournal(pg_url) as j:
        for i in range(10):
            incident = f"INC-{i}"
            j.append(incident, "declared", {}, at=T0, actor="ic", aws_identity=None, expect_seq=0)
            for n in range(1, 4):
                box = [OutboxDraft("slack:#ir", f"m{n}", {"n": n})]
                j.append(incident, "note", {}, at=T0, actor="ic", aws_identity=None, expect_seq=n, outbox=box)
    sent: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def sender(name: str) -> None:
        with PostgresJournal(pg_url) as store:
            idle = 0
            while idle < 3:
                claimed = store.outbox_claim(name, T0, 300, limit=3)
                idle = 0 if claimed else idle + 1
                for message in claimed:
                    with lock:
                        sent.append((message.incident_id, message.payload["n"], name))
                    assert store.outbox_update(message.id, name, status="sent")

    threads = [threading.Thread(target=sender, args=(f"s{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted((i, n) for i, n, _ in sent) == sorted((f"INC-{i}", n) for i in range(10) for n in (1, 2, 3))
    for i in range(10):
        assert [n for inc, n, _ in sent if inc == f"INC-{i}"] == [1, 2, 3]
    with PostgresJournal(pg_url) as j:
        assert {m.status for m in j.outbox_list()} == {"sent"}
