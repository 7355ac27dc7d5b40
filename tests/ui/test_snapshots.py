"""Pixel snapshots of the dashboard at a fixed size, fixed clock and fixed data.

Update after an intended visual change: pytest tests/ui/test_snapshots.py --snapshot-update (then look at
the SVGs under tests/ui/__snapshots__)."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.ui.conftest import SIZE, wait_for
from tests.ui.sample_data import healthy_snapshot, outage_snapshot


async def _loaded(pilot: Pilot) -> None:
    app = pilot.app
    await wait_for(lambda: getattr(app, "snapshot", None) is not None and not getattr(app, "polling", True), pilot)
    await pilot.pause()


def test_healthy_dashboard(snap_compare, make_app) -> None:
    assert snap_compare(make_app(healthy_snapshot()), terminal_size=SIZE, run_before=_loaded)


def test_outage_dashboard_war_room_theme(snap_compare, make_app) -> None:
    assert snap_compare(make_app(outage_snapshot(), theme="war-room"), terminal_size=SIZE, run_before=_loaded)


def test_outage_dashboard_light_theme_backups_focused(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _loaded(pilot)
        await pilot.press("colon", "b", "enter")
        await pilot.pause()

    assert snap_compare(make_app(outage_snapshot(), theme="nexus-light"), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(healthy_snapshot()), terminal_size=SIZE, run_before=run_before)
