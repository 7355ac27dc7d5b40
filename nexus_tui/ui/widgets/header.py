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
        self._shown_title = title
        # What the title may shrink to (see _fit): without a trailing "(...)" hint, then "NEXUS DR · DRILL".
        head, sep, _ = title.rpartition(" (")
        short = head if sep and title.endswith(")") else title
        name, dot, rest = short.partition(" · ")
        tiny = f"{name}{dot}{rest.split()[0]}" if dot and rest.split() else short
        self._titles = (title, short, tiny)
        self._computed: tuple[object, int, RpoExposure, State] | None = None

    # With 1,000 rows, rpo_exposure + overall_state cost ~20 ms: redo them when the snapshot changes and
    # every few seconds of clock time (staleness creeps in slowly), not on every 1 s tick.
    RECOMPUTE_SECONDS = 5
    STATUS_RESERVE = len("updated 59s ago ⟳")

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
        rto_text = f"RTO target {fmt.duration(targets.rto_seconds)}"
        self.query_one("#rto", Static).update(rto_text)
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
        label = STATE_LABEL[overall].upper() if overall is State.CRITICAL else STATE_LABEL[overall]
        age = age_seconds(snapshot.generated_at, view.now)
        line = Text(
            f"updated {fmt.ago(age)}",
            style=p.stale if age and age > view.settings.thresholds.stale_after_seconds else "",
        )
        if polling:
            line.append(" ⟳", style="bold")
        if last_error:
            line.append(" poll failed", style=p.critical)
        reason = f" ({exposure.worst_source.what})" if exposure.worst_source is not None else ""
        if self.has_class("-incident"):  # an incident clock fills the slot: the header is short of room
            reason = ""
        widths = (rpo.cell_len, len(rto_text), len(label), line.cell_len)
        rpo.append(self._fit(widths, reason), style="dim")
        self.query_one("#rpo", Static).update(rpo)
        widget = self.query_one("#overall", Static)
        widget.update(label)
        for s in State:
            widget.set_class(s is overall, f"-{s.value}")
        status.update(line)

    def _fit(self, widths: tuple[int, int, int, int], reason: str) -> str:
        """Make the line fit before the refresh status docked on the right, so the overall state is never
        under it. What gives way, in order: the RPO reason in brackets (cut, then left out), the RTO target
        (the runbook screen and the wall show it too), the title's trailing "(...)" hint (a drill's), then
        all of the title but its first word after " · " ("NEXUS DR · DRILL" stays, on any width). Returns
        the reason as it fits; hides or shortens the others. `widths`: the texts about to be shown (RPO
        without its reason, RTO target, overall state, refresh status); the refresh status is counted at no
        less than STATUS_RESERVE so the line does not change shape as "updated 9s ago" turns "10s ago ⟳"."""
        rpo_len, rto_len, overall_len, status_len = widths
        brand, rto = self.query_one("#brand", Static), self.query_one("#rto", Static)
        if not self.region.width:  # before the first layout: everything, the next tick fits it
            return reason
        clock = self.query_one("#clock", Static).outer_size.width  # the status docks left of it (app.tcss)
        right = self.size.width - clock - (max(status_len, self.STATUS_RESERVE) + 2) - 1
        after = (overall_len + 2) + self.query_one(f"#{INCIDENT_SLOT_ID}").outer_size.width
        rto_width = 0 if self.has_class("-incident") else rto_len + 2  # an incident hides it (runbook.tcss)

        def room(title: str, with_rto: bool) -> int:
            return right - (len(title) + 2) - (rpo_len + 2) - (rto_width if with_rto else 0) - after

        title, with_rto = self._title, True
        if room(title, True) < 0:
            with_rto = False
            for title in self._titles:
                if room(title, False) >= 0:
                    break
        if title != self._shown_title:
            self._shown_title = title
            brand.update(title)
        rto.set_class(not with_rto, "-squeezed")
        spare = room(title, with_rto)
        if len(reason) <= spare:
            return reason
        return f" ({fmt.one_line(reason[2:-1], spare - 3)})" if spare - 3 >= 12 else ""
