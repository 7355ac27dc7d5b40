"""Executing a session's aws and http steps: the part of IncidentSession that talks to AWS and to health
endpoints. Every refusal happens before anything is sent; the step is claimed in the journal first; the
outcome (done / failed / unknown / not sent) is journaled, which releases the claim. See session.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from nexus_tui.domain.incident import IncidentError, IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.runbook import Step
from nexus_tui.domain.step_plan import plan_step
from nexus_tui.domain.transitions import recheckable
from nexus_tui.engine.actions import (
    ActionError,
    ActionProgress,
    ActionResult,
    ConfirmationError,
    MutationNotAllowed,
)
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.session_types import PreconditionBlocked, StepClaimed, StepExecutor
from nexus_tui.sources.http.probe import HttpCheckResult, wait_healthy

log = logging.getLogger("nexus_tui.engine.session")

if TYPE_CHECKING:
    from nexus_tui.engine.session import IncidentSession


class SessionExecution:
    """The executing half of an IncidentSession (composition: the session owns one and delegates to it)."""

    def __init__(self, session: IncidentSession) -> None:
        self.s = session
        self._running: set[str] = set()  # a double key press in this process must not even try to claim twice

    def _executor(self) -> StepExecutor:
        if self.s.executor is None:
            raise ActionError("this session cannot run AWS or HTTP steps: do it by hand and confirm it")
        return self.s.executor

    async def execute(
        self,
        step_id: str,
        typed: str = "",
        on_progress: Callable[[str], None] | None = None,
        *,
        snapshot: DashboardSnapshot | None = None,
    ) -> ActionResult | HttpCheckResult:
        """Run an aws step (and wait for its target state) or an http check; confirms the step on success."""
        state = await self.s.current()
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
        plan = plan_step(state, step_id, None, self.s.service.settings, self.s.service.clock.now())
        if step.kind != kind:
            raise ActionError(f"step {step_id} is a {step.kind} step, not {kind}")
        # Preconditions are the caller's to check (against a live snapshot); the rest refuses here.
        refusals = (*plan.structural, *plan.holds)
        if refusals:
            raise (StepClaimed if plan.holds else ActionError)(refusals[0])
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
            state, step = await self.s._gate(step_id, snapshot)
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
            await self.s._apply(
                self.s.service.claim,
                step_id,
                host=self.s.host,
                pid=self.s.pid,
                deadline_seconds=executor.claim_deadline_seconds,
            )
        except IncidentError as exc:
            raise StepClaimed(str(exc)) from None
        if self.s.state is not None and self.s.state.step_state(step_id).status != "in_progress":
            await self.s.start(step_id)  # a retry keeps the first start time
        try:
            result = await runner.execute_step(step, state.params, typed, on_progress)
        except ActionError as exc:
            # Refused before any mutating call: nothing was sent; the claim is released with that outcome.
            await self.s._apply(
                self.s.service.record_aws_request,
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
                self.s._apply(
                    self.s.service.record_aws_request,
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
                await self.s._apply(self.s.service.confirm, step_id, typed, note=note)
            except IncidentError as exc:
                # Someone finished or skipped the step while the call ran; the call itself is journaled.
                await self.s.note(f"{note}; step not confirmed: {exc}", step_id=step_id)
        return result

    async def _record(self, step_id: str, result: ActionResult) -> None:
        outcome = getattr(result, "outcome", None) or (
            "done" if result.ok else ("failed" if result.request_id is not None else "not_sent")
        )
        await self.s._apply(
            self.s.service.record_aws_request,
            step_id,
            result.action,
            result.region,
            result.request_id,
            result.reached,
            executed=outcome in ("done", "accepted", "unknown"),
            error=result.error,
            outcome=outcome,
        )

    async def recheck(self, step_id: str, *, verdict: bool | None = None, reason: str = "") -> IncidentView:
        """Decide an unknown outcome: a read-only look at the resource (when the action knows how), or the
        operator's verdict with a reason. Done -> the step is confirmed; not done -> it may be executed again."""
        state = await self.s.refresh()
        step = state.runbook.step(state.step_state(step_id).id)
        recheckable(state, step_id, self.s.service.clock.now())  # before any look at the resource
        detail = reason.strip()
        if verdict is None:
            found = await self._executor().runner(state).recheck_step(step, state.params)
            if found.done is None:
                raise ActionError(
                    f"step {step_id}: {found.message}; look at the resource and give a verdict (done / not done) "
                    "with a reason"
                )
            verdict, detail = found.done, found.message
        elif not detail:
            raise ActionError(f"step {step_id}: a verdict on an unknown outcome needs a reason")
        view = await self.s._apply(
            self.s.service.release_unknown, step_id, reached=verdict, detail=detail or "re-check"
        )
        if verdict:
            view = await self.s._apply(
                self.s.service.confirm, step_id, step.confirm_text, note=f"re-check: {detail or 'resource changed'}"
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
        state = await self.s.refresh()
        try:
            step = self._ready(state, step_id, "http")
        except IncidentError as exc:
            raise ActionError(str(exc)) from None
        if step.http is None:
            raise ActionError(f"step {step_id} has no http check")
        line = plan_step(
            state, step_id, await self.s.live_snapshot(step), self.s.service.settings, self.s.service.clock.now()
        ).precondition_line
        if line:
            raise PreconditionBlocked(line)
        http = step.http
        if state.step_state(step_id).status != "in_progress":
            await self.s.start(step_id)
        result = await wait_healthy(
            http.url,
            expected_status=http.expected_status,
            timeout_seconds=http.timeout_seconds,
            interval_seconds=http.retry_interval_seconds,
            deadline_seconds=max(step.expected_seconds if deadline_seconds is None else deadline_seconds, 0.0),
            on_progress=on_progress,
        )
        await self.s.note(result.summary, step_id=step_id)
        if result.ok:
            try:
                await self.s._apply(self.s.service.confirm, step_id, note=f"HTTP {result.status}")
            except IncidentError as exc:
                await self.s.note(f"health check passed; step not confirmed: {exc}", step_id=step_id)
        return result
