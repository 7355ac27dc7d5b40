"""The runbook screen as an IC sees it mid-incident (fixed clock, fixed incident id), 140x45."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_tui.domain.clock import ManualClock
from nexus_tui.resources import shipped_themes_dir
from tests.ui.conftest import SIZE
from tests.ui.runbook_support import make_rig, on_runbook
from tests.ui.sample_data import healthy_snapshot

SHIPPED = sorted(p.stem for p in shipped_themes_dir().glob("*.toml"))


def test_runbook_screen(snap_compare, tmp_path: Path, clock: ManualClock) -> None:
    assert snap_compare(_app(tmp_path, clock), terminal_size=SIZE, run_before=_opened)


@pytest.mark.parametrize("theme", [t for t in SHIPPED if t != "nexus-dark"])  # nexus-dark: the test above
def test_runbook_screen_in_theme(snap_compare, tmp_path: Path, clock: ManualClock, theme: str) -> None:
    app = _app(tmp_path, clock)
    app.theme = theme
    assert snap_compare(app, terminal_size=SIZE, run_before=_opened)


async def _opened(pilot) -> None:  # type: ignore[no-untyped-def]
    await on_runbook(pilot.app, pilot)
    await pilot.pause()


def _app(tmp_path: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path, clock, id_factory=lambda now: f"INC-{now:%Y%m%d-%H%M}-a1b2")  # a stable id on screen
    iid = rig.declare()
    clock.advance(90)
    rig.service.override(iid, "verify", "DB down per CloudWatch; region answers", "region_unreachable")
    rig.service.confirm(iid, "verify")
    clock.advance(200)
    rig.service.note(iid, "rollout started by carol", step_id="restart")
    clock.advance(160)  # restart: 6:00 of an expected 5:00, amber
    return rig.app(healthy_snapshot(clock.now()))
