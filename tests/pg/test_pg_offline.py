"""The shared database stops mid-incident: the IC goes on in a local SQLite journal, and the events are merged
back, in order and re-chained, with the gap visible; a conflict waits for the IC's decision."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg
import pytest

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import JournalUnavailable
from nexus_tui.journal.offline import OfflineCapableJournal
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.sqlite import SqliteJournal as Journal

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Restartable:
    """A pgserver of this module's own, so stopping it does not disturb the other tests' server."""

    def __init__(self) -> None:
        import pgserver
        from pgserver import _commands

        self._pg_ctl = _commands.pg_ctl
        self.pgdata = Path(tempfile.mkdtemp(prefix="nexus-pg-off-")) / "data"
        self.admin_url = pgserver.get_server(self.pgdata, cleanup_mode="delete").get_uri()
        self._socket_dir = parse_qs(urlsplit(self.admin_url).query)["host"][0]
        self._user = "pgserver" if os.geteuid() == 0 else None

    def stop(self) -> None:
        self._pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._user, timeout=60)

    def start(self) -> None:
        args = ["-w", "-o", '-h ""', "-o", f"-k {self._socket_dir}", "-l", str(self.pgdata / "log"), "start"]
        self._pg_ctl(args, pgdata=self.pgdata, user=self._user, timeout=60)

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(self.admin_url)._replace(path="/" + name))


@pytest.fixture(scope="module")
def server() -> Restartable:
    return Restartable()


@pytest.fixture
def url(server: Restartable) -> Iterator[str]:
    if not _running(server):
        server.start()
    yield server.new_database()
    if not _running(server):
        server.start()


def _running(server: Restartable) -> bool:
    return (server.pgdata / "postmaster.pid").exists()


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
