"""Top line: RPO exposure against target, RTO target, overall state, refresh status, clock, and the slot
where the incident clock goes once an incident is declared."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from nexus_tui.domain.health import RpoExposure, age_seconds, overall_state, rpo_exposure
from nexus_tui.domain.models import DashboardSnapshot, State
from nexus_tui.ui import format as fmt
from nexus_tui.ui.widgets.panel import STATE_LABEL, View

INCIDENT_SLOT_ID = "incident-slot"


class StatusHeader(Horizontal):
    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._computed: tuple[object, int, RpoExposure, State] | None = None

    # With 1,000 rows, rpo_exposure + overall_state cost ~20 ms: redo them when the snapshot changes and
    # every few seconds of clock time (staleness creeps in slowly), not on every 1 s tick.
    RECOMPUTE_SECONDS = 5

    def _evaluate(self, snapshot: DashboardSnapshot, view: View) -> tuple[RpoExposure, State]:
        bucket = int(view.now.timestamp() // self.RECOMPUTE_SECONDS)
        cached = self._computed
        if cached is not None and cached[0] is snapshot and cached[1] == bucket:
            return cached[2], cached[3]
        exposure = rpo_exposure(snapshot, view.settings, view.now)
        overall = overall_state(snapshot, view.settings, view.now)
        self._computed = (snapshot, bucket, exposure, overall)
        return exposure, overall

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="brand")
        yield Static("RPO —", id="rpo")
        yield Static("RTO —", id="rto")
        yield Static("? waiting for data", id="overall")
        # Empty until an incident is running; the incident feature mounts its clock widget in here.
        yield Horizontal(id=INCIDENT_SLOT_ID)
        yield Static("", id="refresh-status")
        yield Static("", id="clock")

    def show(self, snapshot: DashboardSnapshot | None, view: View, *, polling: bool, last_error: str | None) -> None:
        p = view.palette
        targets = view.settings.targets
        self.query_one("#clock", Static).update(fmt.clock(view.now))
        self.query_one("#rto", Static).update(f"RTO target {fmt.duration(targets.rto_seconds)}")
        status = self.query_one("#refresh-status", Static)
        if snapshot is None:
            waiting = Text("⟳ first poll…" if polling else "no data", style=p.unknown)
            if last_error:
                waiting.append(" poll failed", style=p.critical)
            status.update(waiting)
            return
        exposure, overall = self._evaluate(snapshot, view)
        rpo = Text("RPO ")
        rpo.append(fmt.duration(exposure.exposure_seconds), style=p.state(exposure.state))
        rpo.append(f" / {fmt.duration(exposure.target_seconds)}")
        # While an incident clock fills the slot (class -incident) the header is short of room.
        if exposure.worst_source is not None and not self.has_class("-incident"):
            rpo.append(f" ({exposure.worst_source.what})", style="dim")
        self.query_one("#rpo", Static).update(rpo)

        widget = self.query_one("#overall", Static)
        widget.update(STATE_LABEL[overall].upper() if overall is State.CRITICAL else STATE_LABEL[overall])
        for s in State:
            widget.set_class(s is overall, f"-{s.value}")

        age = age_seconds(snapshot.generated_at, view.now)
        line = Text(
            f"updated {fmt.ago(age)}",
            style=p.stale if age and age > view.settings.thresholds.stale_after_seconds else "",
        )
        if polling:
            line.append(" ⟳", style="bold")
        if last_error:
            line.append(" poll failed", style=p.critical)
        status.update(line)
