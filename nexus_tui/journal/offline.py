"""Working on while the shared journal is unreachable, and merging back when it returns.

The shared (PostgreSQL) journal may live in the region that is failing, or the network to it may be cut. The
IC must not be stopped by that. `OfflineCapableJournal` wraps the shared store:

- While the database answers, it is a pass-through that remembers the events it has seen of each incident.
- When an append finds the database unreachable, the incident continues in a local SQLite journal (one file per
  offline episode): first the events already known (same seqs, so the same hashes), then the new events, each
  marked `"offline": "<episode>"` (the file's name) in its payload. Reads of that incident come from the local
  file from then on.
  `unreachable_since` says since when, for "shared journal unreachable since T".
- `merge(incident)` appends the offline events to the shared incident, in order, after whatever the other
  responders wrote meanwhile (re-chained by the shared store's append), preceded by a note that makes the gap
  visible in the timeline and the report. If the others did write meanwhile, nothing is merged until the IC has
  seen the conflict (`MergeResult.conflicts`) and decided: `merge(incident, accept=True)` appends after theirs;
  `accept=False` discards the offline events from the shared incident but records in it what was discarded, so
  nothing confirmed disappears silently. An offline event that in fact reached the database (the connection
  broke after COMMIT) is recognised and not appended twice; an interrupted merge resumes where it stopped.
- `recover()` after a restart takes up an offline file that a previous run left unmerged.
- What this machine read of the shared journal is also kept on disk (offline_seen), so a process started while
  the database is unreachable (a CLI command) can continue an incident this machine had read.
- Outbox messages of offline events are kept in the offline file's own outbox (never delivered from there) and
  written with the merged events, in the same transaction as their event: a merge run twice sends none twice.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import (
    JournalStore,
    JournalUnavailable,
    OutboxDraft,
    Position,
    VerifyResult,
    append_recorded,
)
from nexus_tui.journal.offline_calls import HOLD_DOWN_SECONDS, HoldDown, SharedOutbox, serialised
from nexus_tui.journal.offline_merge import MergeResult, gap_note, plan_merge, unmerged
from nexus_tui.journal.offline_seen import LocalStore, SeenEvents


class OfflineCapableJournal(SharedOutbox):
    """A JournalStore over a shared store that keeps going, locally, when the shared one is unreachable."""

    def __init__(
        self,
        shared: JournalStore,
        offline_dir: Path,
        open_local: Callable[[Path], LocalStore],
        *,
        host: str = "",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        hold_down: float = HOLD_DOWN_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shared = shared
        self._dir = Path(offline_dir)
        self._open_local = open_local
        self._host = host
        self._now = now
        self._seen = SeenEvents(self._dir, open_local)  # the shared events seen, per incident, from seq 1
        self._local: LocalStore | None = None
        self._local_path: Path | None = None
        self._offline: dict[str, int] = {}  # incident -> last seq that is in the shared store (the base)
        self._episode = ""  # the offline file's name: the mark on its events, in the local and the shared journal
        self.unreachable_since: datetime | None = None
        self._lock = threading.RLock()
        self._hold = HoldDown(hold_down, monotonic)  # ping() and merge() knock all the same
        # Told (from whichever thread appended) when an incident has just gone offline: a front end says so at once.
        self.on_offline: Callable[[], object] | None = None

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

    @serialised
    def close(self) -> None:
        self.shared.close()
        self._seen.close()
        if self._local is not None:
            self._local.close()

    # -- events ---------------------------------------------------------------------------------------------

    @serialised
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
                event = self._hold.call(
                    self.shared.append,
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
        marked = {**payload, "offline": self._episode}
        return local.append(
            incident_id,
            type_,
            marked,
            at=at,
            actor=actor,
            aws_identity=aws_identity,
            expect_seq=expect_seq,
            outbox=outbox,
        )

    def _go_offline(self, incident_id: str, expect_seq: int) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = self._now()
        known = self._seen.get(incident_id)
        if len(known) < expect_seq:
            raise JournalUnavailable(
                f"{self.location}: shared journal unreachable, and this machine has not read {incident_id} up to"
                f" seq {expect_seq}, so it cannot continue it offline"
            )
        if self._local is None:
            self._dir.mkdir(parents=True, exist_ok=True)
            stamp = self._now().strftime("%Y%m%dT%H%M%S%fZ")
            self._local_path = self._dir / f"offline-{stamp}.sqlite3"
            self._episode = self._local_path.stem
            self._local = self._open_local(self._local_path)
        for event in known[:expect_seq]:  # the common past: same content, so the same chain
            append_recorded(self._local, event)
        self._offline[incident_id] = expect_seq
        if self.on_offline is not None:
            with contextlib.suppress(Exception):  # telling a front end must never fail the append (its loop closed)
                self.on_offline()

    def _remember(self, incident_id: str, events: Sequence[Event]) -> None:
        self._seen.remember(incident_id, events)

    def _unreachable(self) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = self._now()

    @serialised
    def events_since(self, incident_id: str, seq: int) -> list[Event]:
        if incident_id in self._offline and self._local is not None:
            return self._local.events_since(incident_id, seq)
        try:
            read = self._seen.read_here(incident_id)
            events = self._hold.call(self.shared.events_since, incident_id, min(seq, len(read)))
        except JournalUnavailable:
            self._unreachable()
            known = self._seen.get(incident_id)
            if known and seq <= len(known):
                return known[seq:]  # what this machine last saw; the caller learns the outage from append
            raise
        self._remember(incident_id, events)
        return [e for e in events if e.seq > seq]

    # While the database is unreachable, the lists come from what this machine has read of it, and the offline
    # incidents (so `incident list` and a restarted TUI still find the incident being worked on).

    @serialised
    def incident_ids(self) -> list[str]:
        try:
            return self._hold.call(self.shared.incident_ids)
        except JournalUnavailable:
            self._unreachable()
            ids = self._seen.incident_ids()
            return ids + [i for i in self._offline if i not in ids]

    @serialised
    def unresolved_ids(self) -> list[str]:
        try:
            return self._hold.call(self.shared.unresolved_ids)
        except JournalUnavailable:
            self._unreachable()
            ids = self._seen.unresolved_ids()
            if self._local is not None:
                ids = [*(i for i in self._local.unresolved_ids() if i in self._offline and i not in ids), *ids]
            return ids

    @serialised
    def exists(self, incident_id: str) -> bool:
        if incident_id in self._offline:
            return True
        try:
            return self._hold.call(self.shared.exists, incident_id)
        except JournalUnavailable:
            self._unreachable()
            return bool(self._seen.get(incident_id))

    @serialised
    def heads(self) -> dict[str, int]:
        """The shared heads; while unreachable, the shared heads last seen here (never the offline seqs: a
        follower starting there would skip what the others wrote meanwhile)."""
        try:
            return self._hold.call(self.shared.heads)
        except JournalUnavailable:
            self._unreachable()
            return self._seen.heads()

    def ping(self) -> bool:
        """Whether the shared journal answers now (a cheap query); records the outage when it does not. Not
        serialised: a probe that waits for a connect timeout must not hold up offline appends meanwhile."""
        try:
            self.shared.heads()
        except JournalUnavailable:
            self._unreachable()
            return False
        self.unreachable_since = None
        self._hold.reset()
        return True

    @property
    def outage_since(self) -> datetime | None:
        """Since when the shared journal is unreachable, as found by this wrapper or by the shared store itself
        (its change feed notices a dead connection first)."""
        shared_since = getattr(self.shared, "unreachable_since", None)
        if self.unreachable_since is None:
            return shared_since if isinstance(shared_since, datetime) else None
        return self.unreachable_since

    @serialised
    def pending_events(self) -> int:
        """Offline events not yet merged, over all incidents."""
        local = self._local
        if local is None:
            return 0
        return sum(
            1
            for incident_id, base in self._offline.items()
            for e in local.events_since(incident_id, base)
            if e.payload.get("offline") == self._episode
        )

    def verify(self, incident_id: str) -> VerifyResult:
        return self.shared.verify(incident_id)

    def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[list[Event]]:
        return self.shared.follow(since, interval=interval)

    # -- merging back ---------------------------------------------------------------------------------------

    @serialised
    def merge(self, incident_id: str, *, accept: bool | None = None) -> MergeResult:
        """Put the offline events of `incident_id` into the shared journal (see the module docstring). Safe to
        run again after an interruption. Raises JournalUnavailable while the database is still unreachable."""
        base = self._offline.get(incident_id)
        if base is None or self._local is None:
            return MergeResult(incident_id)
        local = self._local.events_since(incident_id, base)
        plan = self._hold.call(plan_merge, self._episode, base, local, self.shared, incident_id, knock=True)
        if plan.others and accept is None and not plan.gap_written:
            return MergeResult(incident_id, already_there=plan.landed, conflicts=plan.others, pending=plan.todo)
        # "Theirs" only means something when there are others: without a conflict the offline events just go in.
        discard = (accept is False and bool(plan.others)) or plan.discarded_before
        drafts = self._offline_drafts(incident_id)
        head = plan.head

        def put(event: Event) -> None:
            nonlocal head
            self.shared.append(
                incident_id,
                event.type,
                {**event.payload, "offline_seq": event.seq},
                at=event.at,
                actor=event.actor,
                aws_identity=event.aws_identity,
                expect_seq=head,
                outbox=drafts.get(event.seq, ()),
            )
            head += 1

        todo = [] if discard else list(plan.todo)
        # An incident declared offline: its declaration stays first, as every reader of an incident expects.
        if todo and todo[0].type == "declared" and head == 0:
            put(todo.pop(0))
        if plan.todo and not plan.gap_written:
            note = gap_note(self._episode, plan.todo, self._host, str(self._local_path), discarded=discard)
            self.shared.append(
                incident_id, "note", note, at=self._now(), actor="nexus-tui", aws_identity=None, expect_seq=head
            )
            head += 1
        for event in todo:
            put(event)
        merged = 0 if discard else len(plan.todo)
        self._finish(incident_id)
        discarded = len(plan.todo) if discard else 0
        return MergeResult(incident_id, merged=merged, already_there=plan.landed, discarded=discarded)

    @serialised
    def merge_all(self, *, accept: bool | None = None) -> list[MergeResult]:
        """`merge` every offline incident; the results say which were merged and which wait for a decision."""
        return [self.merge(incident_id, accept=accept) for incident_id in list(self._offline)]

    def _offline_drafts(self, incident_id: str) -> dict[int, list[OutboxDraft]]:
        """The outbox messages of the offline events, as written offline, by offline seq."""
        assert self._local is not None
        drafts: dict[int, list[OutboxDraft]] = {}
        for m in self._local.outbox_list(incident_id):
            drafts.setdefault(m.event_seq, []).append(OutboxDraft(m.channel, m.key, dict(m.payload), m.kind))
        return drafts

    def _finish(self, incident_id: str) -> None:
        """Record in the local file that this incident is merged (so a restart does not offer it again)."""
        local = self._local
        assert local is not None
        head = len(local.events_since(incident_id, 0))
        local.append(
            incident_id,
            "note",
            {"text": "merged into the shared journal", "offline_merged": self._episode},
            at=self._now(),
            actor="nexus-tui",
            aws_identity=None,
            expect_seq=head,
        )
        del self._offline[incident_id]
        self._seen.forget(incident_id)
        self._hold.reset()
        if not self._offline:
            local.close()
            self._local = None  # the file stays: the record of what was done offline
        self.unreachable_since = None

    @serialised
    def recover(self) -> dict[str, int]:
        """After a restart: take up the offline file a previous run left unmerged. Returns its incidents and
        their base seqs (empty when there is nothing to merge); `merge` them when the database answers."""
        if self._local is not None or not self._dir.is_dir():
            return self.offline_incidents
        for path in sorted(self._dir.glob("offline-*.sqlite3")):
            local = self._open_local(path)
            pending = unmerged(path.stem, {i: local.events_since(i, 0) for i in local.incident_ids()})
            if pending:
                self._local, self._local_path, self._episode = local, path, path.stem
                self._offline.update(pending)
                break
            local.close()
        return self.offline_incidents


def _is_a_journal_store(store: OfflineCapableJournal) -> JournalStore:
    return store  # mypy checks here that the class matches the protocol exactly
