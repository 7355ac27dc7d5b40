"""Alarms strip: CloudWatch alarms firing, the plan's alarms per resource (present and their state, or missing),
the plan's controls that differ, and the application's health endpoints."""

from __future__ import annotations

from nexus_tui.domain.health import age_seconds
from nexus_tui.domain.models import DashboardSnapshot, State, worst
from nexus_tui.domain.plan import Plan
from nexus_tui.domain.readiness import Readiness, readiness
from nexus_tui.ui import format as fmt
from nexus_tui.ui.widgets.panel import Panel, View, cell
from nexus_tui.ui.widgets.table import Row

ENDPOINT_STATE = {"up": State.OK, "down": State.CRITICAL, "unknown": State.UNKNOWN}
ENDPOINT_LABEL = {"up": "● up", "down": "✖ DOWN", "unknown": "? unknown"}
COVERAGE = {
    "OK": ("● ok", State.OK),
    "INSUFFICIENT_DATA": ("? no data", State.UNKNOWN),
    "MISSING": ("▲ missing", State.WARNING),
    "UNKNOWN": ("? unknown", State.UNKNOWN),
}


class AlarmsPanel(Panel):
    TITLE = "Alarms & health"
    COLUMNS = (
        ("state", "State", 10),
        ("what", "What", None),
        ("name", "Name", 34),
        ("where", "Region / URL", 40),
        ("detail", "Detail", 30),
        ("age", "Age", 4),
    )
    UNAVAILABLE_PANELS = ("alarms", "health")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._readiness: tuple[DashboardSnapshot, Plan, Readiness] | None = None

    def _plan_readiness(self, snapshot: DashboardSnapshot, view: View) -> Readiness:
        # The plan from the config's [expect] table when the view carries one, else the seed-000 defaults.
        plan = view.plan or Plan()
        cached = self._readiness
        if cached is not None and cached[0] is snapshot and cached[1] == plan:
            return cached[2]
        ready = readiness(snapshot, plan)
        self._readiness = (snapshot, plan, ready)
        return ready

    def build(self, snapshot: DashboardSnapshot, view: View) -> tuple[list[Row], dict[str, str], State, str, list[str]]:
        p = view.palette
        rows: list[Row] = []
        details: dict[str, str] = {}
        states: list[State] = []
        firing = [a for a in snapshot.alarms if a.state == "ALARM"]
        for a in firing:
            key = f"alarm:{a.region}:{a.name}"
            target = " ".join(x for x in (a.metric, a.resource) if x)
            cells = (
                cell("✖ ALARM", p.critical),
                cell("alarm", None),
                cell(a.name, None),
                cell(a.region, None),
                cell(fmt.one_line(target or a.reason, 30), None),
                cell(fmt.short_age(age_seconds(a.updated_at, view.now)), None),
            )
            rows.append(Row(key, cells, f"alarm {a.name} {a.region} {target} {a.reason or ''}".lower()))
            details[key] = f"{a.name} ({a.region}): {fmt.one_line(a.reason, 200) or 'no reason given'}"
            states.append(State.CRITICAL)
        ready = self._plan_readiness(snapshot, view)
        for c in ready.coverage:
            if c.state == "ALARM":
                continue  # listed above as firing
            label, state = COVERAGE.get(c.state, ("? " + c.state.lower(), State.UNKNOWN))
            key = f"plan:{c.rule}:{c.region}:{c.resource}"
            cells = (
                cell(label, p.state(state)),
                cell("plan alarm", None),
                cell(c.alarm or c.rule, None),
                cell(c.region, None),
                cell(fmt.one_line(f"{c.rule} · {c.resource}", 30), None),
                cell("", None),
            )
            rows.append(Row(key, cells, f"plan alarm {c.rule} {c.resource} {c.region} {c.state}".lower()))
            details[key] = f"{c.rule} for {c.resource} ({c.region}): {c.state} · plan {c.expected}"
            states.append(state)
        for i, d in enumerate(ready.deviations):
            if d.setting.startswith("alarm "):
                continue  # a missing alarm has its own row above
            key = f"control:{i}:{d.region}:{d.resource}:{d.setting}"
            cells = (
                cell("▲ differs", p.warning),
                cell("control", None),
                cell(d.setting, None),
                cell(f"{d.resource} ({d.region})", None),
                cell(fmt.one_line(f"{d.actual} (plan {d.plan})", 30), p.warning),
                cell("", None),
            )
            rows.append(Row(key, cells, f"control {d.setting} {d.resource} {d.region} {d.actual}".lower()))
            details[key] = d.line()
            states.append(State.WARNING)
        for e in snapshot.endpoints:
            key = f"endpoint:{e.name}"
            state = ENDPOINT_STATE.get(e.status, State.UNKNOWN)
            states.append(state)
            if e.error:
                detail = fmt.one_line(e.error, 30)
            else:
                http = f"HTTP {e.http_status}" if e.http_status is not None else ""
                latency = f"{e.latency_ms:.0f} ms" if e.latency_ms is not None else ""
                detail = " · ".join(x for x in (http, latency) if x)
            cells = (
                cell(ENDPOINT_LABEL.get(e.status, e.status), p.state(state)),
                cell("endpoint", None),
                cell(e.name, None),
                cell(e.url, None),
                cell(detail, p.critical if e.error else None),
                cell(fmt.short_age(age_seconds(e.checked_at, view.now)), None),
            )
            rows.append(Row(key, cells, f"endpoint {e.name} {e.url} {e.status} {e.error or ''}".lower()))
            details[key] = f"{e.name} {e.url}: {e.status}" + (f" · {fmt.one_line(e.error, 200)}" if e.error else "")
        up = sum(1 for e in snapshot.endpoints if e.status == "up")
        present = sum(1 for c in ready.coverage if not c.missing)
        summary = (
            f"{len(firing)} in ALARM of {len(snapshot.alarms)} · plan alarms {present}/{len(ready.coverage)}"
            f" · {len(ready.deviations)} deviations · endpoints {up}/{len(snapshot.endpoints)} up"
        )
        return rows, details, worst(states) if states else State.OK, summary, []
