"""Runs one unattended drill in-process, keeping the world so a test can ask the ledger what was at risk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nexus_tui.commands.drill import _environ
from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.drill import scenario
from nexus_tui.engine.drill import DrillResult, DrillRunner
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook
from nexus_tui.sim.scenarios import DrillWorld

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def run_drill(
    scenario_id: str, journal: Path, *, speed: float = 60.0, runbook: str | None = None
) -> tuple[DrillResult, DrillWorld]:
    def incidents(config: AppConfig, clock: Clock) -> IncidentService:
        return IncidentService(
            SqliteJournal(journal),
            clock=clock,
            runbook_loader=lambda rid: find_runbook(rid, config=config),
            settings=config.settings,
            actor="drill-auto",
        )

    with DrillWorld(scenario(scenario_id), speed=speed, running=False, start=T0) as world:
        world.sim.start_ticker(interval_seconds=0.25, sim_seconds_per_tick=0.0)
        with _environ(world.sim.environ()):
            result = await DrillRunner(world, incidents, speed=speed, runbook=runbook).run_auto()
    return result, world
