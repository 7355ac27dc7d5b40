"""The drill calendar over the journal: each scheduled drill's last run (a finished drill incident matching it
by scenario or runbook, or a platform dry-run recorded as a drill incident) and when it is next due.

Reads are synchronous (the store's calls block); the TUI goes through `schedule_async`, which runs them off
the event loop. A platform dry-run is recorded as an ordinary drill incident (declared, note, step, resolved),
so the hash chain covers it and every reader (incident list, report, wall) shows it as a drill."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nexus_tui.domain.clock import Clock
from nexus_tui.domain.drill_calendar import PLATFORM_PREFIX, DrillEntry, DrillRun, DrillStatus, drill_run, schedule
from nexus_tui.domain.runbook import Runbook, Step
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.base import JournalStore

PLATFORM_STEP = "platform-dry-run"
MAX_RESULT_CHARS = 2000  # of the platform's answer kept in the journal note


def drill_runs(store: JournalStore) -> list[DrillRun]:
    """Every finished drill in the journal. Only the declaration and the last resolution are looked at."""
    runs = []
    for incident_id in store.incident_ids():
        events = store.events_since(incident_id, 0)
        if not events or events[0].type != "declared" or not events[0].payload.get("drill"):
            continue
        resolved = next((e for e in reversed(events) if e.type == "resolved"), None)
        run = drill_run(
            incident_id,
            events[0].payload,
            resolved.at if resolved else None,
            resolved.payload if resolved else None,
        )
        if run is not None:
            runs.append(run)
    return runs


def drill_schedule(store: JournalStore | None, entries: Sequence[DrillEntry], now: datetime) -> list[DrillStatus]:
    """store None: no journal yet, so nothing has run."""
    return schedule(entries, drill_runs(store) if store is not None else [], now)


async def schedule_async(store: JournalStore, entries: Sequence[DrillEntry], clock: Clock) -> list[DrillStatus]:
    return await asyncio.to_thread(drill_schedule, store, entries, clock.now())


async def schedule_for_service(
    service: IncidentService, entries: Sequence[DrillEntry], clock: Clock
) -> list[DrillStatus]:
    """For front ends that hold the incident service (the TUI), which may not touch the journal themselves."""
    return await schedule_async(service.journal, entries, clock)


# -- recording a platform dry-run -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformDrillResult:
    """What the platform answered to a dry-run. `ok` is False when its answer says the drill failed."""

    runbook_id: str
    base_url: str  # without credentials (the cookie travels in a header, never in the URL)
    ok: bool
    summary: str  # one line for people
    answer: Mapping[str, Any]


def platform_runbook(runbook_id: str, title: str | None, base_url: str) -> Runbook:
    """The one-step runbook a platform dry-run's drill incident is declared with. Its id carries the prefix
    `platform:`, which no runbook file can have, so it never shadows or matches a local runbook."""
    name = printable_line(title or runbook_id, 120)
    return Runbook(
        id=f"{PLATFORM_PREFIX}{runbook_id}",
        title=f"Platform dry-run drill: {name}",
        trigger="Scheduled drill through the platform's DR API (POST /api/v1/dr/run-drill, dryRun)",
        rto_seconds=None,
        steps=(
            Step(
                id=PLATFORM_STEP,
                title=f"Dry-run of platform runbook {runbook_id}",
                kind="manual",
                expected_seconds=60.0,
                description="Run by nexus-tui through the platform API; the platform's answer is in the notes.",
            ),
        ),
        source=f"platform {base_url} (seed 000, Drill Execution via API)",
    )


def record_platform_drill(service: IncidentService, result: PlatformDrillResult, *, ic: str | None = None) -> str:
    """Journal a finished platform dry-run as a resolved drill incident; returns its id. The service's runbook
    loader must return `platform_runbook(...)` for the `platform:` id (commands/drill_schedule.py does)."""
    incident_id = service.declare(f"{PLATFORM_PREFIX}{result.runbook_id}", severity="SEV4", ic=ic, drill=True)
    answer = json.dumps(result.answer, sort_keys=True, default=str)
    if len(answer) > MAX_RESULT_CHARS:
        answer = answer[: MAX_RESULT_CHARS - 1] + "…"
    service.note(incident_id, f"platform dry-run answer: {answer}", step_id=PLATFORM_STEP)
    if result.ok:
        service.confirm(incident_id, PLATFORM_STEP, note=result.summary)
        service.resolve(incident_id, f"platform dry-run drill passed: {result.summary}")
    else:
        service.fail(incident_id, PLATFORM_STEP, result.summary)
        service.resolve(
            incident_id,
            f"platform dry-run drill failed: {result.summary}",
            force=True,
            reason="the platform reported the dry-run as failed",
        )
    return incident_id
