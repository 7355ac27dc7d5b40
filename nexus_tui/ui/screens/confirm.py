"""Modals that stand between a key press and the journal or AWS: a typed confirmation for destructive steps
(GitHub-style: the button stays disabled until the resource name is typed exactly), a yes/no for other AWS
calls, and a reason prompt for skip, fail, override and notes."""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from nexus_tui.ui import format as fmt
from nexus_tui.ui.modal_guard import GuardedModal, TextInput

_R = TypeVar("_R")


class _Modal(GuardedModal[_R | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CLASSES = "nexus-modal"

    def action_cancel(self) -> None:
        self.dismiss(None)


class TypedConfirmScreen(_Modal[str]):
    """Returns the typed text once it equals `expected`, or None."""

    def __init__(self, title: str, body: str | Text, expected: str, *, action_label: str = "Confirm") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self.expected = expected
        self._label = action_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body -danger") as box:
            box.border_title = self._title
            with VerticalScroll(classes="modal-text"):
                yield Static(fmt.safe_text(self._body))
            prompt = Text("This cannot be taken back. Type ")
            prompt.append(fmt.line(self.expected), style="bold").append(" to confirm:")
            yield Static(prompt, classes="modal-prompt")
            yield TextInput(placeholder=fmt.line(self.expected), id="typed", select_on_focus=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(self._label, id="confirm", variant="error", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @property
    def matches(self) -> bool:
        return self.query_one("#typed", Input).value == self.expected

    @on(Input.Changed, "#typed")
    def _typed(self) -> None:
        self.query_one("#confirm", Button).disabled = not self.matches

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        if self.matches:
            self.dismiss(self.expected)
        else:
            self.notify(f"Type {fmt.line(repr(self.expected))} exactly to confirm", severity="warning", timeout=3)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        if self.matches:  # a disabled button cannot be pressed, but be explicit about the rule
            self.dismiss(self.expected)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(_Modal[bool]):
    """Yes/no for an action that is not destructive but still calls AWS. Returns True or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "yes", "Yes")]

    def __init__(self, title: str, body: str | Text, *, action_label: str = "Execute") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._label = action_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as box:
            box.border_title = self._title
            with VerticalScroll(classes="modal-text"):
                yield Static(fmt.safe_text(self._body))
            with Horizontal(classes="modal-buttons"):
                yield Button(f"{self._label} (y)", id="confirm", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ReasonScreen(_Modal[str]):
    """One line of text (a reason, a note, a summary). Returns the stripped text, or None when cancelled.
    With required=True the OK button stays disabled while the text is blank."""

    def __init__(
        self,
        title: str,
        prompt: str | Text,
        *,
        required: bool = True,
        placeholder: str = "",
        action_label: str = "OK",
        danger: bool = False,
    ) -> None:
        super().__init__()
        self._title = title
        self._prompt = prompt
        self.required = required
        self._placeholder = placeholder
        self._label = action_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body" + (" -danger" if self._danger else "")) as box:
            box.border_title = self._title
            with VerticalScroll(classes="modal-text"):
                yield Static(fmt.safe_text(self._prompt))
            yield TextInput(placeholder=self._placeholder, id="reason")
            with Horizontal(classes="modal-buttons"):
                yield Button(self._label, id="confirm", variant="primary", disabled=self.required)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @property
    def text(self) -> str:
        return self.query_one("#reason", Input).value.strip()

    @on(Input.Changed, "#reason")
    def _changed(self) -> None:
        self.query_one("#confirm", Button).disabled = self.required and not self.text

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        if self.required and not self.text:
            self.notify("A reason is required", severity="warning", timeout=3)
            return
        self.dismiss(self.text)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
