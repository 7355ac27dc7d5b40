"""Alarms strip: CloudWatch alarms firing, the plan's alarms per resource (present and their state, or missing),
the plan's controls that differ, and the application's health endpoints."""

from __future__ import annotations

from dataclasses import dataclass

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
    # The columns that take what the row has left, and how narrow each may get (see _fit).
    FLEX_LEAST = {"name": 16, "where": 12, "detail": 24}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._readiness: tuple[DashboardSnapshot, Plan, Readiness] | None = None
        self.widths = {key: width or 0 for key, _, width in self.COLUMNS if key in self.FLEX_LEAST}
        self._longest = dict.fromkeys(self.FLEX_LEAST, 0)  # from the last build, uncut
        self._others = 0  # the other columns' widths, from the last build
        self._last: tuple[DashboardSnapshot, View] | None = None

    def show(self, snapshot: DashboardSnapshot, view: View) -> None:
        self._last = (snapshot, view)
        super().show(snapshot, view)
        if self._fit(len(self.table.shown_keys)):
            super().show(snapshot, view)  # cut for the old widths
        for key, width in self.widths.items():
            self.table.set_width(key, width)

    def on_resize(self) -> None:
        if self._last is not None and self._fit(len(self.table.shown_keys)):
            self.show(*self._last)

    def _fit(self, rows: int) -> bool:
        """Names, places and details get what the row has left once the other columns have their content's
        width; the widest give way first. Returns whether any width changed."""
        room = self.room_left(rows, self._others)
        widths = fmt.fit_widths(self._longest, room, self.FLEX_LEAST, yield_first=("detail",))
        changed = widths != self.widths
        self.widths = widths
        return changed

    def _cells(self, texts: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """Each row's name, place and detail cut to the columns' widths: names where they repeat each other,
        places (URLs) in the middle, details (prose) at the end."""
        self._longest = {
            key: max((len(t[i]) for t in texts), default=0) for i, key in enumerate(("name", "where", "detail"))
        }
        ends = fmt.repeated_ends(t[0] for t in texts)
        w = self.widths
        return [
            (fmt.squeeze_apart(n, w["name"], ends[n]), fmt.squeeze(u, w["where"]), fmt.one_line(d, w["detail"]))
            for n, u, d in texts
        ]

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
        drafts: list[_Draft] = []
        details: dict[str, str] = {}
        firing = [a for a in snapshot.alarms if a.state == "ALARM"]
        for a in firing:
            key = f"alarm:{a.region}:{a.name}"
            target = " ".join(x for x in (a.metric, a.resource) if x)
            age = fmt.short_age(age_seconds(a.updated_at, view.now))
            search = f"alarm {a.name} {a.region} {target} {a.reason or ''}".lower()
            drafts.append(
                _Draft(key, "✖ ALARM", State.CRITICAL, "alarm", a.name, a.region, target or a.reason or "", age, search)
            )
            details[key] = f"{a.name} ({a.region}): {fmt.one_line(a.reason, 200) or 'no reason given'}"
        ready = self._plan_readiness(snapshot, view)
        for c in ready.coverage:
            if c.state == "ALARM":
                continue  # listed above as firing
            label, state = COVERAGE.get(c.state, ("? " + c.state.lower(), State.UNKNOWN))
            key = f"plan:{c.rule}:{c.region}:{c.resource}"
            search = f"plan alarm {c.rule} {c.resource} {c.region} {c.state}".lower()
            drafts.append(
                _Draft(
                    key, label, state, "plan alarm", c.alarm or c.rule, c.region, f"{c.rule} · {c.resource}", "", search
                )
            )
            details[key] = f"{c.rule} for {c.resource} ({c.region}): {c.state} · plan {c.expected}"
        for i, d in enumerate(ready.deviations):
            if d.setting.startswith("alarm "):
                continue  # a missing alarm has its own row above
            key = f"control:{i}:{d.region}:{d.resource}:{d.setting}"
            search = f"control {d.setting} {d.resource} {d.region} {d.actual}".lower()
            where = f"{d.resource} ({d.region})"
            drafts.append(
                _Draft(
                    key,
                    "▲ differs",
                    State.WARNING,
                    "control",
                    d.setting,
                    where,
                    f"{d.actual} (plan {d.plan})",
                    "",
                    search,
                    detail_warns=True,
                )
            )
            details[key] = d.line()
        for e in snapshot.endpoints:
            key = f"endpoint:{e.name}"
            state = ENDPOINT_STATE.get(e.status, State.UNKNOWN)
            if e.error:
                detail = e.error
            else:
                http = f"HTTP {e.http_status}" if e.http_status is not None else ""
                latency = f"{e.latency_ms:.0f} ms" if e.latency_ms is not None else ""
                detail = " · ".join(x for x in (http, latency) if x)
            age = fmt.short_age(age_seconds(e.checked_at, view.now))
            search = f"endpoint {e.name} {e.url} {e.status} {e.error or ''}".lower()
            label = ENDPOINT_LABEL.get(e.status, e.status)
            drafts.append(
                _Draft(key, label, state, "endpoint", e.name, e.url, detail, age, search, detail_fails=bool(e.error))
            )
            details[key] = f"{e.name} {e.url}: {e.status}" + (f" · {fmt.one_line(e.error, 200)}" if e.error else "")
        cut = self._cells([(dr.name, dr.where, fmt.one_line(dr.detail, 10_000)) for dr in drafts])
        rows: list[Row] = []
        for dr, (name, where, detail) in zip(drafts, cut, strict=True):
            detail_style = p.critical if dr.detail_fails else p.warning if dr.detail_warns else None
            label_style = p.warning if dr.detail_warns else p.state(dr.state)
            cells = (
                cell(dr.label, label_style),
                cell(dr.what, None),
                cell(name, None),
                cell(where, None),
                cell(detail, detail_style),
                cell(dr.age, None),
            )
            rows.append(Row(dr.key, cells, dr.search))
        widest = [
            max([len(label)] + [r.cells[i].cell_len for r in rows]) for i, (_, label, _) in enumerate(self.COLUMNS)
        ]
        self._others = sum(
            fixed or w for (key, _, fixed), w in zip(self.COLUMNS, widest, strict=True) if key not in self.FLEX_LEAST
        )
        states = [dr.state for dr in drafts]
        up = sum(1 for e in snapshot.endpoints if e.status == "up")
        present = sum(1 for c in ready.coverage if not c.missing)
        summary = (
            f"{len(firing)} in ALARM of {len(snapshot.alarms)} · plan alarms {present}/{len(ready.coverage)}"
            f" · {len(ready.deviations)} deviations · endpoints {up}/{len(snapshot.endpoints)} up"
        )
        return rows, details, worst(states) if states else State.OK, summary, []


@dataclass(frozen=True, slots=True)
class _Draft:
    """One row before its name, place and detail are cut to the columns' widths."""

    key: str
    label: str
    state: State
    what: str
    name: str
    where: str
    detail: str
    age: str
    search: str
    detail_warns: bool = False
    detail_fails: bool = False
