"""One line per region: reachable or not, the last error, and when it last answered."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from nexus_tui.domain.health import age_seconds
from nexus_tui.domain.models import DashboardSnapshot, RegionHealth, State
from nexus_tui.ui import format as fmt
from nexus_tui.ui.widgets.panel import View, unavailable_line


def region_state(region: RegionHealth) -> State:
    if region.reachable is None:
        return State.UNKNOWN
    return State.OK if region.reachable else State.CRITICAL


class RegionsBar(Static):
    def show(self, snapshot: DashboardSnapshot | None, view: View) -> None:
        p = view.palette
        if snapshot is None or not snapshot.regions:
            self.update(Text("Regions: waiting for the first poll…", style=p.unknown))
            self.set_state(State.UNKNOWN)
            return
        text = Text()
        for i, region in enumerate(snapshot.regions):
            if i:
                text.append("\n")
            state = region_state(region)
            style = p.state(state)
            if region.reachable is None:
                text.append("? ", style=style).append(region.name, style="bold").append("  unknown", style=style)
            elif region.reachable:
                text.append("● ", style=style).append(region.name, style="bold").append("  reachable", style=style)
                if region.latency_ms is not None:
                    text.append(f"  {region.latency_ms:.0f} ms", style="dim")
            else:
                text.append("✖ ", style=style).append(region.name, style="bold").append("  UNREACHABLE", style=style)
                healthy = age_seconds(region.last_ok_at, view.now)
                text.append(f"  last healthy {fmt.ago(healthy)}", style=p.warning)
            if region.error:
                text.append(f"  {fmt.one_line(region.error, 90)}", style="dim" if region.reachable else p.critical)
        for u in snapshot.unavailable:
            if u.panel == "regions":
                text.append(f"\n⚠ {unavailable_line(u)}", style=p.warning)
        self.update(text)
        states = [region_state(r) for r in snapshot.regions]
        self.set_state(max(states, key=lambda s: s.severity))

    def set_state(self, state: State) -> None:
        for s in State:
            self.set_class(s is state, f"-{s.value}")
