"""The incident's shapes: journal events and the state they fold into (state = replay(events), fold.py).

The TUI, the CLI, the wall and the report all read the same events, so they cannot disagree, and crash
recovery is just replaying the journal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from nexus_tui.domain.runbook import Runbook

EventType = Literal[
    "declared",
    "step_started",
    "step_confirmed",
    "step_skipped",
    "step_failed",
    "step_undone",
    "note",
    "aws_request",
    "precondition_override",
    "rpo_recorded",
    "resolved",
    "params_supplied",
    "step_claimed",
    # Caused by time, journaled by the engine's timer (domain/timer_events.py); each fires once.
    "escalated",
    "rto_projection_exceeded",
    "step_overdue",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
StepStatus = Literal["pending", "in_progress", "done", "skipped", "failed"]
SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
# The step-finishing events `undo` can take back.
COMPLETIONS: tuple[str, ...] = ("step_confirmed", "step_skipped", "step_failed")


class IncidentError(Exception):
    """An invalid transition or a bad request; str() is the one line shown to the user."""


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    incident_id: str
    type: str
    at: datetime
    actor: str
    aws_identity: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AwsRequest:
    seq: int
    at: datetime
    step_id: str | None
    action: str
    region: str | None
    request_id: str | None
    reached_target: bool | None
    executed: bool
    error: str | None
    actor: str
    # done | failed | unknown (sent, no answer) | not_sent; older journals lack it and are read from the rest.
    outcome: str = ""

    @property
    def outcome_unknown(self) -> bool:
        return self.outcome == "unknown"


@dataclass(frozen=True, slots=True)
class Claim:
    """An AWS step being executed: who runs it, where, since when. Released by the step's aws_request."""

    seq: int
    step_id: str
    holder: str
    host: str
    pid: int
    at: datetime
    deadline_seconds: float


@dataclass(frozen=True, slots=True)
class Note:
    seq: int
    at: datetime
    actor: str
    text: str
    step_id: str | None = None
    todo: bool = False
    share: bool = False  # to be announced (Slack), not only journaled


@dataclass(frozen=True, slots=True)
class Override:
    seq: int
    at: datetime
    actor: str
    step_id: str | None
    check: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class StepState:
    id: str
    index: int
    status: StepStatus = "pending"
    became_current_at: datetime | None = None  # when it became the step to work on
    started_at: datetime | None = None  # explicit "start" (otherwise the clock runs from became_current_at)
    finished_at: datetime | None = None
    finished_by: str | None = None
    finished_identity: str | None = None
    reason: str | None = None
    manual: bool = False  # an aws step confirmed by hand (executed outside nexus-tui)

    @property
    def clock_start(self) -> datetime | None:
        return self.started_at or self.became_current_at

    @property
    def actual_seconds(self) -> float | None:
        start = self.clock_start
        if start is None or self.finished_at is None:
            return None
        return max((self.finished_at - start).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class IncidentState:
    id: str
    runbook: Runbook
    runbook_digest: str
    params: Mapping[str, str]
    severity: str
    ic: str
    drill: bool
    declared_at: datetime
    declared_by: str
    steps: tuple[StepState, ...]
    events: tuple[Event, ...]
    notes: tuple[Note, ...] = ()
    overrides: tuple[Override, ...] = ()
    aws_requests: tuple[AwsRequest, ...] = ()
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    rpo_exposure_seconds: float | None = None
    rpo_target_seconds: float | None = None
    # seqs of completion events not yet undone, oldest first: undo pops from the end.
    completion_stack: tuple[int, ...] = ()
    # Values given after the declaration (params_supplied), already substituted into `runbook` and in `params`.
    supplied_params: Mapping[str, str] = field(default_factory=dict)
    # Executing AWS steps by step id (a claim lives until the step's aws_request outcome is journaled).
    claims: Mapping[str, Claim] = field(default_factory=dict)
    # Resolved with steps neither done nor skipped: the reason and the steps left open.
    resolved_forced: bool = False
    forced_reason: str | None = None
    open_at_resolve: tuple[str, ...] = ()
    # Timer events already journaled, by what they fired for ("escalated:15", "step_overdue:promote", ...).
    fired: frozenset[str] = frozenset()

    @property
    def pending_steps(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps if s.status not in ("done", "skipped"))

    def last_aws_request(self, step_id: str) -> AwsRequest | None:
        return next((r for r in reversed(self.aws_requests) if r.step_id == step_id), None)

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def current_index(self) -> int | None:
        for st in self.steps:
            if st.status not in ("done", "skipped"):
                return st.index
        return None

    @property
    def current_step(self) -> StepState | None:
        i = self.current_index
        return None if i is None else self.steps[i]

    def step_state(self, step_id: str) -> StepState:
        for st in self.steps:
            if st.id == step_id:
                return st
        known = ", ".join(s.id for s in self.steps)
        raise IncidentError(f"unknown step {step_id!r} in runbook {self.runbook.id} (steps: {known})")

    def event(self, seq: int) -> Event:
        for ev in reversed(self.events):
            if ev.seq == seq:
                return ev
        raise KeyError(seq)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.status in ("done", "skipped"))
