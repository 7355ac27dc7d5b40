"""Pixel snapshots of the wall with fixed data and a ManualClock (no tick, so the picture never depends on
when a second passed). Update after an intended change: pytest tests/wall/test_wall_snapshots.py
--snapshot-update, then look at the SVGs under tests/wall/__snapshots__."""

from __future__ import annotations

from textual.pilot import Pilot

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.ui.wall.app import WallApp
from tests.ui.conftest import wait_for
from tests.ui.sample_data import outage_snapshot
from tests.wall.conftest import LIMIT, SMALL_SIZE, WALL_SIZE, MakeWall


def settled(incident: bool):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, WallApp)
        await wait_for(lambda: app.snapshot is not None and app.showing_incident == incident, pilot, limit=LIMIT)
        # Twice, a pause apart: the rows are cut to the width layout gives their box, known after the first.
        await pilot.pause()
        app.render_wall()
        await pilot.pause()
        app.render_wall()
        await pilot.pause()

    return run_before


def _walk(service: IncidentService, clock: ManualClock, drill: bool = False) -> None:
    iid = service.declare("rds-failover", "SEV1", ic="carol", drill=drill)
    clock.advance(100)
    service.confirm(iid, "verify")
    clock.advance(30)
    service.note(iid, "replica lag 0.4 s before promotion")
    clock.advance(200)


def test_wall_incident(snap_compare, make_wall: MakeWall, service: IncidentService, clock: ManualClock) -> None:
    _walk(service, clock)
    assert snap_compare(make_wall(tick=False), terminal_size=WALL_SIZE, run_before=settled(True))


def test_wall_no_incident(snap_compare, make_wall: MakeWall) -> None:
    assert snap_compare(make_wall(tick=False), terminal_size=WALL_SIZE, run_before=settled(False))


def test_wall_drill_war_room(snap_compare, make_wall: MakeWall, service: IncidentService, clock: ManualClock) -> None:
    _walk(service, clock, drill=True)
    app = make_wall(outage_snapshot(clock.now()), tick=False, theme="war-room")
    assert snap_compare(app, terminal_size=WALL_SIZE, run_before=settled(True))


def test_wall_incident_80x24_light(
    snap_compare, make_wall: MakeWall, service: IncidentService, clock: ManualClock
) -> None:
    _walk(service, clock)
    app = make_wall(outage_snapshot(clock.now()), tick=False, theme="nexus-light")
    assert snap_compare(app, terminal_size=SMALL_SIZE, run_before=settled(True))
