"""The PostgreSQL change feed: LISTEN/NOTIFY for the wake-up, per-incident positions for what to read.

Each follower has its own connection (LISTEN holds it; the store's connection stays free for writes). The
notification says only "incident X reached seq N"; the follower then reads `seq > known` for the incidents
named, in one query. Because an incident's seqs are gap-free and an event can only be written after its
predecessor committed, "seq > known" can never pass over an event that commits late: there is no global
counter whose values commit out of order (see README, "Commit-ordered reading").

NOTIFY is delivered only at commit and is lost while the listener is disconnected, so:
- a heartbeat query runs whenever `heartbeat` seconds pass without a notification, and a reply that does not
  come within `heartbeat` seconds counts as a dead connection (a cut network sends no FIN);
- after every (re)connect the follower compares all heads with its position and reads what it missed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import psycopg

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import Position
from nexus_tui.journal.postgres_conninfo import ConnInfo
from nexus_tui.journal.postgres_rows import EVENT_COLUMNS, HEADS_QUERY, to_event
from nexus_tui.journal.postgres_schema import CHANNEL

if TYPE_CHECKING:
    from nexus_tui.journal.postgres import PostgresJournal

_EVERYTHING = "\0every-head"  # an empty or unreadable payload: compare every head


async def follow(
    info: ConnInfo,
    since: Position | None,
    *,
    heartbeat: float = 5.0,
    retry: float = 0.25,
    max_retry: float = 5.0,
    store: PostgresJournal | None = None,
    on_listening: Callable[[], None] | None = None,
) -> AsyncIterator[list[Event]]:
    known: dict[str, int] | None = dict(since) if since is not None else None
    delay = retry
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(
                info.with_options(application_name="nexus-tui follow"), autocommit=True
            )
        except psycopg.OperationalError:
            _unreachable(store)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_retry)
            continue
        try:
            async with conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                # Position read after LISTEN: whatever commits from here on is both notified and not yet known.
                if known is None:
                    known = await _heads(conn)
                else:
                    batch = await _read(conn, known, {_EVERYTHING})
                    if batch:
                        yield batch
                delay = retry
                if store is not None:
                    store.unreachable_since = None
                if on_listening is not None:
                    on_listening()
                while True:
                    wanted = await _wait(conn, known, heartbeat)
                    if not wanted:
                        await asyncio.wait_for(conn.execute("SELECT 1"), heartbeat)
                        continue
                    batch = await _read(conn, known, wanted)
                    if batch:
                        yield batch
        except (psycopg.OperationalError, psycopg.InterfaceError, TimeoutError):
            _unreachable(store)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_retry)


def _unreachable(store: PostgresJournal | None) -> None:
    if store is not None:
        store._mark_unreachable()


async def _wait(conn: psycopg.AsyncConnection[Any], known: dict[str, int], heartbeat: float) -> set[str]:
    """Incidents with news: block for the first notification (up to `heartbeat`), then take what else is queued."""
    wanted: set[str] = set()
    async for notify in conn.notifies(timeout=heartbeat, stop_after=1):
        _note(notify.payload, known, wanted)
    if wanted:
        async for notify in conn.notifies(timeout=0):
            _note(notify.payload, known, wanted)
    return wanted


def _note(payload: str, known: dict[str, int], wanted: set[str]) -> None:
    try:
        incident_id, seq = json.loads(payload)
    except (ValueError, TypeError):
        wanted.add(_EVERYTHING)
        return
    if int(seq) > known.get(str(incident_id), 0):
        wanted.add(str(incident_id))


async def _heads(conn: psycopg.AsyncConnection[Any]) -> dict[str, int]:
    cur = await conn.execute(HEADS_QUERY)
    return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def _read(conn: psycopg.AsyncConnection[Any], known: dict[str, int], wanted: set[str]) -> list[Event]:
    if _EVERYTHING in wanted:
        heads = await _heads(conn)
        wanted = {i for i, seq in heads.items() if seq > known.get(i, 0)}
    if not wanted:
        return []
    ids = sorted(wanted)
    cur = await conn.execute(
        f"SELECT {', '.join('e.' + c for c in EVENT_COLUMNS.split(', '))} FROM journal_events e"
        " JOIN unnest(%s::text[], %s::int[]) AS k(incident_id, seq) ON e.incident_id = k.incident_id"
        " AND e.seq > k.seq ORDER BY e.id",
        (ids, [known.get(i, 0) for i in ids]),
    )
    events = [to_event(r) for r in await cur.fetchall()]
    for event in events:
        known[event.incident_id] = max(known.get(event.incident_id, 0), event.seq)
    return events
