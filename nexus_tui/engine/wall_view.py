"""What the war-room wall shows, as plain data: computed from the folded incident (IncidentView: state and
timers) and the latest DashboardSnapshot. Front-end neutral, so the terminal wall, a served wall and tests
read one model; every state carries a word and a symbol besides its colour (colour-blind viewers,
grey-scale projectors), so the model names them and the front end only paints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nexus_tui.domain.health import replication_state, rpo_exposure
from nexus_tui.domain.incident import Event, IncidentState
from nexus_tui.domain.models import DashboardSnapshot, State, worst
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.slack_status import SlackStatus

# Symbol + word for every state: the wall is read from across a room, sometimes on a grey-scale projector.
STATE_MARK: dict[State, str] = {
    State.OK: "✔ OK",
    State.WARNING: "▲ WARN",
    State.CRITICAL: "✖ CRIT",
    State.UNKNOWN: "? UNKNOWN",
}
TIMELINE_LENGTH = 40  # newest first; the box shows as many as fit (more on a large screen)
SPARK_POINTS = 24


def mark(state: State) -> str:
    return STATE_MARK[state]


@dataclass(frozen=True, slots=True)
class PairLine:
    name: str
    kind: str
    lag_seconds: float | None
    state: State
    history: tuple[float, ...]
    stopped: bool = False  # replication not running (ReplicaLag -1): no lag to show


@dataclass(frozen=True, slots=True)
class RegionMark:
    name: str
    state: State
    word: str  # reachable / UNREACHABLE / unknown


@dataclass(frozen=True, slots=True)
class Readiness:
    """The readiness half of the wall (also the whole wall when no incident is open)."""

    overall: State
    rpo_seconds: float | None
    rpo_target_seconds: float
    rpo_state: State
    rpo_source: str | None
    pairs: tuple[PairLine, ...]
    regions: tuple[RegionMark, ...]
    alarms_firing: int
    endpoints_down: int
    generated_at: datetime | None
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class IncidentWall:
    id: str
    title: str
    severity: str
    ic: str
    drill: bool
    resolved: bool
    elapsed_seconds: float
    rto_target_seconds: float
    rto_remaining_seconds: float
    rto_state: State  # ok; warning when the projection is beyond the RTO; critical once breached
    step_title: str | None
    step_owner: str | None
    step_elapsed_seconds: float | None
    step_expected_seconds: float | None
    step_state: State
    step_number: int  # 1-based; steps_total + 1 once all are done
    steps_done: int
    steps_total: int
    projected_finish_seconds: float
    projection_state: State
    rpo_recorded_seconds: float | None
    claim: str | None  # "promote being executed by alice on host-1"
    timeline: tuple[TimelineLine, ...]


@dataclass(frozen=True, slots=True)
class WallModel:
    incident: IncidentWall | None
    readiness: Readiness
    slack: SlackStatus | None = None  # the followed incident's Slack delivery; None: not known to this wall


def readiness(snapshot: DashboardSnapshot | None, settings: Settings, now: datetime) -> Readiness:
    target = settings.targets.rpo_seconds
    if snapshot is None:
        return Readiness(State.UNKNOWN, None, target, State.UNKNOWN, None, (), (), 0, 0, None, ())
    rpo = rpo_exposure(snapshot, settings, now)
    pairs = tuple(
        PairLine(
            name=p.label or f"{p.source} → {p.target_region}",
            kind=p.kind,
            lag_seconds=p.lag_seconds,
            stopped=p.replication_stopped,
            state=replication_state(p, now, settings.thresholds),
            history=tuple(d.value for d in p.history[-SPARK_POINTS:]),
        )
        for p in snapshot.replication
    )
    regions = tuple(
        RegionMark(
            r.name,
            State.UNKNOWN if r.reachable is None else State.OK if r.reachable else State.CRITICAL,
            "unknown" if r.reachable is None else "reachable" if r.reachable else "UNREACHABLE",
        )
        for r in snapshot.regions
    )
    alarms = sum(1 for a in snapshot.alarms if a.state == "ALARM")
    down = sum(1 for e in snapshot.endpoints if e.status == "down")
    states = [p.state for p in pairs] + [r.state for r in regions] + [rpo.state]
    if alarms or down:
        states.append(State.CRITICAL)
    return Readiness(
        overall=worst(states),
        rpo_seconds=rpo.exposure_seconds,
        rpo_target_seconds=rpo.target_seconds,
        rpo_state=rpo.state,
        rpo_source=None if rpo.worst_source is None else rpo.worst_source.what,
        pairs=pairs,
        regions=regions,
        alarms_firing=alarms,
        endpoints_down=down,
        generated_at=snapshot.generated_at,
        # Per region, as the dashboard says it; a line with no region of its own is shown once.
        problems=tuple(
            dict.fromkeys(f"{u.what}{f' in {u.region}' if u.region else ''}: {u.reason}" for u in snapshot.unavailable)
        ),
    )


def event_text(event: Event, state: IncidentState) -> str:
    """One short line per journal event, in the words an IC uses."""
    p = event.payload
    titles = {s.id: s.title for s in state.runbook.steps}

    def step() -> str:
        sid = str(p.get("step_id") or p.get("step") or "")
        return titles.get(sid, sid)

    match event.type:
        case "declared":
            return f"declared {'DRILL ' if state.drill else ''}{state.severity}: {state.runbook.title}"
        case "step_started":
            return f"started: {step()}"
        case "step_confirmed":
            return f"✔ done: {step()}"
        case "step_skipped":
            return f"» skipped: {step()}"
        case "step_failed":
            return f"✖ failed: {step()}"
        case "step_undone":
            return f"↶ undone: {step()}"
        case "note":
            return f"note: {p.get('text', '')}"
        case "aws_request":
            return f"AWS {p.get('action', '')}: {p.get('outcome') or ('sent' if p.get('executed') else 'not sent')}"
        case "step_claimed":
            return f"executing: {step()}"
        case "precondition_override":
            return f"override: {p.get('reason', '')}"
        case "rpo_recorded":
            return "RPO recorded"
        case "resolved":
            return f"resolved{' (forced)' if p.get('forced') else ''}"
        case "params_supplied":
            return "parameters supplied"
        case _:
            return event.type


def incident_wall(view: IncidentView) -> IncidentWall:
    s, t = view.state, view.timers
    cur = None if s.resolved else s.current_step
    spec = None if cur is None else s.runbook.steps[cur.index]
    rto_state = State.CRITICAL if t.rto_breached else State.WARNING if t.projection_exceeds_rto else State.OK
    step_state = {"ok": State.OK, "amber": State.WARNING, "red": State.CRITICAL}[t.step_timing]
    claim = None
    if s.claims:
        c = next(iter(s.claims.values()))
        claim = f"{titles_of(s).get(c.step_id, c.step_id)} being executed by {c.holder} on {c.host}"
    return IncidentWall(
        id=s.id,
        title=s.runbook.title,
        severity=s.severity,
        ic=s.ic,
        drill=s.drill,
        resolved=s.resolved,
        elapsed_seconds=t.elapsed_seconds,
        rto_target_seconds=t.rto_target_seconds,
        rto_remaining_seconds=t.rto_remaining_seconds,
        rto_state=rto_state,
        step_title=None if spec is None else spec.title,
        step_owner=None if spec is None else spec.owner,
        step_elapsed_seconds=t.step_elapsed_seconds,
        step_expected_seconds=t.step_expected_seconds,
        step_state=step_state if cur is not None else State.OK,
        step_number=(cur.index + 1) if cur is not None else len(s.steps) + 1,
        steps_done=s.done_count,
        steps_total=len(s.steps),
        projected_finish_seconds=t.projected_finish_seconds,
        projection_state=State.CRITICAL if t.projection_exceeds_rto else State.OK,
        rpo_recorded_seconds=s.rpo_exposure_seconds,
        claim=claim,
        timeline=tuple(TimelineLine(e.at, e.actor, event_text(e, s)) for e in s.events[-TIMELINE_LENGTH:]),
    )


def titles_of(state: IncidentState) -> dict[str, str]:
    return {s.id: s.title for s in state.runbook.steps}


def wall_model(
    view: IncidentView | None,
    snapshot: DashboardSnapshot | None,
    settings: Settings,
    now: datetime,
    slack: SlackStatus | None = None,
) -> WallModel:
    incident = None if view is None else incident_wall(view)
    return WallModel(incident, readiness(snapshot, settings, now), None if incident is None else slack)
