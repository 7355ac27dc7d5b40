"""Walking a runbook: the steps with their state and timings, the step in detail (command, dry-run preview,
live preconditions, progress), the incident clock, a compact live dashboard and the timeline.

Every change goes through IncidentService (journaled; the domain refuses what is not allowed) or StepRunner
(aws and http steps). Refusals come back as one-line notifications. Writes run off the event loop: the first
one may ask STS who we are."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Static

from nexus_tui.domain.incident import IncidentError, IncidentState
from nexus_tui.domain.preconditions import evaluate
from nexus_tui.domain.report import describe
from nexus_tui.domain.runbook import Step
from nexus_tui.domain.runbook_params import runbook_placeholders, step_placeholders
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.steps import ActionError, ActionProgress
from nexus_tui.ui.format import error_line
from nexus_tui.ui.screens.confirm import ConfirmScreen, ReasonScreen, TypedConfirmScreen
from nexus_tui.ui.screens.declare import ParamField, ParamsScreen
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.event_log import EventLog
from nexus_tui.ui.widgets.incident_clock import IncidentClock
from nexus_tui.ui.widgets.live_summary import LiveSummary
from nexus_tui.ui.widgets.panel import View
from nexus_tui.ui.widgets.step_detail import CheckLine, StepDetail, StepDetailModel, copy_text
from nexus_tui.ui.widgets.step_list import StepList

if TYPE_CHECKING:
    from nexus_tui.ui.incident_controller import IncidentController


class RunbookScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Dashboard"),
        Binding("enter", "advance", "Run/confirm step", priority=True),
        Binding("y", "advance", "Confirm step", show=False),
        Binding("m", "by_hand", "Done by hand", show=False),
        Binding("s", "skip", "Skip"),
        Binding("f", "fail", "Fail"),
        Binding("n", "note", "Note"),
        Binding("u", "undo", "Undo"),
        Binding("o", "override", "Override"),
        Binding("p", "params", "Params", show=False),
        Binding("c", "copy", "Copy"),
        Binding("R", "resolve", "Resolve"),
    ]

    def __init__(self, controller: IncidentController) -> None:
        super().__init__(id="runbook")
        self.controller = controller
        self.palette = Palette.from_variables({})
        self.ready = False
        self.running: str | None = None  # the step whose action or check is in flight
        self.progress: dict[tuple[str, str], list[str]] = {}
        # Dry runs by (incident, step, params): text, cli, error. preview() reads the journal, so not per tick.
        self.previews: dict[tuple[str, str, str], tuple[str | None, str | None, str | None]] = {}
        self._loading: set[tuple[str, str, str]] = set()

    def compose(self) -> ComposeResult:
        yield Static("", id="rb-title")
        yield IncidentClock(id="rb-clock")
        with Horizontal(id="rb-body"):
            with Vertical(id="rb-main"):
                steps = StepList(id="rb-steps")
                steps.border_title = "runbook"
                yield steps
                yield StepDetail(id="rb-detail")
            with Vertical(id="rb-side"):
                yield LiveSummary(id="rb-live")
                yield EventLog(id="rb-events")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self.palette = Palette.from_variables(self.app.theme_variables)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.query_one(StepList).focus()
        self.show_state()
        self.show_live()

    def _theme_changed(self, theme: Theme) -> None:
        self.palette = Palette.from_variables(self.app.theme_variables)
        self.query_one(EventLog)._key = None
        self.show_state()
        self.show_live()

    # -- rendering ------------------------------------------------------------------------------------------

    @property
    def state(self) -> IncidentState | None:
        return self.controller.state

    def show_state(self) -> None:
        state = self.state
        if not self.ready or state is None:
            return
        title = Text(f" {state.id} ", style="bold reverse")
        title.append(f" {state.severity} ", style="bold")
        if state.drill:
            title.append(" DRILL ", style="bold reverse")
        if state.resolved:
            title.append(" RESOLVED ", style=self.palette.ok + Style(reverse=True))
        title.append(f"  {state.runbook.title}", style="bold")
        title.append(
            f"  · IC {state.ic} · declared {state.declared_at:%H:%M:%S} UTC by {state.declared_by}", style="dim"
        )
        self.query_one("#rb-title", Static).update(title)
        self.query_one(EventLog).show(state, self.palette)
        self.show_timers(self.controller.view())

    def show_timers(self, view: IncidentView | None) -> None:
        """Every second: clocks, the step list's actual times, the detail (preconditions age with the data)."""
        if not self.ready or view is None:
            return
        self.query_one("#rb-clock", IncidentClock).show(view, self.palette)
        self.query_one(StepList).show(view.state, view.timers.now, self.palette)
        self.show_detail()

    def show_live(self) -> None:
        if not self.ready:
            return
        view = View(
            now=self.controller.app.clock.now(), settings=self.controller.service.settings, palette=self.palette
        )
        self.query_one(LiveSummary).show(self.app_snapshot(), view)
        self.show_detail()

    def app_snapshot(self) -> Any:
        return self.controller.app.snapshot

    def viewed_step(self) -> Step | None:
        state = self.state
        if state is None:
            return None
        step_id = self.query_one(StepList).highlighted_step
        current = state.current_step
        if step_id is None:
            step_id = current.id if current is not None else state.steps[-1].id
        return state.runbook.step(step_id)

    def checks(self, state: IncidentState, step: Step) -> list[CheckLine]:
        now = self.controller.app.clock.now()
        settings = self.controller.service.settings
        out = []
        for pre in step.preconditions:
            # The same matching as StepRunner.is_overridden: this step, this check or all of its checks.
            override = next(
                (o for o in state.overrides if o.step_id == step.id and o.check in (None, "", pre.check)), None
            )
            out.append(CheckLine(pre, evaluate(pre, self.app_snapshot(), settings, now), override))
        return out

    def _preview_key(self, state: IncidentState, step: Step) -> tuple[str, str, str]:
        return (state.id, step.id, repr(sorted(state.params.items())))

    def show_detail(self) -> None:
        state, step = self.state, self.viewed_step()
        if not self.ready or state is None or step is None:
            return
        st = state.step_state(step.id)
        current = None if state.resolved else state.current_step
        preview = cli = error = None
        if step.kind == "aws":
            key = self._preview_key(state, step)
            if key in self.previews:
                preview, cli, error = self.previews[key]
            elif self.controller.steps is None:
                error = "No AWS execution in this session: do it by hand and press m to confirm it."
            elif key not in self._loading:
                self._loading.add(key)
                self._load_preview(key)
        model = StepDetailModel(
            step=step,
            st=st,
            total=len(state.steps),
            is_current=current is not None and current.id == step.id,
            current_id=None if current is None else current.id,
            resolved=state.resolved,
            checks=self.checks(state, step),
            missing=sorted(step_placeholders(step)),
            preview=preview,
            preview_error=error,
            progress=self.progress.get((state.id, step.id), []),
            running=self.running == step.id,
            can_execute=self.controller.steps is not None,
        )
        self.query_one(StepDetail).show(model, self.palette)
        self._copy_cli = copy_text(step, cli)

    _copy_cli: str | None = None

    @work(group="preview", exit_on_error=False)
    async def _load_preview(self, key: tuple[str, str, str]) -> None:
        runner = self.controller.steps
        if runner is None:
            return
        try:
            preview = await runner.preview(key[0], key[1])
        except (ActionError, IncidentError) as exc:
            self.previews[key] = (None, None, error_line(exc))
        except Exception as exc:
            self.previews[key] = (None, None, f"preview failed: {error_line(exc)}")
        else:
            self.previews[key] = (None, None, None) if preview is None else (preview.text, preview.cli, None)
        finally:
            self._loading.discard(key)
        self.show_detail()

    def on_data_table_row_highlighted(self) -> None:
        self.show_detail()

    # -- helpers for the flows ------------------------------------------------------------------------------

    def _current(self, *, idle: bool = False) -> tuple[IncidentState, Step] | None:
        """The incident and its current step, or a notification saying why there is none. `idle`: also
        refuse while the current step's action or check is in flight (only the current step can run)."""
        if idle and self.running:
            self.notify(f"{self.running} is still running: wait for it to finish", severity="warning", timeout=3)
            return None
        state = self.state
        if state is None:
            self.notify("No incident", severity="warning")
            return None
        if state.resolved:
            self.notify(f"{state.id} is resolved", severity="warning")
            return None
        current = state.current_step
        if current is None:
            self.notify("All steps are done or skipped: press R to resolve", timeout=5)
            return None
        return state, state.runbook.step(current.id)

    async def _write(self, change: Callable[[], IncidentView], done: str | None = None) -> IncidentView | None:
        try:
            view = await asyncio.to_thread(change)
        except Exception as exc:  # IncidentError, or a journal that cannot be written: one line either way
            self.notify(error_line(exc), severity="error", timeout=8)
            return None
        self.controller.apply(view.state)
        if done:
            self.notify(done, timeout=4)
        return view

    async def _ask_params(self, state: IncidentState, names: list[str] | None = None) -> bool:
        """Ask for open params (all of the incident's, or `names`); True when something was supplied."""
        wanted = sorted(set(names) if names else runbook_placeholders(state.runbook) | set(state.supplied_params))
        if not wanted:
            self.notify("No open params: every ${param} has a value", timeout=4)
            return False
        used: dict[str, list[str]] = {}
        for s in state.runbook.steps:
            for n in step_placeholders(s):
                used.setdefault(n, []).append(s.id)
        fields = [
            ParamField(n, state.supplied_params.get(n, ""), tuple(used.get(n, ())), n not in state.supplied_params)
            for n in wanted
        ]
        values = await self.app.push_screen_wait(ParamsScreen(fields))
        if not values:
            return False
        service = self.controller.service
        return await self._write(lambda: service.supply_params(state.id, values), "Params supplied") is not None

    async def _clear_blocks(self, state: IncidentState, step: Step) -> bool:
        """Failing (or unknown) preconditions need an explicit, journaled override with a reason."""
        blocking = [c for c in self.checks(state, step) if c.blocking]
        if not blocking:
            return True
        body = Text(f"Step {step.id} has preconditions that do not hold:\n", style="bold")
        for c in blocking:
            mark = "✖" if c.result.ok is False else "?"
            body.append(f"\n{mark} {c.pre.check}: {c.result.detail}", style=self.palette.critical)
            if c.pre.description:
                body.append(f"\n  {' '.join(c.pre.description.split())}", style="dim")
        body.append("\n\nGo ahead anyway? The override and its reason are journaled.")
        reason = await self.app.push_screen_wait(
            ReasonScreen("Override precondition", body, action_label="Override", danger=True)
        )
        if reason is None:
            return False
        service = self.controller.service
        for check in [c.pre.check for c in blocking]:
            if await self._write(partial(service.override, state.id, step.id, reason, check)) is None:
                return False
        self.notify(f"Overrode {', '.join(c.pre.check for c in blocking)} on {step.id}", severity="warning")
        return True

    async def _typed(self, step: Step, body: str | Text, expected: str, label: str) -> str | None:
        return await self.app.push_screen_wait(
            TypedConfirmScreen(f"{label}: {step.id}", body, expected, action_label=label)
        )

    # -- actions --------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_advance(self) -> None:
        self._advance()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _advance(self) -> None:
        got = self._current(idle=True)
        if got is None:
            return
        state, step = got
        if step.kind in ("aws", "http"):
            await self._execute_flow(state, step)
        else:
            await self._confirm_flow(state, step, manual=False)

    def action_by_hand(self) -> None:
        self._by_hand()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _by_hand(self) -> None:
        got = self._current(idle=True)
        if got is None:
            return
        state, step = got
        await self._confirm_flow(state, step, manual=step.kind in ("aws", "http"))

    async def _confirm_flow(self, state: IncidentState, step: Step, *, manual: bool) -> None:
        if not await self._clear_blocks(state, step):
            return
        typed: str | None = None
        expected = step.confirm_text
        if expected is not None:
            body = Text(f"{step.title}\n\n", style="bold")
            body.append(" ".join(step.description.split()) if step.description else "")
            if manual:
                body.append("\n\nConfirm that this was carried out outside nexus-tui.")
            typed = await self._typed(step, body, expected, "Confirm")
            if typed is None:
                return
        service = self.controller.service
        await self._write(
            lambda: service.confirm(state.id, step.id, typed, manual=manual),
            f"✔ {step.id} done" + (" (by hand)" if manual else ""),
        )

    async def _execute_flow(self, state: IncidentState, step: Step) -> None:
        runner = self.controller.steps
        if runner is None:
            self.notify(
                f"{step.id} is an {step.kind} step and this session cannot run it: do it by hand, then press m",
                severity="warning",
                timeout=8,
            )
            return
        missing = sorted(step_placeholders(step))
        if missing:
            if not await self._ask_params(state, missing):
                return
            state = self.controller.state or state
            step = state.runbook.step(step.id)
            if step_placeholders(step):
                self.notify(f"{step.id} still needs values for {', '.join(sorted(step_placeholders(step)))}")
                return
        if not await self._clear_blocks(state, step):
            return
        if step.kind == "http":
            self._run_http(state.id, step.id)
            return
        try:
            preview = await runner.preview(state.id, step.id)
        except (ActionError, IncidentError) as exc:
            self.notify(error_line(exc), severity="error", timeout=8)
            return
        if preview is None:
            return
        confirmation: str | None
        if preview.confirm_text:
            confirmation = await self._typed(step, preview.text, preview.confirm_text, "Execute")
        else:
            ok = await self.app.push_screen_wait(ConfirmScreen(f"Execute: {step.id}", preview.text))
            confirmation = "" if ok else None
        if confirmation is not None:
            self._run_aws(state.id, step.id, confirmation)

    def _progress(self, incident_id: str, step_id: str, line: str) -> None:
        self.progress.setdefault((incident_id, step_id), []).append(line)
        self.show_detail()

    @work(exclusive=True, group="step-run", exit_on_error=False)
    async def _run_aws(self, incident_id: str, step_id: str, confirmation: str) -> None:
        runner, service = self.controller.steps, self.controller.service
        if runner is None:
            return
        self.running = step_id
        self.progress[(incident_id, step_id)] = []

        def on_progress(p: ActionProgress) -> None:
            self._progress(incident_id, step_id, f"[{p.elapsed_seconds:5.1f}s] {p.message}")

        try:
            # The runner journals on the event loop; ask STS (once per service) off it first.
            await asyncio.to_thread(service.aws_identity)
            result = await runner.execute_aws(
                incident_id, step_id, confirmation, on_progress, snapshot=self.app_snapshot()
            )
        except Exception as exc:  # ActionError (refused, nothing done) or anything unexpected: one line
            self._progress(incident_id, step_id, f"refused: {error_line(exc)}")
            self.notify(error_line(exc), severity="error", timeout=10)
        else:
            if result.ok:
                rid = f" (request id {result.request_id})" if result.request_id else ""
                self._progress(incident_id, step_id, f"done: {result.action} reached {result.target_state}{rid}")
                self.notify(f"✔ {step_id}: {result.action} reached {result.target_state}{rid}", timeout=8)
            else:
                self._progress(incident_id, step_id, f"failed: {result.error}")
                self.notify(f"{step_id}: {result.error}; the step stays current", severity="error", timeout=12)
        finally:
            self.running = None
            await self._reload(incident_id)
            rediscover = getattr(self.app, "rediscover", None)
            if callable(rediscover):
                rediscover()

    @work(exclusive=True, group="step-run", exit_on_error=False)
    async def _run_http(self, incident_id: str, step_id: str) -> None:
        runner = self.controller.steps
        if runner is None:
            return
        self.running = step_id
        self.progress[(incident_id, step_id)] = []
        try:
            result = await runner.check_http(
                incident_id, step_id, lambda line: self._progress(incident_id, step_id, line)
            )
        except Exception as exc:
            self._progress(incident_id, step_id, f"refused: {error_line(exc)}")
            self.notify(error_line(exc), severity="error", timeout=10)
        else:
            self._progress(incident_id, step_id, result.summary)
            self.notify(result.summary, severity="information" if result.ok else "error", timeout=10)
        finally:
            self.running = None
            await self._reload(incident_id)

    async def _reload(self, incident_id: str) -> None:
        try:
            state = await asyncio.to_thread(self.controller.service.state, incident_id)
        except Exception as exc:
            self.notify(error_line(exc), severity="error")
            return
        self.controller.apply(state)

    def action_skip(self) -> None:
        self._reasoned("skip")

    def action_fail(self) -> None:
        self._reasoned("fail")

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _reasoned(self, what: str) -> None:
        got = self._current(idle=True)
        if got is None:
            return
        state, step = got
        verb = "Skip" if what == "skip" else "Fail"
        reason = await self.app.push_screen_wait(
            ReasonScreen(
                f"{verb} step {step.id}", Text(f"{step.title}\n\nWhy? (required, journaled)"), action_label=verb
            )
        )
        if reason is None:
            return
        service = self.controller.service
        if what == "skip":
            await self._write(lambda: service.skip(state.id, step.id, reason), f"↷ {step.id} skipped")
        else:
            await self._write(lambda: service.fail(state.id, step.id, reason), f"✖ {step.id} failed")

    def action_note(self) -> None:
        self._note()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _note(self) -> None:
        state, step = self.state, self.viewed_step()
        if state is None:
            return
        on = f" on step {step.id}" if step is not None else ""
        text = await self.app.push_screen_wait(
            ReasonScreen(f"Note{on}", "Journaled with the time and your name. Start with 'todo' to make it a TODO.")
        )
        if text is None:
            return
        service = self.controller.service
        step_id = None if step is None else step.id
        await self._write(lambda: service.note(state.id, text, step_id=step_id), "Note added")

    def action_undo(self) -> None:
        self._undo()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _undo(self) -> None:
        state = self.state
        if state is None:
            return
        service = self.controller.service
        view = await self._write(lambda: service.undo(state.id))
        if view is not None:
            self.notify(describe(view.state.events[-1]), severity="warning", timeout=6)

    def action_override(self) -> None:
        self._override()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _override(self) -> None:
        got = self._current()
        if got is None:
            return
        state, step = got
        if not any(c.blocking for c in self.checks(state, step)):
            self.notify(f"Nothing to override: the preconditions of {step.id} hold or are overridden", timeout=4)
            return
        await self._clear_blocks(state, step)

    def action_params(self) -> None:
        self._params()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _params(self) -> None:
        state = self.state
        if state is not None and not state.resolved:
            await self._ask_params(state)

    def action_copy(self) -> None:
        step = self.viewed_step()
        text = self._copy_cli
        if step is None or not text:
            self.notify("This step has no command to copy", timeout=3)
            return
        self.app.copy_to_clipboard(text)
        self.notify(text, title="Copied to clipboard", timeout=6)

    def action_resolve(self) -> None:
        self._resolve()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _resolve(self) -> None:
        state = self.state
        if state is None or state.resolved:
            self.notify("No open incident to resolve", severity="warning")
            return
        left = [s.id for s in state.steps if s.status not in ("done", "skipped")]
        if left:
            self.notify(f"Cannot resolve yet: {', '.join(left)} not done or skipped", severity="error", timeout=6)
            return
        summary = await self.app.push_screen_wait(
            ReasonScreen(
                f"Resolve {state.id}", "Summary for the report (optional).", required=False, action_label="Resolve"
            )
        )
        if summary is None:
            return
        service = self.controller.service
        await self._write(lambda: service.resolve(state.id, summary or None), f"{state.id} resolved")
