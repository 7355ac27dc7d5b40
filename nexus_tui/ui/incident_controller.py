"""The TUI's side of an incident: which incident it follows, the latest folded state, the one-second tick
that moves the clocks, and the cheap journal poll that makes changes from the CLI (or a colleague's TUI)
show up within a second. The journal is only read when its change token moved; ticking is pure arithmetic
on the cached state (IncidentService.view)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.widget import Widget

from nexus_tui.domain.incident import IncidentState
from nexus_tui.engine.incidents import IncidentService, IncidentView, current_user
from nexus_tui.ui.format import error_line
from nexus_tui.ui.screens.declare import DeclareRequest, DeclareScreen
from nexus_tui.ui.screens.runbook import RunbookScreen
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.header import INCIDENT_SLOT_ID
from nexus_tui.ui.widgets.incident_clock import IncidentClock, clock_text

if TYPE_CHECKING:
    from nexus_tui.engine.steps import StepRunner
    from nexus_tui.ui.app import NexusApp

RUNBOOK_SCREEN = "runbook"
TICK_SECONDS = 1.0


class IncidentController:
    def __init__(self, app: NexusApp, service: IncidentService, steps: StepRunner | None) -> None:
        self.app = app
        self.service = service
        self.steps = steps
        self.state: IncidentState | None = None
        self.token: int | None = None
        self.screen: RunbookScreen | None = None
        self._polling = False
        self._over_rto = False  # the projection is beyond the RTO (notified when it crosses)

    @property
    def incident_id(self) -> str | None:
        return None if self.state is None else self.state.id

    @property
    def open(self) -> bool:
        return self.state is not None and not self.state.resolved

    def view(self) -> IncidentView | None:
        return None if self.state is None else self.service.view(self.state)

    def palette(self) -> Palette:
        return Palette.from_variables(self.app.theme_variables)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """From NexusApp.on_mount: reopen the newest unresolved incident, then tick and poll every second."""
        self.app.set_interval(TICK_SECONDS, self.tick, name="incident-tick")
        self.app.run_worker(self._reopen, thread=True, group="incident-poll", exit_on_error=False)

    def _reopen(self) -> None:
        try:
            token = self.service.change_token()
            view = self.service.open_incident()
            self.token = token
            if view is not None:
                self.app.call_from_thread(self.apply, view.state, True)
        except Exception as exc:  # a broken journal must not stop the dashboard
            self.app.call_from_thread(self._failed, exc)

    def _failed(self, exc: BaseException) -> None:
        self.app.notify(error_line(exc), title="Incident journal", severity="error", timeout=10)

    def tick(self) -> None:
        self.render_timers()
        self.poll_now()

    def poll_now(self) -> None:
        if self._polling:
            return  # the journal answers in milliseconds; never queue reads behind a slow disk
        self._polling = True
        self.app.run_worker(self._poll, thread=True, group="incident-poll", exit_on_error=False)

    def _poll(self) -> None:
        try:
            token = self.service.change_token()
            if token == self.token:
                return
            state = None
            if self.state is not None:
                state = self.service.state(self.state.id)
            if state is None or state.resolved:
                # Nothing followed, or the followed one is over: pick up an incident declared elsewhere.
                newer = self.service.open_incident()
                if newer is not None and (state is None or newer.state.id != state.id):
                    self.token = token
                    self.app.call_from_thread(self._adopt, newer.state)
                    return
            self.token = token
            if state is not None:
                self.app.call_from_thread(self.apply, state)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
        finally:
            self._polling = False

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
        """Take a newer state (from the poll, or returned by a write) and render it everywhere."""
        if self.state is not None and state.id == self.state.id and state.last_seq < self.state.last_seq:
            return  # an older read finishing late
        if self.state is None or state.id != self.state.id:
            self._over_rto = False
        self.state = state
        self._ensure_screen()
        self._ensure_header_clock()
        if self.screen is not None:
            self.screen.show_state()
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
            slot = self.app.dashboard.query_one(f"#{INCIDENT_SLOT_ID}")
        except NoMatches:
            return []
        return list(slot.query(IncidentClock).results(IncidentClock))

    def _ensure_header_clock(self) -> None:
        try:
            slot: Widget = self.app.dashboard.query_one(f"#{INCIDENT_SLOT_ID}")
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
        from nexus_tui.runbook.library import load_library

        library = load_library(config=self.app.config)
        problems = [f"{i.path}:{i.line or '-'}: {i.message}" for i in library.errors]
        screen = DeclareScreen(
            # Through the service, so the modal shows the parameter values a declaration will really use.
            [self.service.runbook(rb.id) for rb in library.runbooks],
            default_ic=current_user(),
            default_rto_seconds=self.service.settings.targets.rto_seconds,
            problems=problems,
            drill=bool(self.steps is not None and self.steps.is_drill_default),
        )
        self.app.push_screen(screen, self._declared)

    def _declared(self, request: DeclareRequest | None) -> None:
        if request is not None:
            self.app.run_worker(
                lambda: self._declare(request), thread=True, group="incident-write", exit_on_error=False
            )

    def _declare(self, req: DeclareRequest) -> None:
        try:
            iid = self.service.declare(req.runbook_id, req.severity, req.ic, req.drill, req.params)
            state = self.service.state(iid)
            self.app.call_from_thread(self.apply, state, True)
        except Exception as exc:
            self.app.call_from_thread(self.app.notify, error_line(exc), title="Declare", severity="error", timeout=10)
            return
        note = f"; still open: {', '.join(req.open_params)} (p to supply)" if req.open_params else ""
        self.app.call_from_thread(self.app.notify, f"Declared {iid}{note}", title="Incident", timeout=8)

    def show_snapshot(self) -> None:
        if self.screen is not None and self.screen.is_attached:
            self.screen.show_live()
