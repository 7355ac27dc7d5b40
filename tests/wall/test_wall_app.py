"""The wall's behaviour with Pilot: incident, no incident, drill, the switch when one is declared, and that
no key changes anything."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.ui.min_size import TOO_SMALL, SizeNotice
from nexus_tui.ui.wall.app import WallApp
from nexus_tui.ui.wall.widgets import BigNumber, Line
from tests.ui.conftest import wait_for
from tests.wall.conftest import LIMIT, SMALL_SIZE, WALL_SIZE, MakeWall


def text(app: WallApp, selector: str) -> str:
    return app.screen.query_one(selector, Line).last_text


def shown(app: WallApp) -> str:
    screen = app.screen
    parts = [w.last_text for w in screen.query(Line).results(Line) if w.display and w.parent and w.parent.display]
    parts += [b.last_text for b in screen.query(BigNumber).results(BigNumber) if b.parent and b.parent.display]
    return "\n".join(parts)


async def loaded(pilot: Pilot, app: WallApp) -> None:
    await wait_for(lambda: app.snapshot is not None, pilot, limit=LIMIT)
    await pilot.pause()


async def test_incident_shows_clock_step_progress_and_timeline(
    make_wall: MakeWall, service: IncidentService, clock: ManualClock
) -> None:
    iid = service.declare("rds-failover", "SEV1", ic="carol")
    clock.advance(60)
    service.confirm(iid, "verify")
    clock.advance(90)
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await loaded(pilot, app)
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        app.render_wall()
        assert "SEV1 " + iid in text(app, "#wall-banner")
        assert "IC carol" in text(app, "#wall-banner")
        assert app.screen.query_one("#wall-elapsed", BigNumber).last_text.startswith("INCIDENT CLOCK 2:30")
        assert "RTO REMAINING 27:30" in app.screen.query_one("#wall-rto", BigNumber).last_text
        assert "STEP 2 of 5  Promote the replica" in text(app, "#wall-step-title")
        assert "1:30 of 5:00 expected" in text(app, "#wall-step-timing")
        assert "✔ on time" in text(app, "#wall-step-timing")
        assert "Projected finish" in text(app, "#wall-projection") and "within RTO" in text(app, "#wall-projection")
        assert "RPO exposure" in text(app, "#wall-rpo")
        assert "done: Verify the primary is down" in text(app, "#wall-timeline")
        assert "REPLICATION LAG" in text(app, "#wall-pairs")
        assert "REGIONS" in text(app, "#wall-regions")
        assert not app.screen.query_one("#wall-drill").display


async def test_no_incident_shows_readiness_and_switches_when_one_is_declared(
    make_wall: MakeWall, service: IncidentService
) -> None:
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await loaded(pilot, app)
        assert "NO OPEN INCIDENT" in text(app, "#wall-banner")
        assert "RPO EXPOSURE" in app.screen.query_one("#wall-ready-rpo", BigNumber).last_text
        assert "OVERALL" in text(app, "#wall-ready-overall")
        assert not app.screen.query_one("#wall-incident").display
        iid = service.declare("rds-failover", "SEV2")
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        assert iid in text(app, "#wall-banner")
        assert app.screen.query_one("#wall-incident").display
        assert not app.screen.query_one("#wall-readiness").display


async def test_a_change_in_the_journal_shows_without_a_key(make_wall: MakeWall, service: IncidentService) -> None:
    iid = service.declare("rds-failover", "SEV2")
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        assert "STEP 1 of 5" in text(app, "#wall-step-title")
        service.confirm(iid, "verify")
        await wait_for(lambda: "STEP 2 of 5" in text(app, "#wall-step-title"), pilot, limit=LIMIT)
        service.resolve(iid, force=True, reason="test")
        await wait_for(lambda: not app.showing_incident, pilot, limit=LIMIT)
        assert "NO OPEN INCIDENT" in text(app, "#wall-banner")


async def test_drill_is_unmistakable(make_wall: MakeWall, service: IncidentService) -> None:
    service.declare("rds-failover", "SEV2", drill=True)
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        drill = app.screen.query_one("#wall-drill", Line)
        assert drill.display and "DRILL" in drill.last_text and "NOT A REAL INCIDENT" in drill.last_text
        assert text(app, "#wall-banner").startswith("DRILL ")
        assert app.screen.has_class("-drill")


async def test_late_step_and_breached_rto_carry_words_not_only_colour(
    make_wall: MakeWall, service: IncidentService, clock: ManualClock
) -> None:
    service.declare("rds-failover", "SEV1")
    clock.advance(timedelta(minutes=31).total_seconds())
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        assert "✖ RTO BREACHED" in app.screen.query_one("#wall-rto", BigNumber).last_text
        assert "✖ OVER 2x EXPECTED" in text(app, "#wall-step-timing")
        assert "✖ BEYOND RTO" in text(app, "#wall-projection")


async def test_keys_change_nothing_and_q_quits(make_wall: MakeWall, service: IncidentService) -> None:
    iid = service.declare("rds-failover", "SEV2")
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        before = service.state(iid).last_seq
        await pilot.press("d", "enter", "s", "c", "y", "u", "space", "ctrl+p", "escape")
        await pilot.pause()
        assert service.state(iid).last_seq == before
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_still_useful_at_80x24(make_wall: MakeWall, service: IncidentService) -> None:
    service.declare("rds-failover", "SEV1")
    app = make_wall()
    async with app.run_test(size=SMALL_SIZE) as pilot:
        await loaded(pilot, app)
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        for selector in ("#wall-banner", "#wall-step-title", "#wall-projection", "#wall-regions"):
            widget = app.screen.query_one(selector)
            assert widget.region.height >= 1 and widget.region.bottom <= 24, selector
        assert app.screen.query_one("#wall-rto").region.height >= 4


async def test_dashboard_mode_never_shows_the_incident(make_wall: MakeWall, service: IncidentService) -> None:
    service.declare("rds-failover", "SEV2")
    app = make_wall(mode="dashboard")
    async with app.run_test(size=WALL_SIZE) as pilot:
        await loaded(pilot, app)
        assert "READINESS DASHBOARD" in text(app, "#wall-banner")
        assert not app.showing_incident or not app.screen.query_one("#wall-incident").display


async def test_below_80x24_shows_the_enlarge_notice_not_a_cropped_wall(
    make_wall: MakeWall, service: IncidentService
) -> None:
    iid = service.declare("rds-failover", "SEV1")
    app = make_wall()
    async with app.run_test(size=(79, 24)) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        screen = app.screen
        await wait_for(lambda: screen.has_class(TOO_SMALL), pilot, limit=LIMIT)
        notice = screen.query_one(SizeNotice)
        assert notice.display and "needs at least 80x24; now 79x24" in str(notice.render())
        assert not screen.query_one("#wall-body").display
        service.confirm(iid, "verify")  # data arriving while small does not bring the panes back
        await wait_for(lambda: app.state is not None and app.state.done_count == 1, pilot, limit=LIMIT)
        await pilot.pause()
        assert not screen.query_one("#wall-body").display and notice.display
        await pilot.resize_terminal(80, 24)
        await wait_for(lambda: not screen.has_class(TOO_SMALL), pilot, limit=LIMIT)
        await pilot.pause()
        assert screen.query_one("#wall-body").display and not notice.display
        assert screen.query_one("#wall-rto").region.height >= 4
        await pilot.press("q")
    assert app.return_code == 0
