"""`?`: the keys, and how to read the colours and the STALE marker."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from nexus_tui.ui.modal_guard import GuardedModal

KEYS = (
    ("?", "this help"),
    ("/", "filter rows in every panel (enter keeps the filter, esc clears it)"),
    (":", "jump to a panel: replication, backups, alarms (prefixes work: ':b')"),
    ("esc", "back: close the prompt, clear the filter, close this help"),
    ("r", "refresh now (if a poll is running, another follows it)"),
    ("t", "cycle theme (nexus-dark, nexus-light, war-room, ...)"),
    ("d / i", "declare an incident / open the incident's runbook"),
    ("w", "the war-room wall in this terminal (q comes back)"),
    ("D", "practice drill: pick a scenario and speed; it runs on the simulator, in a fresh session"),
    ("tab / shift+tab", "next / previous panel"),
    ("↑ ↓ pgup pgdn", "move in a table; the highlighted row's details show below it"),
    ("ctrl+p", "command palette"),
    ("q", "quit"),
)

LEGEND = (
    ("● ok", "within thresholds"),
    ("▲ warning", "above the warning threshold (e.g. replica lag > 30 s)"),
    ("✖ CRITICAL", "above the critical threshold, region unreachable, alarm firing"),
    ("? unknown", "no data, or the data is stale"),
    ("STALE 3m", "dimmed row: carried over from an earlier poll, last datapoint 3 minutes old"),
    ("RPO", "worst of: time since latest restorable point, replica lag, S3 replication latency"),
)


class HelpScreen(GuardedModal[None]):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("question_mark", "close", "Close help", show=False),
        Binding("q", "close", "Close help", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "nexus-tui help"
            body.border_subtitle = "esc to close"
            yield Static(_table("Keys", KEYS))
            yield Static(_table("Reading the dashboard", LEGEND))

    def action_close(self) -> None:
        self.dismiss(None)


def _table(title: str, rows: tuple[tuple[str, str], ...]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, text in rows:
        table.add_row(Text(key), Text(text))
    return table
