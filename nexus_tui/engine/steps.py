"""Walking a runbook's steps for real: the glue the TUI's runbook screen and `incident step --execute` share.

Every refusal happens before anything is journaled or sent to AWS, so a refused request leaves no trace but
its error line: the step must be the current one, all its ${params} known, its preconditions met or
overridden (IncidentService.override, with a reason), and the typed confirmation right. A drill (the
incident's flag, or `is_drill_default`) may only mutate the simulator: ActionRunner's guard, asked up front.

An AWS failure is journaled (the aws_request event carries the error) and the step stays current: the IC
decides whether to retry, fail or skip it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.incident import IncidentError, IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.preconditions import PreconditionResult, evaluate
from nexus_tui.domain.runbook import Precondition, Step
from nexus_tui.domain.runbook_params import step_placeholders
from nexus_tui.engine.actions import (
    ActionError,
    ActionPreview,
    ActionProgress,
    ActionResult,
    ActionRunner,
    ConfirmationError,
    MutationNotAllowed,
)
from nexus_tui.sources.http.probe import HttpCheckResult, wait_healthy

if TYPE_CHECKING:
    from nexus_tui.engine.incidents import IncidentService

__all__ = [
    "ActionError",
    "ActionPreview",
    "ActionProgress",
    "ActionResult",
    "ConfirmationError",
    "HttpCheckResult",
    "MutationNotAllowed",
    "PreconditionBlocked",
    "StepRunner",
    "execute_step_sync",
]


log = logging.getLogger(__name__)


class PreconditionBlocked(ActionError):
    """A precondition failed (or could not be told) and no override for the step was journaled."""


def _names(missing: list[str]) -> str:
    return ", ".join("${" + m + "}" for m in missing)


class StepRunner:
    def __init__(
        self,
        incidents: IncidentService,
        config: AppConfig,
        *,
        clock: Clock,
        is_drill_default: bool = False,
        simulated: bool | None = None,
        poll_interval: float | None = None,
        action_timeout: float | None = None,
    ) -> None:
        self.incidents = incidents
        self.config = config
        self.clock = clock
        self.is_drill_default = is_drill_default
        self._simulated = simulated
        self._poll_interval = poll_interval
        self._action_timeout = action_timeout
        self._running: set[tuple[str, str]] = set()  # a double key press must not send a second call

    # -- looking ------------------------------------------------------------------------------------------

    def _step(self, state: IncidentState, step_id: str) -> Step:
        state.step_state(step_id)  # IncidentError naming the known steps
        return state.runbook.step(step_id)

    def missing_params(self, incident_id: str, step_id: str) -> list[str]:
        """Names of the ${params} the step still refers to; the step cannot run until they are supplied."""
        state = self.incidents.state(incident_id)
        return sorted(step_placeholders(self._step(state, step_id)))

    def supply_params(self, incident_id: str, values: Mapping[str, str]) -> None:
        """Journal values for open params; every later read of the incident has them substituted."""
        self.incidents.supply_params(incident_id, values)

    def preconditions(
        self, incident_id: str, step_id: str, snapshot: DashboardSnapshot | None
    ) -> list[tuple[Precondition, PreconditionResult]]:
        state = self.incidents.state(incident_id)
        return self._evaluate(state, self._step(state, step_id), snapshot)

    def _evaluate(
        self, state: IncidentState, step: Step, snapshot: DashboardSnapshot | None
    ) -> list[tuple[Precondition, PreconditionResult]]:
        now = self.clock.now()
        return [(pre, evaluate(pre, snapshot, self.incidents.settings, now)) for pre in step.preconditions]

    @staticmethod
    def is_overridden(state: IncidentState, step_id: str, check: str) -> bool:
        """An override on this step, for this check or for all of the step's checks. An incident-wide override
        (no step) does not count: it would silently cover destructive steps the IC has not looked at yet."""
        return any(o.step_id == step_id and o.check in (None, "", check) for o in state.overrides)

    def blocking_preconditions(
        self, incident_id: str, step_id: str, snapshot: DashboardSnapshot | None
    ) -> list[tuple[Precondition, PreconditionResult]]:
        """Preconditions that are not met (False, or None: cannot tell) and not overridden."""
        state = self.incidents.state(incident_id)
        return self._blocking(state, self._step(state, step_id), snapshot)

    def _blocking(
        self, state: IncidentState, step: Step, snapshot: DashboardSnapshot | None
    ) -> list[tuple[Precondition, PreconditionResult]]:
        return [
            (pre, res)
            for pre, res in self._evaluate(state, step, snapshot)
            if res.ok is not True and not self.is_overridden(state, step.id, pre.check)
        ]

    def is_drill(self, incident_id: str) -> bool:
        return self.is_drill_default or self.incidents.state(incident_id).drill

    def _runner(self, state: IncidentState) -> ActionRunner:
        return ActionRunner(
            self.config,
            is_drill=self.is_drill_default or state.drill,
            simulated=self._simulated,
            clock=self.clock,
            poll_interval=self._poll_interval,
            timeout_seconds=self._action_timeout,
        )

    async def preview(self, incident_id: str, step_id: str) -> ActionPreview | None:
        """The dry run of an aws step (no AWS call); None for other kinds. ActionError if params are missing."""
        state = self.incidents.state(incident_id)
        step = self._step(state, step_id)
        if step.kind != "aws":
            return None
        return await self._runner(state).preview_step(step, state.params)

    # -- doing --------------------------------------------------------------------------------------------

    def _ready(self, incident_id: str, step_id: str, kind: str) -> tuple[IncidentState, Step]:
        """The checks every run shares, as one-line ActionErrors."""
        try:
            state = self.incidents.state(incident_id)
            step = self._step(state, step_id)
        except IncidentError as exc:
            raise ActionError(str(exc)) from None
        if state.resolved:
            raise ActionError(f"incident {incident_id} is resolved; steps can no longer run")
        if step.kind != kind:
            raise ActionError(f"step {step_id} is a {step.kind} step, not {kind}")
        status = state.step_state(step_id).status
        if status in ("done", "skipped"):
            raise ActionError(f"step {step_id} is already {status}")
        current = state.current_step
        if current is not None and current.id != step_id:
            raise ActionError(f"step {step_id} is not the current step: finish or skip {current.id} first")
        missing = sorted(step_placeholders(step))
        if missing:
            raise ActionError(f"step {step_id} needs values for {_names(missing)} before it can run")
        return state, step

    def _start(self, state: IncidentState, step_id: str) -> None:
        if state.step_state(step_id).status != "in_progress":  # a retry keeps the first start time
            self.incidents.start(state.id, step_id)

    async def execute_aws(
        self,
        incident_id: str,
        step_id: str,
        confirmation: str,
        on_progress: Callable[[ActionProgress], None] | None = None,
        *,
        snapshot: DashboardSnapshot | None = None,
    ) -> ActionResult:
        """Run the step's AWS action and wait for its target state; confirms the step when it is reached.
        Raises ActionError (PreconditionBlocked, ConfirmationError, MutationNotAllowed) before any call."""
        key = (incident_id, step_id)
        if key in self._running:
            raise ActionError(f"step {step_id} is already running")
        self._running.add(key)
        try:
            return await self._execute_aws(incident_id, step_id, confirmation.strip(), on_progress, snapshot)
        finally:
            self._running.discard(key)

    async def _execute_aws(
        self,
        incident_id: str,
        step_id: str,
        confirmation: str,
        on_progress: Callable[[ActionProgress], None] | None,
        snapshot: DashboardSnapshot | None,
    ) -> ActionResult:
        state, step = self._ready(incident_id, step_id, "aws")
        blocked = self._blocking(state, step, snapshot)
        if blocked:
            pre, res = blocked[0]
            more = f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else ""
            raise PreconditionBlocked(
                f"step {step_id}: precondition {pre.check} not met: {res.detail}{more}; "
                "override it with a reason to go ahead"
            )
        runner = self._runner(state)
        preview = await runner.preview_step(step, state.params)
        if preview.confirm_text is not None and confirmation != preview.confirm_text:
            raise ConfirmationError(
                f"step {step_id}: type {preview.confirm_text!r} to confirm {preview.action}; nothing was done"
            )
        action, _ = runner.resolve(step, state.params)
        if runner.is_drill and not runner.simulated(action):
            raise MutationNotAllowed(
                f"step {step_id}: this is a drill, and {preview.action} in {preview.region} would not run against "
                "the simulator; nothing was done"
            )
        self._start(state, step_id)
        unknown = False  # whether the mutating call happened cannot be told
        try:
            result = await runner.execute_step(step, state.params, confirmation, on_progress)
        except ActionError:
            raise
        except asyncio.CancelledError:
            # Closed or cancelled mid-call: whether AWS acted is unknown, and the journal must say so.
            self.incidents.record_aws_request(
                incident_id,
                step_id,
                action.name,
                preview.region,
                None,
                None,
                executed=True,
                error=f"{action.name} {action.target_resource}: cancelled while running; check its state",
            )
            raise
        except Exception as exc:
            # The executor maps every AWS failure it knows to a result; anything else (an answer that is not
            # AWS, a proxy's error page) must still end up journaled as one line, and the step stays current.
            # No exc_info: the exception text may quote a response body, and that may hold a secret.
            log.warning("%s on %s failed unexpectedly: %s", action.name, action.target_resource, type(exc).__name__)
            unknown = True
            result = ActionResult(
                action=action.name,
                resource=action.target_resource,
                region=preview.region,
                ok=False,
                error=f"{action.name} {action.target_resource} in {preview.region}: unexpected answer "
                f"({type(exc).__name__}); check the resource before retrying",
                step_id=step_id,
            )
        self.incidents.record_aws_request(
            incident_id,
            step_id,
            result.action,
            result.region,
            result.request_id,
            result.reached,
            executed=unknown or result.request_id is not None,
            error=result.error,
        )
        if result.ok and result.reached:
            note = f"{result.action} {result.resource}: {result.target_state} (request id {result.request_id})"
            try:
                self.incidents.confirm(incident_id, step_id, confirmation, note=note)
            except IncidentError as exc:
                # Someone finished or skipped the step while the call ran; the call itself is journaled.
                self.incidents.note(incident_id, f"{note}; step not confirmed: {exc}", step_id=step_id)
        return result

    async def check_http(
        self,
        incident_id: str,
        step_id: str,
        on_progress: Callable[[str], None] | None = None,
        *,
        deadline_seconds: float | None = None,
    ) -> HttpCheckResult:
        """GET the step's URL until it answers the expected status, every retry_interval_seconds, for up to the
        step's expected time (or `deadline_seconds`). Journals the outcome as a note; confirms when healthy."""
        state, step = self._ready(incident_id, step_id, "http")
        if step.http is None:
            raise ActionError(f"step {step_id} has no http check")
        http = step.http
        self._start(state, step_id)
        deadline = step.expected_seconds if deadline_seconds is None else deadline_seconds
        result = await wait_healthy(
            http.url,
            expected_status=http.expected_status,
            timeout_seconds=http.timeout_seconds,
            interval_seconds=http.retry_interval_seconds,
            deadline_seconds=max(deadline, 0.0),
            on_progress=on_progress,
        )
        self.incidents.note(incident_id, result.summary, step_id=step_id)
        if result.ok:
            try:
                self.incidents.confirm(incident_id, step_id, note=f"HTTP {result.status}")
            except IncidentError as exc:
                self.incidents.note(incident_id, f"health check passed; step not confirmed: {exc}", step_id=step_id)
        return result


def execute_step_sync(
    service: IncidentService,
    incident_id: str,
    step_id: str,
    confirm_text: str | None,
    config: AppConfig,
    *,
    clock: Clock | None = None,
    out: Callable[[str], None] | None = None,
) -> bool:
    """`incident step ID STEP done --execute`: run an aws or http step to completion from sync code.
    Progress lines go to `out` (stderr by default). True when the step was confirmed. ActionError when
    refused; IncidentError for an unknown incident or step."""
    say = out or (lambda line: print(line, file=sys.stderr))
    runner = StepRunner(service, config, clock=clock or SystemClock())
    state = service.state(incident_id)
    state.step_state(step_id)
    step = state.runbook.step(step_id)
    if step.kind == "http":
        result = asyncio.run(runner.check_http(incident_id, step_id, say))
        say(result.summary)
        return result.ok
    if step.kind != "aws":
        raise ActionError(f"step {step_id} is a {step.kind} step: --execute runs aws and http steps only")
    snapshot = None
    if runner.blocking_preconditions(incident_id, step_id, None):
        snapshot = asyncio.run(_snapshot(config, clock or SystemClock()))

    def progress(p: ActionProgress) -> None:
        say(f"[{p.elapsed_seconds:5.1f}s] {p.message}")

    outcome = asyncio.run(runner.execute_aws(incident_id, step_id, confirm_text or "", progress, snapshot=snapshot))
    if outcome.ok:
        say(f"{step_id}: {outcome.action} {outcome.resource} reached {outcome.target_state}; step confirmed")
    else:
        say(f"{step_id}: {outcome.error}; the step stays current (retry, fail or skip it)")
    return outcome.ok


async def _snapshot(config: AppConfig, clock: Clock) -> DashboardSnapshot:
    """One dashboard refresh, so the CLI judges preconditions on the same live data the TUI would."""
    from nexus_tui.engine.dashboard import DashboardService

    service = DashboardService(config, clock)
    try:
        return await service.refresh()
    finally:
        await service.aclose()
