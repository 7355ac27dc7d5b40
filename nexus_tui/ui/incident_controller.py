"""The TUI's side of an incident: which incident it follows (an IncidentSession), the latest folded state,
the one-second tick that moves the clocks, and the change feed that makes changes from the CLI, a
colleague's TUI or another machine show up at once. Ticking is pure arithmetic on the cached state; journal
reads happen in the session, off the event loop, when the feed says something changed. No incident rule
lives here: the session and the domain decide, this renders and routes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Protocol

from rich.text import Text
from textual.app import App
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Static

from nexus_tui.domain.incident import Event, IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.text import printable_line
from nexus_tui.domain.timer_events import due_timer_events
from nexus_tui.engine.incidents import IncidentService, IncidentView, current_user
from nexus_tui.engine.session import IncidentSession, StepExecutor
from nexus_tui.ui.format import error_line
from nexus_tui.ui.screens.declare import DeclareRequest, DeclareScreen
from nexus_tui.ui.screens.runbook import RunbookScreen
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.header import INCIDENT_SLOT_ID
from nexus_tui.ui.widgets.incident_clock import IncidentClock, clock_text

RUNBOOK_SCREEN = "runbook"
TICK_SECONDS = 1.0
FEED_RETRY_SECONDS = 5.0
# How often the timer events (escalation, RTO projection, overdue step) are checked: a pure look at the
# cached state; the journal is only touched when something is due.
TIMER_CHECK_SECONDS = 2.0
HEADER_SLACK_ID = "header-slack"


class AppHost(Protocol):
    """What the controller needs from the app (so it does not import the app module)."""

    snapshot: DashboardSnapshot | None
    config: Any

    @property
    def dashboard(self) -> Widget: ...

    def rediscover(self) -> None: ...


class IncidentController:
    def __init__(self, app: App[Any], service: IncidentService, executor: StepExecutor | None) -> None:
        self.app = app
        self.host: AppHost = app  # type: ignore[assignment]
        self.service = service
        self.executor = executor
        self.session: IncidentSession | None = None
        self.state: IncidentState | None = None
        self.screen: RunbookScreen | None = None
        self._over_rto = False  # the projection is beyond the RTO (notified when it crosses)
        self._journal_problem: str | None = None
        self.following = False  # the change feed is subscribed: anything appended from now on shows up
        self._firing = False  # a timer write is in flight (one at a time)

    # -- what screens ask -----------------------------------------------------------------------------------

    @property
    def incident_id(self) -> str | None:
        return None if self.state is None else self.state.id

    @property
    def open(self) -> bool:
        return self.state is not None and not self.state.resolved

    @property
    def settings(self) -> Settings:
        return self.service.settings

    def now(self) -> datetime:
        return self.service.clock.now()

    def snapshot(self) -> DashboardSnapshot | None:
        return self.host.snapshot

    def view(self) -> IncidentView | None:
        return None if self.state is None else self.service.view(self.state)

    def palette(self) -> Palette:
        return Palette.from_variables(self.app.theme_variables)

    def rediscover(self) -> None:
        self.host.rediscover()

    @property
    def journal_problem(self) -> str | None:
        return self._journal_problem

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """From NexusApp.on_mount: reopen the newest unresolved incident, then follow the change feed."""
        self.app.set_interval(TICK_SECONDS, self.render_timers, name="incident-tick")
        self.app.set_interval(TIMER_CHECK_SECONDS, self.check_timers, name="incident-timers")
        self.app.run_worker(self._follow(), group="incident-feed", exit_on_error=False)

    def check_timers(self) -> bool:
        """Journal the timer events now due for the followed incident (off the loop; another process may
        journal them first, then nothing is appended twice). True when a write was started."""
        state, session = self.state, self.session
        if state is None or state.resolved or session is None or session.id != state.id or self._firing:
            return False
        if not due_timer_events(state, self.service.settings, self.now()):
            return False
        self._firing = True
        self.app.run_worker(self._fire(session), group="incident-timers", exit_on_error=False)
        return True

    async def _fire(self, session: IncidentSession) -> None:
        try:
            await session.tick()
        except Exception as exc:  # a journal that cannot be written: the banner says so, the clocks go on
            self._problem(error_line(exc))
            return
        finally:
            self._firing = False
        if session.state is not None:
            self.apply(session.state)

    def _session(self, incident_id: str) -> IncidentSession:
        if self.session is None or self.session.id != incident_id:
            self.session = IncidentSession(self.service, incident_id, executor=self.executor, snapshot=self._live)
        return self.session

    async def _live(self) -> DashboardSnapshot | None:
        return self.host.snapshot

    async def _follow(self) -> None:
        """Reopen, then apply every batch of new events. A broken journal shows a banner and is retried; it
        never stops the dashboard."""
        while True:
            try:
                heads = await asyncio.to_thread(self.service.journal.heads)
                view = await asyncio.to_thread(self.service.open_incident)
                if view is not None and self.state is None:
                    self._session(view.state.id).state = view.state
                    self.apply(view.state, show=True)
                self._problem(None)
                feed = self.service.follow(heads)
                self.following = True
                async for batch in feed:
                    await self._on_events(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.following = False
                self._problem(error_line(exc))
                await asyncio.sleep(FEED_RETRY_SECONDS)

    async def _on_events(self, batch: list[Event]) -> None:
        followed = self.incident_id
        ids = {e.incident_id for e in batch}
        if followed is not None and followed in ids and self.session is not None:
            self.apply(await self.session.refresh())
        if self.state is None or self.state.resolved:
            declared = [e for e in batch if e.type == "declared" and e.incident_id != followed]
            if declared:
                session = self._session(declared[-1].incident_id)
                self._adopt(await session.refresh())

    def _problem(self, line: str | None) -> None:
        if line == self._journal_problem:
            return
        self._journal_problem = line
        if line is not None:
            self.app.notify(line, title="Incident journal", severity="error", timeout=30)
        if self.screen is not None and self.screen.is_attached:
            self.screen.show_state()

    def _adopt(self, state: IncidentState) -> None:
        self.apply(state)
        if not isinstance(self.app.screen, RunbookScreen):
            self.app.notify(
                f"{state.id} ({state.severity}, {state.runbook.title}) was declared by {state.declared_by}: "
                "press i to follow it",
                title="Incident declared",
                severity="warning",
                timeout=15,
            )

    # -- state ----------------------------------------------------------------------------------------------

    def apply(self, state: IncidentState, show: bool = False) -> None:
        """Take a newer state (from the feed, or returned by a write) and render it everywhere."""
        if self.state is not None and state.id == self.state.id and state.last_seq < self.state.last_seq:
            return  # an older read finishing late
        if self.state is None or state.id != self.state.id:
            self._over_rto = False
        self.state = state
        session = self._session(state.id)
        if session.state is None or session.state.last_seq < state.last_seq:
            session.state = state
        self._ensure_screen()
        self._ensure_header_clock()
        if self.screen is not None:
            self.screen.show_state()
        self._show_header_slack()
        self.render_timers()
        if show:
            self.show_screen()

    def render_timers(self) -> None:
        view = self.view()
        palette = self.palette()
        for clock in self._header_clocks():
            clock.show(view, palette)
        if self.screen is not None and self.screen.is_attached:
            self.screen.show_timers(view)
        if view is None or view.state.resolved:
            return
        over = view.timers.projection_exceeds_rto
        if over and not self._over_rto:
            t = view.timers
            late = clock_text(t.projected_finish_seconds - t.rto_target_seconds)
            self.app.notify(
                f"{view.state.id}: projected finish {clock_text(t.projected_finish_seconds)} is beyond the RTO "
                f"{clock_text(t.rto_target_seconds)} by {late}",
                title="RTO at risk",
                severity="error",
                timeout=20,
            )
        self._over_rto = over

    def _ensure_screen(self) -> None:
        if self.screen is None:
            self.screen = RunbookScreen(self)
            # Installed, so leaving it (esc) keeps it alive with its running action and its caches.
            self.app.install_screen(self.screen, name=RUNBOOK_SCREEN)

    def _header_clocks(self) -> list[IncidentClock]:
        try:
            slot = self.host.dashboard.query_one(f"#{INCIDENT_SLOT_ID}")
        except NoMatches:
            return []
        return list(slot.query(IncidentClock).results(IncidentClock))

    def _ensure_header_clock(self) -> None:
        try:
            slot: Widget = self.host.dashboard.query_one(f"#{INCIDENT_SLOT_ID}")
        except NoMatches:
            return  # the dashboard is not composed yet; the next tick tries again
        if not slot.query(IncidentClock):
            slot.mount(IncidentClock(compact=True, id="header-incident-clock"))
            if slot.parent is not None:
                slot.parent.add_class("-incident")

    # -- user actions ---------------------------------------------------------------------------------------

    def show_screen(self) -> None:
        if self.state is None:
            self.app.notify("No incident: press d to declare one", timeout=4)
            return
        self._ensure_screen()
        if self.screen is not None and self.app.screen is not self.screen:
            if self.screen in self.app.screen_stack:
                while self.app.screen is not self.screen:
                    self.app.pop_screen()
            else:
                self.app.push_screen(RUNBOOK_SCREEN)

    def declare(self) -> None:
        if self.open and self.state is not None:
            self.app.notify(f"{self.state.id} is still open: resolve it first (i to open it)", severity="warning")
            return
        self.app.run_worker(self._declare_flow(), group="incident-write", exit_on_error=False)

    async def _declare_flow(self) -> None:
        from nexus_tui.runbook.library import load_library

        try:
            library = await asyncio.to_thread(load_library, config=self.host.config)
            # Through the service, so the modal shows the parameter values a declaration will really use.
            runbooks = [await asyncio.to_thread(self.service.runbook, rb.id) for rb in library.runbooks]
        except Exception as exc:
            self.app.notify(error_line(exc), title="Runbooks", severity="error", timeout=10)
            return
        problems = [f"{i.path}:{i.line or '-'}: {i.message}" for i in library.errors]
        screen = DeclareScreen(
            runbooks,
            default_ic=current_user(),
            default_rto_seconds=self.service.settings.targets.rto_seconds,
            problems=problems,
            drill=bool(self.executor is not None and self.executor.is_drill_default),
        )
        self.app.push_screen(screen, self._declared)

    def _declared(self, request: DeclareRequest | None) -> None:
        if request is not None:
            self.app.run_worker(self._declare(request), group="incident-write", exit_on_error=False)

    async def _declare(self, req: DeclareRequest) -> None:
        try:
            iid = await asyncio.to_thread(
                self.service.declare, req.runbook_id, req.severity, req.ic, req.drill, req.params
            )
            state = await self._session(iid).refresh()
        except Exception as exc:
            self.app.notify(error_line(exc), title="Declare", severity="error", timeout=10)
            return
        self.apply(state, True)
        note = f"; still open: {', '.join(req.open_params)} (p to supply)" if req.open_params else ""
        self.app.notify(f"Declared {iid}{note}", title="Incident", timeout=8)

    def show_comms(self) -> None:
        if self.screen is not None and self.screen.is_attached:
            self.screen.show_comms()
        self._show_header_slack()

    def _show_header_slack(self) -> None:
        """The dashboard header says when Slack needs attention ("Slack: 3 queued, down since 14:02", "Slack:
        not configured, 2 kept"); nothing while delivery keeps up."""
        comms, state = self.comms, self.state
        try:
            slot: Widget = self.host.dashboard.query_one(f"#{INCIDENT_SLOT_ID}")
        except NoMatches:
            return
        line = None if comms is None or state is None else comms.header(state.id)
        found = slot.query(f"#{HEADER_SLACK_ID}")
        if line is None:
            if found:
                found.first().display = False
            return
        text = Text(f" {printable_line(line, 60)}", style=self.palette().warning)
        if found:
            widget = found.first(Static)
            widget.update(text)
            widget.display = True
        else:
            widget = Static(text, id=HEADER_SLACK_ID)
            widget.styles.width = "auto"
            slot.mount(widget)

    @property
    def comms(self) -> Any:
        return getattr(self.app, "comms", None)

    def show_snapshot(self) -> None:
        if self.screen is not None and self.screen.is_attached:
            self.screen.show_live()
