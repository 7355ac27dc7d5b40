"""A titled dashboard panel: a keyed table, notes about what could not be read, and the highlighted row's
details. The border colour follows the panel's worst state through the -ok/-warning/... classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from nexus_tui.domain.models import DashboardSnapshot, State, Unavailable
from nexus_tui.domain.plan import Plan
from nexus_tui.domain.settings import Settings
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.table import KeyedTable, Row

STATE_LABEL = {
    State.OK: "● ok",
    State.WARNING: "▲ warning",
    State.CRITICAL: "✖ CRITICAL",
    State.UNKNOWN: "? unknown",
}


@dataclass(frozen=True, slots=True)
class View:
    """What every panel needs to render: the time, the thresholds, the colours and the plan's expectations
    (the config's [expect] table; None: the defaults from seed 000)."""

    now: datetime
    settings: Settings
    palette: Palette
    plan: Plan | None = None


def unavailable_line(u: Unavailable) -> str:
    where = f" in {u.region}" if u.region else ""
    return f"{u.panel.capitalize()}: {u.what} unavailable{where} ({u.reason})"


class Panel(Vertical):
    TITLE = ""
    COLUMNS: Sequence[tuple[str, str, int | None]] = ()  # key, label, fixed width
    # Which Unavailable.panel values are reported in this panel.
    UNAVAILABLE_PANELS: tuple[str, ...] = ()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel")
        self.border_title = self.TITLE
        self.state = State.UNKNOWN
        self._details: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield KeyedTable(self.COLUMNS, id=f"{self.id}-table")
        yield Static("", classes="notes")
        yield Static("", classes="details")

    @property
    def table(self) -> KeyedTable:
        return self.query_one(KeyedTable)

    def show(self, snapshot: DashboardSnapshot, view: View) -> None:
        rows, details, state, summary, notes = self.build(snapshot, view)
        self._details = details
        self.table.set_rows(rows)
        notes += [unavailable_line(u) for u in snapshot.unavailable if u.panel in self.UNAVAILABLE_PANELS]
        note_widget = self.query_one(".notes", Static)
        note_widget.update(Text("\n".join(f"⚠ {n}" for n in notes), style=view.palette.warning))
        note_widget.display = bool(notes)
        self.set_state(state)
        self.border_subtitle = summary + self._filter_hint()
        self._show_details()

    def room_left(self, rows: int, others: int, *, compact: bool | None = None) -> int:
        """The width the row leaves for its flexible columns once the others have `others` cells: the panel's
        inner width, less the spacing between columns (KeyedTable.spacing; as the table is now unless `compact`
        says which), less the 2 columns a vertical scrollbar takes while the `rows` overflow the table (header
        row aside) or its height is not known yet."""
        overflow = rows > self.table.size.height - 1
        scrollbar = 2 if overflow or self.table.show_vertical_scrollbar else 0
        spacing = self.table.gaps if compact is None else self.table.spacing(compact)
        return self.size.width - others - spacing - scrollbar

    def build(self, snapshot: DashboardSnapshot, view: View) -> tuple[list[Row], dict[str, str], State, str, list[str]]:
        """rows, details by row key, worst state, one-line summary, notes. Subclasses implement it."""
        raise NotImplementedError

    def set_state(self, state: State) -> None:
        self.state = state
        for s in State:
            self.set_class(s is state, f"-{s.value}")

    def set_filter(self, text: str) -> None:
        self.table.set_filter(text)
        subtitle = str(self.border_subtitle or "").split("  filter:")[0]
        self.border_subtitle = subtitle + self._filter_hint()
        self._show_details()

    def _filter_hint(self) -> str:
        table = self.table
        if not table.filter_text:
            return ""
        return f"  filter: {table.filter_text!r} {len(table.shown_keys)}/{table.total_rows}"

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_details()

    def _show_details(self) -> None:
        widget = self.query_one(".details", Static)
        key = self.table.cursor_key() if self.table.has_focus else None
        text = self._details.get(key, "") if key else ""
        widget.update(Text(text))  # Text, not str: resource names must never be parsed as markup
        widget.display = bool(text)

    def on_descendant_focus(self) -> None:
        self._show_details()

    def on_descendant_blur(self) -> None:
        self._show_details()


def cell(text: str, style: object = None) -> Text:
    return Text(text, style=style or "", no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
