"""The wall's panes. Each renders part of a WallModel; none takes focus or reacts to keys (the wall is
read-only and needs no keypress). Every state is written as a word and a symbol as well as coloured, and
each widget keeps the plain text it shows (`last_text`) for tests and for screen readers."""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, ProgressBar, Static

from nexus_tui.domain.models import Datapoint, State
from nexus_tui.engine.slack_status import SlackStatus
from nexus_tui.engine.wall_view import IncidentWall, Readiness, mark
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.incident_clock import clock_text


def set_state_class(widget: Static | Vertical | Horizontal | Digits, state: State | None) -> None:
    for s in State:
        widget.set_class(s is state, f"-{s.value}")


class Line(Static):
    """A Static that remembers its plain text."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.last_text = ""
        self._shown: Text | str | None = None

    def show(self, text: Text | str) -> None:
        # The wall re-renders every second; most lines have not changed, and an update costs a repaint.
        if text == self._shown:
            return
        self._shown = text
        self.last_text = text.plain if isinstance(text, Text) else text
        self.update(text)


class BigNumber(Vertical):
    """A caption over a Digits: the incident clock, RTO remaining, the RPO exposure."""

    def __init__(self, caption: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="big-number")
        self.caption = caption
        self.last_text = ""

    def compose(self) -> ComposeResult:
        yield Line(classes="big-caption")
        yield Digits("--:--", classes="big-digits")

    def show(self, value: str, note: str, state: State | None) -> None:
        self.last_text = f"{self.caption} {value} {note}"
        self.query_one(".big-caption", Line).show(Text.assemble((self.caption, "bold"), f"  {note}"))
        self.query_one(".big-digits", Digits).update(value)
        set_state_class(self, state)


class StepPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Line(id="wall-step-title")
        yield Line(id="wall-step-timing")
        yield ProgressBar(show_eta=False, show_percentage=True, id="wall-progress")

    def show(self, inc: IncidentWall, p: Palette) -> None:
        title = Text()
        if inc.resolved or inc.step_title is None:
            title.append(f"ALL {inc.steps_total} STEPS FINISHED", style="bold")
            timing = Text(f"{inc.steps_done} of {inc.steps_total} done or skipped")
        else:
            title.append(f"STEP {inc.step_number} of {inc.steps_total}  ", style="bold")
            title.append(inc.step_title, style="bold")
            timing = Text()
            timing.append(f"owner {inc.step_owner or 'IC ' + inc.ic}   ")
            elapsed = clock_text(inc.step_elapsed_seconds)
            expected = clock_text(inc.step_expected_seconds)
            timing.append(f"{elapsed} of {expected} expected  ", style=Style(bold=True) + p.state(inc.step_state))
            word = {State.OK: "✔ on time", State.WARNING: "▲ OVER EXPECTED", State.CRITICAL: "✖ OVER 2x EXPECTED"}
            timing.append(word.get(inc.step_state, ""), style=p.state(inc.step_state))
            if inc.claim:
                timing.append(f"   ⚙ {inc.claim}", style=p.warning)
        self.query_one("#wall-step-title", Line).show(title)
        self.query_one("#wall-step-timing", Line).show(timing)
        self.query_one("#wall-progress", ProgressBar).update(total=max(inc.steps_total, 1), progress=inc.steps_done)
        set_state_class(self, None if inc.resolved else inc.step_state)


def state_text(state: State, p: Palette) -> Text:
    return Text(mark(state), style=Style(bold=True) + p.state(state))


def projection_text(inc: IncidentWall, p: Palette) -> Text:
    text = Text()
    text.append("Projected finish ", style="bold")
    text.append(clock_text(inc.projected_finish_seconds), style=Style(bold=True) + p.state(inc.projection_state))
    text.append(f" vs RTO {clock_text(inc.rto_target_seconds)}  ")
    if inc.projection_state is State.OK:
        text.append("✔ within RTO", style=p.ok)
    else:
        over = inc.projected_finish_seconds - inc.rto_target_seconds
        text.append(f"✖ BEYOND RTO by {clock_text(over)}", style=p.critical)
    return text


def rpo_text(r: Readiness, recorded: float | None, p: Palette) -> Text:
    text = Text("RPO exposure ", style="bold")
    if r.rpo_seconds is None:
        text.append("unknown", style=p.unknown)
    else:
        text.append(fmt.duration(r.rpo_seconds), style=Style(bold=True) + p.state(r.rpo_state))
    text.append(f" of {fmt.duration(r.rpo_target_seconds)} target  ")
    text.append_text(state_text(r.rpo_state, p))
    if recorded is not None:
        text.append(f"   recorded: {fmt.duration(recorded)}")
    return text


SLACK_SYMBOL = {State.OK: "✔", State.WARNING: "▲", State.CRITICAL: "✖", State.UNKNOWN: "·"}


def slack_text(slack: SlackStatus, p: Palette) -> Text:
    """The followed incident's Slack delivery: "▲ Slack: 3 queued, down since 03:12". Not configured is quiet
    (dim): nothing is being sent, and that is a choice, not an outage."""
    line = f"{SLACK_SYMBOL[slack.state]} {slack.text}"
    if slack.state is State.UNKNOWN:
        return cropped(Text(line, style="dim"))
    return cropped(Text(line, style=Style(bold=True) + p.state(slack.state)))


def _spark(values: tuple[float, ...], now: datetime, width: int) -> str:
    return fmt.sparkline([Datapoint(now, v) for v in values], width=width, floor_max=1.0)


def cropped(text: Text) -> Text:
    """Lines are cut, never wrapped: a wrapped line on a wall reads as two rows of data."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def pairs_text(r: Readiness, p: Palette, now: datetime, width: int = 60) -> Text:
    """One row per pair: state word, name, lag, sparkline. The name takes what the others leave."""
    spark_width = 16 if width >= 70 else 10 if width >= 50 else 0
    name_width = max(10, width - 10 - 9 - spark_width - 1)
    text = cropped(Text("REPLICATION LAG", style="bold"))
    if not r.pairs:
        text.append("\n? no readiness data yet" if r.generated_at is None else "\nno replicated resources found")
        return text
    for pair in r.pairs:
        lag = "stopped" if pair.stopped else "n/a" if pair.lag_seconds is None else fmt.duration(pair.lag_seconds)
        style = p.state(pair.state)
        text.append("\n")
        text.append(f"{mark(pair.state):<10}", style=Style(bold=True) + style)
        text.append(f"{fmt.squeeze(pair.name, name_width):<{name_width}} ")
        text.append(f"{lag:>7} ", style=Style(bold=True) + style)
        if spark_width:
            text.append(_spark(pair.history, now, spark_width), style=style)
    return text


def regions_text(r: Readiness, p: Palette, polling: bool = True) -> Text:
    text = Text("REGIONS ", style="bold")
    if not polling:
        text.append("? not polled: this wall follows the journal only (--no-aws)", style=p.unknown)
    elif not r.regions:
        text.append("waiting for the first poll…", style=p.unknown)
    for region in r.regions:
        symbol = {State.OK: "●", State.CRITICAL: "✖"}.get(region.state, "?")
        text.append(f"  {symbol} {region.name} ", style=Style(bold=True) + p.state(region.state))
        text.append(region.word, style=p.state(region.state))
    if r.alarms_firing:
        text.append(f"   ✖ {r.alarms_firing} alarm(s) firing", style=p.critical)
    if r.endpoints_down:
        text.append(f"   ✖ {r.endpoints_down} endpoint(s) down", style=p.critical)
    return text


def signals_text(r: Readiness, p: Palette) -> Text:
    """Alarms, endpoints and what could not be read: the things that are not a replication pair."""
    text = cropped(Text("SIGNALS", style="bold"))
    text.append("\n")
    text.append_text(
        Text(f"✖ {r.alarms_firing} alarm(s) firing", style=p.critical)
        if r.alarms_firing
        else Text("✔ no alarm firing", style=p.ok)
    )
    text.append("\n")
    text.append_text(
        Text(f"✖ {r.endpoints_down} endpoint(s) down", style=p.critical)
        if r.endpoints_down
        else Text("✔ no endpoint down", style=p.ok)
    )
    for problem in r.problems[:4]:
        text.append(f"\n? {fmt.one_line(problem, 80)}", style=p.unknown)
    return text


def timeline_text(inc: IncidentWall) -> Text:
    text = cropped(Text("TIMELINE", style="bold"))
    for line in reversed(inc.timeline):
        text.append(f"\n{line.at:%H:%M:%S} ", style="dim")
        text.append(f"{line.actor}: ", style="bold")
        text.append(fmt.one_line(line.text, 70))
    return text
