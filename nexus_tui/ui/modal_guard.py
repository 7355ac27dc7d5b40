"""What every modal of ours shares so a hurried or hostile keyboard cannot stack screens or lose text.

- The command palette stays shut while a modal is up. Textual's own guard (App.action_command_palette) only
  looks at the top screen, so a palette opened a moment before a step's confirmation was pushed above it
  let the next ctrl+p push a second palette with the same id: DuplicateIds, and the app exited.
- The app's keys that open another screen (d declare, i incident, ? help) do nothing inside a modal: a
  second press must not stack a second declare form above the first or a runbook above a confirmation.
- `TextInput` takes pasted text whole and printable: newlines folded, escape sequences and controls turned
  into visible marks (nexus_tui.domain.text.printable_line), so a note pasted from a terminal log is kept
  instead of being cut at its first line, and nothing in it reaches the terminal as a control.
"""

from __future__ import annotations

from typing import TypeVar
from weakref import WeakKeyDictionary

from textual import events, on
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input

from nexus_tui.domain.text import printable_line

_R = TypeVar("_R")

# Keys of NexusApp that open a screen; inside a modal they are swallowed (the binding wins over the app's).
SCREEN_OPENING_KEYS = ("d", "D", "i", "question_mark")

# app -> (modals currently mounted, the palette setting before the first of them)
_open: WeakKeyDictionary[App[object], tuple[int, bool]] = WeakKeyDictionary()


def hold_palette(app: App[object]) -> None:
    """A modal came up: shut the palette (counted, so stacked modals restore it only when the last goes)."""
    count, before = _open.get(app, (0, app.use_command_palette))
    _open[app] = (count + 1, before)
    app.use_command_palette = False


def release_palette(app: App[object]) -> None:
    count, before = _open.get(app, (1, app.use_command_palette))
    if count <= 1:
        _open.pop(app, None)
        app.use_command_palette = before
    else:
        _open[app] = (count - 1, before)


class GuardedModal(ModalScreen[_R]):
    """Base of every nexus modal: no palette, no screen-opening app keys while it is up."""

    BINDINGS = [Binding(key, "swallow", show=False) for key in SCREEN_OPENING_KEYS]

    @on(events.Mount)
    def _hold_palette(self) -> None:
        hold_palette(self.app)

    @on(events.Unmount)
    def _release_palette(self) -> None:
        release_palette(self.app)

    def action_swallow(self) -> None:
        """A key that would open another screen: ignored while this modal waits for its answer."""


class TextInput(Input):
    """An Input whose paste is inserted whole, as one printable line (never as keys, never raw)."""

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        text = printable_line(event.text)
        if not text:
            return
        if self.max_length:
            text = text[: max(self.max_length - len(self.value), 0)]
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
