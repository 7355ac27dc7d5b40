"""The link to a shared journal, for a front end: is it reachable, how much waits offline, merge it back.

Only meaningful when the incident service runs on an OfflineCapableJournal (a postgresql:// journal); otherwise
`enabled` is False and nothing here is ever called. Every method blocks (database and file I/O): a TUI calls
them from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from nexus_tui.domain.incident import Event
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.offline import OfflineCapableJournal
from nexus_tui.journal.offline_merge import MergeResult

__all__ = ["Conflict", "JournalLink", "LinkStatus", "MergeResult"]


@dataclass(frozen=True, slots=True)
class LinkStatus:
    location: str  # masked
    unreachable_since: datetime | None  # None: the shared journal answers
    pending: int  # offline events not yet merged
    offline_file: str | None


@dataclass(frozen=True, slots=True)
class Conflict:
    """Another responder wrote to an incident while this machine was offline: the IC decides."""

    incident_id: str
    theirs: list[Event]
    mine: list[Event]


class JournalLink:
    def __init__(self, service: IncidentService) -> None:
        self._service = service
        store = service.journal
        self._store = store if isinstance(store, OfflineCapableJournal) else None

    @property
    def enabled(self) -> bool:
        return self._store is not None

    def on_offline(self, callback: Callable[[], object]) -> None:
        """`callback` runs (in the thread that appended) when an incident has just gone offline."""
        assert self._store is not None
        self._store.on_offline = callback

    def status(self) -> LinkStatus:
        store = self._store
        assert store is not None
        file = store.offline_file
        return LinkStatus(store.location, store.outage_since, store.pending_events(), str(file) if file else None)

    def check(self) -> tuple[LinkStatus, list[MergeResult], list[Conflict]]:
        """Ask the database; when it answers and events wait offline, merge those nobody else touched meanwhile.
        Returns the status after that, what was merged, and the conflicts waiting for the IC."""
        store = self._store
        assert store is not None
        merged: list[MergeResult] = []
        conflicts: list[Conflict] = []
        # Ping only when there is reason: an outage noticed (here or by the change feed) or work waiting offline.
        looking = store.outage_since is not None or bool(store.offline_incidents)
        if looking and store.ping():
            for incident_id in list(store.offline_incidents):
                result = self._service.renumbering(incident_id, partial(store.merge, incident_id))
                if result.needs_decision:
                    conflicts.append(Conflict(result.incident_id, result.conflicts, result.pending))
                else:
                    merged.append(result)
        return self.status(), merged, conflicts

    def decide(self, incident_id: str, *, keep_mine: bool) -> MergeResult:
        """The IC's decision on a conflict: keep mine (appended after theirs) or theirs (mine discarded, listed)."""
        store = self._store
        assert store is not None
        return self._service.renumbering(incident_id, partial(store.merge, incident_id, accept=keep_mine))
