"""Walking a runbook through the TUI with a real IncidentService and journal: every change is journaled,
and the rules (reasons, typed confirmations, overrides) hold at the keyboard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Button, Checkbox, Input, Select

from nexus_tui.domain.clock import ManualClock
from nexus_tui.ui.screens.confirm import ReasonScreen, TypedConfirmScreen
from nexus_tui.ui.screens.declare import DeclareScreen
from nexus_tui.ui.widgets.header import INCIDENT_SLOT_ID
from nexus_tui.ui.widgets.incident_clock import IncidentClock
from nexus_tui.ui.widgets.step_list import StepList
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import (
    RUNBOOK_ID,
    big_clock,
    make_rig,
    notifications,
    on_runbook,
    step_states,
    text_of,
)
from tests.ui.sample_data import healthy_snapshot, outage_snapshot


async def test_declare_through_the_modal_opens_the_runbook(tmp_path: Path, clock: ManualClock) -> None:
    rig = make_rig(tmp_path, clock)
    app = rig.app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, DeclareScreen), pilot)
        modal = app.screen
        assert isinstance(modal, DeclareScreen)
        await modal.select_runbook(RUNBOOK_ID)
        await pilot.pause()
        # Defaults are prefilled; a param without a default is flagged.
        assert modal.query_one("#param-dns_name", Input).value == "app.example.com"
        assert modal.query_one("#param-deployment", Input).value == ""
        assert modal.query_one("#param-deployment").parent.has_class("-required")  # type: ignore[union-attr]
        modal.query_one("#declare-severity", Select).value = "SEV1"
        modal.query_one("#declare-ic", Input).value = "carol"
        modal.query_one("#declare-drill", Checkbox).value = True
        modal.query_one("#param-deployment", Input).value = "api"
        await pilot.click("#declare-ok")
        screen = await on_runbook(app, pilot)
        [summary] = rig.service.list()
        state = rig.service.state(summary.id)
        assert (state.severity, state.ic, state.drill) == ("SEV1", "carol", True)
        assert state.params == {"deployment": "api"}
        assert state.runbook.step("restart").command == "kubectl rollout restart deployment/api"
        assert summary.id in text_of(app, "#rb-title") and "DRILL" in text_of(app, "#rb-title")
        assert step_states(app)[0] == "▶ current"
        assert "Step 1/4 verify" in big_clock(app).last_text
        # The header of the dashboard carries the compact clock from now on.
        assert app.dashboard.query_one(f"#{INCIDENT_SLOT_ID}").query(IncidentClock)
        await pilot.press("escape")
        assert app.screen is app.dashboard
        await pilot.press("i")
        assert app.screen is screen


async def test_failing_precondition_is_red_and_needs_an_override_with_a_reason(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(healthy_snapshot())  # us-east-1 answers: region_unreachable does not hold
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_runbook(app, pilot)
        checks = screen.query_one("#sd-checks")
        assert checks.has_class("-blocked")
        assert "✖ region_unreachable  us-east-1 answers" in text_of(app, "#sd-checks")
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        assert app.screen.query_one("#confirm", Button).disabled  # no reason, no override
        await pilot.press("enter")  # a blank reason is refused
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press(*"DB down per CloudWatch")
        assert not app.screen.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await wait_for(lambda: rig.service.state(iid).steps[0].status == "done", pilot)
        state = rig.service.state(iid)
        assert [(o.step_id, o.check, o.reason) for o in state.overrides] == [
            ("verify", "region_unreachable", "DB down per CloudWatch")
        ]
        await wait_for(lambda: step_states(app)[:2] == ["✔ done", "▶ current"], pilot)


async def test_precondition_that_holds_needs_no_override(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(outage_snapshot())  # us-east-1 unreachable
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_runbook(app, pilot)
        assert not screen.query_one("#sd-checks").has_class("-blocked")
        await pilot.press("y")
        await wait_for(lambda: rig.service.state(iid).steps[0].status == "done", pilot)
        assert rig.service.state(iid).overrides == ()


async def test_typed_confirmation_refuses_the_wrong_text(tmp_path: Path, clock) -> None:
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
        await pilot.press(*"app.example")
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        assert app.screen is modal and rig.service.state(iid).steps[2].status == "pending"
        await pilot.press(*".org")
        assert modal.query_one("#confirm", Button).disabled
        modal.query_one("#typed", Input).value = "app.example.com"
        await pilot.pause()
        assert not modal.query_one("#confirm", Button).disabled
        await pilot.click("#confirm")
        await wait_for(lambda: rig.service.state(iid).steps[2].status == "done", pilot)


async def test_skip_and_fail_need_a_reason(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, ReasonScreen)  # still asking
        await pilot.press(*"done by the DBA already", "enter")
        await wait_for(lambda: rig.service.state(iid).steps[0].status == "skipped", pilot)
        assert rig.service.state(iid).steps[0].reason == "done by the DBA already"
        await pilot.press("f")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        await pilot.press("escape")  # cancelled: nothing journaled
        await pilot.pause()
        assert rig.service.state(iid).steps[1].status == "pending"
        await pilot.press("f")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        await pilot.press(*"rollout stuck", "enter")
        await wait_for(lambda: rig.service.state(iid).steps[1].status == "failed", pilot)
        await wait_for(lambda: step_states(app)[:2] == ["↷ skipped", "✖ FAILED"], pilot)


async def test_note_undo_and_the_grace_period(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        await pilot.press(*"todo: page the DBA", "enter")
        await wait_for(lambda: len(rig.service.state(iid).notes) == 1, pilot)
        note = rig.service.state(iid).notes[0]
        assert (note.text, note.step_id, note.todo) == ("todo: page the DBA", "verify", True)
        await pilot.press("y")
        await wait_for(lambda: rig.service.state(iid).steps[0].status == "done", pilot)
        clock.advance(10)
        await pilot.press("u")
        await wait_for(lambda: rig.service.state(iid).steps[0].status == "pending", pilot)
        await wait_for(lambda: step_states(app)[0] == "▶ current", pilot)
        await pilot.press("y")
        await wait_for(lambda: rig.service.state(iid).steps[0].status == "done", pilot)
        clock.advance(120)  # past the 60 s grace period
        await pilot.press("u")
        await wait_for(lambda: any("grace period" in m for m in notifications(app)), pilot)
        assert rig.service.state(iid).steps[0].status == "done"
        assert "Note [verify]: todo: page the DBA" in "\n".join(app.screen.query_one("#rb-events").lines)  # type: ignore[attr-defined]


async def test_copy_puts_the_command_on_the_clipboard(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    rig.service.skip(iid, "verify", "known outage")
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await pilot.press("c")
        assert app.clipboard == "kubectl rollout restart deployment/api"
        assert "kubectl rollout restart deployment/api" in notifications(app)


async def test_resolve_only_when_every_step_is_finished(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        # With steps open, resolving is an explicit, reasoned decision (the engine's rule); cancelling keeps it open.
        await pilot.press("R")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen) and "open steps" in app.screen._title, pilot)
        await pilot.press("escape")
        assert not rig.service.state(iid).resolved
        for step in ("verify", "restart", "notify"):
            if step == "notify":
                rig.service.confirm(iid, "dns", "app.example.com")
            rig.service.confirm(iid, step)
        # No poll: the change feed brings the other process's confirmations.
        await wait_for(lambda: step_states(app)[-1] == "✔ done", pilot)
        await pilot.press("R")
        await wait_for(lambda: isinstance(app.screen, ReasonScreen), pilot)
        await pilot.press(*"failed over to us-west-2", "enter")
        await wait_for(lambda: rig.service.state(iid).resolved, pilot)
        assert rig.service.state(iid).resolution == "failed over to us-west-2"
        await wait_for(lambda: "RESOLVED" in text_of(app, "#rb-title"), pilot)


async def test_a_change_from_the_cli_shows_up_live(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        cli = rig.other_service("bob")
        cli.confirm(iid, "verify")
        cli.note(iid, "restarting now", step_id="restart")
        # No key pressed: the one-second journal poll picks it up.
        await wait_for(lambda: step_states(app)[:2] == ["✔ done", "▶ current"], pilot, limit=4)
        assert app.screen.query_one(StepList).highlighted_step == "restart"
        lines = app.screen.query_one("#rb-events").lines  # type: ignore[attr-defined]
        assert lines[-1] == "Note [restart]: restarting now"
        cli.close()


async def test_an_incident_declared_from_the_cli_is_picked_up(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None, pilot)
        # Declared after the TUI subscribed (before that, it would be reopened as the open incident instead).
        await wait_for(lambda: app.incident_ui is not None and app.incident_ui.following, pilot, limit=30)
        cli = rig.other_service("bob")
        iid = cli.declare(RUNBOOK_ID, "SEV3", "bob", False, {"deployment": "api"})
        await wait_for(lambda: app.incident_ui is not None and app.incident_ui.incident_id == iid, pilot, limit=4)
        assert app.screen is app.dashboard  # announced, not forced on the operator
        assert any(iid in m and "press i" in m for m in notifications(app))
        cli.close()


async def test_reopening_restores_the_step_and_the_original_clock(tmp_path: Path, clock) -> None:
    rig = make_rig(tmp_path, clock)
    iid = rig.declare()
    clock.advance(60)
    rig.service.skip(iid, "verify", "known outage")
    clock.advance(300)  # the TUI was closed for five minutes
    app = rig.app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        # The screen is up before the reopened state has been rendered into it: wait for the render.
        await wait_for(lambda: step_states(app)[:2] == ["↷ skipped", "▶ current"], pilot)
        await wait_for(lambda: "Step 2/4" in big_clock(app).last_text, pilot)
        assert app.screen.query_one(StepList).highlighted_step == "restart"
        assert step_states(app)[:2] == ["↷ skipped", "▶ current"]
        text = big_clock(app).last_text
        assert "Step 2/4 restart 5:00 / 5:00" in text  # the step's clock started at the skip
        assert "29:00 left" not in text and "24:00 left" in text  # 6 minutes since the declaration
        assert rig.service.state(iid).declared_at == clock.now() - timedelta(seconds=360)
