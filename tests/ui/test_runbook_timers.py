"""The incident clock as the ManualClock moves: step timing amber then red, the RTO projection warning once,
and the escalation ladder (on-call, then team lead at 15 minutes)."""

from __future__ import annotations

from pathlib import Path

from nexus_tui.domain.clock import ManualClock
from nexus_tui.ui.widgets.incident_clock import IncidentClock
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import big_clock, make_rig, notifications, on_runbook
from tests.ui.sample_data import outage_snapshot


async def test_step_timer_turns_amber_then_red(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        ui = app.incident_ui
        assert ui is not None
        assert big_clock(app).has_class("-ok")
        clock.advance(121)  # verify expects 2:00
        ui.render_timers()
        await pilot.pause()
        assert big_clock(app).has_class("-amber")
        assert "Step 1/4 verify 2:01 / 2:00  over expected" in big_clock(app).last_text
        clock.advance(120)  # past twice the estimate
        ui.render_timers()
        await pilot.pause()
        assert big_clock(app).has_class("-red")
        assert "over twice the expected time" in big_clock(app).last_text
        header = app.dashboard.query_one("#header-incident-clock", IncidentClock)
        assert header.has_class("-red") and "step 4:01/2:00" in header.last_text


async def test_projection_beyond_the_rto_warns_once(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        ui = app.incident_ui
        assert ui is not None
        # 10 minutes of steps against a 30 minute RTO: the projection crosses when verify has run 22 minutes.
        clock.advance(22 * 60 - 1)
        ui.render_timers()
        await pilot.pause()
        assert not [m for m in notifications(app) if "beyond the RTO" in m]
        assert "within RTO" in big_clock(app).last_text
        for _ in range(3):
            clock.advance(5)
            ui.render_timers()
            await pilot.pause()
        warnings = [m for m in notifications(app) if "beyond the RTO" in m]
        assert len(warnings) == 1 and "by 0:04" in warnings[0]
        assert "▲ beyond the RTO by 0:14" in big_clock(app).last_text


async def test_escalation_moves_to_the_team_lead_at_15_minutes(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        ui = app.incident_ui
        assert ui is not None
        clock.advance(15 * 60 - 1)
        ui.render_timers()
        await pilot.pause()
        assert "engage now: On-call engineer (next: Team lead in 1s)" in big_clock(app).last_text
        clock.advance(1)
        ui.render_timers()
        await pilot.pause()
        assert "engage now: Team lead (next: Engineering manager in 15m)" in big_clock(app).last_text


async def test_the_clock_ticks_by_itself(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        clock.advance(65)
        await wait_for(lambda: big_clock(app).last_text.count("1:05") >= 1, pilot, limit=3)
