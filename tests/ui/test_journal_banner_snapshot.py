"""How the shared-journal banner and the merge-conflict decision look over the runbook screen (fixed clock,
fixed incident id, fixed events), 140x45. Their behaviour against a real server is in tests/pg."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.incident import Event
from nexus_tui.ui.screens.merge_conflict import MergeConflictScreen
from nexus_tui.ui.widgets.journal_banner import JournalBanner, banner_text
from tests.ui.conftest import SIZE
from tests.ui.runbook_support import make_rig, on_runbook
from tests.ui.sample_data import NOW, healthy_snapshot

IID = "INC-20260101-0312-a1b2"


def _app(tmp_path: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path, clock, id_factory=lambda now: IID)
    rig.declare()
    return rig.app(healthy_snapshot(clock.now()))


def test_banner_while_offline(snap_compare, tmp_path: Path, clock: ManualClock) -> None:
    async def offline(pilot) -> None:  # type: ignore[no-untyped-def]
        await on_runbook(pilot.app, pilot)
        banner = JournalBanner()
        await pilot.app.screen.mount(banner)
        banner.show_text(banner_text(NOW - timedelta(minutes=4), 3, 0))
        await pilot.pause()

    assert snap_compare(_app(tmp_path, clock), terminal_size=SIZE, run_before=offline)


def test_merge_conflict_decision(snap_compare, tmp_path: Path, clock: ManualClock) -> None:
    theirs = [Event(4, IID, "step_skipped", NOW + timedelta(minutes=3), "bob", None, {"step_id": "restart"})]
    mine = [
        Event(4, IID, "step_confirmed", NOW + timedelta(minutes=2), "alice", None, {"step_id": "restart"}),
        Event(5, IID, "note", NOW + timedelta(minutes=4), "alice", None, {"text": "DNS switched by hand"}),
    ]

    async def conflict(pilot) -> None:  # type: ignore[no-untyped-def]
        await on_runbook(pilot.app, pilot)
        banner = JournalBanner()
        await pilot.app.screen.mount(banner)
        banner.show_text(banner_text(None, 2, 1))
        await pilot.pause()  # the runbook screen settles its layout before the modal covers it
        await pilot.wait_for_scheduled_animations()
        await pilot.app.push_screen(MergeConflictScreen(IID, theirs, mine))
        await pilot.pause()

    assert snap_compare(_app(tmp_path, clock), terminal_size=SIZE, run_before=conflict)
