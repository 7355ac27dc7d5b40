"""The k9s-style prompt at the bottom: `/` filters rows as you type, `:` jumps to a panel."""

from __future__ import annotations

from typing import Literal

from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

Mode = Literal["filter", "jump"]
PANELS = ("replication", "backups", "alarms")
_PANEL_SUGGESTER = SuggestFromList(PANELS, case_sensitive=False)


class CommandBar(Input):
    class Command(Message):
        """Enter pressed: keep the filter, or jump to the panel named."""

        def __init__(self, mode: Mode, value: str) -> None:
            super().__init__()
            self.mode = mode
            self.value = value

    class FilterChanged(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode: Mode = "filter"
        self.display = False

    def open(self, mode: Mode, value: str = "") -> None:
        self.mode = mode
        self.border_title = "filter rows (enter keeps it, esc clears)" if mode == "filter" else "jump to panel"
        self.placeholder = "text to match in any row…" if mode == "filter" else " | ".join(PANELS)
        self.suggester = _PANEL_SUGGESTER if mode == "jump" else None
        self.value = value
        self.display = True
        self.focus()

    def close(self) -> None:
        self.display = False

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.mode == "filter":
            self.post_message(self.FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Command(self.mode, event.value))


def resolve_panel(text: str) -> str | None:
    """Panel id for a (possibly abbreviated) name: 'rep', 'b', 'alarm' all work."""
    needle = text.strip().lower()
    if not needle:
        return None
    matches = [p for p in PANELS if p.startswith(needle)]
    return matches[0] if len(matches) == 1 else None
