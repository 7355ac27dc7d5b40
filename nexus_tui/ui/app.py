"""The Textual app shell: themes, key bindings, and the poll loop feeding the dashboard screen.

The data source is injected (engine.ports.DashboardSource), so the same app runs against real AWS
(`nexus-tui dashboard`), the simulator (`nexus-tui demo`) and fixed snapshots in tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.timer import Timer

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.engine.ports import DashboardSource
from nexus_tui.expectations import plan_or_error
from nexus_tui.ui.messages import PollFailed, PollStarted, SnapshotUpdated
from nexus_tui.ui.screens.dashboard import DashboardScreen
from nexus_tui.ui.screens.help import HelpScreen
from nexus_tui.ui.themes import SEMANTIC_DEFAULTS, choose_theme, default_theme_dirs, load_themes

if TYPE_CHECKING:
    from nexus_tui.engine.comms import Comms
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.engine.session import StepExecutor
    from nexus_tui.ui.incident_controller import IncidentController
    from nexus_tui.ui.journal_watch import JournalWatch
    from nexus_tui.ui.screens.drill_picker import DrillChoice


PARTIAL_REPOLL_SECONDS = 1.0


class NexusApp(App[int]):
    # Absolute, so subclasses in other directories (demo, benchmarks) find it too.
    CSS_PATH = [Path(__file__).parent / "styles" / "app.tcss", Path(__file__).parent / "styles" / "runbook.tcss"]
    TITLE = "nexus-tui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("r", "refresh", "Refresh"),
        Binding("t", "cycle_theme", "Theme"),
        Binding("d", "declare", "Declare"),
        Binding("i", "incident", "Incident"),
        Binding("w", "open_wall", "Wall"),
        Binding("D", "drill", "Drill", show=False),  # listed in ? help; the footer is full at 140 columns
    ]

    def __init__(
        self,
        config: AppConfig,
        source: DashboardSource,
        *,
        clock: Clock | None = None,
        title_suffix: str = "",
        theme_dirs: Iterable[Path] | None = None,
        theme_name: str | None = None,
        autopoll: bool = True,
        incidents: IncidentService | None = None,
        executor: StepExecutor | None = None,
        comms: Comms | None = None,
    ) -> None:
        """autopoll=False leaves polling to the caller (poll_now()); for tests that step through polls.
        With `incidents` the app declares and walks incidents (d, i); `executor` lets it run aws and http steps."""
        super().__init__()
        self.config = config
        self.source = source
        self.clock: Clock = clock or SystemClock()
        self.title = f"nexus-tui{title_suffix}"
        self.drill_choice: DrillChoice | None = None  # picked with D: run_app's caller starts it
        self.autopoll = autopoll
        themes, self.theme_errors = load_themes(theme_dirs if theme_dirs is not None else default_theme_dirs())
        for theme in themes:
            self.register_theme(theme)
        # `t` cycles through our themes only; Textual's own stay reachable from the command palette.
        self.theme_names = [t.name for t in themes]
        known = [*self.theme_names, *(n for n in self.available_themes if n not in self.theme_names)]
        where = f"{config.path}: [ui] theme" if config.path else "config [ui] theme"
        self.theme, warnings = choose_theme(theme_name, os.environ, config.theme, known, where)
        self.theme_errors += warnings
        plan, plan_error = plan_or_error(config)  # the alarms panel checks the config's [expect], as `status` does
        self.dashboard = DashboardScreen(
            config.settings, self.clock, title="NEXUS DR" + title_suffix, plan=plan, plan_error=plan_error
        )
        self.snapshot: DashboardSnapshot | None = None
        self.poll_seq = 0
        self.polling = False
        self._refresh_requested = False
        self._next_poll: Timer | None = None
        self.comms = comms  # Slack delivery (engine/comms.py); None: messages stay in the outbox
        self.incident_ui: IncidentController | None = None
        if incidents is not None:
            from nexus_tui.ui.incident_controller import IncidentController

            self.incident_ui = IncidentController(self, incidents, executor)
        self.journal_watch: JournalWatch | None = None
        if incidents is not None:  # a shared journal: the offline banner, the merge and its conflicts
            from nexus_tui.engine.journal_link import JournalLink
            from nexus_tui.ui.journal_watch import JournalWatch

            link = JournalLink(incidents)
            if link.enabled:
                self.journal_watch = JournalWatch(self, link, on_merged=self._journal_merged)

    def get_default_screen(self) -> DashboardScreen:
        return self.dashboard

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's built-in themes lack our semantic variables; without defaults the .tcss would not parse.
        return dict(SEMANTIC_DEFAULTS)

    def on_mount(self) -> None:
        for error in self.theme_errors:
            self.notify(error, title="Theme", severity="warning", timeout=10)
        if self.autopoll:
            self.poll_now()
        if self.incident_ui is not None:
            self.incident_ui.start()
            self.call_after_refresh(self._mount_drill_due)
        if self.comms is not None:
            self.comms.start()
            self.comms.subscribe(self._comms_changed)
        if self.journal_watch is not None:
            self.journal_watch.start()

    def _mount_drill_due(self) -> None:
        """The drill calendar line (issue 10): only with an incident service, whose journal it reads. Mounted
        under the regions once the dashboard has composed them."""
        from textual.css.query import NoMatches

        from nexus_tui.ui.widgets.drill_due import DrillDue

        assert self.incident_ui is not None
        try:
            regions = self.dashboard.query_one("#regions")
        except NoMatches:
            self.call_after_refresh(self._mount_drill_due)
            return
        self.dashboard.mount(DrillDue(self.incident_ui.service, self.config.drills, self.clock), after=regions)

    async def on_unmount(self) -> None:
        if self.comms is not None:
            await self.comms.stop()

    async def _journal_merged(self, incident_id: str) -> None:
        """Offline work went into the shared journal with new seqs: show the incident as it is there now."""
        ui = self.incident_ui
        if ui is not None and ui.session is not None and ui.session.id == incident_id:
            state = await ui.session.refresh()
            ui.state = None  # renumbered: a lower last seq here is not an older read (offline events discarded)
            ui.apply(state)

    def _comms_changed(self) -> None:
        if self.incident_ui is not None:
            self.incident_ui.show_comms()

    # Polling -------------------------------------------------------------------------------------------

    def poll_now(self) -> bool:
        """Start a poll unless one is running. Returns whether one started."""
        if self.polling:
            return False
        if self._next_poll is not None:
            self._next_poll.stop()
            self._next_poll = None
        # Set before the worker is scheduled, so a second `r` in the same tick cannot start another poll.
        self.polling = True
        self.poll_seq += 1
        self.dashboard.set_polling(True)
        self._poll(self.poll_seq)
        return True

    @work(exclusive=True, exit_on_error=False, group="poll")
    async def _poll(self, seq: int) -> None:
        self.post_message(PollStarted(seq))
        started = time.monotonic()
        error: str | None = None
        delay = self.config.refresh_seconds
        try:
            snapshot = await self.source.refresh()
        except Exception as exc:  # the source should report trouble in the snapshot; keep the screen alive
            error = f"{type(exc).__name__}: {exc}"
            self.post_message(PollFailed(seq, error))
        else:
            self.post_message(SnapshotUpdated(snapshot, seq, time.monotonic() - started))
            if any(u.reason == "in progress" for u in snapshot.unavailable):
                # The first picture is partial (discovery continues in the background): fill it in soon,
                # not a whole refresh interval later.
                delay = min(delay, PARTIAL_REPOLL_SECONDS)
        # Not in `finally`: a cancelled poll (app exiting) must not arm another.
        self.polling = False
        self.dashboard.set_polling(False, error)
        if self._refresh_requested:
            self._refresh_requested = False
            self.poll_now()
        elif self.autopoll:
            # Armed only after this poll finished, so a slow AWS never gets overlapping polls.
            self._next_poll = self.set_timer(delay, self.poll_now, name="next-poll")

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        self.snapshot = message.snapshot
        self.dashboard.show_snapshot(message.snapshot)
        if self.incident_ui is not None:
            self.incident_ui.show_snapshot()

    def on_poll_failed(self, message: PollFailed) -> None:
        self.notify(message.error, title="Refresh failed", severity="error", timeout=8)

    # Actions -------------------------------------------------------------------------------------------

    def rediscover(self) -> None:
        """After a runbook step changed AWS (a promotion, a DNS switch): drop cached discovery and refresh
        now, so the dashboard shows the new world instead of the pre-failover one."""
        self.source.invalidate()
        self.action_refresh()

    def action_refresh(self) -> None:
        if not self.poll_now():
            self._refresh_requested = True
            self.notify("Refresh queued: a poll is still running.", timeout=3)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_cycle_theme(self) -> None:
        names = self.theme_names
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without an incident service, d and i would only say so: keep them out of the footer and palette.
        return not (action in ("declare", "incident") and self.incident_ui is None)

    def action_declare(self) -> None:
        if self.incident_ui is None:
            self.notify("Incidents are not enabled in this session", severity="warning", timeout=4)
            return
        self.incident_ui.declare()

    def action_incident(self) -> None:
        if self.incident_ui is None:
            self.notify("Incidents are not enabled in this session", severity="warning", timeout=4)
            return
        self.incident_ui.show_screen()

    def action_open_wall(self) -> None:
        """The read-only wall in this terminal, as its own process; q there comes back here."""
        import subprocess

        with self.suspend():
            subprocess.run(self.wall_argv(), check=False)

    def wall_argv(self) -> list[str]:
        """The wall's command line: this session's config, theme, journal and incident."""
        import sys

        argv = [sys.executable, "-m", "nexus_tui.commands.wall", "--theme", self.theme]
        if self.config.path is not None:
            argv += ["--config", str(self.config.path)]
        elif self.config.aws.endpoints:
            # A config built in memory with endpoints (the demo, a drill) points at a simulator: the wall must
            # read that simulator, never whatever account a config file on this machine names. Its credentials
            # are in the environment the wall inherits.
            argv += [f"--aws-endpoint={region}={url}" for region, url in self.config.aws.endpoints.items()]
        speed = getattr(self.clock, "speed", None)
        if isinstance(speed, int | float):  # a drill's simulated clock: the wall picks it up where it is now
            argv += ["--sim-time", self.clock.now().isoformat(), "--sim-speed", f"{speed:g}"]
        if self.incident_ui is not None:
            location = self.incident_ui.service.journal.location
            if "://" not in location:  # a database URL is never put on a command line, masked or not
                argv += ["--journal", location]
            if self.incident_ui.incident_id:
                argv.append(self.incident_ui.incident_id)
        return argv

    def action_drill(self) -> None:
        """Pick a practice drill; it runs in a fresh process on the simulator once this session has closed
        (the caller of run_app hands over to `nexus-tui drill`)."""
        from nexus_tui.domain.drill import SCENARIOS
        from nexus_tui.ui.screens.drill_picker import DrillPickerScreen

        def chosen(choice: DrillChoice | None) -> None:
            if choice is not None:
                self.drill_choice = choice
                self.exit(0)

        self.push_screen(DrillPickerScreen(SCENARIOS), chosen)

    async def action_quit(self) -> None:
        self.exit(0)
