"""Below the minimum size the screen says "enlarge the terminal" instead of showing a broken layout."""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen
from textual.widgets import Static

from nexus_tui.domain.clock import ManualClock
from nexus_tui.ui.min_size import MIN_HEIGHT, MIN_WIDTH, TOO_SMALL, SizeGuardedScreen, SizeNotice
from tests.ui.conftest import SIZE, MakeApp, wait_for
from tests.ui.runbook_support import make_rig
from tests.ui.sample_data import healthy_snapshot


def notice(screen: Screen[object]) -> SizeNotice:
    return screen.query_one(SizeNotice)


async def test_dashboard_at_40x12_asks_for_a_larger_terminal_and_recovers(make_app: MakeApp) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        await pilot.pause()
        screen = app.dashboard
        assert screen.has_class(TOO_SMALL) and notice(screen).display
        text = str(notice(screen).render())
        assert f"needs at least {MIN_WIDTH}x{MIN_HEIGHT}; now 40x12" in text
        assert not screen.query_one("#header").display and not screen.query_one("#panels").display
        await pilot.resize_terminal(*SIZE)
        await wait_for(lambda: not screen.has_class(TOO_SMALL), pilot)
        assert screen.query_one("#header").display and not notice(screen).display
        await pilot.press("q")  # still quits while small or large


async def test_a_guarded_screen_pushed_while_small_shows_the_notice(tmp_path: Path, clock: ManualClock) -> None:
    class Guarded(SizeGuardedScreen[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("content", id="content")

    rig = make_rig(tmp_path, clock)
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        screen = Guarded()
        app.push_screen(screen)
        await wait_for(lambda: screen.has_class(TOO_SMALL), pilot)
        assert not screen.query_one("#content").display and notice(screen).display
        await pilot.resize_terminal(100, 30)
        await wait_for(lambda: not screen.has_class(TOO_SMALL), pilot)
        assert screen.query_one("#content").display
