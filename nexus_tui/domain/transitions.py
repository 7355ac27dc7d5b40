"""Deciding what may happen next: each function checks a request against the current state and returns the
event to append, or raises IncidentError with a one-line reason. Replay (incident.py) never judges; this does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nexus_tui.domain.incident import SEVERITIES, IncidentError, IncidentState, StepState
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.runbook_json import runbook_digest, runbook_to_data
from nexus_tui.domain.runbook_params import runbook_placeholders

UNDO_GRACE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Draft:
    """An event before the journal gives it a seq, time and actor."""

    type: str
    payload: dict[str, Any] = field(default_factory=dict)


def normalize_severity(value: str) -> str:
    v = value.strip().upper()
    if v.isdigit():
        v = f"SEV{v}"
    if v not in SEVERITIES:
        raise IncidentError(f"severity {value!r} is not one of {', '.join(SEVERITIES)}")
    return v


def declare(runbook: Runbook, params: Mapping[str, str], severity: str, ic: str, drill: bool) -> Draft:
    if not runbook.steps:
        raise IncidentError(f"runbook {runbook.id} has no steps")
    if not ic.strip():
        raise IncidentError("the incident commander (IC) must be named")
    return Draft(
        "declared",
        {
            "runbook_id": runbook.id,
            "runbook": runbook_to_data(runbook),
            "runbook_digest": runbook_digest(runbook),
            "params": dict(params),
            "severity": normalize_severity(severity),
            "ic": ic.strip(),
            "drill": bool(drill),
        },
    )


def _open(state: IncidentState) -> None:
    if state.resolved:
        raise IncidentError(f"incident {state.id} is resolved; it can only take notes")


def _actionable(state: IncidentState, step_id: str) -> StepState:
    """The step must be the current one: steps run in order, and jumping ahead means skipping with a reason."""
    _open(state)
    st = state.step_state(step_id)
    if st.status in ("done", "skipped"):
        raise IncidentError(f"step {step_id} is already {st.status}")
    current = state.current_step
    if current is not None and current.id != step_id:
        raise IncidentError(f"step {step_id} is not the current step: finish or skip {current.id} first")
    return st


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise IncidentError(f"{what} needs a reason")
    return text


def start(state: IncidentState, step_id: str) -> Draft:
    st = _actionable(state, step_id)
    if st.status == "in_progress":
        raise IncidentError(f"step {step_id} is already in progress")
    return Draft("step_started", {"step_id": step_id})


def confirm(
    state: IncidentState, step_id: str, confirm_text: str | None = None, *, manual: bool = False, note: str = ""
) -> Draft:
    """Mark a step done. A destructive step needs its resource name typed back (GitHub-style), even when it was
    carried out by hand: the check is about the operator knowing what they are confirming."""
    _actionable(state, step_id)
    step = state.runbook.step(step_id)
    expected = step.confirm_text
    if expected is not None and (confirm_text or "").strip() != expected:
        raise IncidentError(f"step {step_id} is destructive: confirm it by typing the resource name {expected!r}")
    payload: dict[str, Any] = {"step_id": step_id}
    if manual:
        payload["manual"] = True
    if note.strip():
        payload["note"] = note.strip()
    return Draft("step_confirmed", payload)


def skip(state: IncidentState, step_id: str, reason: str | None) -> Draft:
    _actionable(state, step_id)
    return Draft("step_skipped", {"step_id": step_id, "reason": _reason(reason, f"skipping step {step_id}")})


def fail(state: IncidentState, step_id: str, reason: str | None) -> Draft:
    st = _actionable(state, step_id)
    if st.status == "failed":
        raise IncidentError(f"step {step_id} has already failed; retry it (confirm) or skip it")
    return Draft("step_failed", {"step_id": step_id, "reason": _reason(reason, f"failing step {step_id}")})


def undo(state: IncidentState, now: datetime, grace_seconds: float = UNDO_GRACE_SECONDS) -> Draft:
    """Take back the latest confirmation/skip/failure within the grace period. An AWS action that ran cannot be
    taken back by a journal entry, so those steps are refused: annotate them with a note instead."""
    _open(state)
    if not state.completion_stack:
        raise IncidentError(f"incident {state.id}: nothing to undo")
    ev = state.event(state.completion_stack[-1])
    step_id = str(ev.payload.get("step_id"))
    age = (now - ev.at).total_seconds()
    if age > grace_seconds:
        raise IncidentError(
            f"cannot undo step {step_id}: finished {age:.0f} s ago, past the {grace_seconds:.0f} s grace period;"
            " add a note instead"
        )
    if any(r.step_id == step_id and r.executed for r in state.aws_requests):
        raise IncidentError(f"cannot undo step {step_id}: its AWS action was executed; add a note instead")
    if ev.type == "step_confirmed" and _posts_on_confirm(state, step_id):
        # Its message went to the outbox with the confirmation; a journal entry cannot take a Slack post back.
        raise IncidentError(
            f"cannot undo step {step_id}: its Slack message is already sent or queued; add a note instead"
        )
    return Draft("step_undone", {"step_id": step_id, "undoes": ev.seq, "undone_type": ev.type})


def _posts_on_confirm(state: IncidentState, step_id: str) -> bool:
    try:
        return state.runbook.step(step_id).slack is not None
    except KeyError:
        return False


def note(
    state: IncidentState, text: str, *, step_id: str | None = None, todo: bool = False, share: bool = False
) -> Draft:
    body = text.strip()
    if not body:
        raise IncidentError("a note needs text")
    if step_id is not None:
        state.step_state(step_id)
    payload: dict[str, Any] = {"text": body}
    if step_id is not None:
        payload["step_id"] = step_id
    if todo or body.lower().startswith("todo"):
        payload["todo"] = True
    if share:
        payload["share"] = True
    return Draft("note", payload)


def override(state: IncidentState, step_id: str | None, reason: str | None, check: str | None = None) -> Draft:
    _open(state)
    if step_id is not None:
        state.step_state(step_id)
    payload: dict[str, Any] = {"reason": _reason(reason, "overriding a precondition")}
    if step_id is not None:
        payload["step_id"] = step_id
    if check:
        payload["check"] = check
    return Draft("precondition_override", payload)


def aws_request(
    state: IncidentState,
    step_id: str | None,
    action: str,
    region: str | None,
    request_id: str | None,
    reached_target: bool | None,
    *,
    executed: bool = True,
    error: str | None = None,
    outcome: str | None = None,
) -> Draft:
    # Recorded even on a resolved incident: a call that was in flight still happened, and CloudTrail needs its id.
    if step_id is not None:
        state.step_state(step_id)
    payload: dict[str, Any] = {
        "action": action,
        "region": region,
        "request_id": request_id,
        "reached_target": reached_target,
        "executed": executed,
    }
    if step_id is not None:
        payload["step_id"] = step_id
    if error:
        payload["error"] = error
    if outcome:
        payload["outcome"] = outcome
    return Draft("aws_request", payload)


def supply_params(state: IncidentState, values: Mapping[str, str]) -> Draft:
    """Values for params the runbook left open (no default), given while the incident runs. Only open params
    (or ones supplied earlier, to correct them) are accepted: a declare-time value is part of the record."""
    _open(state)
    if not values:
        raise IncidentError("no param values given")
    open_names = runbook_placeholders(state.runbook) | set(state.supplied_params)
    clean: dict[str, str] = {}
    for name, value in values.items():
        if name not in open_names:
            known = ", ".join(sorted(open_names)) or "none"
            raise IncidentError(f"incident {state.id}: param {name!r} is not open (open params: {known})")
        text = str(value).strip()
        if not text:
            raise IncidentError(f"param {name!r} needs a value")
        clean[name] = text
    return Draft("params_supplied", {"values": clean})


def record_rpo(state: IncidentState, exposure_seconds: float, target_seconds: float | None) -> Draft:
    if exposure_seconds < 0:
        raise IncidentError("RPO exposure cannot be negative")
    return Draft("rpo_recorded", {"exposure_seconds": float(exposure_seconds), "target_seconds": target_seconds})


def resolve(
    state: IncidentState, summary: str | None = None, *, force: bool = False, reason: str | None = None
) -> Draft:
    """Resolving with steps neither done nor skipped is a decision, not an accident: it needs `force` and a
    reason, both journaled and shown in the report. An AWS step still executing cannot be left behind."""
    _open(state)
    payload: dict[str, Any] = {}
    if summary and summary.strip():
        payload["summary"] = summary.strip()
    if state.claims:
        sid, claim = next(iter(state.claims.items()))
        raise IncidentError(
            f"step {sid} is being executed by {claim.holder} on {claim.host or '?'}: wait for its outcome first"
        )
    pending = state.pending_steps
    if pending:
        if not force:
            raise IncidentError(
                f"{len(pending)} step(s) neither done nor skipped ({', '.join(pending)}): "
                "resolve with --force and a --reason to close the incident anyway"
            )
        payload.update(forced=True, reason=_reason(reason, "resolving with open steps"), open_steps=list(pending))
    return Draft("resolved", payload)


def claim(
    state: IncidentState, step_id: str, *, holder: str, host: str, pid: int, now: datetime, deadline_seconds: float
) -> Draft:
    """Claim an AWS step for execution. The journal's seq check makes the claim exclusive across processes
    and machines: two claimers read the same seq, one append wins, the other re-reads and sees the claim.
    A claim past its deadline (the claimer died mid-call) still blocks: the call's outcome is unknown, and
    only a read-only re-check of the resource may decide what happened."""
    _actionable(state, step_id)
    held = state.claims.get(step_id)
    if held is not None:
        since = f"{held.at:%H:%M:%S} UTC"
        age = (now - held.at).total_seconds()
        if age <= held.deadline_seconds:
            raise IncidentError(f"step {step_id} is being executed by {held.holder} on {held.host} since {since}")
        raise IncidentError(
            f"step {step_id} was claimed by {held.holder} on {held.host} at {since} and never reported back: "
            "its outcome is unknown; re-check the resource state before anything else"
        )
    last = state.last_aws_request(step_id)
    if last is not None and last.outcome_unknown:
        raise IncidentError(
            f"step {step_id}: the last {last.action} was sent but its answer was lost (outcome unknown); "
            "re-check the resource state before sending it again"
        )
    return Draft(
        "step_claimed",
        {"step_id": step_id, "holder": holder, "host": host, "pid": pid, "deadline_seconds": float(deadline_seconds)},
    )


def recheckable(state: IncidentState, step_id: str, now: datetime | None) -> None:
    """A re-check decides an outcome nobody knows: a claim past its deadline (the claimer died mid-call) or
    a call whose answer was lost. Anything else is refused: a verdict on a step never executed would mark it
    done without its preconditions or typed confirmation, and releasing a live claim lets a second operator
    send the same call while the first one still runs."""
    state.step_state(step_id)
    held = state.claims.get(step_id)
    if held is not None:
        if now is not None and (now - held.at).total_seconds() <= held.deadline_seconds:
            raise IncidentError(
                f"step {step_id} is being executed by {held.holder} on {held.host} since {held.at:%H:%M:%S} UTC: "
                "wait for its outcome (a re-check is for a claim past its deadline)"
            )
        return
    last = state.last_aws_request(step_id)
    if last is None or not last.outcome_unknown:
        raise IncidentError(f"step {step_id}: nothing to re-check (no call of it is executing or of unknown outcome)")


def release_unknown(
    state: IncidentState, step_id: str, *, reached: bool | None, detail: str, now: datetime | None = None
) -> Draft:
    """The verdict of a read-only re-check after an outcome-unknown call or an abandoned claim: recorded as
    an aws_request that releases the claim, with outcome done (the resource shows the change) or failed."""
    recheckable(state, step_id, now)
    step = state.runbook.step(step_id)
    action = step.action.name if step.action is not None else "recheck"
    outcome = "done" if reached else ("failed" if reached is False else "unknown")
    return aws_request(
        state,
        step_id,
        action,
        None,
        None,
        reached,
        executed=reached is True,
        error=None if reached else detail,
        outcome=outcome,
    )
