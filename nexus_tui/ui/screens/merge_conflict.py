"""The IC's decision when offline work meets what another responder wrote meanwhile to the same incident.

Both sides are listed. "Keep mine" appends the offline events after theirs (re-chained, behind a note that shows
the gap); "Take theirs" leaves the incident as the others made it and records the offline events, listed, in a
note, so nothing confirmed disappears silently. Escape decides later: nothing is written, the banner stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from nexus_tui.domain.incident import Event
from nexus_tui.ui import format as fmt
from nexus_tui.ui.modal_guard import GuardedModal

Decision = Literal["mine", "theirs"]


def _listing(title: str, events: Sequence[Event]) -> Text:
    text = Text(title, style="bold")
    for e in events:
        detail = e.payload.get("step_id") or e.payload.get("text") or ""
        text.append(f"\n· {e.at:%H:%M:%S}  {fmt.line(e.actor)}  {fmt.line(e.type)} {fmt.line(str(detail))}".rstrip())
    return text


class MergeConflictScreen(GuardedModal[Decision | None]):
    BINDINGS = [
        Binding("escape", "later", "Decide later"),
        Binding("m", "mine", "Keep mine after theirs"),
        Binding("t", "theirs", "Take theirs"),
    ]
    DEFAULT_CLASSES = "nexus-modal"

    def __init__(self, incident_id: str, theirs: Sequence[Event], mine: Sequence[Event]) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.theirs = list(theirs)
        self.mine = list(mine)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body -danger") as box:
            box.border_title = f"{fmt.line(self.incident_id)}: merge conflict"
            with VerticalScroll(classes="modal-text"):
                yield Static(
                    Text(
                        "While this machine was offline, another responder wrote to this incident. "
                        "Nothing has been merged yet."
                    )
                )
                yield Static(
                    _listing(f"Written by others meanwhile ({len(self.theirs)}):", self.theirs), classes="modal-prompt"
                )
                yield Static(
                    _listing(f"Yours, recorded offline ({len(self.mine)}):", self.mine), classes="modal-prompt"
                )
            with Horizontal(classes="modal-buttons"):
                yield Button("Keep mine after theirs (m)", id="mine", variant="primary")
                yield Button("Take theirs, record mine (t)", id="theirs", variant="warning")
                yield Button("Later", id="later")

    def action_mine(self) -> None:
        self.dismiss("mine")

    def action_theirs(self) -> None:
        self.dismiss("theirs")

    def action_later(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#mine")
    def _mine(self) -> None:
        self.dismiss("mine")

    @on(Button.Pressed, "#theirs")
    def _theirs(self) -> None:
        self.dismiss("theirs")

    @on(Button.Pressed, "#later")
    def _later(self) -> None:
        self.dismiss(None)
