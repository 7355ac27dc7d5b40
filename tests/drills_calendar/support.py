"""Drill incidents in a real SQLite journal, at chosen times (a ManualClock), as the runner would leave them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from nexus_tui.config import AppConfig
from nexus_tui.domain import transitions as tr
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.runbook import Runbook, Step
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal


def tiny_runbook(runbook_id: str) -> Runbook:
    return Runbook(
        id=runbook_id,
        title=f"Runbook {runbook_id}",
        trigger="test",
        rto_seconds=600,
        steps=(Step(id="only", title="Do it", kind="manual", expected_seconds=60),),
    )


def service(journal: Path, clock: ManualClock) -> IncidentService:
    return IncidentService(
        SqliteJournal(journal),
        clock=clock,
        runbook_loader=tiny_runbook,
        settings=AppConfig().settings,
        actor="tester",
    )


def finished_drill(
    svc: IncidentService,
    clock: ManualClock,
    runbook_id: str,
    at: datetime,
    *,
    drill: bool = True,
    scenario: str | None = None,
    resolve: bool = True,
) -> str:
    """A drill declared at `at` and resolved a minute later. With `scenario` the declaration carries it, as
    the drill runner writes it (appended to the store directly: the service's declare() has no such field)."""
    clock.current = at
    if scenario is None:
        incident_id = svc.declare(runbook_id, "SEV3", "alice", drill)
    else:
        draft = tr.declare(tiny_runbook(runbook_id), {}, "SEV3", "alice", drill)
        incident_id = f"DRILL-{at:%Y%m%d%H%M}-{scenario}"
        svc.journal.append(
            incident_id,
            draft.type,
            {**draft.payload, "scenario": scenario},
            at=at,
            actor="tester",
            aws_identity=None,
            expect_seq=0,
        )
    if resolve:
        clock.advance(60)
        svc.confirm(incident_id, "only")
        svc.resolve(incident_id, "practised")
    return incident_id
