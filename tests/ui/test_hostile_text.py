"""User text with terminal controls in it (a runbook title that clears the screen, an OSC that retitles the
window, a bidi override, NUL) is shown as visible marks, never sent to the terminal raw."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual.widgets import OptionList, Static

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui import format as fmt
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.confirm import ReasonScreen
from nexus_tui.ui.screens.declare import DeclareScreen
from nexus_tui.ui.widgets.event_log import EventLog
from nexus_tui.ui.widgets.step_list import StepList
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import make_service, on_runbook
from tests.ui.sample_data import healthy_snapshot

RAW = ("\x1b", "\x00", "\u202e", "\x07", "\x9b")
HOSTILE = r"""id: hostile
title: "Fail over \e[2J\e]0;pwned\a now \u202eevil\0"
trigger: "Primary \e[31mdown"
rto_minutes: 30
steps:
  - id: verify
    title: "Verify \e]0;owned\a the primary \u202e\0"
    description: "Check \e[2J first.\nThen \u202eflip."
    expected_minutes: 2
    owner: "Incident \e[5mCommander"
    kind: command
    command: "echo \e[2J"
"""


def _config(tmp: Path) -> AppConfig:
    books = tmp / "runbooks"
    books.mkdir()
    (books / "hostile.yaml").write_text(HOSTILE)
    return replace(AppConfig(), runbook_dirs=(books,), refresh_seconds=3600.0)


def _rendered(screen: object) -> str:
    parts = [str(w.render()) for w in screen.query(Static)]  # type: ignore[attr-defined]
    for table in screen.query(StepList):  # type: ignore[attr-defined]
        parts += [table.get_cell(key, "step").plain for key in table.rows]
    for log in screen.query(EventLog):  # type: ignore[attr-defined]
        parts += log.lines
    return "\n".join(parts)


def test_safe_text_keeps_styles_and_drops_controls() -> None:
    body = Text("a\x1b[2Jb", style="bold").append("\u202ec\x00", style="red")
    clean = fmt.safe_text(body)
    assert isinstance(clean, Text) and clean.plain == "abc␀"
    assert [clean.plain[s.start : s.end] for s in clean.spans if str(s.style) == "red"] == ["c␀"]
    assert fmt.safe_text("x\x1b]0;t\x07y") == "xy"


async def test_hostile_runbook_and_note_render_without_controls(tmp_path: Path, clock: ManualClock) -> None:
    config = _config(tmp_path)
    service = make_service(config, clock, tmp_path / "journal.sqlite3")
    iid = service.declare("hostile", "SEV2", "alice\x1b[2J", False, {})
    service.note(iid, "pasted \x1b]0;title\x07 note \u202e", step_id="verify")
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_runbook(app, pilot)
        shown = "\n".join(_rendered(w) for w in (screen.query_one("#rb-steps"), screen.query_one("#rb-events"), screen))
        detail = "\n".join(str(w.render()) for w in screen.query("StepDetail Static"))
        assert "Verify" in detail and "Check" in detail and "pasted" in shown
        # The step detail, step list, timeline and clock are ours; #rb-title belongs to the runbook screen.
        ours = "\n".join([detail, *screen.query_one(EventLog).lines, _rendered(screen.query_one("#rb-steps"))])
        assert not any(c in ours for c in RAW), repr(ours)
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        assert not any(c in _rendered(app.screen) for c in RAW)
        await pilot.press("escape")
        await wait_for(lambda: app.screen is screen, pilot)
    service.close()


async def test_hostile_runbook_in_the_declare_form(tmp_path: Path, clock: ManualClock) -> None:
    config = _config(tmp_path)
    service = make_service(config, clock, tmp_path / "journal.sqlite3")
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, DeclareScreen), pilot)
        modal = app.screen
        assert isinstance(modal, DeclareScreen)
        await modal.select_runbook("hostile")
        await pilot.pause()
        declare = _rendered(modal) + "".join(
            str(o.prompt) for o in modal.query_one("#declare-runbooks", OptionList).options
        )
        assert "Fail over" in declare and not any(c in declare for c in RAW), repr(declare)
    service.close()
