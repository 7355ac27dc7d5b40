"""The session's small types: how this process executes steps, and its refusals."""

from __future__ import annotations

from dataclasses import dataclass

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.incident import IncidentState
from nexus_tui.engine.actions import ActionError, ActionRunner

# Added to the action's own deadline before a claim counts as abandoned (its holder died mid-call).
CLAIM_GRACE_SECONDS = 60.0
DEFAULT_ACTION_SECONDS = 900.0


class PreconditionBlocked(ActionError):
    """A precondition failed (or could not be told) and no override for the step was journaled."""


class StepClaimed(ActionError):
    """Another operator (process, machine) is executing the step, or its outcome is still unknown."""


@dataclass(frozen=True)
class StepExecutor:
    """How this process runs aws and http steps. A front end without one can still record steps."""

    config: AppConfig
    clock: Clock
    is_drill_default: bool = False
    simulated: bool | None = None
    poll_interval: float | None = None
    action_timeout: float | None = None

    def runner(self, state: IncidentState) -> ActionRunner:
        return ActionRunner(
            self.config,
            is_drill=self.is_drill_default or state.drill,
            simulated=self.simulated,
            clock=self.clock,
            poll_interval=self.poll_interval,
            timeout_seconds=self.action_timeout,
        )

    @property
    def claim_deadline_seconds(self) -> float:
        return (self.action_timeout or DEFAULT_ACTION_SECONDS) + CLAIM_GRACE_SECONDS
