"""What an AWS runbook action produces: a dry-run preview, progress while it waits, and a result to journal.

None of these ever hold a secret value: the secret action carries key names and the new endpoint only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from nexus_tui.domain.clock import iso


class ActionError(Exception):
    """A bad action (missing or malformed parameter, no region); str() is one line naming the problem."""


class ConfirmationError(ActionError):
    """The typed confirmation did not match; no AWS call was made."""


class MutationNotAllowed(ActionError):
    """A drill tried to mutate something other than the simulator; no AWS call was made."""


@dataclass(frozen=True, slots=True)
class ActionPreview:
    action: str
    description: str
    service: str
    operation: str  # the AWS API operation, e.g. PromoteReadReplica
    region: str
    endpoint: str | None  # None: the real AWS endpoint of the region
    parameters: tuple[tuple[str, str], ...]  # display-safe rendering of the request parameters
    cli: str  # an equivalent `aws ...` command line
    destructive: bool
    confirm_text: str | None  # what execute() wants typed; None: no typed confirmation needed
    target_state: str  # what execute() waits for
    # Calls execute() makes besides the mutating one (read-only look-ups); preview itself calls nothing.
    read_only_calls: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        width = max((len(k) for k, _ in self.parameters), default=0)
        lines = [
            f"DRY RUN  {self.action}  ({self.description})",
            f"  request : {self.service} {self.operation}",
            f"  region  : {self.region}",
            f"  endpoint: {self.endpoint or 'AWS default for the region'}",
            "  parameters:",
            *(f"    {k.ljust(width)} = {v}" for k, v in self.parameters),
            f"  waits for: {self.target_state}",
        ]
        if self.read_only_calls:
            lines.append(f"  read-only calls on execute: {', '.join(self.read_only_calls)}")
        lines.extend(f"  note: {n}" for n in self.notes)
        if self.confirm_text:
            lines.append(f"  confirm by typing: {self.confirm_text}")
        lines += ["  equivalent CLI:", *(f"    {line}" for line in self.cli.splitlines())]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["parameters"] = dict(self.parameters)
        d["text"] = self.text
        return d


@dataclass(frozen=True, slots=True)
class ActionProgress:
    action: str
    resource: str
    region: str
    phase: str  # "request" | "poll" | "done"
    message: str  # one line, shown to the user as is
    elapsed_seconds: float
    poll: int = 0


# done: target state reached. accepted: AWS accepted the request, the target state was not seen in time.
# failed: AWS answered with a refusal. unknown: the request was sent and its answer lost: check the resource
# before any retry. not_sent: nothing was sent (no connection, or a read-only look-up before it failed).
Outcome = Literal["done", "accepted", "failed", "unknown", "not_sent"]


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The outcome of execute(); to_dict() is what the incident journal stores as an `aws_request` event."""

    action: str
    resource: str
    region: str
    ok: bool
    request_id: str | None = None  # ResponseMetadata.RequestId of the mutating call
    target_state: str = ""
    reached: bool = False  # the resource reached target_state before the timeout
    duration_seconds: float = 0.0
    started_at: datetime | None = None
    error: str | None = None  # one line naming the resource; None when ok
    polls: int = 0
    notes: tuple[str, ...] = ()
    details: tuple[tuple[str, str], ...] = ()  # display-safe facts: new version id, change id, snapshot ARN
    step_id: str | None = None
    outcome: Outcome = "failed"

    @property
    def executed(self) -> bool | None:
        """Did the mutating request take effect? None when nobody can tell without looking (outcome unknown)."""
        return {"done": True, "accepted": True, "failed": False, "not_sent": False}.get(self.outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "aws_request",
            "outcome": self.outcome,
            "step_id": self.step_id,
            "action": self.action,
            "resource": self.resource,
            "region": self.region,
            "ok": self.ok,
            "request_id": self.request_id,
            "target_state": self.target_state,
            "reached": self.reached,
            "duration_seconds": round(self.duration_seconds, 3),
            "started_at": iso(self.started_at),
            "error": self.error,
            "polls": self.polls,
            "notes": list(self.notes),
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class PollState:
    """One look at the resource: done when it reached the target state."""

    done: bool
    message: str
    note: str | None = None  # a caveat to keep in the result (e.g. a known simulator gap)


@dataclass(slots=True)
class CallOutcome:
    """What the mutating call returned that the poll needs (change id, new version id, ...)."""

    request_id: str | None
    context: dict[str, Any] = field(default_factory=dict)
