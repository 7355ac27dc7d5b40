"""Walking a runbook: the steps with their state and timings, the step in detail (command, dry-run preview,
live preconditions, progress), the incident clock, a compact live dashboard and the timeline.

This file renders; runbook_flows.py sequences the modals. Neither decides anything: what a step needs and
whether it may go ahead comes from the session's StepPlan (engine + domain), and every change is a session
call that the engine may refuse with a one-line reason."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import ParamSpec

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.theme import Theme
from textual.widgets import Footer, Static

from nexus_tui.domain.incident import IncidentError, IncidentState
from nexus_tui.domain.step_plan import StepPlan
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.actions import ActionError
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.message_views import header_line
from nexus_tui.engine.views import cli_lines
from nexus_tui.ui.format import error_line
from nexus_tui.ui.incident_port import IncidentHost
from nexus_tui.ui.screens.runbook_flows import RunbookFlows
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.comms import CommsPane
from nexus_tui.ui.widgets.event_log import EventLog
from nexus_tui.ui.widgets.incident_clock import IncidentClock
from nexus_tui.ui.widgets.live_summary import LiveSummary
from nexus_tui.ui.widgets.panel import View
from nexus_tui.ui.widgets.step_detail import StepDetail, StepDetailModel, copy_text
from nexus_tui.ui.widgets.step_list import StepList

PreviewKey = tuple[str, str, str]
_P = ParamSpec("_P")


def _unless_closing(render: Callable[_P, None]) -> Callable[_P, None]:
    """A render that arrives (a timer tick, a feed event) while the screen is being torn down finds its
    widgets already removed: it has nothing left to draw, and must not end the session with NoMatches."""

    @functools.wraps(render)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> None:
        with contextlib.suppress(NoMatches):
            render(*args, **kwargs)

    return guarded


class RunbookScreen(RunbookFlows):
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

    def __init__(self, host: IncidentHost) -> None:
        super().__init__(id="runbook")
        self.host = host
        self.palette = Palette.from_variables({})
        self.ready = False
        self.running: str | None = None  # the step whose action or check is in flight in this TUI
        self.progress: dict[tuple[str, str], list[str]] = {}
        # Dry runs by (incident, step, params): text, cli, error. Computed once per params, not per tick.
        self.previews: dict[PreviewKey, tuple[str | None, str | None, str | None]] = {}
        self._loading: set[PreviewKey] = set()
        self._copy_cli: str | None = None

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
                yield CommsPane(id="rb-comms")
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
        return self.host.state

    @_unless_closing
    def show_state(self) -> None:
        state = self.state
        if not self.ready or state is None:
            return
        title = Text(f" {state.id} ", style="bold reverse")
        title.append(f" {state.severity} ", style="bold")
        if state.drill:
            title.append(" DRILL ", style=self.palette.drill + Style(bold=True, reverse=True))
        if state.resolved:
            title.append(" RESOLVED ", style=self.palette.ok + Style(reverse=True))
        if self.host.journal_problem:
            title.append(" JOURNAL PROBLEM ", style=self.palette.critical + Style(reverse=True))
        title.append(f"  {printable_line(state.runbook.title)}", style="bold")
        title.append(
            f"  · IC {printable_line(state.ic)} · declared {state.declared_at:%H:%M:%S} UTC"
            f" by {printable_line(state.declared_by)}",
            style="dim",
        )
        self.query_one("#rb-title", Static).update(title)
        self.query_one(EventLog).show(state, self.palette)
        self.show_comms()
        self.show_timers(self.host.view())

    def show_comms(self) -> None:
        """The incident's Slack messages and their delivery states (queued / sent / retrying / failed)."""
        state, comms = self.state, self.host.comms
        if not self.ready or state is None:
            return
        try:
            pane = self.query_one(CommsPane)
        except NoMatches:
            return  # closing
        if comms is None:
            pane.show(
                [],
                None,
                "Slack not configured in this session: messages are kept, not sent",
                self.palette,
                title="Slack: not configured",
            )
            return
        views = comms.views(state.id)
        header = header_line(views, comms.delivery, comms.settings)
        pane.show(views, header, comms.settings.describe(), self.palette, title=comms.title(views))

    def on_comms_pane_retry_requested(self, message: CommsPane.RetryRequested) -> None:
        if self.host.comms is not None and self.host.comms.retry(message.message_id):
            self.show_comms()

    def on_comms_pane_drop_requested(self, message: CommsPane.DropRequested) -> None:
        if self.host.comms is not None and self.host.comms.drop(message.message_id):
            self.show_comms()

    @_unless_closing
    def show_timers(self, view: IncidentView | None) -> None:
        """Every second: clocks, the step list's actual times, the detail (preconditions age with the data)."""
        if not self.ready or view is None:
            return
        self.query_one("#rb-clock", IncidentClock).show(view, self.palette)
        self.query_one(StepList).show(view.state, view.timers.now, self.palette)
        self.show_detail()

    @_unless_closing
    def show_live(self) -> None:
        if not self.ready:
            return
        view = View(now=self.host.now(), settings=self.host.settings, palette=self.palette)
        self.query_one(LiveSummary).show(self.host.snapshot(), view)
        self.show_detail()

    def viewed_step_id(self) -> str | None:
        return self.query_one(StepList).highlighted_step

    def plan(self, step_id: str | None = None) -> StepPlan | None:
        """The engine's answer for a step (default: the highlighted one) against the latest live snapshot."""
        session = self.host.session
        if session is None or self.state is None:
            return None
        session.state = self.state
        try:
            return session.plan_now(step_id or self.viewed_step_id(), self.host.snapshot())
        except IncidentError:
            return session.plan_now(None, self.host.snapshot())

    @_unless_closing
    def show_detail(self) -> None:
        state, plan = self.state, self.plan()
        if not self.ready or state is None or plan is None:
            return
        step = plan.step
        preview = cli = error = None
        if step.kind == "aws":
            key = (state.id, step.id, repr(sorted(state.params.items())))
            if key in self.previews:
                preview, cli, error = self.previews[key]
            elif self.host.executor is None:
                error = "No AWS execution in this session: do it by hand and press m to confirm it."
            elif key not in self._loading:
                self._loading.add(key)
                self._load_preview(key)
        elif plan.slack is not None:
            preview = f"to {plan.slack.channel or '(no channel)'}\n{plan.slack.text}"
            error = None if plan.slack.status == "posted on confirm" else plan.slack.status
        extra = [f"⚠ {b}" for b in plan.holds]
        model = StepDetailModel(
            step=step,
            st=plan.st,
            total=plan.total,
            is_current=plan.is_current,
            current_id=plan.current_id,
            resolved=plan.resolved,
            checks=plan.checks,
            missing=list(plan.missing),
            preview=preview,
            preview_error=error,
            progress=[*extra, *self.progress.get((state.id, step.id), [])],
            running=self.running == step.id,
            can_execute=self.host.executor is not None,
            # This screen's own action may be under way before its claim reaches the journal.
            blocked=plan.blocked and self.running != step.id,
        )
        self.query_one(StepDetail).show(model, self.palette)
        self._copy_cli = plan.slack.text if plan.slack is not None else copy_text(step, cli)

    @work(group="preview", exit_on_error=False)
    async def _load_preview(self, key: PreviewKey) -> None:
        session = self.host.session
        if session is None:
            return
        try:
            preview = await session.preview(key[1])
        except (ActionError, IncidentError) as exc:
            self.previews[key] = (None, None, error_line(exc))
        except Exception as exc:
            self.previews[key] = (None, None, f"preview failed: {error_line(exc)}")
        else:
            self.previews[key] = (
                (None, None, None) if preview is None else (preview.text, "\n".join(cli_lines(preview)), None)
            )
        finally:
            self._loading.discard(key)
        self.show_detail()

    def on_data_table_row_highlighted(self) -> None:
        self.show_detail()

    def progress_line(self, incident_id: str, step_id: str, line: str) -> None:
        self.progress.setdefault((incident_id, step_id), []).append(printable_line(line))
        self.show_detail()

    # -- keys that only look --------------------------------------------------------------------------------

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_copy(self) -> None:
        text = self._copy_cli
        if not text:
            self.notify("This step has no command to copy", timeout=3)
            return
        self.app.copy_to_clipboard(text)
        self.notify(text, title="Copied to clipboard", timeout=6)
