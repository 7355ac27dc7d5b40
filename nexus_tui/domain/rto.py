"""Incident clocks from state + now: elapsed vs the RTO target, the current step vs its expected duration, and
the projected finish. Pure arithmetic, so the TUI can recompute every second without touching the journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from nexus_tui.domain.incident import IncidentState

StepTiming = Literal["ok", "amber", "red"]


@dataclass(frozen=True, slots=True)
class Timers:
    now: datetime
    elapsed_seconds: float  # since declaration; frozen at resolution
    rto_target_seconds: float
    rto_remaining_seconds: float  # negative once breached
    rto_breached: bool
    current_step_id: str | None
    step_elapsed_seconds: float | None
    step_expected_seconds: float | None
    step_timing: StepTiming  # ok; amber past expected; red past twice expected
    remaining_expected_seconds: float  # what is left by the runbook's estimates, counting the current step's rest
    projected_finish_seconds: float  # since declaration
    projected_finish_at: datetime
    projection_exceeds_rto: bool
    # When the projection will cross the target if the current step keeps running; None once it has crossed.
    projection_crosses_rto_at: datetime | None


def step_timing(elapsed: float, expected: float) -> StepTiming:
    if elapsed > 2 * expected:
        return "red"
    if elapsed > expected:
        return "amber"
    return "ok"


def rto_target(state: IncidentState, default_seconds: float) -> float:
    """The runbook's own RTO wins; otherwise the organisation's target from settings."""
    return float(state.runbook.rto_seconds) if state.runbook.rto_seconds else float(default_seconds)


def compute_timers(state: IncidentState, now: datetime, default_rto_seconds: float) -> Timers:
    end = state.resolved_at or now
    elapsed = max((end - state.declared_at).total_seconds(), 0.0)
    target = rto_target(state, default_rto_seconds)
    current = None if state.resolved else state.current_step
    step_elapsed: float | None = None
    step_expected: float | None = None
    timing: StepTiming = "ok"
    remaining = 0.0
    current_rest = 0.0
    if current is not None:
        spec = state.runbook.steps[current.index]
        start = current.clock_start or state.declared_at
        step_elapsed = max((now - start).total_seconds(), 0.0)
        step_expected = spec.expected_seconds
        timing = step_timing(step_elapsed, step_expected)
        current_rest = max(step_expected - step_elapsed, 0.0)
        later = state.runbook.steps[current.index + 1 :]
        remaining = current_rest + sum(
            s.expected_seconds
            for s, st in zip(later, state.steps[current.index + 1 :], strict=True)
            if st.status not in ("done", "skipped")
        )
    projected = elapsed + remaining
    exceeds = projected > target
    crosses_at: datetime | None = None
    if not exceeds and current is not None and step_elapsed is not None and step_expected is not None:
        # While the current step is within its estimate the projection stands still (elapsed grows, the rest
        # shrinks); past it, the projection grows second for second. So the crossing moment is known now.
        slack = target - projected
        if current_rest > 0:
            crosses_at = now + timedelta(seconds=current_rest + slack)
        else:
            crosses_at = now + timedelta(seconds=slack)
    return Timers(
        now=now,
        elapsed_seconds=elapsed,
        rto_target_seconds=target,
        rto_remaining_seconds=target - elapsed,
        rto_breached=elapsed > target,
        current_step_id=None if current is None else current.id,
        step_elapsed_seconds=step_elapsed,
        step_expected_seconds=step_expected,
        step_timing=timing,
        remaining_expected_seconds=remaining,
        projected_finish_seconds=projected,
        projected_finish_at=state.declared_at + timedelta(seconds=projected),
        projection_exceeds_rto=exceeds,
        projection_crosses_rto_at=crosses_at,
    )
