"""The journal on PostgreSQL: several responders on several machines share one incident.

Same guarantees as the SQLite store: append-only (the database refuses UPDATE/DELETE/TRUNCATE of events, see
postgres_schema), the per-incident hash chain computed by the same functions, optimistic concurrency on
(incident_id, seq) through a unique constraint, and a commit that is durable (synchronous_commit on) before
append() returns. The outbox rows go in the same transaction as their event; claims use FOR UPDATE SKIP LOCKED
so two senders on two machines never take the same message.

One connection per store, calls serialised by a lock (the engine calls from worker threads). A connection that
breaks is replaced on the next call; meanwhile calls fail with JournalUnavailable, whose message never carries
the password. If the connection breaks while a COMMIT is in flight, append() looks the event up again before
answering, so the caller is told "recorded" or "not recorded", or, if the database is still unreachable,
"outcome unknown" -- never a guess.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import errors
from psycopg.types.json import Jsonb

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import (
    JournalError,
    JournalReadOnly,
    JournalStore,
    JournalUnavailable,
    OutboxDraft,
    OutboxMessage,
    OutboxStatus,
    Position,
    SeqConflict,
    VerifyResult,
)
from nexus_tui.journal.chain import GENESIS, canonical, event_hash, format_at, parse_at
from nexus_tui.journal.postgres_conninfo import ConnInfo, parse
from nexus_tui.journal.postgres_rows import (
    EVENT_COLUMNS,
    HEADS_QUERY,
    OUTBOX_COLUMNS,
    to_event,
    to_outbox,
    verify_rows,
)
from nexus_tui.journal.postgres_schema import GUARD_TRIGGERS, ensure_schema


class PostgresJournal:
    """A JournalStore on a PostgreSQL database named by a libpq URL or key=value string."""

    def __init__(self, target: str, *, heartbeat: float = 5.0, lazy: bool = False, read_only: bool = False) -> None:
        """Connects at once and checks the tables, unless `lazy`: then a database that is down when the program
        starts is only reported by the first call (so a front end can open and say "unreachable since T").
        `read_only` opens every transaction read-only: an append is then refused with JournalReadOnly."""
        self._info: ConnInfo = parse(target)
        self._heartbeat = heartbeat
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._schema_checked = False
        self._read_only = read_only
        # When the database was last found unreachable, for "shared journal unreachable since T"; None when fine.
        self.unreachable_since: datetime | None = None
        if not lazy:
            with self._locked():
                pass

    @property
    def location(self) -> str:
        return self._info.location

    @property
    def conninfo(self) -> ConnInfo:
        return self._info

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> PostgresJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection ---------------------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        try:
            conn = psycopg.connect(self._info.dsn, autocommit=True)
        except psycopg.Error as exc:
            raise self._translate(exc) from None
        try:
            conn.execute("SET TIME ZONE 'UTC'")
            # A server configured with synchronous_commit=off would let a confirmed step vanish in a crash.
            if conn.execute("SHOW synchronous_commit").fetchone() in (("off",), ("local",)):
                conn.execute("SET synchronous_commit = on")
            if not self._schema_checked:
                ensure_schema(conn, self.location)
                self._schema_checked = True
            if self._read_only:
                conn.execute("SET default_transaction_read_only = on")
        except (psycopg.Error, JournalError) as exc:
            conn.close()
            raise (self._translate(exc) if isinstance(exc, psycopg.Error) else exc) from None
        return conn

    @contextmanager
    def _locked(self) -> Iterator[psycopg.Connection]:
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = None
                try:
                    self._conn = self._connect()
                except JournalUnavailable:
                    self._mark_unreachable()
                    raise
            try:
                yield self._conn
            except psycopg.Error as exc:
                if self._conn.broken or isinstance(exc, psycopg.OperationalError):
                    self._conn.close()
                    self._conn = None
                translated = self._translate(exc)
                if isinstance(translated, JournalUnavailable):
                    self._mark_unreachable()
                raise translated from None
            self.unreachable_since = None

    def _query(self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """One read. A connection that died while idle (the server restarted, a failover) is only found out by
        using it: then the read is tried once more on a new connection."""
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                with self._locked() as conn:
                    return conn.execute(query, params).fetchall()
            except JournalUnavailable:
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _mark_unreachable(self) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = datetime.now(UTC)

    def _translate(self, exc: psycopg.Error) -> JournalError:
        line = self._info.scrub((str(exc).strip().splitlines() or [type(exc).__name__])[0])
        where = self.location
        if isinstance(exc, errors.ReadOnlySqlTransaction):
            return JournalReadOnly(f"{where}: the journal database is read-only here ({line})")
        if isinstance(exc, errors.InsufficientPrivilege):
            return JournalError(f"{where}: the database role may not do this: {line}")
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            return JournalUnavailable(f"{where}: shared journal unreachable: {line}")
        return JournalError(f"{where}: {line}")

    # -- writing ------------------------------------------------------------------------------------------

    def append(
        self,
        incident_id: str,
        type_: str,
        payload: Mapping[str, Any],
        *,
        at: datetime,
        actor: str,
        aws_identity: str | None,
        expect_seq: int,
        outbox: Sequence[OutboxDraft] = (),
    ) -> Event:
        payload_json = canonical(dict(payload))
        at_text = format_at(at)
        seq = expect_seq + 1
        event = Event(seq, incident_id, type_, parse_at(at_text), actor, aws_identity, json.loads(payload_json))
        digest = ""
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                with self._locked() as conn:
                    try:
                        with conn.transaction():
                            digest = self._insert(conn, event, at_text, payload_json, expect_seq, outbox)
                    except errors.UniqueViolation as exc:
                        if exc.diag.constraint_name == "journal_events_incident_seq":
                            raise SeqConflict(
                                f"incident {incident_id} moved on (seq {seq} was written by another writer)"
                            ) from None
                        raise JournalError(f"{self.location}: {incident_id}: outbox key already used") from None
                return event
            except JournalUnavailable as exc:
                if digest:  # the COMMIT was on its way: it may have been recorded
                    return self._after_lost_commit(event, digest, exc)
                if not reused or attempt == 2:  # before COMMIT nothing is recorded, so trying again is safe
                    raise
        raise AssertionError("unreachable")

    def _insert(
        self,
        conn: psycopg.Connection,
        event: Event,
        at_text: str,
        payload_json: str,
        expect_seq: int,
        outbox: Sequence[OutboxDraft],
    ) -> str:
        """The statements of one append, inside the caller's transaction; returns the new event's hash."""
        incident_id = event.incident_id
        row = conn.execute(
            "SELECT seq, hash FROM journal_events WHERE incident_id = %s ORDER BY seq DESC LIMIT 1", (incident_id,)
        ).fetchone()
        last_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
        if last_seq != expect_seq:
            raise SeqConflict(f"incident {incident_id} moved on (seq {last_seq}, expected {expect_seq})")
        digest = event_hash(
            incident_id, event.seq, event.type, at_text, event.actor, event.aws_identity, payload_json, prev_hash
        )
        conn.execute(
            "INSERT INTO journal_events (incident_id, seq, type, at, actor, aws_identity, payload, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                incident_id,
                event.seq,
                event.type,
                at_text,
                event.actor,
                event.aws_identity,
                payload_json,
                prev_hash,
                digest,
            ),
        )
        for draft in outbox:
            conn.execute(
                "INSERT INTO journal_outbox (incident_id, event_seq, channel, key, kind, payload, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (incident_id, event.seq, draft.channel, draft.key, draft.kind, Jsonb(dict(draft.payload)), event.at),
            )
        return digest

    def _after_lost_commit(self, event: Event, digest: str, lost: JournalUnavailable) -> Event:
        """The connection broke around COMMIT: the event may or may not be in. Ask the database once more."""
        try:
            rows = self._query(
                "SELECT hash FROM journal_events WHERE incident_id = %s AND seq = %s", (event.incident_id, event.seq)
            )
        except JournalUnavailable:
            raise JournalUnavailable(
                f"{lost}; whether seq {event.seq} of {event.incident_id} was recorded is unknown until it is back"
            ) from None
        if not rows:
            raise JournalUnavailable(f"{lost}; seq {event.seq} of {event.incident_id} was not recorded")
        if rows[0][0] != digest:
            raise SeqConflict(f"incident {event.incident_id} moved on (seq {event.seq} was written by another writer)")
        return event

    # -- reading ------------------------------------------------------------------------------------------

    def events_since(self, incident_id: str, seq: int) -> list[Event]:
        rows = self._query(
            f"SELECT {EVENT_COLUMNS} FROM journal_events WHERE incident_id = %s AND seq > %s ORDER BY seq",
            (incident_id, seq),
        )
        return [to_event(r) for r in rows]

    def events(self, incident_id: str) -> list[Event]:
        return self.events_since(incident_id, 0)

    def incident_ids(self) -> list[str]:
        rows = self._query("SELECT incident_id FROM journal_events WHERE type = 'declared' ORDER BY id DESC")
        return [r[0] for r in rows]

    def unresolved_ids(self) -> list[str]:
        rows = self._query(
            "SELECT d.incident_id FROM journal_events d WHERE d.type = 'declared' AND NOT EXISTS"
            " (SELECT 1 FROM journal_events r WHERE r.type = 'resolved' AND r.incident_id = d.incident_id)"
            " ORDER BY d.id DESC"
        )
        return [r[0] for r in rows]

    def exists(self, incident_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM journal_events WHERE incident_id = %s LIMIT 1", (incident_id,)))

    def heads(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self._query(HEADS_QUERY)}

    def verify(self, incident_id: str) -> VerifyResult:
        rows = self._query(
            f"SELECT {EVENT_COLUMNS} FROM journal_events WHERE incident_id = %s ORDER BY seq", (incident_id,)
        )
        triggers = self._query("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'journal_events'::regclass")
        enabled = {name for name, state in triggers if state != "D"}
        missing = [name for name in GUARD_TRIGGERS if name not in enabled]
        integrity = f"database rule(s) missing or disabled: {', '.join(missing)}" if missing else None
        return verify_rows(incident_id, rows, integrity)

    def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[list[Event]]:
        from nexus_tui.journal.postgres_follow import follow

        return follow(self._info, since, heartbeat=self._heartbeat, retry=max(interval, 0.05), store=self)

    # -- outbox ---------------------------------------------------------------------------------------------

    def outbox_claim(self, holder: str, now: datetime, lease_seconds: float, limit: int = 10) -> list[OutboxMessage]:
        # Only each incident's oldest open message is a candidate, so its messages leave in order. The open and due
        # tests are on the locked row `o` itself: if another sender changed it meanwhile, PostgreSQL re-checks the
        # new version before handing it over (the CTE's status test is not re-checked: a message another sender
        # had just marked sent, its claim cleared, was handed out again), and SKIP LOCKED passes over rows
        # another sender is claiming right now.
        with self._locked() as conn, conn.transaction():
            ids = [
                r[0]
                for r in conn.execute(
                    "WITH heads AS (SELECT DISTINCT ON (incident_id) id FROM journal_outbox"
                    "  WHERE status IN ('pending', 'sending') ORDER BY incident_id, id)"
                    " SELECT o.id FROM journal_outbox o JOIN heads h ON h.id = o.id"
                    " WHERE o.status IN ('pending', 'sending')"
                    "   AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= %(now)s)"
                    "   AND (o.claimed_until IS NULL OR o.claimed_until <= %(now)s)"
                    " ORDER BY o.id LIMIT %(limit)s FOR UPDATE OF o SKIP LOCKED",
                    {"now": now, "limit": limit},
                ).fetchall()
            ]
            if not ids:
                return []
            rows = conn.execute(
                f"UPDATE journal_outbox SET status = 'sending', claimed_by = %s, claimed_until = %s"
                f" WHERE id = ANY(%s) RETURNING {OUTBOX_COLUMNS}",
                (holder, now + timedelta(seconds=lease_seconds), ids),
            ).fetchall()
        return sorted((to_outbox(r) for r in rows), key=lambda m: m.id)

    def outbox_update(
        self,
        message_id: int,
        holder: str,
        *,
        status: OutboxStatus,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
        remote_id: str | None = None,
        error: str | None = None,
    ) -> bool:
        # As in the SQLite store: a "sending" record keeps the claim, any other status ends it; holder "*" is
        # an operator's override of an unclaimed message.
        with self._locked() as conn:
            cur = conn.execute(
                "UPDATE journal_outbox SET status = %(status)s, attempts = coalesce(%(attempts)s, attempts),"
                " next_attempt_at = %(next)s, remote_id = coalesce(%(remote)s, remote_id), last_error = %(error)s,"
                " claimed_by = CASE WHEN %(status)s = 'sending' THEN claimed_by ELSE NULL END,"
                " claimed_until = CASE WHEN %(status)s = 'sending' THEN claimed_until ELSE NULL END"
                " WHERE id = %(id)s AND (claimed_by = %(holder)s OR %(holder)s = '*')",
                {
                    "status": status,
                    "attempts": attempts,
                    "next": next_attempt_at,
                    "remote": remote_id,
                    "error": error,
                    "id": message_id,
                    "holder": holder,
                },
            )
            return cur.rowcount == 1

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]:
        if incident_id is None:
            rows = self._query(f"SELECT {OUTBOX_COLUMNS} FROM journal_outbox ORDER BY id")
        else:
            rows = self._query(
                f"SELECT {OUTBOX_COLUMNS} FROM journal_outbox WHERE incident_id = %s ORDER BY id", (incident_id,)
            )
        return [to_outbox(r) for r in rows]


def _is_a_journal_store(store: PostgresJournal) -> JournalStore:
    return store  # mypy checks here that the class matches the protocol exactly
