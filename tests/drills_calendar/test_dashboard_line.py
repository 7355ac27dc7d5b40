"""The dashboard's drill line (Pilot): overdue drills first, else the next due; computed off the event loop."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.drill_calendar import DrillEntry
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.widgets.drill_due import DrillDue
from tests.drills_calendar.support import finished_drill, service
from tests.ui.conftest import SIZE, wait_for
from tests.ui.sample_data import NOW, healthy_snapshot

MONTHLY = DrillEntry("failover", "Failover simulation", "monthly", "SRE", runbooks=("rds-failover",))
QUARTERLY = DrillEntry("restore", "Backup restoration", "quarterly", "SRE", runbooks=("database-corruption",))


def line(app: NexusApp) -> str:
    found = app.screen.query(DrillDue)
    return str(found.first().render()) if found else ""


async def test_dashboard_shows_overdue_then_next_due(tmp_path: Path) -> None:
    clock = ManualClock(NOW - timedelta(days=40))
    svc = service(tmp_path / "j.sqlite3", clock)
    finished_drill(svc, clock, "rds-failover", NOW - timedelta(days=40))
    clock.current = NOW
    config = replace(AppConfig(), refresh_seconds=3600.0, drills=(MONTHLY, QUARTERLY))
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=svc)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: "overdue" in line(app), pilot, limit=30)
        text = line(app)
        # never run first, then the one 10 days late
        assert text == "Drills: 2 overdue (1 never run): Backup restoration, Failover simulation (10 d late)"

        # Both practised now: the line names the next due instead.
        finished_drill(svc, clock, "rds-failover", NOW)
        finished_drill(svc, clock, "database-corruption", NOW)
        app.screen.query_one(DrillDue).refresh_now()
        await wait_for(lambda: "next due" in line(app), pilot, limit=30)
        assert "next due Failover simulation on 2026-02-01 (in 31 d)" in line(app)
    svc.close()


async def test_no_drills_configured_hides_the_line(tmp_path: Path) -> None:
    clock = ManualClock(NOW)
    svc = service(tmp_path / "j.sqlite3", clock)
    config = replace(AppConfig(), refresh_seconds=3600.0, drills=())
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=svc)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: bool(app.screen.query(DrillDue)), pilot, limit=30)
        assert not app.screen.query_one(DrillDue).display
    svc.close()


async def test_without_incidents_there_is_no_drill_line() -> None:
    app = NexusApp(replace(AppConfig(), refresh_seconds=3600.0), StaticDashboardSource([healthy_snapshot()]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen.query(DrillDue)
