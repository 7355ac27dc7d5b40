"""A real, minimal in-memory JournalStore (events + outbox), for the sender's tests until SqliteJournal lands.

It keeps the protocol's promises the sender relies on: append with outbox in one step, expect_seq checks,
claims with leases, at most one message per incident handed out and the next only once the head is settled.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import (
    OutboxDraft,
    OutboxMessage,
    OutboxStatus,
    Position,
    SeqConflict,
    VerifyResult,
)

_OPEN = ("pending", "sending")


class MemoryJournal:
    def __init__(self) -> None:
        self._events: dict[str, list[Event]] = {}
        self._hashes: dict[str, str] = {}
        self._outbox: list[OutboxMessage] = []
        self._lock = threading.Lock()
        self.claims = 0

    @property
    def location(self) -> str:
        return ":memory:"

    def close(self) -> None:
        pass

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
        with self._lock:
            events = self._events.setdefault(incident_id, [])
            if len(events) != expect_seq:
                raise SeqConflict(f"incident {incident_id} moved on")
            ev = Event(expect_seq + 1, incident_id, type_, at, actor, aws_identity, dict(payload))
            events.append(ev)
            blob = json.dumps([incident_id, ev.seq, type_, dict(payload)], sort_keys=True, default=str)
            prev = self._hashes.get(incident_id, "0" * 64)
            self._hashes[incident_id] = hashlib.sha256((blob + prev).encode()).hexdigest()
            for d in outbox:
                self._outbox.append(
                    OutboxMessage(
                        id=len(self._outbox) + 1,
                        incident_id=incident_id,
                        event_seq=ev.seq,
                        channel=d.channel,
                        key=d.key,
                        kind=d.kind,
                        payload=dict(d.payload),
                        status="pending",
                        attempts=0,
                        next_attempt_at=None,
                        created_at=at,
                    )
                )
            return ev

    def events_since(self, incident_id: str, seq: int) -> list[Event]:
        with self._lock:
            return [e for e in self._events.get(incident_id, []) if e.seq > seq]

    def incident_ids(self) -> list[str]:
        with self._lock:
            return list(reversed(self._events))

    def unresolved_ids(self) -> list[str]:
        with self._lock:
            return [i for i, evs in self._events.items() if not any(e.type == "resolved" for e in evs)]

    def exists(self, incident_id: str) -> bool:
        return incident_id in self._events

    def heads(self) -> dict[str, int]:
        with self._lock:
            return {i: len(evs) for i, evs in self._events.items()}

    def verify(self, incident_id: str) -> VerifyResult:
        with self._lock:
            n = len(self._events.get(incident_id, []))
            return VerifyResult(incident_id, True, n, head_hash=self._hashes.get(incident_id))

    async def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[list[Event]]:
        pos = dict(self.heads() if since is None else since)
        while True:
            batch: list[Event] = []
            for iid, head in self.heads().items():
                if head > pos.get(iid, 0):
                    batch.extend(self.events_since(iid, pos.get(iid, 0)))
                    pos[iid] = head
            if batch:
                yield batch
            await asyncio.sleep(interval)

    def outbox_claim(self, holder: str, now: datetime, lease_seconds: float, limit: int = 10) -> list[OutboxMessage]:
        with self._lock:
            self.claims += 1
            heads: dict[str, int] = {}
            for i, m in enumerate(self._outbox):
                if m.status in _OPEN and m.incident_id not in heads:
                    heads[m.incident_id] = i
            out = []
            for i in sorted(heads.values()):
                m = self._outbox[i]
                leased = m.claimed_by is not None and m.claimed_until is not None and m.claimed_until > now
                due = m.next_attempt_at is None or m.next_attempt_at <= now
                if leased or not due:
                    continue
                m = replace(
                    m, status="sending", claimed_by=holder, claimed_until=now + timedelta(seconds=lease_seconds)
                )
                self._outbox[i] = m
                out.append(m)
                if len(out) >= limit:
                    break
            return out

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
        with self._lock:
            i = message_id - 1
            m = self._outbox[i]
            # As SqliteJournal: only the holder (or "*", an operator) may settle; a "sending" record keeps the
            # claim, any other status ends it.
            if holder != "*" and m.claimed_by != holder:
                return False
            keep_claim = status == "sending"
            self._outbox[i] = replace(
                m,
                status=status,
                attempts=m.attempts if attempts is None else attempts,
                next_attempt_at=next_attempt_at,  # None clears it, as in SQLite
                remote_id=m.remote_id if remote_id is None else remote_id,
                last_error=error,
                claimed_by=m.claimed_by if keep_claim else None,
                claimed_until=m.claimed_until if keep_claim else None,
            )
            return True

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]:
        with self._lock:
            return [m for m in self._outbox if incident_id is None or m.incident_id == incident_id]
