"""Modals under hostile keyboards: the command palette, a second press of the key that opened a modal,
and keys held down must never stack a second modal or crash the app."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.command import CommandPalette
from textual.widgets import Button, Input

from nexus_tui.domain.clock import ManualClock
from nexus_tui.ui.screens.confirm import ReasonScreen, TypedConfirmScreen
from nexus_tui.ui.screens.declare import DeclareScreen
from nexus_tui.ui.screens.help import HelpScreen
from tests.ui.conftest import SIZE, MakeApp, wait_for
from tests.ui.runbook_support import make_rig, on_runbook
from tests.ui.sample_data import healthy_snapshot


def palettes(app: object) -> int:
    return sum(isinstance(s, CommandPalette) for s in app.screen_stack)  # type: ignore[attr-defined]


async def test_ctrl_p_twice_in_the_typed_confirm_modal_does_not_crash(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    rig.service.override(iid, "verify", "outage confirmed", "region_unreachable")
    rig.service.confirm(iid, "verify")
    rig.service.confirm(iid, "restart")
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, TypedConfirmScreen), pilot)
        await pilot.press("ctrl+p", "ctrl+p", "ctrl+p")
        await pilot.pause()
        assert app.is_running and palettes(app) <= 1


async def test_a_modal_pushed_above_an_open_palette_keeps_ctrl_p_harmless(tmp_path: Path, clock: ManualClock) -> None:
    # ctrl+p pressed while a step's preview is being prepared: the palette opens first and the modal is pushed
    # above it, where Textual's "is a palette open?" (it looks at the top screen only) says no.
    rig = make_rig(tmp_path, clock)
    rig.declare()
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("ctrl+p")
        await wait_for(lambda: palettes(app) == 1, pilot)
        app.push_screen(TypedConfirmScreen("Confirm: dns", "body", "app.example.com"))
        await wait_for(lambda: isinstance(app.screen, TypedConfirmScreen), pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.is_running and palettes(app) == 1
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, CommandPalette), pilot)
        await pilot.press("escape")
        await wait_for(lambda: palettes(app) == 0, pilot)
        await pilot.press("ctrl+p")
        await wait_for(lambda: palettes(app) == 1, pilot)


async def test_d_pressed_twice_opens_one_declare_form(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, DeclareScreen), pilot)
        modal = app.screen
        modal.query_one("#declare-runbooks").focus()
        await pilot.press("d", "i", "question_mark", "d")
        await pilot.pause()
        assert app.screen is modal and sum(isinstance(s, DeclareScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await wait_for(lambda: app.screen is app.dashboard, pilot)
        assert app.use_command_palette  # restored once the last modal is gone


async def test_help_still_closes_with_question_mark(make_app: MakeApp) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await wait_for(lambda: app.screen is app.dashboard, pilot)


HOSTILE_PASTE = "db lag \x1b\x1b then \x1b[2J q d s y\nsecond line\x00 \u202eevil"


async def test_a_paste_with_escapes_and_hotkeys_lands_whole_in_the_note(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        modal = app.screen
        field = modal.query_one("#reason", Input)
        field.post_message(events.Paste(HOSTILE_PASTE))
        await pilot.pause()
        assert app.screen is modal and app.is_running
        value = field.value
        assert "\x1b" not in value and "\x00" not in value and "\u202e" not in value and "\n" not in value
        assert value.startswith("db lag ␛␛ then") and value.endswith("second line␀ evil")
        assert rig.service.state(iid).steps[0].status == "pending"  # no y/s acted
        await pilot.press("enter")
        await wait_for(lambda: len(rig.service.state(iid).notes) == 1, pilot)
        assert rig.service.state(iid).notes[0].text == value


async def test_a_paste_into_the_typed_confirmation_is_text_not_keys(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    rig.service.override(iid, "verify", "outage confirmed", "region_unreachable")
    rig.service.confirm(iid, "verify")
    rig.service.confirm(iid, "restart")
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, TypedConfirmScreen), pilot)
        modal = app.screen
        modal.query_one("#typed", Input).post_message(events.Paste("\x1b\x1bapp.example.com"))
        await pilot.pause()
        assert app.screen is modal and modal.query_one("#confirm", Button).disabled
        assert rig.service.state(iid).steps[2].status == "pending"
