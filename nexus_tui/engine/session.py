"""One open incident, as every front end walks it: the TUI, the CLI, the drill runner, and (read-only) the
wall. It answers what a step needs now (StepPlan: params, preconditions with live values, overrides, typed
confirmation, claims, the dry-run preview) and performs start / confirm / execute / skip / fail / note / undo /
override / resolve with the same rules for every caller. The rules themselves live in the domain
(transitions.py, step_plan.py); this class gathers live data for them, runs journal I/O off the event loop,
and drives AWS and HTTP steps.

Execution of an aws step: every refusal happens before anything is sent (current step, params, preconditions,
typed confirmation, drill guard); then the step is CLAIMED in the journal (exclusive across processes and
machines by the journal's seq check), the call is made, and its outcome (done / failed / unknown / not sent,
with the request id) is journaled, which releases the claim. An outcome that cannot be known (the request
left, the answer did not come back) is never retried blind: the next move is a read-only re-check.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.incident import IncidentError, IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.runbook import Step
from nexus_tui.domain.step_plan import ResolveCheck, StepPlan, blocking_line, can_resolve, plan_step
from nexus_tui.domain.transitions import recheckable
from nexus_tui.engine.actions import (
    ActionError,
    ActionPreview,
    ActionProgress,
    ActionResult,
    ActionRunner,
    ConfirmationError,
    MutationNotAllowed,
)
from nexus_tui.engine.incidents import IncidentService, IncidentView
from nexus_tui.sources.http.probe import HttpCheckResult, wait_healthy

log = logging.getLogger(__name__)
T = TypeVar("T")
SnapshotProvider = Callable[[], Awaitable[DashboardSnapshot | None]]

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


class IncidentSession:
    def __init__(
        self,
        service: IncidentService,
        incident_id: str,
        *,
        executor: StepExecutor | None = None,
        snapshot: SnapshotProvider | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.service = service
        self.id = incident_id
        self.executor = executor
        self._snapshot = snapshot
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.state: IncidentState | None = None
        self._running: set[str] = set()  # a double key press in this process must not even try to claim twice

    async def _io(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _apply(self, change: Callable[..., IncidentView], *args: Any, **kwargs: Any) -> IncidentView:
        view = await self._io(change, self.id, *args, **kwargs)
        self.state = view.state
        return view

    # -- reading ------------------------------------------------------------------------------------------

    async def refresh(self) -> IncidentState:
        self.state = await self._io(self.service.state, self.id)
        return self.state

    async def current(self) -> IncidentState:
        return self.state if self.state is not None else await self.refresh()

    def view(self) -> IncidentView | None:
        return None if self.state is None else self.service.view(self.state)

    async def live_snapshot(self, step: Step) -> DashboardSnapshot | None:
        """Live data for a step's preconditions; only fetched when the step has some."""
        if not step.preconditions or self._snapshot is None:
            return None
        return await self._snapshot()

    def plan_now(self, step_id: str | None, snapshot: DashboardSnapshot | None) -> StepPlan:
        """The plan from the state already read (pure arithmetic; for rendering every second)."""
        if self.state is None:
            raise IncidentError(f"incident {self.id} has not been read yet")
        return plan_step(self.state, step_id, snapshot, self.service.settings, self.service.clock.now())

    async def plan(self, step_id: str | None = None, snapshot: DashboardSnapshot | None = None) -> StepPlan:
        state = await self.refresh()
        if snapshot is None and step_id is not None:
            snapshot = await self.live_snapshot(state.runbook.step(state.step_state(step_id).id))
        return self.plan_now(step_id, snapshot)

    async def preview(self, step_id: str) -> ActionPreview | None:
        """The dry run of an aws step: exactly what execute would send. No AWS call. None for other kinds."""
        state = await self.current()
        state.step_state(step_id)
        step = state.runbook.step(step_id)
        if step.kind != "aws":
            return None
        if self.executor is None:
            raise ActionError("this session has no AWS configuration to preview with")
        return await self.executor.runner(state).preview_step(step, state.params)

    def can_resolve(self) -> ResolveCheck:
        if self.state is None:
            raise IncidentError(f"incident {self.id} has not been read yet")
        return can_resolve(self.state)

    # -- recording ----------------------------------------------------------------------------------------

    async def start(self, step_id: str) -> IncidentView:
        return await self._apply(self.service.start, step_id)

    async def _gate(self, step_id: str, snapshot: DashboardSnapshot | None) -> tuple[IncidentState, Step]:
        """The checks shared by confirming and executing: claims and preconditions (transitions check the rest)."""
        state = await self.refresh()
        state.step_state(step_id)
        step = state.runbook.step(step_id)
        if snapshot is None:
            snapshot = await self.live_snapshot(step)
        plan = plan_step(state, step_id, snapshot, self.service.settings, self.service.clock.now())
        if plan.claim is not None or plan.outcome_unknown:
            raise StepClaimed(next(b for b in plan.blockers if "unknown" in b or "claimed" in b or "executed" in b))
        line = blocking_line(step_id, plan.checks)
        if line and not state.resolved:
            raise PreconditionBlocked(line)
        return state, step

    async def confirm(
        self,
        step_id: str,
        typed: str | None = None,
        *,
        manual: bool = False,
        note: str = "",
        snapshot: DashboardSnapshot | None = None,
    ) -> IncidentView:
        """Mark a step done (by hand for an aws/http step: `manual`). Refused while its preconditions fail
        without an override, while someone executes it, and without the typed text of a destructive step."""
        await self._gate(step_id, snapshot)
        return await self._apply(self.service.confirm, step_id, typed, manual=manual, note=note)

    async def skip(self, step_id: str, reason: str | None) -> IncidentView:
        return await self._apply(self.service.skip, step_id, reason)

    async def fail(self, step_id: str, reason: str | None) -> IncidentView:
        return await self._apply(self.service.fail, step_id, reason)

    async def note(
        self, text: str, *, step_id: str | None = None, todo: bool = False, share: bool = False
    ) -> IncidentView:
        return await self._apply(self.service.note, text, step_id=step_id, todo=todo, share=share)

    async def undo(self) -> IncidentView:
        return await self._apply(self.service.undo)

    async def override(self, step_id: str | None, reason: str | None, check: str | None = None) -> IncidentView:
        return await self._apply(self.service.override, step_id, reason, check)

    async def override_blocking(self, step_id: str, reason: str, snapshot: DashboardSnapshot | None) -> list[str]:
        """Override every check of the step that blocks now, one journaled override each; returns their names."""
        plan = await self.plan(step_id, snapshot)
        names = [c.pre.check for c in plan.blocking_checks]
        for name in names:
            await self.override(step_id, reason, name)
        return names

    async def supply_params(self, values: Mapping[str, str]) -> IncidentView:
        return await self._apply(self.service.supply_params, values)

    async def resolve(
        self, summary: str | None = None, *, force: bool = False, reason: str | None = None
    ) -> IncidentView:
        return await self._apply(self.service.resolve, summary, force=force, reason=reason)

    # -- executing ----------------------------------------------------------------------------------------

    def _executor(self) -> StepExecutor:
        if self.executor is None:
            raise ActionError("this session cannot run AWS or HTTP steps: do it by hand and confirm it")
        return self.executor

    async def execute(
        self,
        step_id: str,
        typed: str = "",
        on_progress: Callable[[str], None] | None = None,
        *,
        snapshot: DashboardSnapshot | None = None,
    ) -> ActionResult | HttpCheckResult:
        """Run an aws step (and wait for its target state) or an http check; confirms the step on success."""
        state = await self.current()
        state.step_state(step_id)
        kind = state.runbook.step(step_id).kind
        if kind == "http":
            return await self.check_http(step_id, on_progress)
        if kind != "aws":
            raise ActionError(f"step {step_id} is a {kind} step: only aws and http steps are executed")

        def progress(p: ActionProgress) -> None:
            if on_progress is not None:
                on_progress(f"[{p.elapsed_seconds:5.1f}s] {p.message}")

        return await self.execute_aws(step_id, typed, progress, snapshot=snapshot)

    def _ready(self, state: IncidentState, step_id: str, kind: str) -> Step:
        step = state.runbook.step(step_id)
        plan = plan_step(state, step_id, None, self.service.settings, self.service.clock.now())
        if step.kind != kind:
            raise ActionError(f"step {step_id} is a {step.kind} step, not {kind}")
        structural = [b for b in plan.blockers if "precondition" not in b]
        if structural:
            raise (StepClaimed if plan.claim or plan.outcome_unknown else ActionError)(structural[0])
        return step

    async def execute_aws(
        self,
        step_id: str,
        typed: str,
        on_progress: Callable[[ActionProgress], None] | None = None,
        *,
        snapshot: DashboardSnapshot | None = None,
    ) -> ActionResult:
        if step_id in self._running:
            raise StepClaimed(f"step {step_id} is already running in this session")
        self._running.add(step_id)
        try:
            return await self._execute_aws(step_id, typed.strip(), on_progress, snapshot)
        finally:
            self._running.discard(step_id)

    async def _execute_aws(
        self,
        step_id: str,
        typed: str,
        on_progress: Callable[[ActionProgress], None] | None,
        snapshot: DashboardSnapshot | None,
    ) -> ActionResult:
        executor = self._executor()
        try:
            state, step = await self._gate(step_id, snapshot)
            self._ready(state, step_id, "aws")
        except IncidentError as exc:
            raise ActionError(str(exc)) from None
        runner = executor.runner(state)
        preview = await runner.preview_step(step, state.params)
        if preview.confirm_text is not None and typed != preview.confirm_text:
            raise ConfirmationError(
                f"step {step_id}: type {preview.confirm_text!r} to confirm {preview.action}; nothing was done"
            )
        action, _ = runner.resolve(step, state.params)
        if runner.is_drill and not runner.simulated(action):
            raise MutationNotAllowed(
                f"step {step_id}: this is a drill, and {preview.action} in {preview.region} would not run against "
                "the simulator; nothing was done"
            )
        try:
            await self._apply(
                self.service.claim,
                step_id,
                host=self.host,
                pid=self.pid,
                deadline_seconds=executor.claim_deadline_seconds,
            )
        except IncidentError as exc:
            raise StepClaimed(str(exc)) from None
        if self.state is not None and self.state.step_state(step_id).status != "in_progress":
            await self.start(step_id)  # a retry keeps the first start time
        try:
            result = await runner.execute_step(step, state.params, typed, on_progress)
        except ActionError as exc:
            # Refused before any mutating call: nothing was sent; the claim is released with that outcome.
            await self._apply(
                self.service.record_aws_request,
                step_id,
                action.name,
                preview.region,
                None,
                None,
                executed=False,
                outcome="not_sent",
                error=str(exc),
            )
            raise
        except BaseException as exc:
            # Cancelled or crashed mid-call: whether AWS acted cannot be told, and the journal must say so.
            # No exc_info: the exception text may quote a response body, and that may hold a secret.
            what = "cancelled" if isinstance(exc, asyncio.CancelledError) else f"failed ({type(exc).__name__})"
            log.warning("%s on %s %s", action.name, action.target_resource, what)
            message = (
                f"outcome unknown: {action.name} {action.target_resource} in {preview.region} {what} while running; "
                "check the resource state before retrying"
            )
            await asyncio.shield(
                self._apply(
                    self.service.record_aws_request,
                    step_id,
                    action.name,
                    preview.region,
                    None,
                    None,
                    executed=True,
                    outcome="unknown",
                    error=message,
                )
            )
            if isinstance(exc, Exception):
                return ActionResult(
                    action=action.name,
                    resource=action.target_resource,
                    region=preview.region,
                    ok=False,
                    error=message,
                    step_id=step_id,
                )
            raise
        await self._record(step_id, result)
        if result.ok and result.reached:
            note = f"{result.action} {result.resource}: {result.target_state} (request id {result.request_id})"
            try:
                await self._apply(self.service.confirm, step_id, typed, note=note)
            except IncidentError as exc:
                # Someone finished or skipped the step while the call ran; the call itself is journaled.
                await self.note(f"{note}; step not confirmed: {exc}", step_id=step_id)
        return result

    async def _record(self, step_id: str, result: ActionResult) -> None:
        outcome = getattr(result, "outcome", None) or (
            "done" if result.ok else ("failed" if result.request_id is not None else "not_sent")
        )
        await self._apply(
            self.service.record_aws_request,
            step_id,
            result.action,
            result.region,
            result.request_id,
            result.reached,
            executed=outcome in ("done", "failed", "unknown"),
            error=result.error,
            outcome=outcome,
        )

    async def recheck(self, step_id: str, *, verdict: bool | None = None, reason: str = "") -> IncidentView:
        """Decide an unknown outcome: a read-only look at the resource (when the action knows how), or the
        operator's verdict with a reason. Done -> the step is confirmed; not done -> it may be executed again."""
        state = await self.refresh()
        step = state.runbook.step(state.step_state(step_id).id)
        recheckable(state, step_id, self.service.clock.now())  # before any look at the resource
        detail = reason.strip()
        if verdict is None:
            recheck = getattr(self._executor().runner(state), "recheck", None)
            found = await recheck(step, state.params) if recheck is not None else None
            if found is None:
                raise ActionError(
                    f"step {step_id}: the resource state cannot be checked automatically; look at it and give a "
                    "verdict (done / not done) with a reason"
                )
            verdict, detail = found
        elif not detail:
            raise ActionError(f"step {step_id}: a verdict on an unknown outcome needs a reason")
        view = await self._apply(self.service.release_unknown, step_id, reached=verdict, detail=detail or "re-check")
        if verdict:
            view = await self._apply(
                self.service.confirm, step_id, step.confirm_text, note=f"re-check: {detail or 'resource changed'}"
            )
        return view

    async def check_http(
        self,
        step_id: str,
        on_progress: Callable[[str], None] | None = None,
        *,
        deadline_seconds: float | None = None,
    ) -> HttpCheckResult:
        """GET the step's URL until it answers the expected status, for up to the step's expected time.
        Journals the outcome as a note; confirms when healthy."""
        state = await self.refresh()
        try:
            step = self._ready(state, step_id, "http")
        except IncidentError as exc:
            raise ActionError(str(exc)) from None
        if step.http is None:
            raise ActionError(f"step {step_id} has no http check")
        line = blocking_line(
            step_id,
            plan_step(
                state, step_id, await self.live_snapshot(step), self.service.settings, self.service.clock.now()
            ).checks,
        )
        if line:
            raise PreconditionBlocked(line)
        http = step.http
        if state.step_state(step_id).status != "in_progress":
            await self.start(step_id)
        result = await wait_healthy(
            http.url,
            expected_status=http.expected_status,
            timeout_seconds=http.timeout_seconds,
            interval_seconds=http.retry_interval_seconds,
            deadline_seconds=max(step.expected_seconds if deadline_seconds is None else deadline_seconds, 0.0),
            on_progress=on_progress,
        )
        await self.note(result.summary, step_id=step_id)
        if result.ok:
            try:
                await self._apply(self.service.confirm, step_id, note=f"HTTP {result.status}")
            except IncidentError as exc:
                await self.note(f"health check passed; step not confirmed: {exc}", step_id=step_id)
        return result
