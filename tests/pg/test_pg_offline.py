"""The shared database stops mid-incident: the IC goes on in a local SQLite journal, and the events are merged
back, in order and re-chained, with the gap visible; a conflict waits for the IC's decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import JournalUnavailable, OutboxDraft
from nexus_tui.journal.offline import OfflineCapableJournal
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.sqlite import SqliteJournal as Journal
from tests.pg.conftest import Restartable


@pytest.fixture
def server(pg_restartable: Restartable) -> Restartable:
    return pg_restartable


@pytest.fixture
def url(pg_restartable_url: str) -> str:
    return pg_restartable_url


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def test_stopped_mid_incident_continued_offline_and_merged_back(server: Restartable, url: str, tmp_path: Path) -> None:
    ic = OfflineCapableJournal(PostgresJournal(url), tmp_path / "offline", Journal, host="ic-laptop", now=lambda: at(9))
    with PostgresJournal(url) as dba:
        ic.append("INC-1", "declared", {"title": "x"}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
        ic.append("INC-1", "step_started", {"step_id": "s1"}, at=at(1), actor="ic", aws_identity=None, expect_seq=1)
        server.stop()
        confirmed = ic.append(
            "INC-1", "step_confirmed", {"step_id": "s1"}, at=at(2), actor="ic", aws_identity=None, expect_seq=2
        )
        ic.append("INC-1", "note", {"text": "db gone"}, at=at(3), actor="ic", aws_identity=None, expect_seq=3)
        assert confirmed.seq == 3 and ic.unreachable_since == at(9)
        assert ic.offline_incidents == {"INC-1": 2} and ic.offline_file is not None and ic.offline_file.exists()
        episode = ic.offline_file.stem
        assert [e.payload.get("offline") for e in ic.events_since("INC-1", 0)] == [None, None, episode, episode]
        with pytest.raises(JournalUnavailable):
            ic.merge("INC-1")
        server.start()
        result = ic.merge("INC-1")
        assert (result.merged, result.conflicts) == (2, [])
        events = dba.events_since("INC-1", 0)
        assert [e.type for e in events] == ["declared", "step_started", "note", "step_confirmed", "note"]
        gap = events[2].payload["offline_gap"]
        assert gap["events"] == 2 and gap["host"] == "ic-laptop" and "offline" in events[2].payload["text"]
        assert events[3].payload == {"step_id": "s1", "offline": episode, "offline_seq": 3}
        assert events[3].at == at(2)
        assert dba.verify("INC-1").ok
        assert ic.offline_incidents == {} and ic.unreachable_since is None
        # Back online: the next append goes straight to the shared journal.
        ic.append("INC-1", "note", {"text": "back"}, at=at(10), actor="ic", aws_identity=None, expect_seq=5)
        assert dba.heads() == {"INC-1": 6}
    ic.close()


def test_a_conflict_waits_for_the_ic_and_nothing_is_dropped_silently(
    server: Restartable, url: str, tmp_path: Path
) -> None:
    ic = OfflineCapableJournal(PostgresJournal(url), tmp_path / "offline", Journal, host="ic-laptop", now=lambda: at(9))
    ic.append("INC-1", "declared", {}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
    ic.append("INC-1", "step_started", {"step_id": "s1"}, at=at(1), actor="ic", aws_identity=None, expect_seq=1)
    server.stop()
    ic.append("INC-1", "step_confirmed", {"step_id": "s1"}, at=at(2), actor="ic", aws_identity=None, expect_seq=2)
    server.start()
    with PostgresJournal(url) as dba:  # another responder, who could still reach the database, skipped s1
        dba.append("INC-1", "step_skipped", {"step_id": "s1"}, at=at(3), actor="dba", aws_identity=None, expect_seq=2)
        waiting = ic.merge("INC-1")
        assert waiting.needs_decision and [e.type for e in waiting.conflicts] == ["step_skipped"]
        assert [e.type for e in waiting.pending] == ["step_confirmed"]
        assert dba.heads() == {"INC-1": 3}  # nothing written before the decision
        done = ic.merge("INC-1", accept=True)
        assert done.merged == 1
        events = dba.events_since("INC-1", 0)
        assert [e.type for e in events] == ["declared", "step_started", "step_skipped", "note", "step_confirmed"]
        assert dba.verify("INC-1").ok
    ic.close()


def test_discarding_offline_events_still_records_them(server: Restartable, url: str, tmp_path: Path) -> None:
    ic = OfflineCapableJournal(PostgresJournal(url), tmp_path / "offline", Journal, now=lambda: at(9))
    ic.append("INC-1", "declared", {}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
    server.stop()
    ic.append("INC-1", "note", {"text": "offline idea"}, at=at(2), actor="ic", aws_identity=None, expect_seq=1)
    server.start()
    with PostgresJournal(url) as dba:
        dba.append("INC-1", "note", {"text": "meanwhile"}, at=at(3), actor="dba", aws_identity=None, expect_seq=1)
        result = ic.merge("INC-1", accept=False)
        assert result.discarded == 1 and result.merged == 0
        events = dba.events_since("INC-1", 0)
        assert [e.type for e in events] == ["declared", "note", "note"]
        assert "offline idea" in events[2].payload["offline_gap"]["listing"]
    ic.close()


def test_an_incident_never_read_here_cannot_be_continued_offline(server: Restartable, url: str, tmp_path: Path) -> None:
    with PostgresJournal(url) as dba:
        dba.append("INC-1", "declared", {}, at=at(0), actor="dba", aws_identity=None, expect_seq=0)
    ic = OfflineCapableJournal(PostgresJournal(url), tmp_path / "offline", Journal)
    server.stop()
    with pytest.raises(JournalUnavailable, match="cannot continue it offline"):
        ic.append("INC-1", "note", {}, at=at(1), actor="ic", aws_identity=None, expect_seq=1)
    server.start()
    ic.close()


class FailsOnAppend(PostgresJournal):
    """A shared store whose connection drops on its n-th append (before COMMIT)."""

    def __init__(self, url: str, fail_on: int) -> None:
        super().__init__(url)
        self.appends, self.fail_on = 0, fail_on

    def append(self, *args: Any, **kwargs: Any) -> Event:
        self.appends += 1
        if self.appends == self.fail_on:
            raise JournalUnavailable("connection lost")
        return super().append(*args, **kwargs)


def test_a_restart_while_offline_and_an_interrupted_merge_lose_nothing(
    server: Restartable, url: str, tmp_path: Path
) -> None:
    offline_dir = tmp_path / "offline"
    first = OfflineCapableJournal(PostgresJournal(url), offline_dir, Journal, now=lambda: at(9))
    first.append("INC-1", "declared", {}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
    server.stop()
    for seq in (2, 3, 4):
        first.append("INC-1", "note", {"n": seq}, at=at(seq), actor="ic", aws_identity=None, expect_seq=seq - 1)
    first.close()  # the laptop reboots while the database is still down
    server.start()
    # The merge dies after the gap note and the first event (third append), and is run again.
    second = OfflineCapableJournal(FailsOnAppend(url, fail_on=3), offline_dir, Journal, now=lambda: at(20))
    assert second.recover() == {"INC-1": 1}
    assert [e.seq for e in second.events_since("INC-1", 0)] == [1, 2, 3, 4]
    with pytest.raises(JournalUnavailable):
        second.merge("INC-1")
    assert second.merge("INC-1").merged == 2
    second.close()
    third = OfflineCapableJournal(PostgresJournal(url), offline_dir, Journal)
    assert third.recover() == {}  # merged: not offered again
    third.close()
    with PostgresJournal(url) as shared:
        events = shared.events_since("INC-1", 0)
        assert [e.payload.get("n") for e in events] == [None, None, 2, 3, 4]
        assert "offline_gap" in events[1].payload and shared.verify("INC-1").ok


def test_offline_outbox_messages_survive_a_restart_and_reach_the_shared_outbox_once(
    server: Restartable, url: str, tmp_path: Path
) -> None:
    offline_dir = tmp_path / "offline"
    first = OfflineCapableJournal(PostgresJournal(url), offline_dir, Journal, now=lambda: at(9))
    first.append("INC-1", "declared", {}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
    server.stop()
    for seq in (2, 3):
        draft = OutboxDraft("slack:#ir", f"note-{seq}", {"text": f"update {seq}"})
        first.append(
            "INC-1", "note", {"n": seq}, at=at(seq), actor="ic", aws_identity=None, expect_seq=seq - 1, outbox=[draft]
        )
    first.close()  # the process dies while offline: the messages are in the offline file, not in memory
    server.start()
    # The merge breaks after the gap note and the first event (its message went in with it), and is run again.
    second = OfflineCapableJournal(FailsOnAppend(url, fail_on=3), offline_dir, Journal, now=lambda: at(20))
    assert second.recover() == {"INC-1": 1} and second.pending_events() == 2
    with pytest.raises(JournalUnavailable):
        second.merge("INC-1")
    assert second.merge("INC-1").merged == 1
    assert second.merge("INC-1").merged == 0  # nothing left: running it again sends nothing twice
    second.close()
    with PostgresJournal(url) as shared:
        sent = shared.outbox_list("INC-1")
        assert [(m.key, m.payload["text"]) for m in sent] == [("note-2", "update 2"), ("note-3", "update 3")]
        events = shared.events_since("INC-1", 0)
        assert [m.event_seq for m in sent] == [e.seq for e in events if e.payload.get("n")]


def test_an_incident_declared_offline_keeps_its_declaration_first(
    server: Restartable, url: str, tmp_path: Path
) -> None:
    ic = OfflineCapableJournal(PostgresJournal(url, lazy=True), tmp_path / "offline", Journal, now=lambda: at(9))
    server.stop()
    ic.append("INC-2", "declared", {"title": "t"}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
    ic.append("INC-2", "note", {"text": "x"}, at=at(1), actor="ic", aws_identity=None, expect_seq=1)
    assert ic.exists("INC-2") and ic.unresolved_ids() == ["INC-2"]
    server.start()
    assert ic.merge("INC-2").merged == 2
    with PostgresJournal(url) as shared:
        events = shared.events_since("INC-2", 0)
        assert [e.type for e in events] == ["declared", "note", "note"]
        assert "offline_gap" in events[1].payload and shared.verify("INC-2").ok
    ic.close()


def test_a_new_process_goes_on_offline_with_what_this_machine_read_before(
    server: Restartable, url: str, tmp_path: Path
) -> None:
    """A CLI command starts while the database is down: it continues from what earlier commands read."""
    offline_dir = tmp_path / "offline"
    with PostgresJournal(url) as dba:
        dba.append("INC-1", "declared", {}, at=at(0), actor="dba", aws_identity=None, expect_seq=0)
        dba.append("INC-1", "note", {"text": "dba"}, at=at(1), actor="dba", aws_identity=None, expect_seq=1)
    reader = OfflineCapableJournal(PostgresJournal(url), offline_dir, Journal)
    assert len(reader.events_since("INC-1", 0)) == 2
    reader.close()
    server.stop()
    later = OfflineCapableJournal(PostgresJournal(url, lazy=True), offline_dir, Journal, now=lambda: at(9))
    assert later.recover() == {}
    assert [e.seq for e in later.events_since("INC-1", 0)] == [1, 2]
    assert later.heads() == {"INC-1": 2} and later.incident_ids() == ["INC-1"] and later.exists("INC-1")
    assert later.unreachable_since == at(9)
    later.append("INC-1", "note", {"text": "ic"}, at=at(2), actor="ic", aws_identity=None, expect_seq=2)
    assert later.heads() == {"INC-1": 2}  # the shared head last seen, never an offline seq
    later.close()
    server.start()
    after = OfflineCapableJournal(PostgresJournal(url), offline_dir, Journal)
    assert after.recover() == {"INC-1": 2}
    assert after.merge("INC-1").merged == 1
    after.close()


class CountingShared(PostgresJournal):
    def __init__(self, url: str) -> None:
        super().__init__(url, lazy=True)
        self.calls = 0

    def incident_ids(self) -> list[str]:
        self.calls += 1
        return super().incident_ids()


def test_an_unreachable_database_is_not_knocked_at_on_every_call(tmp_path: Path) -> None:
    """A cut network costs a connect timeout per attempt: after a failure the everyday calls answer from what this
    machine has (at once) for the hold-down; ping() still asks."""
    shared = CountingShared("postgresql://nobody:pw@127.0.0.1:9/nexus")  # nothing listens on the discard port
    clock = [100.0]
    ic = OfflineCapableJournal(shared, tmp_path / "offline", Journal, hold_down=10.0, monotonic=lambda: clock[0])
    assert ic.incident_ids() == [] and ic.incident_ids() == []
    assert shared.calls == 1 and ic.unreachable_since is not None
    clock[0] += 10.5
    assert ic.incident_ids() == [] and shared.calls == 2
    assert not ic.ping()
    assert "pw" not in ic.location
    ic.close()


def test_taking_theirs_without_a_conflict_still_merges(server: Restartable, url: str, tmp_path: Path) -> None:
    """`journal merge --accept theirs` over several incidents: only those with a conflict are discarded."""
    ic = OfflineCapableJournal(PostgresJournal(url), tmp_path / "offline", Journal, now=lambda: at(9))
    for iid in ("INC-1", "INC-2"):
        ic.append(iid, "declared", {}, at=at(0), actor="ic", aws_identity=None, expect_seq=0)
    server.stop()
    for iid in ("INC-1", "INC-2"):
        ic.append(iid, "note", {"text": f"{iid} offline"}, at=at(2), actor="ic", aws_identity=None, expect_seq=1)
    server.start()
    with PostgresJournal(url) as dba:
        dba.append("INC-2", "note", {"text": "meanwhile"}, at=at(3), actor="dba", aws_identity=None, expect_seq=1)
    results = {r.incident_id: r for r in ic.merge_all(accept=False)}
    assert (results["INC-1"].merged, results["INC-1"].discarded) == (1, 0)
    assert (results["INC-2"].merged, results["INC-2"].discarded) == (0, 1)
    ic.close()
