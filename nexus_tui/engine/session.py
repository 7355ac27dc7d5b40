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
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from nexus_tui.domain.incident import Event, IncidentError, IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.runbook import Step
from nexus_tui.domain.step_plan import ResolveCheck, StepPlan, can_resolve, plan_step
from nexus_tui.engine.actions import (
    ActionError,
    ActionPreview,
    ActionProgress,
    ActionResult,
    ConfirmationError,
    MutationNotAllowed,
)
from nexus_tui.engine.incidents import IncidentService, IncidentView
from nexus_tui.engine.session_exec import SessionExecution
from nexus_tui.engine.session_types import (
    CLAIM_GRACE_SECONDS,
    DEFAULT_ACTION_SECONDS,
    PreconditionBlocked,
    StepClaimed,
    StepExecutor,
)
from nexus_tui.sources.http.probe import HttpCheckResult

__all__ = [
    "CLAIM_GRACE_SECONDS",
    "DEFAULT_ACTION_SECONDS",
    "ActionError",
    "ActionPreview",
    "ActionProgress",
    "ActionResult",
    "ConfirmationError",
    "HttpCheckResult",
    "IncidentSession",
    "MutationNotAllowed",
    "PreconditionBlocked",
    "SnapshotProvider",
    "StepClaimed",
    "StepExecutor",
]

T = TypeVar("T")
SnapshotProvider = Callable[[], Awaitable[DashboardSnapshot | None]]


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
        self._exec = SessionExecution(self)

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
        return plan_step(
            self.state,
            step_id,
            snapshot,
            self.service.settings,
            self.service.clock.now(),
            routing=self.service.slack_routing,
        )

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
        plan = plan_step(
            state,
            step_id,
            snapshot,
            self.service.settings,
            self.service.clock.now(),
            routing=self.service.slack_routing,
        )
        if plan.holds:
            raise StepClaimed(plan.holds[0])
        if plan.precondition_line and not state.resolved:
            raise PreconditionBlocked(plan.precondition_line)
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

    async def tick(self) -> list[Event]:
        """Journal the timer events due now (escalations, RTO projection, overdue step), each once across every
        process on the journal; returns those this call appended (usually none)."""
        fired = await self._io(self.service.fire_timers, self.id)
        await self.refresh()  # what fired here or elsewhere: the caller's next look must not find it due again
        return fired

    # -- executing (engine/session_exec.py) -------------------------------------------------------------------

    async def execute(
        self,
        step_id: str,
        typed: str = "",
        on_progress: Callable[[str], None] | None = None,
        *,
        snapshot: DashboardSnapshot | None = None,
    ) -> ActionResult | HttpCheckResult:
        """Run an aws step (and wait for its target state) or an http check; confirms the step on success."""
        return await self._exec.execute(step_id, typed, on_progress, snapshot=snapshot)

    async def execute_aws(
        self,
        step_id: str,
        typed: str,
        on_progress: Callable[[ActionProgress], None] | None = None,
        *,
        snapshot: DashboardSnapshot | None = None,
    ) -> ActionResult:
        return await self._exec.execute_aws(step_id, typed, on_progress, snapshot=snapshot)

    async def check_http(
        self, step_id: str, on_progress: Callable[[str], None] | None = None, *, deadline_seconds: float | None = None
    ) -> HttpCheckResult:
        return await self._exec.check_http(step_id, on_progress, deadline_seconds=deadline_seconds)

    async def recheck(self, step_id: str, *, verdict: bool | None = None, reason: str = "") -> IncidentView:
        """Decide an unknown outcome: a read-only look at the resource, or the operator's verdict with a reason."""
        return await self._exec.recheck(step_id, verdict=verdict, reason=reason)
