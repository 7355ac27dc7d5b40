"""Picking a practice drill from the dashboard (`D`): the scenario (its fault, what the dashboard will show,
the runbook it rehearses) and the speed. The drill itself runs in a fresh process on the simulator
(`nexus-tui drill SCENARIO --speed N`): this app may be looking at real AWS, and a drill never does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from nexus_tui.domain.drill import Scenario
from nexus_tui.ui import format as fmt
from nexus_tui.ui.modal_guard import GuardedModal, TextInput

MAX_SPEED = 600.0  # ten simulated hours a wall minute: beyond that the dashboard's polls cannot follow


@dataclass(frozen=True, slots=True)
class DrillChoice:
    scenario_id: str
    speed: float


def parse_speed(text: str) -> float | str:
    """The speed, or a one-line reason it is not one."""
    try:
        speed = float(text.strip() or "1")
    except ValueError:
        return f"speed must be a number, not {fmt.line(text)!r}"
    if not 0 < speed <= MAX_SPEED:  # also refuses nan
        return f"speed must be above 0 and at most {MAX_SPEED:g}"
    return speed


def scenario_prompt(s: Scenario) -> Text:
    text = Text(s.id, style="bold").append(f"  {fmt.line(s.title)}")
    text.append(f"\n  rehearses {s.runbook}", style="dim")
    return text


class DrillPickerScreen(GuardedModal[DrillChoice | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "start", "Start"),
    ]
    DEFAULT_CLASSES = "nexus-modal"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        super().__init__()
        self.scenarios = list(scenarios)
        self.selected: Scenario | None = self.scenarios[0] if self.scenarios else None

    def compose(self) -> ComposeResult:
        with Vertical(id="drill-body", classes="modal-body") as box:
            box.border_title = "Practice drill (on the simulator, never on AWS)"
            box.border_subtitle = "ctrl+s start · esc cancel"
            options = [Option(scenario_prompt(s), id=s.id) for s in self.scenarios]
            scenario_list = OptionList(*options, id="drill-scenarios")
            scenario_list.border_title = "scenario"
            yield scenario_list
            yield Static("", id="drill-summary")
            with Horizontal(classes="param-row"):
                yield Static(Text("Speed", style="bold"), classes="param-label")
                yield TextInput("1", placeholder="1 = real time; 60 = an hour a minute", id="drill-speed", compact=True)
            with Horizontal(classes="modal-buttons"):
                yield Button("Start drill", id="drill-ok", variant="warning", disabled=self.selected is None)
                yield Button("Cancel", id="drill-cancel")

    def on_mount(self) -> None:
        self.query_one("#drill-scenarios", OptionList).focus()
        if self.selected is not None:
            self._show(self.selected)

    @on(OptionList.OptionHighlighted, "#drill-scenarios")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = next((s for s in self.scenarios if s.id == event.option.id), None)
        if chosen is not None:
            self.selected = chosen
            self._show(chosen)

    @on(OptionList.OptionSelected, "#drill-scenarios")
    def _selected(self) -> None:
        self.query_one("#drill-speed", TextInput).focus()

    def _show(self, s: Scenario) -> None:
        text = Text(fmt.line(s.title), style="bold")
        text.append(f"\nFault: {fmt.line(s.fault)}")
        text.append(f"\nWatch for: {fmt.line(s.detection)}")
        text.append(f"\nRunbook: {s.runbook}" + (f" (or {', '.join(s.alt_runbooks)})" if s.alt_runbooks else ""))
        text.append(
            "\nThis session closes and the drill opens on a fresh simulated account; the fault comes after a calm"
            " spell. Detect it, declare (as a drill) and walk the runbook.",
            style="dim",
        )
        self.query_one("#drill-summary", Static).update(text)

    def action_start(self) -> None:
        if self.selected is None:
            return
        speed = parse_speed(self.query_one("#drill-speed", TextInput).value)
        if isinstance(speed, str):
            self.notify(speed, severity="warning", timeout=4)
            self.query_one("#drill-speed", TextInput).focus()
            return
        self.dismiss(DrillChoice(self.selected.id, speed))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#drill-ok")
    def _ok(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#drill-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(TextInput.Submitted, "#drill-speed")
    def _submitted(self) -> None:
        self.action_start()
