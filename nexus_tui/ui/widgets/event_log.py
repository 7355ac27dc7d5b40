"""The incident's timeline, newest at the bottom: every journaled event in one line (the same wording as the
report), so the IC sees what the CLI, a colleague or an action just did."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.report import describe
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette

# A long incident has hundreds of events; the pane shows the latest and the report has them all.
SHOWN = 200


class EventLog(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="event-log")
        self.border_title = "timeline"
        self.can_focus = False
        self._key: tuple[str, int] | None = None
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="event-lines")

    def show(self, state: IncidentState, palette: Palette) -> None:
        key = (state.id, state.last_seq)
        if key == self._key:
            return
        self._key = key
        text = Text()
        self.lines = []
        for i, ev in enumerate(state.events[-SHOWN:]):
            line = fmt.line(describe(ev))
            self.lines.append(line)
            if i:
                text.append("\n")
            text.append(ev.at.strftime("%H:%M:%S"), style="dim").append(f" {fmt.line(ev.actor)} ", style="bold")
            style = ""
            if ev.type in ("step_failed",) or (ev.type == "aws_request" and ev.payload.get("error")):
                style = str(palette.critical)
            elif ev.type in ("precondition_override", "step_undone", "step_skipped"):
                style = str(palette.warning)
            elif ev.type in ("step_confirmed", "resolved"):
                style = str(palette.ok)
            text.append(line, style=style)
        self.query_one("#event-lines", Static).update(text)
        self.scroll_end(animate=False)
