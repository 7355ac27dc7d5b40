"""Replaying an incident: the fold from journal events to IncidentState.

Replay applies events without judging them (they were checked when written, see transitions.py); it never
raises for an event it does not understand, so an older binary can still open a newer journal, and a number
that is not finite reads as unknown instead of poisoning a clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from nexus_tui.domain.incident import (
    COMPLETIONS,
    AwsRequest,
    Claim,
    Event,
    IncidentError,
    IncidentState,
    Note,
    Override,
    StepState,
    StepStatus,
)
from nexus_tui.domain.runbook_json import runbook_from_data
from nexus_tui.domain.runbook_params import ParamError, resolve_params
from nexus_tui.domain.timer_events import fired_key


def _opt_float(value: Any) -> float | None:
    """A number from a journal payload; anything that is not a finite number reads as unknown, so a damaged or
    hand-edited journal still opens (and never puts NaN into a clock)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _finite(value: Any, default: float) -> float:
    number = _opt_float(value)
    return default if number is None else number


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# A journal holds what some version of this program wrote, or what a person edited and chained again: an event
# whose payload lacks the shape this fold expects is reported as that event, in one line, never as a KeyError
# from deep inside the fold. (The hash chain catches damage; it cannot tell a well-formed payload.)
_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def _unreadable(ev: Event, exc: Exception) -> IncidentError:
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return IncidentError(
        f"incident {ev.incident_id} seq {ev.seq}: its {ev.type or 'untyped'} event cannot be read "
        f"({' '.join(what.split())[:120]}); was the journal written by another version or edited?"
    )


class Replayer:
    """An incremental fold: feed it new events as they arrive (the TUI polls the journal) instead of
    re-folding the whole incident; state() gives the same answer as replay() over everything fed."""

    def __init__(self, first: Event) -> None:
        try:
            self._start(first)
        except _SHAPE_ERRORS as exc:
            raise _unreadable(first, exc) from None

    def _start(self, first: Event) -> None:
        if first.type != "declared":
            raise IncidentError(f"incident {first.incident_id}: journal does not start with a declaration")
        p = first.payload
        self.runbook = runbook_from_data(p["runbook"])
        # The declared runbook, kept so a param supplied again later replaces its earlier value.
        self.declared_runbook = self.runbook
        self.supplied: dict[str, str] = {}
        self.first = first
        self.digest = str(p.get("runbook_digest", ""))
        self.params = {str(k): str(v) for k, v in dict(p.get("params", {})).items()}
        self.severity = str(p.get("severity", "SEV2"))
        self.ic = str(p.get("ic", first.actor))
        self.drill = bool(p.get("drill", False))
        self.resolved_at: datetime | None = None
        self.resolved_by: str | None = None
        self.resolution: str | None = None
        self.rpo_exposure: float | None = None
        self.rpo_target: float | None = None
        self.steps = [StepState(s.id, i) for i, s in enumerate(self.runbook.steps)]
        self.by_id = {s.id: i for i, s in enumerate(self.runbook.steps)}
        if self.steps:
            self.steps[0] = replace(self.steps[0], became_current_at=first.at)
        self.events: list[Event] = [first]
        self.notes: list[Note] = []
        self.overrides: list[Override] = []
        self.aws: list[AwsRequest] = []
        self.stack: list[int] = []
        self.claims: dict[str, Claim] = {}
        self.forced = False
        self.forced_reason: str | None = None
        self.open_at_resolve: tuple[str, ...] = ()
        # Per completion event, the step state it replaced, so an undo restores it exactly.
        self.before: dict[int, StepState] = {}
        self.fired: set[str] = set()

    def current(self) -> int | None:
        for st in self.steps:
            if st.status not in ("done", "skipped"):
                return st.index
        return None

    def apply(self, ev: Event) -> None:
        try:
            self._apply(ev)
        except _SHAPE_ERRORS as exc:
            raise _unreadable(ev, exc) from None

    def _apply(self, ev: Event) -> None:
        self.events.append(ev)
        p = ev.payload
        before_current = self.current()
        idx = self.by_id.get(str(p.get("step_id", "")))
        t = ev.type
        if t == "step_started" and idx is not None:
            st = self.steps[idx]
            self.steps[idx] = replace(st, status="in_progress", started_at=ev.at, reason=None)
        elif t in COMPLETIONS and idx is not None:
            st = self.steps[idx]
            self.before[ev.seq] = st
            status: StepStatus = {"step_confirmed": "done", "step_skipped": "skipped", "step_failed": "failed"}[t]  # type: ignore[assignment]
            self.steps[idx] = replace(
                st,
                status=status,
                finished_at=ev.at,
                finished_by=ev.actor,
                finished_identity=ev.aws_identity,
                reason=p.get("reason"),
                manual=bool(p.get("manual", False)),
            )
            self.stack.append(ev.seq)
            self.claims.pop(st.id, None)
        elif t == "step_undone":
            target = int(p.get("undoes", 0))
            if target in self.before:
                prior = self.before.pop(target)
                self.steps[prior.index] = prior
                if target in self.stack:
                    self.stack.remove(target)
        elif t == "note":
            self.notes.append(
                Note(
                    ev.seq,
                    ev.at,
                    ev.actor,
                    str(p.get("text", "")),
                    p.get("step_id"),
                    bool(p.get("todo", False)),
                    bool(p.get("share", False)),
                )
            )
        elif t == "precondition_override":
            self.overrides.append(
                Override(ev.seq, ev.at, ev.actor, p.get("step_id"), p.get("check"), str(p.get("reason", "")))
            )
        elif t == "aws_request":
            self.aws.append(
                AwsRequest(
                    seq=ev.seq,
                    at=ev.at,
                    step_id=p.get("step_id"),
                    action=str(p.get("action", "")),
                    region=p.get("region"),
                    request_id=p.get("request_id"),
                    reached_target=p.get("reached_target"),
                    executed=bool(p.get("executed", True)),
                    error=p.get("error"),
                    actor=ev.actor,
                    outcome=str(p.get("outcome", "")),
                )
            )
            if p.get("step_id") is not None:
                self.claims.pop(str(p.get("step_id")), None)
        elif t == "step_claimed" and idx is not None:
            sid = str(p.get("step_id"))
            self.claims[sid] = Claim(
                seq=ev.seq,
                step_id=sid,
                holder=str(p.get("holder", ev.actor)),
                host=str(p.get("host", "")),
                pid=_int(p.get("pid")),
                at=ev.at,
                deadline_seconds=_finite(p.get("deadline_seconds"), 0.0),
            )
        elif t == "params_supplied":
            self._supply(p.get("values"))
        elif t == "rpo_recorded":
            self.rpo_exposure = _opt_float(p.get("exposure_seconds"))
            self.rpo_target = _opt_float(p.get("target_seconds"))
        elif t == "resolved":
            self.resolved_at, self.resolved_by = ev.at, ev.actor
            self.resolution = p.get("summary")
            self.forced = bool(p.get("forced", False))
            self.forced_reason = p.get("reason")
            self.open_at_resolve = tuple(str(x) for x in p.get("open_steps", ()) or ())
            self.claims.clear()
        fired = fired_key(t, p)
        if fired is not None:
            self.fired.add(fired)
        after_current = self.current()
        # An undo restores the step's own earlier clock; anything else starts the new current step's clock.
        if after_current is not None and after_current != before_current and t != "step_undone":
            self.steps[after_current] = replace(self.steps[after_current], became_current_at=ev.at)

    def _supply(self, values: Any) -> None:
        if not isinstance(values, Mapping):
            return
        supplied = {**self.supplied, **{str(k): str(v) for k, v in values.items()}}
        try:
            runbook = resolve_params(self.declared_runbook, supplied)
        except ParamError:
            return  # checked when written; a hand-edited journal must still open
        self.supplied, self.runbook = supplied, runbook

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq

    def feed(self, events: Iterable[Event]) -> None:
        for ev in events:
            if ev.seq > self.last_seq:  # already-seen events are ignored, so overlapping reads are harmless
                self.apply(ev)

    def state(self) -> IncidentState:
        return IncidentState(
            id=self.first.incident_id,
            runbook=self.runbook,
            runbook_digest=self.digest,
            params={**self.params, **self.supplied},
            severity=self.severity,
            ic=self.ic,
            drill=self.drill,
            declared_at=self.first.at,
            declared_by=self.first.actor,
            steps=tuple(self.steps),
            events=tuple(self.events),
            notes=tuple(self.notes),
            overrides=tuple(self.overrides),
            aws_requests=tuple(self.aws),
            resolved_at=self.resolved_at,
            resolved_by=self.resolved_by,
            resolution=self.resolution,
            rpo_exposure_seconds=self.rpo_exposure,
            rpo_target_seconds=self.rpo_target,
            completion_stack=tuple(self.stack),
            supplied_params=dict(self.supplied),
            claims=dict(self.claims),
            resolved_forced=self.forced,
            forced_reason=self.forced_reason,
            open_at_resolve=self.open_at_resolve,
            fired=frozenset(self.fired),
        )


def replay(events: Iterable[Event]) -> IncidentState:
    """Fold an incident's events (in seq order) into its state."""
    it = iter(events)
    first = next(it, None)
    if first is None:
        raise IncidentError("no events to replay")
    fold = Replayer(first)
    fold.feed(it)
    return fold.state()
