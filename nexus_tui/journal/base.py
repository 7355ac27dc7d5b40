"""The journal store protocol: what the engine needs from a place that keeps incidents.

Two stores implement it: SQLite (journal/sqlite.py, the default, one machine) and PostgreSQL (several
machines). Nothing of a store's own kind leaks through: errors are the JournalError family below with a
one-line message; positions are per-incident seq numbers, which are gap-free by construction (append checks
`expect_seq`), so a follower never depends on ids committing in order.

Operations are synchronous (the engine runs them off the event loop with asyncio.to_thread); `follow` is the
change feed, an async iterator, because a subscriber waits on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from nexus_tui.domain.incident import Event

# Where a follower has got to: the last seq seen per incident. An empty mapping means "from now on" for
# follow(since=None) and "everything" for follow(since={}).
Position = Mapping[str, int]

OutboxStatus = Literal["pending", "sending", "sent", "failed", "dropped"]


class JournalError(Exception):
    """The journal cannot be used (unreadable, locked too long, newer schema, disk full); str() is one line."""


class SeqConflict(JournalError):
    """Another writer appended to the incident since the caller read it; re-read, re-check, retry."""


class JournalDamaged(JournalError):
    """The store's file or database is damaged. The message names it and says how to salvage what is readable."""


class JournalReadOnly(JournalError):
    """The journal can be read but not written (read-only file or directory, read-only replica)."""


class JournalUnavailable(JournalError):
    """The store cannot be reached at all (a database server down, a network cut)."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    incident_id: str
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    # The store's own integrity check (SQLite PRAGMA integrity_check): None when it passed or does not apply.
    integrity: str | None = None
    head_hash: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxDraft:
    """A message to deliver, written in the same transaction as the event that causes it."""

    channel: str  # the destination as the sender understands it, e.g. "slack:#incident-response"
    key: str  # delivery key, unique per incident: the sender's idempotency handle
    payload: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "post"  # "post" | "update" (update in place of an earlier message)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    incident_id: str
    event_seq: int
    channel: str
    key: str
    kind: str
    payload: Mapping[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    remote_id: str | None = None  # e.g. Slack's ts once sent
    last_error: str | None = None


class Appends(Protocol):
    """Appending, the one operation a copy needs of its target store (any JournalStore, the offline mirror's
    file)."""

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
        """Append the event numbered expect_seq + 1 (and its outbox messages, in the same transaction), durably,
        before returning. SeqConflict when another writer got there first."""
        ...


class JournalStore(Appends, Protocol):
    @property
    def location(self) -> str:
        """Where the journal lives, for messages: a path, or a URL with its password masked."""
        ...

    def close(self) -> None: ...

    # -- events ---------------------------------------------------------------------------------------------

    def events_since(self, incident_id: str, seq: int) -> list[Event]: ...

    def incident_ids(self) -> list[str]:
        """Every declared incident, newest declaration first."""
        ...

    def unresolved_ids(self) -> list[str]: ...

    def exists(self, incident_id: str) -> bool: ...

    def heads(self) -> dict[str, int]:
        """The last seq of every incident: the position a follower starts from to see only what comes next."""
        ...

    def verify(self, incident_id: str) -> VerifyResult:
        """The hash chain of one incident and the store's own integrity."""
        ...

    def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[list[Event]]:
        """The change feed: batches of new events (in seq order per incident) as they commit, from any writer,
        this process or another. since=None starts at the current heads."""
        ...

    # -- outbox ---------------------------------------------------------------------------------------------

    def outbox_claim(self, holder: str, now: datetime, lease_seconds: float, limit: int = 10) -> list[OutboxMessage]:
        """Claim up to `limit` due messages (pending, or sending with an expired lease), oldest first, at most one
        per incident so each incident's messages go out in order. A claimed message is not given to another
        holder until its lease expires."""
        ...

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
        """Record a delivery outcome; False when `holder` no longer holds the claim (someone else took over).
        A "sending" record (the request is about to leave) keeps the claim; any other status ends it."""
        ...

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]: ...


def append_recorded(store: Appends, event: Event) -> Event:
    """Append `event` exactly as it was recorded elsewhere (its seq, time, actor and identity), so the target
    computes the same hash chain: how `journal copy`, the offline mirror and the offline common past verify."""
    return store.append(
        event.incident_id,
        event.type,
        event.payload,
        at=event.at,
        actor=event.actor,
        aws_identity=event.aws_identity,
        expect_seq=event.seq - 1,
    )
