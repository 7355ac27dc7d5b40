"""The glue the TUI and the CLI call to preview and run a runbook's `aws` step.

Drill guard, kept simple: a drill may mutate only the simulator. `ActionRunner(config, is_drill=True)`
refuses (MutationNotAllowed, before any call) unless every region the step touches has an endpoint
override on loopback in [aws] endpoints, which is how the demo and drills point at the in-process moto
server. A caller that knows better (the engine that started the simulator itself) passes `simulated=`.
Outside drills the typed confirmation is the guard.

The UI may not import sources, so the result types are re-exported from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.runbook import AwsAction, Step, placeholders, substitute
from nexus_tui.sources.aws.action_clients import is_simulated
from nexus_tui.sources.aws.actions import (
    ActionError,
    ActionPreview,
    ActionProgress,
    ActionResult,
    ConfirmationError,
    MutationNotAllowed,
    ProgressCallback,
    Recheck,
    action_regions,
    execute,
    preview,
    recheck,
)

__all__ = [
    "ActionError",
    "ActionPreview",
    "ActionProgress",
    "ActionResult",
    "ActionRunner",
    "ConfirmationError",
    "MutationNotAllowed",
    "Recheck",
]


def _where(step: Step) -> str:
    return f"step {step.id}" + (f" (line {step.line})" if step.line else "")


class ActionRunner:
    def __init__(
        self,
        config: AppConfig,
        *,
        is_drill: bool = False,
        simulated: bool | None = None,
        clock: Clock | None = None,
        poll_interval: float | None = None,
        timeout_seconds: float | None = None,
        call_deadline: float | None = None,
    ) -> None:
        self.config = config
        self.is_drill = is_drill
        self._simulated = simulated
        self._clock = clock
        self._poll_interval = poll_interval
        self._timeout = timeout_seconds
        self._call_deadline = call_deadline

    def resolve(self, step: Step, params: Mapping[str, str]) -> tuple[AwsAction, str | None]:
        """The step's action and confirm text with ${params} filled in; ActionError if any is left."""
        if step.kind != "aws" or step.action is None:
            raise ActionError(f"{_where(step)} is not an aws step")
        raw = step.action
        action = AwsAction(
            raw.name,
            substitute(raw.region, params) if raw.region else None,
            substitute(dict(raw.params), params),
        )
        confirm = substitute(step.confirm_text, params) if step.confirm_text else None
        missing = placeholders([action.region, dict(action.params), confirm])
        if missing:
            names = ", ".join("${" + m + "}" for m in sorted(missing))
            raise ActionError(f"{_where(step)}: no value for {names}")
        return action, confirm

    def simulated(self, action: AwsAction) -> bool:
        if self._simulated is not None:
            return self._simulated
        return is_simulated(self.config.aws, action_regions(action, self.config))

    async def preview_step(self, step: Step, params: Mapping[str, str]) -> ActionPreview:
        """Dry run: no AWS call. Raises ActionError (one line) for a bad step."""
        action, confirm = self.resolve(step, params)
        return preview(action, self.config, confirm_text=confirm)

    async def execute_step(
        self,
        step: Step,
        params: Mapping[str, str],
        confirmation: str,
        on_progress: ProgressCallback | None = None,
    ) -> ActionResult:
        """Run the step. Raises ActionError/ConfirmationError/MutationNotAllowed before any mutating call;
        AWS failures come back as ActionResult(ok=False). result.to_dict() is the `aws_request` event."""
        action, confirm = self.resolve(step, params)
        allow = not self.is_drill or self.simulated(action)
        result = await execute(
            action,
            self.config,
            confirmation=confirmation,
            on_progress=on_progress,
            confirm_text=confirm,
            allow_mutation=allow,
            timeout_seconds=self._timeout,
            poll_interval=self._poll_interval,
            call_deadline=self._call_deadline,
            clock=self._clock,
        )
        return replace(result, step_id=step.id)

    async def recheck_step(self, step: Step, params: Mapping[str, str]) -> Recheck:
        """After an "outcome unknown" result: a read-only look deciding done / not done (None: cannot tell),
        offered instead of a blind resend. Needs no confirmation: it changes nothing."""
        action, _ = self.resolve(step, params)
        return await recheck(action, self.config, call_deadline=self._call_deadline)
