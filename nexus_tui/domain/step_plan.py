"""What a step needs right now, as one answer every front end renders: the TUI's step detail, the CLI's
`incident preview`, the wall, the drill runner. The rules of walking a step live here and in transitions.py,
nowhere else: which step may act, which preconditions block, which overrides count, what must be typed, who
holds an executing step, and what the operator's next move is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from nexus_tui.domain.incident import Claim, IncidentState, Override, StepState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.preconditions import PreconditionResult, evaluate
from nexus_tui.domain.runbook import Precondition, Step
from nexus_tui.domain.runbook_params import step_placeholders
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import Routing, SlackPreview, preview_slack_step

NextAction = Literal["execute", "confirm", "recheck", "wait", "resolve", "none"]


@dataclass(frozen=True, slots=True)
class Check:
    """One precondition judged against live data, with the journaled override that covers it, if any."""

    pre: Precondition
    result: PreconditionResult
    override: Override | None

    @property
    def blocking(self) -> bool:
        # None (cannot tell) blocks like False: the operator decides, with a journaled reason.
        return self.result.ok is not True and self.override is None


@dataclass(frozen=True, slots=True)
class StepPlan:
    step: Step
    st: StepState
    total: int
    is_current: bool
    current_id: str | None
    resolved: bool
    checks: tuple[Check, ...]
    missing: tuple[str, ...]  # ${params} still without a value
    confirm_text: str | None  # what must be typed (destructive steps)
    claim: Claim | None  # someone is executing this step
    outcome_unknown: bool  # the last AWS call of this step was sent and its answer lost
    # Why the step's primary action cannot go ahead now, one line each, kept apart by kind because callers
    # treat them differently: an override clears a precondition, only a re-check or the holder clears a hold.
    structural: tuple[str, ...]  # resolved, finished, not the current step, ${params} missing
    precondition_line: str | None  # the failing preconditions without an override
    holds: tuple[str, ...]  # someone executes it, or its last call's outcome is unknown
    next_action: NextAction
    slack: SlackPreview | None = None  # a slack step: what confirming it posts, where, or why not

    @property
    def blockers(self) -> tuple[str, ...]:
        pre = () if self.precondition_line is None else (self.precondition_line,)
        return (*self.structural, *pre, *self.holds)

    @property
    def destructive(self) -> bool:
        return self.step.destructive

    @property
    def blocking_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.blocking)

    @property
    def blocked(self) -> bool:
        # Preconditions gate starting the step: once its action runs (someone holds the claim) or the step is
        # finished they no longer block, and "BLOCKED" over a promotion already under way would say something
        # untrue.
        if self.claim is not None or self.st.status in ("done", "skipped"):
            return False
        return bool(self.blocking_checks)


def override_for(state: IncidentState, step_id: str, check: str) -> Override | None:
    """An override on this step, for this check or for all of the step's checks. An incident-wide override
    (no step) does not count: it would silently cover destructive steps the IC has not looked at yet."""
    return next((o for o in state.overrides if o.step_id == step_id and o.check in (None, "", check)), None)


def evaluate_checks(
    state: IncidentState, step: Step, snapshot: DashboardSnapshot | None, settings: Settings, now: datetime
) -> tuple[Check, ...]:
    return tuple(
        Check(pre, evaluate(pre, snapshot, settings, now), override_for(state, step.id, pre.check))
        for pre in step.preconditions
    )


def blocking_line(step_id: str, checks: tuple[Check, ...]) -> str | None:
    blocked = [c for c in checks if c.blocking]
    if not blocked:
        return None
    first = blocked[0]
    more = f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else ""
    return (
        f"step {step_id}: precondition {first.pre.check} not met: {first.result.detail}{more}; "
        "override it with a reason to go ahead"
    )


def plan_step(
    state: IncidentState,
    step_id: str | None,
    snapshot: DashboardSnapshot | None,
    settings: Settings,
    now: datetime,
    *,
    routing: Routing | None = None,
) -> StepPlan:
    """The plan for `step_id` (default: the current step, or the last one when all are finished).
    IncidentError for an unknown step. `routing` is where Slack messages go; None: Slack is not configured,
    and a slack step's preview says its message will not be sent."""
    current = None if state.resolved else state.current_step
    if step_id is None:
        step_id = current.id if current is not None else state.steps[-1].id
    st = state.step_state(step_id)
    step = state.runbook.step(step_id)
    checks = evaluate_checks(state, step, snapshot, settings, now)
    missing = tuple(sorted(step_placeholders(step)))
    claim = state.claims.get(step_id)
    last = state.last_aws_request(step_id)
    unknown = last is not None and last.outcome_unknown and claim is None
    structural: list[str] = []
    if state.resolved:
        structural.append(f"incident {state.id} is resolved")
    elif st.status in ("done", "skipped"):
        structural.append(f"step {step_id} is already {st.status}")
    elif current is not None and current.id != step_id:
        structural.append(f"step {step_id} is not the current step: finish or skip {current.id} first")
    if missing:
        structural.append(f"step {step_id} needs values for {', '.join('${' + m + '}' for m in missing)}")
    holds: list[str] = []
    if claim is not None:
        since = f"{claim.at:%H:%M:%S} UTC"
        if (now - claim.at).total_seconds() <= claim.deadline_seconds:
            holds.append(f"step {step_id} is being executed by {claim.holder} on {claim.host} since {since}")
        else:  # the same words as transitions.claim: the next move (a re-check) is part of the answer
            holds.append(
                f"step {step_id} was claimed by {claim.holder} on {claim.host} at {since} and never reported back: "
                "its outcome is unknown; re-check the resource state before anything else"
            )
    if unknown:
        holds.append(f"step {step_id}: the last call's outcome is unknown; re-check the resource state first")
    nxt: NextAction
    if state.resolved:
        nxt = "none"
    elif current is None:
        nxt = "resolve"
    elif claim is not None:
        abandoned = (now - claim.at).total_seconds() > claim.deadline_seconds
        nxt = "recheck" if abandoned else "wait"
    elif unknown:
        nxt = "recheck"
    elif step.kind in ("aws", "http"):
        nxt = "execute"
    else:
        nxt = "confirm"
    return StepPlan(
        step=step,
        st=st,
        total=len(state.steps),
        is_current=current is not None and current.id == step_id,
        current_id=None if current is None else current.id,
        resolved=state.resolved,
        checks=checks,
        missing=missing,
        confirm_text=step.confirm_text,
        claim=claim,
        outcome_unknown=unknown,
        structural=tuple(structural),
        precondition_line=blocking_line(step_id, checks),
        holds=tuple(holds),
        next_action=nxt,
        slack=preview_slack_step(state, step_id, routing or Routing(), configured=routing is not None, now=now),
    )


@dataclass(frozen=True, slots=True)
class ResolveCheck:
    ok: bool  # resolvable without --force
    pending: tuple[str, ...]
    executing: tuple[str, ...]
    message: str


def can_resolve(state: IncidentState) -> ResolveCheck:
    """One rule for every front end: all steps done or skipped, nothing executing. Otherwise the CLI needs
    --force and a reason, the TUI an explicit confirmation with a reason (transitions.resolve enforces it)."""
    pending = state.pending_steps
    executing = tuple(state.claims)
    if state.resolved:
        return ResolveCheck(False, pending, executing, f"incident {state.id} is already resolved")
    if executing:
        return ResolveCheck(False, pending, executing, f"{', '.join(executing)} still executing: wait for the outcome")
    if pending:
        return ResolveCheck(
            False, pending, executing, f"{len(pending)} step(s) neither done nor skipped: {', '.join(pending)}"
        )
    return ResolveCheck(True, (), (), "every step is done or skipped")
