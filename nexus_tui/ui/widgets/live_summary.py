"""The dashboard in a few lines, beside the runbook: RPO exposure, regions and replication states, so the IC
walking a failover still sees the lag a promotion depends on without leaving the runbook."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from nexus_tui.domain.health import age_seconds, replication_state, rpo_exposure
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.ui import format as fmt
from nexus_tui.ui.widgets.panel import STATE_LABEL, View
from nexus_tui.ui.widgets.regions import region_state

MAX_PAIRS = 8
KIND = {"rds": "RDS", "s3": "S3", "secret": "Secret"}


class LiveSummary(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="live-summary")
        self.border_title = "live"

    def show(self, snapshot: DashboardSnapshot | None, view: View) -> None:
        p = view.palette
        if snapshot is None:
            self.update(Text("waiting for the first poll…", style=p.unknown))
            return
        exposure = rpo_exposure(snapshot, view.settings, view.now)
        text = Text("RPO exposure ", style="bold")
        text.append(fmt.duration(exposure.exposure_seconds), style=p.state(exposure.state))
        text.append(f" / {fmt.duration(exposure.target_seconds)}")
        if exposure.worst_source is not None:
            text.append(f"\n  {fmt.one_line(exposure.worst_source.what, 40)}", style="dim")
        for region in snapshot.regions:
            state = region_state(region)
            if region.reachable is None:
                word = "unknown"
            elif region.reachable:
                word = "reachable"
            else:
                word = f"UNREACHABLE (ok {fmt.ago(age_seconds(region.last_ok_at, view.now))})"
            text.append("\n").append(f"{STATE_LABEL[state][0]} {region.name} ", style="bold")
            text.append(word, style=p.state(state))
        for pair in snapshot.replication[:MAX_PAIRS]:
            state = replication_state(pair, view.now, view.settings.thresholds)
            text.append("\n").append(f"{STATE_LABEL[state][0]} ", style=p.state(state))
            text.append(f"{KIND.get(pair.kind, pair.kind)} {fmt.squeeze(pair.label or pair.target, 26)} ")
            if pair.lag_seconds is not None and pair.lag_seconds >= 0:
                text.append(f"lag {fmt.duration(pair.lag_seconds)}", style=p.state(state))
            else:
                text.append(pair.status, style=p.state(state))
            if pair.stale:
                text.append(" STALE", style=p.stale)
        if len(snapshot.replication) > MAX_PAIRS:
            text.append(f"\n  +{len(snapshot.replication) - MAX_PAIRS} more on the dashboard (esc)", style="dim")
        text.append(f"\nupdated {fmt.ago(age_seconds(snapshot.generated_at, view.now))}", style="dim")
        self.update(text)
