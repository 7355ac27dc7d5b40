"""Merging an offline episode back into the shared journal: what is already there, what others wrote meanwhile,
what is left to append; the note that makes the gap visible; which incidents of an offline file are unmerged.

Every event written offline carries `"offline": <episode>` (the offline file's name) in its payload, and keeps it
in the shared journal, so a merge that was interrupted knows, when run again, which of its events got in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from nexus_tui.domain.incident import Event


class SharedReader(Protocol):
    def events_since(self, incident_id: str, seq: int) -> list[Event]: ...


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


@dataclass(frozen=True, slots=True)
class MergePlan:
    landed: int  # leading offline events found in the shared journal as they were (COMMIT lost, not the event)
    others: list[Event]  # what other responders wrote after the base
    todo: list[Event]  # offline events still to append
    head: int  # the shared incident's last seq
    gap_written: bool  # this episode's gap note is already in (an interrupted merge)
    discarded_before: bool  # ...and it said the IC discarded the events


def same_event(offline: Event, shared: Event) -> bool:
    payload = {k: v for k, v in offline.payload.items() if k != "offline"}
    return (offline.type, offline.at, offline.actor, offline.aws_identity, payload) == (
        shared.type,
        shared.at,
        shared.actor,
        shared.aws_identity,
        dict(shared.payload),
    )


def _gap(event: Event) -> Mapping[str, Any]:
    gap = event.payload.get("offline_gap")
    return gap if isinstance(gap, Mapping) else {}


def plan_merge(episode: str, base: int, local: Sequence[Event], shared: SharedReader, incident_id: str) -> MergePlan:
    offline = [e for e in local if e.payload.get("offline") == episode]
    theirs = shared.events_since(incident_id, base)
    landed = 0
    while landed < min(len(offline), len(theirs)) and same_event(offline[landed], theirs[landed]):
        landed += 1
    rest = theirs[landed:]
    done = {e.payload.get("offline_seq") for e in rest if e.payload.get("offline") == episode}
    gaps = [_gap(e) for e in rest if _gap(e).get("episode") == episode]
    others = [e for e in rest if e.payload.get("offline") != episode and _gap(e).get("episode") != episode]
    discarded_before = any(g.get("discarded") for g in gaps)
    todo = [] if discarded_before else [e for e in offline[landed:] if e.seq not in done]
    return MergePlan(landed, others, todo, base + len(theirs), bool(gaps), discarded_before)


def gap_note(episode: str, offline: Sequence[Event], host: str, file: str, *, discarded: bool) -> dict[str, Any]:
    first, last = offline[0].at, offline[-1].at
    where = f" on {host}" if host else ""
    span = f"between {first:%H:%M:%S} and {last:%H:%M:%S} UTC"
    if discarded:
        text = f"{len(offline)} events recorded offline{where} {span} were discarded by the IC after a conflict"
    else:
        text = f"Shared journal unreachable: {len(offline)} events recorded offline{where} {span} follow"
    gap: dict[str, Any] = {
        "episode": episode,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "events": len(offline),
        "host": host,
        "discarded": discarded,
        "file": file,
    }
    if discarded:  # nothing confirmed disappears silently: the discarded events stay readable here
        gap["listing"] = json.dumps([{"type": e.type, "actor": e.actor, **e.payload} for e in offline])
    return {"text": text, "offline_gap": gap}


def unmerged(episode: str, incidents: Mapping[str, Sequence[Event]]) -> dict[str, int]:
    """Incidents of an offline file with events not yet merged, and the seq they branched off at."""
    pending = {}
    for incident_id, events in incidents.items():
        offline = [e for e in events if e.payload.get("offline") == episode]
        if offline and not any(e.payload.get("offline_merged") == episode for e in events):
            pending[incident_id] = offline[0].seq - 1
    return pending
