"""A DataTable kept in step with a list of keyed rows, changing only the cells that differ.

Refreshes arrive every few seconds and the age column ticks every second; clearing and re-adding 1,000
rows each time would reset the cursor and scroll position and make keypresses wait behind the rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowDoesNotExist


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    cells: tuple[Text, ...]
    search: str  # lower-case text the / filter matches against


def _same(a: Text, b: Text) -> bool:
    # Text.__eq__ ignores the base style, and a cell that keeps its text but changes colour must repaint.
    return a is b or (a.plain == b.plain and a.style == b.style and a.spans == b.spans)


class KeyedTable(DataTable[Text]):
    # Removing rows one by one is O(rows) each in DataTable; past this many, one rebuild is cheaper.
    MAX_INCREMENTAL_REMOVALS = 32

    def __init__(self, columns: Sequence[tuple[str, str, int | None]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._column_spec = tuple(columns)
        self._rows: dict[str, Row] = {}
        self._order: list[str] = []
        self._painted: dict[str, tuple[Text, ...]] = {}
        self._shown: list[str] = []
        self.filter_text = ""
        self.rebuilds = 0  # benchmarks and tests read it
        self.compact = False

    @property
    def gaps(self) -> int:
        """Cells the columns' spacing takes from a row as the table is now (see spacing)."""
        return self.spacing(self.compact)

    def spacing(self, compact: bool) -> int:
        """Cells the columns' spacing takes from a row: two between columns normally (DataTable's padding on each
        side of each column), one when compact (a trailing space in each column, one leading cell for the row)."""
        n = len(self._column_spec)
        return n + 1 if compact else 2 * n

    def set_compact(self, compact: bool) -> None:
        """One space between columns instead of two, for a row whose names would otherwise be cut: the 8 cells
        a 9-column row gets back are worth more as name than as spacing."""
        if compact == self.compact:
            return
        self.compact = compact
        self.set_class(compact, "-compact")
        self.cell_padding = 0 if compact else 1
        for key, _label, width in self._column_spec:
            column = self.columns.get(ColumnKey(key))
            if column is not None and width is not None:
                column.width = width + compact
        self._clear_caches()
        self._require_update_dimensions = True
        self.refresh()

    def on_mount(self) -> None:
        # A fixed width (long resource names) truncates with an ellipsis; None sizes to the content.
        for key, label, width in self._column_spec:
            self.add_column(label, key=key, width=None if width is None else width + self.compact)
        self._sync()

    def set_width(self, column_key: str, width: int) -> None:
        """Give a fixed-width column a new width (the panel grew or shrank); cells repaint at the new width."""
        column = self.columns.get(ColumnKey(column_key))
        if column is None or column.width == width + self.compact:
            return
        column.width = width + self.compact  # compact: the column's own trailing space
        self._column_spec = tuple((k, label, width if k == column_key else w) for k, label, w in self._column_spec)
        self._clear_caches()
        self._require_update_dimensions = True
        self.refresh()

    @property
    def shown_keys(self) -> list[str]:
        return list(self._shown)

    @property
    def total_rows(self) -> int:
        return len(self._order)

    def set_rows(self, rows: Sequence[Row]) -> None:
        self._rows = {r.key: r for r in rows}
        self._order = [r.key for r in rows]
        self._sync()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._sync()

    def repaint_all(self) -> None:
        """Forget what is painted so every cell is written again (after a theme change)."""
        self._painted.clear()
        self._sync()

    def cursor_key(self) -> str | None:
        if not self._shown or not 0 <= self.cursor_row < len(self._shown):
            return None
        return self._shown[self.cursor_row]

    def _wanted(self) -> list[str]:
        needle = self.filter_text
        if not needle:
            return list(self._order)
        return [k for k in self._order if needle in self._rows[k].search]

    def _sync(self) -> None:
        if not self.is_mounted or not self.columns:
            return
        wanted = self._wanted()
        if wanted != self._shown:
            wanted_set = set(wanted)
            removals = [k for k in self._shown if k not in wanted_set]
            survivors = [k for k in self._shown if k in wanted_set]
            if survivors == wanted and len(removals) <= self.MAX_INCREMENTAL_REMOVALS:
                for key in removals:
                    with suppress(RowDoesNotExist):
                        self.remove_row(key)
                    self._painted.pop(key, None)
                self._shown = wanted
            elif self._shown and wanted[: len(self._shown)] == self._shown:
                self._append(wanted[len(self._shown) :])
            else:
                self._rebuild(wanted)
        spec = self._column_spec
        for key in self._shown:
            cells = self._rows[key].cells
            old = self._painted.get(key)
            if old is cells:
                continue
            for index, new in enumerate(cells):
                if old is not None and _same(old[index], new):
                    continue
                column_key, _label, width = spec[index]
                # Fixed-width columns never resize; measuring their cells again would be wasted work.
                self.update_cell(key, column_key, new, update_width=width is None)
            self._painted[key] = cells

    def _append(self, keys: list[str]) -> None:
        for key in keys:
            self.add_row(*self._rows[key].cells, key=key)
            self._painted[key] = self._rows[key].cells
        self._shown.extend(keys)

    def _rebuild(self, wanted: list[str]) -> None:
        keep = self.cursor_key()
        self.rebuilds += 1
        self.clear()
        self._painted.clear()
        self._shown = []
        self._append(wanted)
        if keep in wanted:
            self.move_cursor(row=wanted.index(keep), animate=False)
