"""Alarms strip: CloudWatch alarms firing, and the application's health endpoints."""

from __future__ import annotations

from nexus_tui.domain.health import age_seconds
from nexus_tui.domain.models import DashboardSnapshot, State, worst
from nexus_tui.ui import format as fmt
from nexus_tui.ui.widgets.panel import Panel, View, cell
from nexus_tui.ui.widgets.table import Row

ENDPOINT_STATE = {"up": State.OK, "down": State.CRITICAL, "unknown": State.UNKNOWN}
ENDPOINT_LABEL = {"up": "● up", "down": "✖ DOWN", "unknown": "? unknown"}


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
        summary = f"{len(firing)} in ALARM of {len(snapshot.alarms)} · endpoints {up}/{len(snapshot.endpoints)} up"
        return rows, details, worst(states) if states else State.OK, summary, []
