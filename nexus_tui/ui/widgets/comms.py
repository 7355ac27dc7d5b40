"""The comms pane: every Slack message of the incident with its delivery state (queued / sending / sent (ts) /
retrying (attempt, next try) / failed (reason and fix) / dropped), newest at the bottom, and a status line
("Slack: 3 queued, down since 14:02", or why nothing is sent). Failed messages can be retried or dropped:
the pane only asks (RetryRequested / DropRequested); whoever mounted it tells the engine's Comms."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from nexus_tui.domain.text import printable_line
from nexus_tui.engine.message_views import MessageView
from nexus_tui.ui.themes import Palette

_COLUMNS = ("#", "seq", "state", "channel", "message", "detail")


class CommsPane(Vertical):
    # Theme variables only (Textual's own, so the pane also works outside NexusApp's themes).
    DEFAULT_CSS = """
    CommsPane {
        height: 1fr;
        min-height: 6;
        border: round $secondary;
        border-title-style: bold;
        padding: 0 1;
    }
    CommsPane > #comms-status { height: 1; color: $text-muted; }
    CommsPane > #comms-table { height: 1fr; }
    """

    BINDINGS = [
        Binding("r", "retry", "Retry message", show=True),
        Binding("x", "drop", "Drop message", show=True),
    ]

    class RetryRequested(Message):
        def __init__(self, message_id: int) -> None:
            super().__init__()
            self.message_id = message_id

    class DropRequested(Message):
        def __init__(self, message_id: int) -> None:
            super().__init__()
            self.message_id = message_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="comms-pane")
        self.border_title = "Slack"
        self.views: list[MessageView] = []
        self.status = ""
        self._key: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="comms-status")
        table: DataTable[Text | str] = DataTable(id="comms-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*_COLUMNS)
        yield table

    def show(
        self,
        views: Sequence[MessageView],
        header: str | None,
        mode: str,
        palette: Palette | None = None,
        *,
        title: str | None = None,
    ) -> None:
        """Render the messages; `mode` is the one-line description of the Slack setup (never a secret), `title`
        the delivery state at a glance ("Slack: 3 queued, down since 14:02")."""
        key = (tuple(views), header, mode, title)
        if key == self._key:
            return
        self._key = key
        self.border_title = printable_line(title, 80) if title else "Slack"
        self.views = list(views)
        self.status = header or mode
        self.query_one("#comms-status", Static).update(printable_line(self.status, 200))
        table = self.query_one("#comms-table", DataTable)
        row = table.cursor_row
        table.clear()
        for v in self.views:
            table.add_row(
                str(v.id),
                str(v.seq),
                Text(v.state, style=_style(v.state, palette)),
                printable_line(v.channel, 24),
                printable_line(v.summary, 60),
                printable_line(v.detail, 80),
                key=str(v.id),
            )
        if self.views:
            table.move_cursor(row=min(max(row, 0), len(self.views) - 1))

    def _selected(self) -> MessageView | None:
        table = self.query_one("#comms-table", DataTable)
        if not self.views or table.cursor_row < 0 or table.cursor_row >= len(self.views):
            return None
        return self.views[table.cursor_row]

    def action_retry(self) -> None:
        v = self._selected()
        if v is not None and v.can_retry:
            self.post_message(self.RetryRequested(v.id))
        elif v is not None:
            why = f"message #{v.id} is {v.state}: only a failed or retrying one can be retried"
            self.notify(why, severity="warning")

    def action_drop(self) -> None:
        v = self._selected()
        if v is not None and v.can_drop:
            self.post_message(self.DropRequested(v.id))
        elif v is not None:
            self.notify(f"message #{v.id} is {v.state}: it cannot be dropped", severity="warning")


def _style(state: str, palette: Palette | None) -> str:
    if palette is None:
        return "bold" if state in ("failed", "retrying") else ""
    return str(
        {
            "sent": palette.ok,
            "retrying": palette.warning,
            "failed": palette.critical,
            "dropped": palette.stale,
            "not sent": palette.unknown,
        }.get(state, "")
    )
