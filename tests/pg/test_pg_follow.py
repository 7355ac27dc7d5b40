"""The PostgreSQL change feed against a real server: pushed by NOTIFY, commit-ordered, and self-healing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import Position
from nexus_tui.journal.chain import GENESIS, canonical, event_hash, format_at
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.postgres_follow import follow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WAIT = 60.0  # a safety net against a hang, never a measured budget


class Follower:
    """Runs a feed in a task; batches land in a queue, and `listening` counts (re)connections."""

    def __init__(self, store: PostgresJournal, since: Position | None, heartbeat: float = 5.0) -> None:
        self.batches: asyncio.Queue[list[Event]] = asyncio.Queue()
        self.listening = 0
        self._changed = asyncio.Event()
        self._feed: AsyncIterator[list[Event]] = follow(
            store.conninfo, since, heartbeat=heartbeat, retry=0.05, on_listening=self._on_listening
        )
        self._task = asyncio.create_task(self._run())

    def _on_listening(self) -> None:
        self.listening += 1
        self._changed.set()

    async def _run(self) -> None:
        async for batch in self._feed:
            await self.batches.put(batch)

    async def wait_listening(self, count: int = 1) -> None:
        async def _until() -> None:
            while self.listening < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_until(), WAIT)

    async def next(self) -> list[Event]:
        return await asyncio.wait_for(self.batches.get(), WAIT)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._feed.aclose()  # type: ignore[attr-defined]


def append(j: PostgresJournal, incident: str, seq: int, text: str = "") -> Event:
    type_ = "declared" if seq == 1 else "note"
    return j.append(incident, type_, {"text": text}, at=T0, actor="ic", aws_identity=None, expect_seq=seq - 1)


async def test_an_event_written_by_one_store_reaches_the_other_store_s_feed(pg_url: str) -> None:
    with PostgresJournal(pg_url) as a, PostgresJournal(pg_url) as b:
        append(a, "INC-1", 1, "before")
        feed = Follower(b, since=None)
        try:
            await feed.wait_listening()
            await asyncio.to_thread(append, a, "INC-1", 2, "after")
            batch = await feed.next()
            assert [(e.incident_id, e.seq, e.payload["text"]) for e in batch] == [("INC-1", 2, "after")]
        finally:
            await feed.close()


async def test_follow_from_an_empty_position_replays_everything_through_the_store(pg_url: str) -> None:
    with PostgresJournal(pg_url) as a:
        append(a, "INC-1", 1)
        append(a, "INC-2", 1)
        append(a, "INC-1", 2)
        feed = a.follow({})
        try:
            batch = await asyncio.wait_for(anext(feed), WAIT)
        finally:
            await feed.aclose()  # type: ignore[attr-defined]
        assert [(e.incident_id, e.seq) for e in batch] == [("INC-1", 1), ("INC-2", 1), ("INC-1", 2)]


async def test_an_event_that_commits_late_is_not_skipped(pg_url: str) -> None:
    """Two transactions: the one that started first (and took the lower id) commits last."""
    with PostgresJournal(pg_url) as b:
        feed = Follower(b, since={})
        try:
            await feed.wait_listening()
            slow = await psycopg.AsyncConnection.connect(b.conninfo.dsn)
            at = format_at(T0)
            payload = canonical({"text": "slow"})
            digest = event_hash("INC-SLOW", 1, "declared", at, "ic", None, payload, GENESIS)
            await slow.execute(
                "INSERT INTO journal_events (incident_id, seq, type, at, actor, aws_identity, payload, prev_hash, hash)"
                " VALUES ('INC-SLOW', 1, 'declared', %s, 'ic', NULL, %s, %s, %s)",
                (at, payload, GENESIS, digest),
            )
            fast = await asyncio.to_thread(append, b, "INC-FAST", 1, "fast")  # starts later, commits first
            first = await feed.next()
            assert [(e.incident_id, e.seq) for e in first] == [(fast.incident_id, 1)]
            await slow.commit()
            await slow.close()
            second = await feed.next()
            assert [(e.incident_id, e.seq) for e in second] == [("INC-SLOW", 1)]
            # The late event holds the lower id: a feed reading "id > last id seen" would have passed over it.
            with psycopg.connect(b.conninfo.dsn) as conn:
                ids = dict(conn.execute("SELECT incident_id, id FROM journal_events").fetchall())
            assert ids["INC-SLOW"] < ids["INC-FAST"]
        finally:
            await feed.close()


async def test_a_killed_listen_connection_reconnects_and_catches_up(pg_url: str) -> None:
    with PostgresJournal(pg_url) as a, PostgresJournal(pg_url) as b:
        append(a, "INC-1", 1)
        feed = Follower(b, since=b.heads())
        try:
            await feed.wait_listening()
            with psycopg.connect(a.conninfo.dsn, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'nexus-tui follow' AND datname = current_database()"
                ).fetchall()
                assert killed == [(True,)]
                # Written while the follower has no listening connection: its NOTIFY goes to nobody.
                append(a, "INC-1", 2, "while disconnected")
            batch = await feed.next()
            assert [(e.seq, e.payload["text"]) for e in batch] == [(2, "while disconnected")]
            await feed.wait_listening(2)
            await asyncio.to_thread(append, a, "INC-1", 3, "after")
            assert [e.seq for e in await feed.next()] == [3]
        finally:
            await feed.close()


async def test_heartbeat_keeps_an_idle_feed_alive(pg_url: str) -> None:
    with PostgresJournal(pg_url) as a:
        feed = Follower(a, since={}, heartbeat=0.05)
        try:
            await feed.wait_listening()
            with psycopg.connect(a.conninfo.dsn, autocommit=True) as admin:
                # A heartbeat is a query the follower sent after listening: proof it talks while nothing happens.
                for _ in range(200):
                    row = admin.execute(
                        "SELECT query FROM pg_stat_activity WHERE application_name = 'nexus-tui follow'"
                    ).fetchone()
                    if row and row[0] == "SELECT 1":
                        break
                    await asyncio.sleep(0.05)
                else:
                    pytest.fail("the follower never sent a heartbeat")
            await asyncio.to_thread(append, a, "INC-1", 1)
            assert [e.seq for e in await feed.next()] == [1]
            assert feed.listening == 1
        finally:
            await feed.close()


async def test_an_id_too_long_for_a_notify_payload_still_reaches_the_feed(pg_url: str) -> None:
    long_id = "INC-" + "x" * 8000
    with PostgresJournal(pg_url) as a:
        feed = Follower(a, since={})
        try:
            await feed.wait_listening()
            await asyncio.to_thread(append, a, long_id, 1)
            assert [(e.incident_id, e.seq) for e in await feed.next()] == [(long_id, 1)]
        finally:
            await feed.close()
