"""The DR readiness dashboard: the first screen an incident commander sees."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.css.scalar import Scalar
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Footer

from nexus_tui.domain.clock import Clock
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.plan import Plan
from nexus_tui.domain.settings import Settings
from nexus_tui.ui.min_size import SizeGuardedScreen
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.alarms import AlarmsPanel
from nexus_tui.ui.widgets.backups import BackupsPanel
from nexus_tui.ui.widgets.command_bar import PANELS, CommandBar, resolve_panel
from nexus_tui.ui.widgets.header import StatusHeader
from nexus_tui.ui.widgets.panel import Panel, View
from nexus_tui.ui.widgets.regions import RegionsBar
from nexus_tui.ui.widgets.replication import ReplicationPanel


class DashboardScreen(SizeGuardedScreen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("colon", "jump", "Jump"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        title: str = "NEXUS DR",
        plan: Plan | None = None,
        plan_error: str | None = None,
    ) -> None:
        super().__init__(id="dashboard")
        self.settings = settings
        self.plan = plan  # the config's [expect]; None: seed 000's defaults
        self.plan_error = plan_error  # a bad [expect] table: said once on mount, the defaults apply
        self.clock = clock
        self._title = title
        self.snapshot: DashboardSnapshot | None = None
        self.polling = False
        self.last_error: str | None = None
        self.palette = Palette.from_variables({})
        self._composed = False  # is_mounted only turns true after on_mount returns

    def compose(self) -> ComposeResult:
        yield StatusHeader(self._title, id="header")
        yield RegionsBar(id="regions")
        with Vertical(id="panels"):
            yield ReplicationPanel(id="replication")
            yield BackupsPanel(id="backups")
            yield AlarmsPanel(id="alarms")
        yield CommandBar(id="command-bar")
        yield Footer()

    def on_mount(self) -> None:
        self._composed = True
        if self.plan_error:
            self.notify(self.plan_error, title="Config [expect]", severity="error", timeout=15)
        self.palette = Palette.from_variables(self.app.theme_variables)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        # Ages, staleness and the clock move even when no new data arrives.
        self.set_interval(1.0, self.render_all, name="dashboard-tick")
        self.render_all()
        self.query_one("#replication-table").focus()

    @property
    def panels(self) -> list[Panel]:
        return list(self.query(Panel).results(Panel))

    def view(self) -> View:
        return View(now=self.clock.now(), settings=self.settings, palette=self.palette, plan=self.plan)

    def show_snapshot(self, snapshot: DashboardSnapshot) -> None:
        self.snapshot = snapshot
        self.last_error = None
        self.render_all()

    def set_polling(self, polling: bool, error: str | None = None) -> None:
        self.polling = polling
        if error is not None:
            self.last_error = error
        self._render_header(self.view())

    def render_all(self) -> None:
        if not self._composed:
            return  # on_mount renders whatever arrived before
        view = self.view()
        try:
            self._render_header(view)
            self.query_one(RegionsBar).show(self.snapshot, view)
            if self.snapshot is not None:
                for panel in self.panels:
                    panel.show(self.snapshot, view)
        except NoMatches:
            # A poll that finishes while the app exits finds its widgets already removed.
            return
        self.call_after_refresh(self._cap_alarms)

    def on_resize(self) -> None:
        self.call_after_refresh(self._cap_alarms)

    def _cap_alarms(self) -> None:
        """Let the alarms table grow into the lines the panels above leave free. CSS cannot say "at most the
        rest of the screen", and a fixed share either hides rows behind a scrollbar above empty lines or
        pushes the panel off a short screen."""
        try:
            room = self.query_one("#panels").size.height
            alarms = self.query_one(AlarmsPanel)
            above = sum(p.outer_size.height for p in self.panels if p is not alarms)
        except NoMatches:
            return
        chrome = alarms.outer_size.height - alarms.table.outer_size.height
        cap = max(3, room - above - chrome)
        if alarms.table.styles.max_height != Scalar.from_number(cap):
            alarms.table.styles.max_height = cap

    def _render_header(self, view: View) -> None:
        if not self._composed:
            return
        try:
            header = self.query_one(StatusHeader)
        except NoMatches:
            return  # being torn down at exit
        header.show(self.snapshot, view, polling=self.polling, last_error=self.last_error)

    def _theme_changed(self, theme: Theme) -> None:
        self.palette = Palette.from_variables(self.app.theme_variables)
        self.render_all()
        for panel in self.panels:
            panel.table.repaint_all()

    # Filter and jump -----------------------------------------------------------------------------------

    @property
    def command_bar(self) -> CommandBar:
        return self.query_one(CommandBar)

    def action_filter(self) -> None:
        current = self.query_one(ReplicationPanel).table.filter_text
        self.command_bar.open("filter", current)

    def action_jump(self) -> None:
        self.command_bar.open("jump")

    def action_back(self) -> None:
        bar = self.command_bar
        if bar.display:
            if bar.mode == "filter":
                if self._filter_timer is not None:
                    self._filter_timer.stop()
                    self._filter_timer = None
                self.apply_filter("")
            bar.close()
            self.focus_panel(self._last_panel)
        elif self.filter_text:
            self.apply_filter("")

    @property
    def filter_text(self) -> str:
        return self.query_one(ReplicationPanel).table.filter_text

    def apply_filter(self, text: str) -> None:
        for panel in self.panels:
            panel.set_filter(text)

    # Re-filtering 1,000 rows takes ~100 ms (DataTable measures every re-added cell): with that many rows,
    # wait for a pause in typing so each keystroke still echoes at once.
    DEBOUNCE_ROWS = 300
    DEBOUNCE_SECONDS = 0.15
    _filter_timer: Timer | None = None

    def on_command_bar_filter_changed(self, event: CommandBar.FilterChanged) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if sum(p.table.total_rows for p in self.panels) < self.DEBOUNCE_ROWS:
            self.apply_filter(event.value)
            return
        value = event.value
        self._filter_timer = self.set_timer(self.DEBOUNCE_SECONDS, lambda: self.apply_filter(value))

    def on_command_bar_command(self, event: CommandBar.Command) -> None:
        self.command_bar.close()
        if event.mode == "filter":
            if self._filter_timer is not None:
                self._filter_timer.stop()
                self._filter_timer = None
            self.apply_filter(event.value)
            self.focus_panel(self._last_panel)
            return
        panel = resolve_panel(event.value)
        if panel is None:
            self.notify(f"Unknown panel {event.value!r}: try {', '.join(PANELS)}", severity="warning")
            panel = self._last_panel
        self.focus_panel(panel)

    _last_panel = "replication"

    def focus_panel(self, name: str) -> None:
        panel = self.query_one(f"#{name}", Panel)
        panel.table.focus()
        panel.scroll_visible(animate=False)

    def on_descendant_focus(self) -> None:
        focused = self.focused
        for panel in self.panels:
            if focused is not None and panel in focused.ancestors:
                self._last_panel = panel.id or "replication"
