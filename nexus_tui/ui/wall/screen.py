"""The wall's one screen: the incident in large type when one is open, the readiness dashboard in the same
large style when none is. Both panes are composed once and shown or hidden, so switching is instant and
nothing is remounted while the feed is running."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from nexus_tui.domain.models import State
from nexus_tui.engine.wall_view import WallModel, mark
from nexus_tui.ui import format as fmt
from nexus_tui.ui.min_size import SizeGuardedScreen
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.wall.widgets import (
    BigNumber,
    Line,
    StepPanel,
    pairs_text,
    projection_text,
    regions_text,
    rpo_text,
    set_state_class,
    signals_text,
    slack_text,
    state_text,
    timeline_text,
)
from nexus_tui.ui.widgets.incident_clock import clock_text


class WallScreen(SizeGuardedScreen[None]):
    """Below 80x24 it shows the enlarge notice every screen shows, instead of a cropped wall. Everything
    else sits in #wall-body: the panes' display is set as data arrives, which would override the notice's
    rule if they were the screen's own children."""

    def on_resize(self) -> None:
        # Rows are cut to the width their box got from layout: render again once it is known or changes.
        render = getattr(self.app, "render_wall", None)
        if callable(render):
            self.call_after_refresh(render)

    def __init__(self, mode: str = "wall") -> None:
        super().__init__(id="wall")
        self.mode = mode  # "wall": incident when open, else readiness; "dashboard": readiness only
        self.polling = True  # False: no DashboardSource (journal only); said on the wall, not left "waiting"
        self.ready = False  # children composed: data arriving before that is rendered on mount

    def compose(self) -> ComposeResult:
        with Vertical(id="wall-body"):
            yield Line(id="wall-drill")
            yield Line(id="wall-banner")
            with Vertical(id="wall-incident"):
                with Horizontal(id="wall-clocks"):
                    yield BigNumber("INCIDENT CLOCK", id="wall-elapsed")
                    yield BigNumber("RTO REMAINING", id="wall-rto")
                yield StepPanel(id="wall-step")
                yield Line(id="wall-projection")
                yield Line(id="wall-rpo")
                yield Line(id="wall-slack")
                with Horizontal(id="wall-lower"):
                    yield Line(id="wall-pairs", classes="wall-box")
                    yield Line(id="wall-timeline", classes="wall-box")
            with Vertical(id="wall-readiness"):
                with Horizontal(id="wall-ready-top"):
                    yield BigNumber("RPO EXPOSURE", id="wall-ready-rpo")
                    yield Line(id="wall-ready-overall")
                with Horizontal(id="wall-ready-lower"):
                    yield Line(id="wall-ready-pairs", classes="wall-box")
                    yield Line(id="wall-ready-signals", classes="wall-box")
            yield Line(id="wall-regions")
            yield Line(id="wall-problem")

    def on_mount(self) -> None:
        self.ready = True
        render = getattr(self.app, "render_wall", None)
        if render is not None:
            render()

    def on_unmount(self) -> None:
        self.ready = False

    def show(self, model: WallModel, palette: Palette, now: datetime, problem: str | None) -> None:
        inc = model.incident if self.mode == "wall" else None
        r = model.readiness
        drill = self.query_one("#wall-drill", Line)
        drill.display = inc is not None and inc.drill
        if drill.display:
            drill.show("▓▓ DRILL ▓▓  THIS IS AN EXERCISE, NOT A REAL INCIDENT  ▓▓ DRILL ▓▓")
        self.query_one("#wall-incident").display = inc is not None
        self.query_one("#wall-readiness").display = inc is None
        banner = self.query_one("#wall-banner", Line)
        if inc is not None:
            text = Text()
            if inc.drill:
                text.append("DRILL ", style="bold reverse")
            text.append(f"{inc.severity} {inc.id}", style="bold")
            text.append(f"  {inc.title}  ·  IC {inc.ic}")
            text.append("  ·  RESOLVED" if inc.resolved else "  ·  OPEN", style="bold")
            banner.show(text)
            self._incident(model, palette, now)
        else:
            title = "READINESS DASHBOARD" if self.mode == "dashboard" else "NO OPEN INCIDENT  ·  DR READINESS"
            banner.show(Text(title, style="bold"))
            self._readiness(model, palette, now)
        self.set_class(inc is not None and inc.drill, "-drill")
        regions = self.query_one("#wall-regions", Line)
        regions.show(regions_text(r, palette, self.polling))
        line = self.query_one("#wall-problem", Line)
        line.display = problem is not None
        if problem is not None:
            line.show(Text(f"⚠ {problem}", style=palette.warning))

    def _incident(self, model: WallModel, p: Palette, now: datetime) -> None:
        inc = model.incident
        assert inc is not None
        elapsed_note = "resolved" if inc.resolved else f"RTO target {clock_text(inc.rto_target_seconds)}"
        # Both from the same whole second, so elapsed + remaining always add up to the target on the wall.
        elapsed = float(int(inc.elapsed_seconds))
        self.query_one("#wall-elapsed", BigNumber).show(clock_text(elapsed), elapsed_note, None)
        if inc.rto_state is State.CRITICAL:
            note = "✖ RTO BREACHED"
        elif inc.rto_state is State.WARNING:
            note = "▲ projection beyond RTO"
        else:
            note = "✔ on track"
        remaining = inc.rto_target_seconds - elapsed
        self.query_one("#wall-rto", BigNumber).show(clock_text(remaining), note, inc.rto_state)
        self.query_one("#wall-step", StepPanel).show(inc, p)
        self.query_one("#wall-projection", Line).show(projection_text(inc, p))
        self.query_one("#wall-rpo", Line).show(rpo_text(model.readiness, inc.rpo_recorded_seconds, p))
        slack = self.query_one("#wall-slack", Line)
        slack.display = model.slack is not None
        if model.slack is not None:
            slack.show(slack_text(model.slack, p))
            set_state_class(slack, model.slack.state)
        pairs = self.query_one("#wall-pairs", Line)
        pairs.show(pairs_text(model.readiness, p, now, width=pairs.content_size.width or 56))
        self.query_one("#wall-timeline", Line).show(timeline_text(inc))

    def _readiness(self, model: WallModel, p: Palette, now: datetime) -> None:
        r = model.readiness
        value = "--:--" if r.rpo_seconds is None else clock_text(r.rpo_seconds)
        ago = "" if r.rpo_seconds is None else f"{fmt.duration(r.rpo_seconds)} · "
        note = f"{ago}{mark(r.rpo_state)} · target {fmt.duration(r.rpo_target_seconds)}"
        self.query_one("#wall-ready-rpo", BigNumber).show(value, note, r.rpo_state)
        overall = Text("OVERALL  ", style="bold")
        overall.append_text(state_text(r.overall, p))
        if r.generated_at is not None:
            overall.append(f"\nas of {fmt.clock(r.generated_at)}", style="dim")
        if r.rpo_source:
            overall.append(f"\nworst: {fmt.one_line(r.rpo_source, 50)}", style="dim")
        for problem in r.problems[:2]:
            overall.append(f"\n⚠ {fmt.one_line(problem, 60)}", style=p.warning)
        box = self.query_one("#wall-ready-overall", Line)
        box.show(overall)
        set_state_class(box, r.overall)
        pairs = self.query_one("#wall-ready-pairs", Line)
        pairs.show(pairs_text(r, p, now, width=pairs.content_size.width or 56))
        self.query_one("#wall-ready-signals", Line).show(signals_text(r, p))
