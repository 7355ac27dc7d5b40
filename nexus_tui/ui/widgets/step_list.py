"""The runbook's steps in order: state, title, expected vs actual time. The cursor picks which step the detail
pane shows; actions always apply to the current step (the domain runs steps in order)."""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from nexus_tui.domain.incident import IncidentState, StepState
from nexus_tui.domain.rto import step_timing
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.incident_clock import clock_text

COLUMNS = (("n", "#", 3), ("state", "state", 13), ("step", "step", None), ("expected", "expected", 8),
           ("actual", "actual", 8))  # fmt: skip
# Titles are cut so expected/actual stay in view on a 140-column terminal (the detail pane has the full title).
TITLE_WIDTH = 44


def state_label(st: StepState, is_current: bool, p: Palette) -> Text:
    if st.status == "done":
        return Text("✔ done" + (" (hand)" if st.manual else ""), style=p.ok)
    if st.status == "skipped":
        return Text("↷ skipped", style=p.unknown)
    if st.status == "failed":
        return Text("✖ FAILED", style=p.critical)
    if st.status == "in_progress":
        return Text("▶ in progress", style=Style(bold=True))
    if is_current:
        return Text("▶ current", style=Style(bold=True))
    return Text("○ pending", style=p.stale)


def actual_seconds(st: StepState, is_current: bool, now: datetime) -> float | None:
    """Finished steps: start to finish. The current step: how long it has been running."""
    if st.actual_seconds is not None and st.status in ("done", "skipped", "failed") and not is_current:
        return st.actual_seconds
    start = st.clock_start
    if is_current and start is not None:
        return max((now - start).total_seconds(), 0.0)
    return st.actual_seconds


class StepList(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.can_focus = True
        self._ids: tuple[str, ...] = ()
        self._current: str | None = None
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def highlighted_step(self) -> str | None:
        if not self._ids or self.cursor_row < 0 or self.cursor_row >= len(self._ids):
            return None
        return self._ids[self.cursor_row]

    def show(self, state: IncidentState, now: datetime, palette: Palette) -> None:
        current = None if state.resolved else state.current_step
        current_id = current.id if current is not None else None
        ids = tuple(s.id for s in state.steps)
        rebuild = ids != self._ids
        if rebuild:
            self.clear()
        for st, spec in zip(state.steps, state.runbook.steps, strict=True):
            is_current = st.id == current_id
            actual = actual_seconds(st, is_current, now)
            actual_style = palette.ok if st.status == "done" else Style()
            if actual is not None and st.status not in ("skipped",):
                level = step_timing(actual, spec.expected_seconds)
                if level != "ok":
                    actual_style = palette.critical if level == "red" else palette.warning
            marker = "▸" if is_current else " "
            row = {
                "n": Text(f"{marker}{st.index + 1}", style=Style(bold=is_current)),
                "state": state_label(st, is_current, palette),
                "step": Text(
                    ("⚠ " if spec.destructive else "") + fmt.one_line(spec.title, TITLE_WIDTH),
                    style=Style(bold=is_current),
                ),
                "expected": Text(clock_text(spec.expected_seconds), justify="right"),
                "actual": Text("—" if actual is None else clock_text(actual), style=actual_style, justify="right"),
            }
            if rebuild:
                self.add_row(*(row[key] for key, _, _ in COLUMNS), key=st.id)
            else:
                for key, value in row.items():
                    self.update_cell(st.id, key, value)
        self._ids = ids
        if current_id is not None and (rebuild or current_id != self._current):
            # The work moved on (here or from the CLI): follow it.
            self.move_cursor(row=ids.index(current_id), animate=False)
        self._current = current_id
