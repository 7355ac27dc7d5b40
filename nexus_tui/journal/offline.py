"""Working on while the shared journal is unreachable, and merging back when it returns.

The shared (PostgreSQL) journal may live in the region that is failing, or the network to it may be cut. The
IC must not be stopped by that. `OfflineCapableJournal` wraps the shared store:

- While the database answers, it is a pass-through that remembers the events it has seen of each incident.
- When an append finds the database unreachable, the incident continues in a local SQLite journal (one file per
  offline episode): first the events already known (same seqs, so the same hashes), then the new events, each
  marked `"offline": true` in its payload. Reads of that incident come from the local file from then on.
  `unreachable_since` says since when, for "shared journal unreachable since T".
- `merge(incident)` appends the offline events to the shared incident, in order, after whatever the other
  responders wrote meanwhile (re-chained by the shared store's append), preceded by a note that makes the gap
  visible in the timeline and the report. If the others did write meanwhile, nothing is merged until the IC has
  seen the conflict (`MergeResult.conflicts`) and decided: `merge(incident, accept=True)` appends after theirs;
  `accept=False` discards the offline events from the shared incident but records in it what was discarded, so
  nothing confirmed disappears silently. An offline event that in fact reached the database (the connection
  broke after COMMIT) is recognised and not appended twice.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import (
    JournalStore,
    JournalUnavailable,
    OutboxDraft,
    OutboxMessage,
    OutboxStatus,
    Position,
    VerifyResult,
)


class LocalStore(Protocol):
    """What the offline continuation needs of the local SQLite journal."""

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
    ) -> Event: ...

    def events_since(self, incident_id: str, seq: int) -> list[Event]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class MergeResult:
    incident_id: str
    merged: int = 0  # offline events now in the shared incident
    already_there: int = 0  # offline events that had reached the database after all
    discarded: int = 0
    conflicts: list[Event] = field(default_factory=list)  # what others wrote meanwhile, when not yet decided
    pending: list[Event] = field(default_factory=list)  # the offline events waiting for the decision

    @property
    def needs_decision(self) -> bool:
        return bool(self.conflicts) and not (self.merged or self.discarded)


def _same(offline: Event, shared: Event) -> bool:
    payload = {k: v for k, v in offline.payload.items() if k != "offline"}
    return (offline.type, offline.at, offline.actor, offline.aws_identity, payload) == (
        shared.type,
        shared.at,
        shared.actor,
        shared.aws_identity,
        dict(shared.payload),
    )


class OfflineCapableJournal:
    """A JournalStore over a shared store that keeps going, locally, when the shared one is unreachable."""

    def __init__(
        self,
        shared: JournalStore,
        offline_dir: Path,
        open_local: Callable[[Path], LocalStore],
        *,
        host: str = "",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.shared = shared
        self._dir = Path(offline_dir)
        self._open_local = open_local
        self._host = host
        self._now = now
        self._known: dict[str, list[Event]] = {}  # the shared events seen, per incident, from seq 1
        self._local: LocalStore | None = None
        self._local_path: Path | None = None
        self._offline: dict[str, int] = {}  # incident -> last seq that is in the shared store (the base)
        self._drafts: dict[tuple[str, int], list[OutboxDraft]] = {}
        self.unreachable_since: datetime | None = None

    @property
    def location(self) -> str:
        return self.shared.location

    @property
    def offline_incidents(self) -> dict[str, int]:
        """Incidents with events not yet in the shared journal, and the seq they branched off at."""
        return dict(self._offline)

    @property
    def offline_file(self) -> Path | None:
        return self._local_path

    def close(self) -> None:
        self.shared.close()
        if self._local is not None:
            self._local.close()

    # -- events ---------------------------------------------------------------------------------------------

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
        if incident_id not in self._offline:
            try:
                event = self.shared.append(
                    incident_id,
                    type_,
                    payload,
                    at=at,
                    actor=actor,
                    aws_identity=aws_identity,
                    expect_seq=expect_seq,
                    outbox=outbox,
                )
            except JournalUnavailable:
                self._go_offline(incident_id, expect_seq)
            else:
                self.unreachable_since = None
                self._remember(incident_id, [event])
                return event
        local = self._local
        assert local is not None
        marked = {**payload, "offline": True}
        event = local.append(
            incident_id, type_, marked, at=at, actor=actor, aws_identity=aws_identity, expect_seq=expect_seq
        )
        if outbox:
            self._drafts[(incident_id, event.seq)] = list(outbox)
        return event

    def _go_offline(self, incident_id: str, expect_seq: int) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = self._now()
        known = self._known.get(incident_id, [])
        if len(known) < expect_seq:
            raise JournalUnavailable(
                f"{self.location}: shared journal unreachable, and this machine has not read {incident_id} up to"
                f" seq {expect_seq}, so it cannot continue it offline"
            )
        if self._local is None:
            self._dir.mkdir(parents=True, exist_ok=True)
            stamp = self._now().strftime("%Y%m%dT%H%M%S%fZ")
            self._local_path = self._dir / f"offline-{stamp}.sqlite3"
            self._local = self._open_local(self._local_path)
        for event in known[:expect_seq]:  # the common past: same content, so the same chain
            self._local.append(
                incident_id,
                event.type,
                event.payload,
                at=event.at,
                actor=event.actor,
                aws_identity=event.aws_identity,
                expect_seq=event.seq - 1,
            )
        self._offline[incident_id] = expect_seq

    def _remember(self, incident_id: str, events: Sequence[Event]) -> None:
        known = self._known.setdefault(incident_id, [])
        for event in events:
            if event.seq == len(known) + 1:
                known.append(event)

    def events_since(self, incident_id: str, seq: int) -> list[Event]:
        if incident_id in self._offline and self._local is not None:
            return self._local.events_since(incident_id, seq)
        known = self._known.get(incident_id, [])
        try:
            events = self.shared.events_since(incident_id, min(seq, len(known)))
        except JournalUnavailable:
            if self.unreachable_since is None:
                self.unreachable_since = self._now()
            if seq <= len(known):
                return known[seq:]  # what this machine last saw; the caller learns the outage from append
            raise
        self._remember(incident_id, events)
        return [e for e in events if e.seq > seq]

    def incident_ids(self) -> list[str]:
        return self.shared.incident_ids()

    def unresolved_ids(self) -> list[str]:
        return self.shared.unresolved_ids()

    def exists(self, incident_id: str) -> bool:
        return incident_id in self._offline or self.shared.exists(incident_id)

    def heads(self) -> dict[str, int]:
        return self.shared.heads()

    def verify(self, incident_id: str) -> VerifyResult:
        return self.shared.verify(incident_id)

    def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[list[Event]]:
        return self.shared.follow(since, interval=interval)

    # -- merging back ---------------------------------------------------------------------------------------

    def merge(self, incident_id: str, *, accept: bool | None = None) -> MergeResult:
        """Put the offline events of `incident_id` into the shared journal (see the module docstring).
        Raises JournalUnavailable while the database is still unreachable."""
        base = self._offline.get(incident_id)
        if base is None or self._local is None:
            return MergeResult(incident_id)
        offline = self._local.events_since(incident_id, base)
        theirs = self.shared.events_since(incident_id, base)
        landed = 0
        while landed < min(len(offline), len(theirs)) and _same(offline[landed], theirs[landed]):
            landed += 1
        offline, theirs = offline[landed:], theirs[landed:]
        if theirs and accept is None:
            return MergeResult(incident_id, already_there=landed, conflicts=theirs, pending=offline)
        head = base + landed + len(theirs)
        if offline:
            head = self._append_gap_note(incident_id, offline, head, discarded=accept is False)
        merged = 0
        if accept is not False:
            for event in offline:
                payload = {**event.payload, "offline_seq": event.seq}
                self.shared.append(
                    incident_id,
                    event.type,
                    payload,
                    at=event.at,
                    actor=event.actor,
                    aws_identity=event.aws_identity,
                    expect_seq=head,
                    outbox=self._drafts.pop((incident_id, event.seq), ()),
                )
                head += 1
                merged += 1
        del self._offline[incident_id]
        self._known.pop(incident_id, None)
        if not self._offline and self._local is not None:
            self._local.close()
            self._local = None  # the file stays: the record of what was done offline
        self.unreachable_since = None
        discarded = len(offline) if accept is False else 0
        return MergeResult(incident_id, merged=merged, already_there=landed, discarded=discarded)

    def _append_gap_note(self, incident_id: str, offline: list[Event], head: int, *, discarded: bool) -> int:
        first, last = offline[0].at, offline[-1].at
        where = f" on {self._host}" if self._host else ""
        if discarded:
            text = (
                f"{len(offline)} events recorded offline{where} between {first:%H:%M:%S} and {last:%H:%M:%S} UTC"
                " were discarded by the IC after a conflict; they are listed here"
            )
        else:
            text = (
                f"Shared journal unreachable: {len(offline)} events recorded offline{where} between"
                f" {first:%H:%M:%S} and {last:%H:%M:%S} UTC follow, merged after seq {head}"
            )
        gap = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "events": len(offline),
            "host": self._host,
            "discarded": discarded,
            "file": str(self._local_path) if self._local_path else None,
        }
        if discarded:
            gap["listing"] = json.dumps([{"type": e.type, "actor": e.actor, **e.payload} for e in offline])
        self.shared.append(
            incident_id,
            "note",
            {"text": text, "offline_gap": gap},
            at=self._now(),
            actor="nexus-tui",
            aws_identity=None,
            expect_seq=head,
        )
        return head + 1

    # -- outbox: only the shared journal delivers -----------------------------------------------------------

    def outbox_claim(self, holder: str, now: datetime, lease_seconds: float, limit: int = 10) -> list[OutboxMessage]:
        return self.shared.outbox_claim(holder, now, lease_seconds, limit)

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
        return self.shared.outbox_update(
            message_id,
            holder,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            remote_id=remote_id,
            error=error,
        )

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]:
        return self.shared.outbox_list(incident_id)
