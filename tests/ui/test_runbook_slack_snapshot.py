"""A drill's slack step as the IC sees it before confirming: the channel and the [DRILL]-prefixed message."""

from __future__ import annotations

from pathlib import Path

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui.app import NexusApp
from tests.ui.conftest import SIZE
from tests.ui.runbook_support import on_runbook
from tests.ui.sample_data import healthy_snapshot
from tests.ui.test_runbook_slack_step import setup


def test_slack_step_preview(snap_compare, tmp_path: Path, clock: ManualClock) -> None:
    config, service = setup(tmp_path, clock, id_factory=lambda now: f"INC-{now:%Y%m%d-%H%M}-a1b2")
    iid = service.declare("tell-them", "SEV1", "alice", True, {})
    clock.advance(45)
    service.confirm(iid, "fix")
    clock.advance(30)
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot(clock.now())]), clock=clock, incidents=service)

    async def opened(pilot) -> None:  # type: ignore[no-untyped-def]
        await on_runbook(pilot.app, pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=opened)
