"""Declaring an incident: pick the runbook (what it is for, how long it takes against its RTO), the
severity, the incident commander, drill or not, and the runbook's params. Also the prompt for params a
runbook left open, supplied later while the incident runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from nexus_tui.domain.incident import SEVERITIES
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.runbook_params import resolve_params, runbook_placeholders, step_placeholders
from nexus_tui.ui import format as fmt
from nexus_tui.ui.modal_guard import GuardedModal, TextInput


@dataclass(frozen=True, slots=True)
class DeclareRequest:
    runbook_id: str
    severity: str
    ic: str
    drill: bool
    params: Mapping[str, str] = field(default_factory=dict)  # only values that differ from the defaults
    open_params: tuple[str, ...] = ()  # params without a default left empty: to be supplied before their step


@dataclass(frozen=True, slots=True)
class ParamField:
    name: str
    value: str  # the default, or "" for a param without one
    needed_by: tuple[str, ...]  # step ids that use it
    required: bool  # no default: the steps using it cannot run until it has a value


def param_fields(runbook: Runbook) -> list[ParamField]:
    """Every param the runbook declares or still refers to, defaults first, open ones flagged."""
    used: dict[str, list[str]] = {}
    for step in runbook.steps:
        for name in step_placeholders(step):
            used.setdefault(name, []).append(step.id)
    names = sorted(set(runbook.params) | runbook_placeholders(runbook))
    return [
        ParamField(n, runbook.params.get(n, ""), tuple(used.get(n, ())), n not in runbook.params)
        for n in sorted(names, key=lambda n: (n in runbook.params, n))
    ]


def _param_row(f: ParamField) -> Horizontal:
    label = Text(fmt.line(f.name), style="bold")
    if f.required:
        label.append(" *", style="bold")
    hint = f"needed by {', '.join(f.needed_by)}" if f.needed_by else "not used by any step"
    row = Horizontal(
        Static(label, classes="param-label"),
        TextInput(f.value, placeholder=hint, id=f"param-{f.name}", compact=True),
        classes="param-row" + (" -required" if f.required else ""),
    )
    return row


def runbook_prompt(rb: Runbook, default_rto_seconds: float) -> Text:
    rto = rb.rto_seconds or default_rto_seconds
    shown = resolve_params(rb, {})  # the defaults' names, not ${placeholders}
    text = Text(fmt.line(rb.id), style="bold").append(f"  {fmt.line(shown.title)}")
    text.append(f"\n  {fmt.one_line(shown.trigger, 70)}", style="dim")
    text.append(f"\n  {len(rb.steps)} steps · {fmt.duration(rb.expected_seconds)} expected · RTO {fmt.duration(rto)}")
    if rb.expected_seconds > rto:
        text.append("  ▲ plan exceeds RTO", style="bold")
    return text


class DeclareScreen(GuardedModal[DeclareRequest | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "declare", "Declare"),
    ]
    DEFAULT_CLASSES = "nexus-modal"

    def __init__(
        self,
        runbooks: Sequence[Runbook],
        *,
        default_ic: str,
        default_rto_seconds: float,
        problems: Sequence[str] = (),
        drill: bool = False,
    ) -> None:
        super().__init__()
        self.runbooks = list(runbooks)
        self.default_ic = default_ic
        self.default_rto = default_rto_seconds
        self.problems = list(problems)
        self.default_drill = drill
        self.selected: Runbook | None = self.runbooks[0] if self.runbooks else None
        self.fields: list[ParamField] = []
        self._shown_fields_of: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="declare-body", classes="modal-body") as box:
            box.border_title = "Declare an incident"
            box.border_subtitle = "ctrl+s declare · esc cancel"
            with Horizontal(id="declare-main"):
                options = [Option(runbook_prompt(rb, self.default_rto), id=rb.id) for rb in self.runbooks]
                runbook_list = OptionList(*options, id="declare-runbooks")
                runbook_list.border_title = "runbook"
                yield runbook_list
                with Vertical(id="declare-form"):
                    yield Static("Severity", classes="form-label")
                    yield Select(((s, s) for s in SEVERITIES), value="SEV2", allow_blank=False, id="declare-severity")
                    yield Static("Incident commander", classes="form-label")
                    yield TextInput(self.default_ic, id="declare-ic")
                    yield Checkbox("Drill (exercise against the simulator)", self.default_drill, id="declare-drill")
                    yield Static("Params (* = no default)", classes="form-label")
                    yield VerticalScroll(id="declare-params")
            yield Static("", id="declare-summary")
            with Horizontal(classes="modal-buttons"):
                yield Button("Declare", id="declare-ok", variant="error", disabled=self.selected is None)
                yield Button("Cancel", id="declare-cancel")

    async def on_mount(self) -> None:
        if self.problems:
            self.notify(fmt.line("; ".join(self.problems[:3])), title="Runbook files", severity="warning", timeout=8)
        if not self.runbooks:
            self.query_one("#declare-summary", Static).update("No runbooks found: see `nexus-tui validate`.")
            return
        runbook_list = self.query_one("#declare-runbooks", OptionList)
        runbook_list.highlighted = 0
        runbook_list.focus()
        await self._show_runbook(self.runbooks[0])

    @on(OptionList.OptionHighlighted, "#declare-runbooks")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        rb = next((r for r in self.runbooks if r.id == event.option.id), None)
        if rb is not None:
            await self._show_runbook(rb)

    @on(OptionList.OptionSelected, "#declare-runbooks")
    def _selected(self) -> None:
        self.query_one("#declare-severity", Select).focus()

    async def select_runbook(self, runbook_id: str) -> None:
        """Highlight a runbook by id (the same as moving the cursor onto it)."""
        index = [r.id for r in self.runbooks].index(runbook_id)
        self.query_one("#declare-runbooks", OptionList).highlighted = index
        await self._show_runbook(self.runbooks[index])

    async def _show_runbook(self, rb: Runbook) -> None:
        self.selected = rb
        if self._shown_fields_of == rb.id:
            return
        self._shown_fields_of = rb.id
        self.fields = param_fields(rb)
        box = self.query_one("#declare-params", VerticalScroll)
        await box.remove_children()
        await box.mount_all([_param_row(f) for f in self.fields])
        summary = Text(fmt.line(rb.title), style="bold")
        if rb.description:
            summary.append(f"\n{fmt.one_line(resolve_params(rb, {}).description, 220)}")
        open_names = [f.name for f in self.fields if f.required]
        if open_names:
            shown = fmt.line(", ".join(open_names))
            summary.append(f"\n* no default: {shown} (supply now, or later with p)", style="dim")
        self.query_one("#declare-summary", Static).update(summary)

    def request(self) -> DeclareRequest | None:
        rb = self.selected
        if rb is None:
            return None
        severity = self.query_one("#declare-severity", Select).value
        params: dict[str, str] = {}
        missing: list[str] = []
        for f in self.fields:
            value = self.query_one(f"#param-{f.name}", Input).value.strip()
            if f.required and not value:
                missing.append(f.name)
            elif value and value != f.value:
                params[f.name] = value
        return DeclareRequest(
            runbook_id=rb.id,
            severity=str(severity),
            ic=self.query_one("#declare-ic", Input).value.strip(),
            drill=self.query_one("#declare-drill", Checkbox).value,
            params=params,
            open_params=tuple(missing),
        )

    def action_declare(self) -> None:
        req = self.request()
        if req is None:
            return
        if not req.ic:
            self.notify("Name the incident commander", severity="warning", timeout=4)
            self.query_one("#declare-ic", Input).focus()
            return
        self.dismiss(req)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#declare-ok")
    def _ok(self) -> None:
        self.action_declare()

    @on(Button.Pressed, "#declare-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_declare()


class ParamsScreen(GuardedModal[dict[str, str] | None]):
    """Values for the params a running incident still lacks. Returns only the ones given."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]
    DEFAULT_CLASSES = "nexus-modal"

    def __init__(self, fields: Sequence[ParamField], *, title: str = "Supply params") -> None:
        super().__init__()
        self.fields = list(fields)
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body") as box:
            box.border_title = self._title
            yield Static("Values are journaled and substituted into every step that uses them.", classes="modal-prompt")
            with VerticalScroll(id="params-list"):
                for f in self.fields:
                    yield _param_row(f)
            with Horizontal(classes="modal-buttons"):
                yield Button("Save", id="params-ok", variant="primary")
                yield Button("Cancel", id="params-cancel")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#param-{self.fields[0].name}", Input).focus()

    def values(self) -> dict[str, str]:
        out = {}
        for f in self.fields:
            value = self.query_one(f"#param-{f.name}", Input).value.strip()
            if value and value != f.value:
                out[f.name] = value
        return out

    def action_save(self) -> None:
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#params-ok")
    @on(Input.Submitted)
    def _ok(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#params-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
