"""An aws step executed from the runbook screen against the simulated account: dry run shown first, typed
confirmation, progress lines while polling, and the step confirmed with its request id journaled."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import StepExecutor
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.confirm import TypedConfirmScreen
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import on_runbook, text_of

REPLICA = "securenexus-db-replica-west"


async def test_promote_replica_from_the_runbook_screen(
    sim_env: SimEnvironment, sim_clock: ManualClock, tmp_path: Path
) -> None:
    config = replace(sim_env.app_config(), refresh_seconds=3600.0)
    svc = IncidentService(
        SqliteJournal(tmp_path / "journal.sqlite3"),
        clock=sim_clock,
        runbook_loader=lambda rid: find_runbook(rid, config=config),
        settings=config.settings,
        actor="ic-alice",
    )
    iid = svc.declare("rds-failover", severity="SEV1", drill=True)
    svc.skip(iid, "verify-primary-down", "drill: the primary is declared down")
    runner = StepExecutor(config, sim_clock, poll_interval=0.05, action_timeout=15.0)
    source = DashboardService(config, sim_clock)
    app = NexusApp(config, source, clock=sim_clock, incidents=svc, executor=runner)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await on_runbook(app, pilot)
            await wait_for(lambda: "DRY RUN  rds.promote_read_replica" in text_of(app, "#sd-command"), pilot, limit=60)
            assert f"DBInstanceIdentifier = {REPLICA}" in text_of(app, "#sd-command")
            assert "aws rds promote-read-replica" in text_of(app, "#sd-command")
            await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, TypedConfirmScreen), pilot, limit=60)
            await pilot.press(*REPLICA, "enter")
            await wait_for(lambda: svc.state(iid).steps[1].status == "done", pilot, limit=60)
            assert screen.progress[(iid, "promote-replica")], "no progress lines"
            [request] = svc.state(iid).aws_requests
            assert request.request_id and request.reached_target
            # refresh_seconds is an hour: only the rediscovery after the action can show the promotion.
            await wait_for(
                lambda: (
                    app.snapshot is not None
                    and not any(p.kind == "rds" and p.target == REPLICA for p in app.snapshot.replication)
                ),
                pilot,
                limit=60,
            )
    finally:
        await source.aclose()
        svc.close()
