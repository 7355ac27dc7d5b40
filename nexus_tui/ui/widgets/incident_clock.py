"""The incident clock: time since declaration against the RTO, the current step against its estimate, the
projected finish, and who should be engaged now. Compact (one line, in the dashboard header) or big (the
runbook screen). It renders an IncidentView; the caller recomputes that every second from the folded state,
so ticking never touches the journal."""

from __future__ import annotations

from typing import Literal

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Digits, Static

from nexus_tui.domain.escalation import Escalation
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette

Level = Literal["ok", "amber", "red"]
LEVELS: tuple[Level, ...] = ("ok", "amber", "red")


def clock_text(seconds: float | None) -> str:
    """12:03, 1:02:03, -3:10 (past a target): a clock an IC reads at a glance, not a duration."""
    if seconds is None:
        return "--:--"
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def escalation_text(esc: Escalation) -> str:
    """'engage now: Team lead (next: Engineering manager in 4m)'."""
    now = fmt.line(esc.current.who) if esc.current is not None else "nobody yet"
    text = f"engage now: {now}"
    if esc.next is not None:
        text += f" (next: {fmt.line(esc.next.who)} in {fmt.duration(esc.next_in_seconds)})"
    return text


def rto_level(view: IncidentView) -> Level:
    t = view.timers
    if t.rto_breached:
        return "red"
    return "amber" if t.projection_exceeds_rto else "ok"


def step_level(view: IncidentView) -> Level:
    timing = view.timers.step_timing
    return "red" if timing == "red" else "amber" if timing == "amber" else "ok"


def _style(p: Palette, level: Level) -> Style:
    return {"ok": p.ok, "amber": p.warning, "red": p.critical}[level]


def _set_level(widget: Static | Digits | Horizontal, level: Level | None) -> None:
    for lv in LEVELS:
        widget.set_class(lv == level, f"-{lv}")


class IncidentClock(Horizontal):
    """Mounted in the header slot (compact=True) and at the top of the runbook screen."""

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:
        super().__init__(id=id, classes="incident-clock -compact" if compact else "incident-clock -big")
        self.compact = compact
        self.last_text = ""  # the plain text shown, for tests and screen readers
        self._pending: tuple[IncidentView | None, Palette] | None = None
        self._composed = False

    def compose(self) -> ComposeResult:
        if self.compact:
            yield Static("", classes="ic-line")
        else:
            yield Digits("0:00", classes="ic-digits")
            yield Static("", classes="ic-lines")

    def on_mount(self) -> None:
        self._composed = True
        if self._pending is not None:
            self.show(*self._pending)

    def show(self, view: IncidentView | None, palette: Palette) -> None:
        # The one-second tick can arrive while the children are not there (just mounted, or being removed
        # and remounted with the header): keep the view and render once they exist, never raise.
        if not self._composed or not self.query(".ic-line" if self.compact else ".ic-lines"):
            self._pending = (view, palette)
            return
        if view is None:
            self.display = False
            return
        self.display = True
        rto, step = rto_level(view), step_level(view)
        _set_level(self, "red" if "red" in (rto, step) else "amber" if "amber" in (rto, step) else "ok")
        text = self._compact(view, palette, rto, step) if self.compact else self._big(view, palette, rto, step)
        self.last_text = text.plain
        if self.compact:
            self.query_one(".ic-line", Static).update(text)
            return
        digits = self.query_one(".ic-digits", Digits)
        digits.update(clock_text(view.timers.elapsed_seconds))
        _set_level(digits, None if view.state.resolved else rto)
        self.query_one(".ic-lines", Static).update(text)

    def _compact(self, view: IncidentView, p: Palette, rto: Level, step: Level) -> Text:
        t = view.timers
        text = Text("⏱ ", style="bold")
        if view.state.resolved:
            text.append(f"{view.state.id} resolved in {clock_text(t.elapsed_seconds)}", style=p.ok)
            return text
        text.append(clock_text(t.elapsed_seconds), style=Style(bold=True) + _style(p, rto))
        left = "RTO BREACHED" if t.rto_breached else f"RTO {clock_text(t.rto_remaining_seconds)} left"
        text.append(f" · {left}", style=_style(p, rto))
        if t.step_elapsed_seconds is not None:
            text.append(" · step ")
            text.append(
                f"{clock_text(t.step_elapsed_seconds)}/{clock_text(t.step_expected_seconds)}", style=_style(p, step)
            )
        return text

    def _big(self, view: IncidentView, p: Palette, rto: Level, step: Level) -> Text:
        t, state = view.timers, view.state
        text = Text()
        text.append("RTO ", style="bold").append(clock_text(t.rto_target_seconds))
        if state.resolved:
            text.append(f"   resolved after {clock_text(t.elapsed_seconds)}", style=p.ok)
            if t.rto_breached:
                text.append(f" (RTO exceeded by {clock_text(-t.rto_remaining_seconds)})", style=p.critical)
            text.append(f"\nall {len(state.steps)} steps finished; {state.done_count} done or skipped")
            text.append("\nescalation stopped", style="dim")
            return text
        if t.rto_breached:
            text.append(f"   BREACHED {clock_text(-t.rto_remaining_seconds)} ago", style=_style(p, "red"))
        else:
            text.append(f"   {clock_text(t.rto_remaining_seconds)} left", style=_style(p, rto))
        current = state.current_step
        if current is not None and t.step_elapsed_seconds is not None:
            text.append(f"      Step {current.index + 1}/{len(state.steps)} ", style="bold")
            text.append(f"{fmt.line(current.id)} ")
            text.append(
                f"{clock_text(t.step_elapsed_seconds)} / {clock_text(t.step_expected_seconds)}",
                style=Style(bold=True) + _style(p, step),
            )
            if step == "red":
                text.append("  over twice the expected time", style=p.critical)
            elif step == "amber":
                text.append("  over expected", style=p.warning)
        text.append("\nProjected finish ", style="bold")
        text.append(
            f"{clock_text(t.projected_finish_seconds)} ({fmt.clock(t.projected_finish_at)})",
            style=_style(p, "red" if t.projection_exceeds_rto else "ok"),
        )
        if t.projection_exceeds_rto:
            over = t.projected_finish_seconds - t.rto_target_seconds
            text.append(f"  ▲ beyond the RTO by {clock_text(over)}", style=p.critical)
        else:
            text.append(f"  within RTO ({clock_text(t.rto_target_seconds - t.projected_finish_seconds)} spare)")
            if t.projection_crosses_rto_at is not None:
                text.append(f", crosses it at {fmt.clock(t.projection_crosses_rto_at)}", style="dim")
        text.append("\n")
        text.append(escalation_text(view.escalation), style="bold")
        return text
