"""Events that time alone causes: an escalation stage is reached, the projected finish crosses the RTO target,
the current step runs past twice its expected time. Nobody presses a key for them, so the engine asks this
module what is due (on a timer) and journals it; the outbox then posts it like any other event.

Each fires once: once per escalation stage, once per incident for the RTO projection, once per step for
overdue. The fold remembers what fired (IncidentState.fired), so a second process computing the same thing
from the same journal finds nothing left to do, and the journal's seq check settles a race between two.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.rto import compute_timers
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.transitions import Draft

TIMER_EVENTS: tuple[str, ...] = ("escalated", "rto_projection_exceeded", "step_overdue")
OVERDUE_FACTOR = 2.0


def fired_key(event_type: str, payload: object) -> str | None:
    """What a timer event fired for: the fold collects these keys, due_timer_events skips them."""
    p: Mapping[str, object] = payload if isinstance(payload, Mapping) else {}
    if event_type == "escalated":
        return f"escalated:{_minutes(p.get('after_minutes'))}"
    if event_type == "rto_projection_exceeded":
        return "rto_projection_exceeded"
    if event_type == "step_overdue":
        return f"step_overdue:{p.get('step_id')}"
    return None


def _minutes(value: object) -> str:
    try:
        return f"{float(value):g}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def due_timer_events(state: IncidentState, settings: Settings, now: datetime) -> list[Draft]:
    """The timer events due at `now` that have not fired yet, oldest cause first. A resolved incident has none.

    The first escalation stage (after 0 minutes: the on-call engineer) is engaged by the declaration itself
    and is not announced again."""
    if state.resolved:
        return []
    elapsed = (now - state.declared_at).total_seconds()
    out: list[Draft] = []
    for level in sorted(settings.escalation, key=lambda lv: lv.after_minutes):
        if level.after_minutes <= 0 or level.after_minutes * 60 > elapsed:
            continue
        draft = Draft(
            "escalated",
            {"who": level.who, "after_minutes": level.after_minutes, "elapsed_seconds": round(elapsed, 1)},
        )
        if fired_key(draft.type, draft.payload) not in state.fired:
            out.append(draft)
    timers = compute_timers(state, now, settings.targets.rto_seconds)
    if timers.projection_exceeds_rto and "rto_projection_exceeded" not in state.fired:
        out.append(
            Draft(
                "rto_projection_exceeded",
                {
                    "projected_seconds": round(timers.projected_finish_seconds, 1),
                    "target_seconds": timers.rto_target_seconds,
                    "step_id": timers.current_step_id,
                },
            )
        )
    step_id, step_elapsed, expected = timers.current_step_id, timers.step_elapsed_seconds, timers.step_expected_seconds
    if (
        step_id is not None
        and step_elapsed is not None
        and expected is not None
        and expected > 0  # a zero-minute step is not "late" the moment it becomes current
        and step_elapsed > OVERDUE_FACTOR * expected
        and f"step_overdue:{step_id}" not in state.fired
    ):
        out.append(
            Draft(
                "step_overdue",
                {"step_id": step_id, "elapsed_seconds": round(step_elapsed, 1), "expected_seconds": expected},
            )
        )
    return out


def next_timer_at(state: IncidentState, settings: Settings, now: datetime) -> float | None:
    """Seconds until the next timer event could be due (None: nothing left), so a caller can sleep that long
    instead of polling. A lower bound: the RTO projection moves with the steps, so callers also wake on change."""
    if state.resolved:
        return None
    elapsed = (now - state.declared_at).total_seconds()
    waits: list[float] = []
    for level in settings.escalation:
        if level.after_minutes > 0 and f"escalated:{_minutes(level.after_minutes)}" not in state.fired:
            waits.append(level.after_minutes * 60 - elapsed)
    timers = compute_timers(state, now, settings.targets.rto_seconds)
    if timers.projection_crosses_rto_at is not None and "rto_projection_exceeded" not in state.fired:
        waits.append((timers.projection_crosses_rto_at - now).total_seconds())
    if (
        timers.current_step_id is not None
        and timers.step_elapsed_seconds is not None
        and timers.step_expected_seconds
        and f"step_overdue:{timers.current_step_id}" not in state.fired
    ):
        waits.append(OVERDUE_FACTOR * timers.step_expected_seconds - timers.step_elapsed_seconds)
    return max(min(waits), 0.0) if waits else None
