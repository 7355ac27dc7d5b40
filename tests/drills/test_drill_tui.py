"""An interactive drill in the TUI (what `nexus-tui drill SCENARIO` wires up): the fault shows on the
dashboard, the IC declares from the declare screen, and the incident is a drill everywhere (runbook screen
banner, journal) that names its scenario, on the drill clock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nexus_tui.domain.drill import scenario
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import StepExecutor
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook
from nexus_tui.sim.scenarios import DrillWorld
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.declare import DeclareScreen
from tests.drills.drill_harness import T0
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import on_runbook, text_of

pytestmark = pytest.mark.timeout(180)


async def test_primary_db_failure_is_detected_and_declared_as_a_drill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DrillWorld(scenario("primary-db-failure"), speed=60, start=T0) as world:
        for k, v in world.sim.environ().items():
            monkeypatch.setenv(k, v)
        world.sim.start_ticker(interval_seconds=0.5, sim_seconds_per_tick=0.0)
        world.prepare()
        world.inject()
        # One refresh: the fault is in place before the first poll (a later poll racing the app's teardown
        # can hit a runbook screen whose widgets are already gone).
        config = replace(world.app_config(), refresh_seconds=3600.0)
        svc = IncidentService(
            SqliteJournal(tmp_path / "journal.sqlite3"),
            clock=world.clock,
            runbook_loader=lambda rid: find_runbook(rid, config=config),
            settings=config.settings,
            actor="ic-alice",
        )
        svc.drill_scenario = "primary-db-failure"
        executor = StepExecutor(config, world.clock, is_drill_default=True, poll_interval=0.1)
        source = DashboardService(config, world.clock)
        app = NexusApp(
            config, source, clock=world.clock, incidents=svc, executor=executor, title_suffix=" · DRILL primary-db"
        )
        try:
            async with app.run_test(size=SIZE) as pilot:
                # Detection: the replica's replication shows broken and the app's health endpoint is down.
                await wait_for(
                    lambda: (
                        app.snapshot is not None
                        and any(p.kind == "rds" and p.lag_seconds == -1 for p in app.snapshot.replication)
                    ),
                    pilot,
                    limit=40,
                )
                await pilot.press("d")
                await wait_for(lambda: isinstance(app.screen, DeclareScreen), pilot, limit=20)
                declare = app.screen
                assert isinstance(declare, DeclareScreen)
                assert declare.default_drill is True
                await wait_for(lambda: declare._shown_fields_of is not None, pilot, limit=10)
                await declare.select_runbook("rds-failover")
                await pilot.pause()
                assert declare.selected is not None and declare.selected.id == "rds-failover"
                await pilot.press("ctrl+s")
                await on_runbook(app, pilot)
                [iid] = svc.journal.incident_ids()
                state = svc.state(iid)
                assert state.drill and state.runbook.id == "rds-failover"
                assert state.events[0].payload["scenario"] == "primary-db-failure"
                # The incident runs on the drill clock: declared in simulated time, after the world's start.
                assert state.declared_at >= T0
                assert "DRILL" in text_of(app, "#rb-title")
        finally:
            await source.aclose()
            svc.close()
