"""WallApp: the war-room wall, a read-only Textual app. No binding changes anything (only q / ctrl+c quit);
it never writes to the journal and never calls a mutating AWS API.

It follows the incident through the change feed (IncidentService.follow), so a change made anywhere shows
at once; journal reads run in threads, never on the event loop. A one-second tick recomputes the clocks from
the cached state (pure arithmetic). The readiness snapshot comes from a DashboardSource polled by one worker
in sequence, so two polls never overlap."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches

from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.incident import Event, IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.ports import DashboardSource
from nexus_tui.engine.slack_status import SlackStatus, SlackWatch
from nexus_tui.engine.wall_view import WallModel, wall_model
from nexus_tui.resources import shipped_themes_dir
from nexus_tui.ui.format import error_line
from nexus_tui.ui.themes import DEFAULT_THEME, SEMANTIC_DEFAULTS, Palette, load_themes
from nexus_tui.ui.wall.screen import WallScreen

TICK_SECONDS = 1.0
FEED_INTERVAL = 0.2  # how often the feed looks at the journal: well inside the 1 s the wall promises
FEED_RETRY_SECONDS = 5.0
# Delivery changes (sent, retrying) update the outbox, not the journal's events, so the feed does not see them.
OUTBOX_POLL_SECONDS = 2.0


class WallApp(App[None]):
    CSS_PATH = Path(__file__).parent.parent / "styles" / "wall.tcss"
    ENABLE_COMMAND_PALETTE = False  # nothing to choose on a wall; and nothing a passer-by can change
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        incidents: IncidentService | None = None,
        source: DashboardSource | None = None,
        incident_id: str | None = None,
        clock: Clock | None = None,
        theme: str | None = None,
        theme_dirs: Iterable[Path] | None = None,
        mode: str = "wall",
        poll_seconds: float = 10.0,
        feed_interval: float = FEED_INTERVAL,
        tick: bool = True,
        slack: SlackWatch | None = None,
        outbox_poll_seconds: float = OUTBOX_POLL_SECONDS,
        setup_problems: Iterable[str] = (),
    ) -> None:
        """`incident_id` pins the wall to one incident; without it the wall follows the newest open one and
        switches by itself when one is declared. mode "dashboard" shows readiness only. tick=False (snapshot
        tests) renders only on data, so a picture never depends on when the tick fired. `slack`: with
        it the wall shows the followed incident's Slack delivery (read from the journal's outbox), without
        it no Slack line at all."""
        super().__init__()
        self.settings = settings
        self.incidents = incidents
        self.source = source
        self.pinned = incident_id
        self.clock: Clock = clock or SystemClock()
        self.mode = mode
        self.poll_seconds = poll_seconds
        self.feed_interval = feed_interval
        self.tick = tick
        self.slack = slack
        self.outbox_poll_seconds = outbox_poll_seconds
        self.slack_status: tuple[str, SlackStatus] | None = None  # (incident id, its delivery) as last read
        self.state: IncidentState | None = None
        self.snapshot: DashboardSnapshot | None = None
        self.problem: str | None = None
        self.model: WallModel | None = None
        self.renders = 0
        themes, errors = load_themes(theme_dirs if theme_dirs is not None else [shipped_themes_dir()])
        for t in themes:
            self.register_theme(t)
        names = [t.name for t in themes]
        wanted = theme or DEFAULT_THEME
        if wanted not in names:
            errors.append(f"theme {wanted!r} not found (have: {', '.join(names)}); using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        self.theme = wanted
        self.theme_errors = [*errors, *setup_problems]
        self.title = "nexus-tui wall"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(SEMANTIC_DEFAULTS)

    def on_mount(self) -> None:
        if self.theme_errors:
            self.problem = self.theme_errors[0]
        screen = WallScreen(self.mode)
        screen.polling = self.source is not None
        self.push_screen(screen)
        if self.tick:
            self.set_interval(TICK_SECONDS, self.render_wall, name="wall-tick")
        if self.incidents is not None and self.mode == "wall":
            self.run_worker(self._follow(), group="wall-feed", exit_on_error=False)
            if self.slack is not None:
                self.run_worker(self._watch_outbox(), group="wall-outbox", exit_on_error=False)
        if self.source is not None:
            self.run_worker(self._poll(), group="wall-poll", exit_on_error=False)

    # -- what it shows ------------------------------------------------------------------------------------

    @property
    def showing_incident(self) -> bool:
        return self.model is not None and self.model.incident is not None

    def render_wall(self) -> None:
        state = self.state
        if state is not None and state.resolved and self.pinned is None:
            state = None  # the wall goes back to readiness once the incident it followed is resolved
        view = None
        if state is not None and self.incidents is not None:
            view = self.incidents.view(state)
        slack = None
        if view is not None and self.slack_status is not None and self.slack_status[0] == view.state.id:
            slack = self.slack_status[1]
        self.model = wall_model(view, self.snapshot, self.settings, self.clock.now(), slack)
        screen = self.screen
        if isinstance(screen, WallScreen) and screen.ready:
            try:
                screen.show(self.model, Palette.from_variables(self.theme_variables), self.clock.now(), self.problem)
            except NoMatches:
                return  # a tick or a feed batch arriving while the app shuts down and the panes are gone
            self.renders += 1

    # -- the change feed ----------------------------------------------------------------------------------

    async def _follow(self) -> None:
        service = self.incidents
        assert service is not None
        while True:
            try:
                heads = await asyncio.to_thread(service.journal.heads)
                await self._reload(None)
                self._set_problem(None)
                async for batch in service.follow(heads, interval=self.feed_interval):
                    await self._reload(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A damaged or unreachable journal is a line on the wall, never the end of the wall.
                self._set_problem(f"journal: {error_line(exc)}")
                await asyncio.sleep(FEED_RETRY_SECONDS)

    async def _reload(self, batch: list[Event] | None) -> None:
        service = self.incidents
        assert service is not None
        target = self._target(batch)
        if target is None and batch is None:
            ids = await asyncio.to_thread(service.journal.unresolved_ids)
            target = self.pinned or (ids[0] if ids else None)
        if target is None:
            return
        state = await asyncio.to_thread(service.state, target)
        if self.state is not None and state.id == self.state.id and state.last_seq < self.state.last_seq:
            return  # an older read finishing late
        if self.slack is not None:
            # A new event usually brings new messages (same transaction): read them with it.
            self.slack_status = (state.id, await asyncio.to_thread(self.slack.read, state.id, self.clock.now()))
        self.state = state
        self.render_wall()

    def _target(self, batch: list[Event] | None) -> str | None:
        """Which incident this batch asks us to (re)read: the followed one if it changed, else a newly
        declared one when nothing open is followed (not when pinned)."""
        if batch is None:
            return self.pinned
        ids = {e.incident_id for e in batch}
        followed = self.pinned or (None if self.state is None else self.state.id)
        if followed is not None and followed in ids:
            return followed
        if self.pinned is None and (self.state is None or self.state.resolved):
            declared = [e.incident_id for e in batch if e.type == "declared"]
            if declared:
                return declared[-1]
        return None

    async def _watch_outbox(self) -> None:
        """Re-read the followed incident's messages: a sender elsewhere marks them sent or retrying."""
        watch = self.slack
        assert watch is not None
        while True:
            await asyncio.sleep(self.outbox_poll_seconds)
            state = self.state
            if state is None:
                continue
            try:
                status = (state.id, await asyncio.to_thread(watch.read, state.id, self.clock.now()))
            except asyncio.CancelledError:
                raise
            except Exception:
                continue  # the feed reads the same journal and says what is wrong with it
            if self.state is not None and self.state.id == state.id and status != self.slack_status:
                self.slack_status = status
                self.render_wall()

    def _set_problem(self, line: str | None) -> None:
        if line != self.problem:
            self.problem = line
            self.render_wall()

    # -- readiness ----------------------------------------------------------------------------------------

    async def _poll(self) -> None:
        source = self.source
        assert source is not None
        while True:
            try:
                self.snapshot = await source.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._set_problem(f"dashboard: {error_line(exc)}")
            self.render_wall()
            await asyncio.sleep(self.poll_seconds)
