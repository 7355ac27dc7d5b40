"""The unattended rehearsal: walk a scenario's runbook through IncidentSession against the simulator.

It executes aws and http steps, confirms manual and command steps after their expected (simulated) time,
and never overrides a failing precondition: it stops there and reports the check and its live value. The
only overrides it takes are those the scenario lists as prescribed by the runbook itself for this fault
(domain/drill.py SanctionedOverride); they are journaled with their reason and shown in the score.

The world (simulator, ledger, fault) comes in from the front end through DrillWorldPort: the engine and
the simulator are sibling layers, so neither imports the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.drill import BlockedBy, DataLoss, DrillError, DrillScore, Scenario, StepScore, judge
from nexus_tui.domain.incident import IncidentError, IncidentState
from nexus_tui.domain.runbook_params import runbook_placeholders
from nexus_tui.engine.actions import ActionError
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import IncidentSession, PreconditionBlocked, StepExecutor

# A drill's http check gets this many wall seconds at least, whatever the speed (a loaded machine).
MIN_HTTP_WALL_SECONDS = 5.0


class DrillWorldPort(Protocol):
    scenario: Scenario

    @property
    def clock(self) -> Any: ...

    def app_config(self) -> AppConfig: ...
    def calm(self, seconds: float = ...) -> None: ...
    def inject(self) -> Any: ...
    def jump(self, seconds: float) -> None: ...
    def declare_params(self) -> dict[str, str]: ...
    def params_before(self, step_id: str, known: dict[str, str]) -> dict[str, str]: ...
    def after_step(self, step_id: str) -> None: ...
    def measure(self) -> tuple[DataLoss, dict[str, Any], tuple[str, ...]]: ...
    def cleanup(self) -> list[str]: ...


@dataclass(frozen=True)
class DrillResult:
    score: DrillScore
    report: str
    cleanup: tuple[str, ...]


def ensure_simulated(config: AppConfig) -> None:
    """A drill touches only the simulator: every configured region must be served on this machine."""
    from nexus_tui.sources.aws.action_clients import is_simulated

    regions = config.aws.regions
    if not is_simulated(config.aws, regions):
        outside = [r for r in regions if not is_simulated(config.aws, [r])] or ["(no regions)"]
        raise DrillError(
            f"refusing to run a drill: {', '.join(outside)} is not served by the simulator on this machine"
        )


class DrillRunner:
    def __init__(
        self,
        world: DrillWorldPort,
        incidents: Callable[[AppConfig, Clock], IncidentService],
        *,
        speed: float = 1.0,
        calm_seconds: float | None = None,
        on_progress: Callable[[str], None] | None = None,
        runbook: str | None = None,
    ) -> None:
        self.world = world
        self.scenario = world.scenario
        allowed = (self.scenario.runbook, *self.scenario.alt_runbooks)
        if runbook is not None and runbook not in allowed:
            raise DrillError(f"scenario {self.scenario.id} rehearses {', '.join(allowed)}, not runbook {runbook!r}")
        self.runbook = runbook or self.scenario.runbook
        self._incidents = incidents
        self.speed = speed
        self.calm_seconds = calm_seconds
        self._say = on_progress or (lambda _line: None)

    async def run_auto(self) -> DrillResult:
        world, scenario = self.world, self.scenario
        config = world.app_config()
        ensure_simulated(config)
        clock = world.clock
        svc = self._incidents(config, clock)
        dashboard = DashboardService(config, clock)
        # Real time polls, simulated time elapses: a poll every ~15 simulated seconds, as in AWS's own waiters.
        poll = min(max(15.0 / self.speed, 0.05), 15.0)
        executor = StepExecutor(config, clock, is_drill_default=True, poll_interval=poll)
        try:
            if self.calm_seconds is None:
                world.calm()
            else:
                world.calm(self.calm_seconds)
            fault = world.inject()
            fault_at: datetime = fault.at
            self._say(f"fault injected: {scenario.fault}")
            runbook = svc.runbook(self.runbook)
            known = set(runbook.params) | runbook_placeholders(runbook)
            params = {k: v for k, v in world.declare_params().items() if k in known}
            iid = svc.declare(self.runbook, severity="SEV1", drill=True, params=params, scenario=scenario.id)
            self._say(f"declared drill incident {iid} ({self.runbook})")
            session = IncidentSession(svc, iid, executor=executor, snapshot=lambda: dashboard.refresh(complete=True))
            lag = fault.facts.get("lag_at_failure") if isinstance(getattr(fault, "facts", None), dict) else None
            rpo = float(config.settings.targets.rpo_seconds)
            blocked, failures, _overrides = await self._walk(session, dashboard, lag, rpo)
            state = await session.refresh()
            score = score_incident(
                state, world, config, fault_at=fault_at, speed=self.speed, blocked=blocked, failures=tuple(failures)
            )
            score = replace(score, detection_seconds=None)  # unattended: declared the moment the fault is injected
            verdict, reasons = score.verdict, score.reasons
            await session.note(f"drill verdict: {verdict.upper()}" + (f" ({'; '.join(reasons)})" if reasons else ""))
            # Resolved whatever the verdict, so the calendar counts the rehearsal (with its verdict) as run.
            open_steps = bool(state.pending_steps)
            try:
                await asyncio.to_thread(
                    svc.resolve,
                    iid,
                    f"drill {scenario.id}: {verdict}",
                    force=open_steps,
                    reason=f"drill {verdict}: {reasons[0]}" if open_steps and reasons else None,
                    verdict=verdict,
                )
            except IncidentError as exc:  # e.g. an outcome still unknown: the score stands, the incident stays open
                await session.note(f"drill not resolved: {exc}")
            cleanup = tuple(world.cleanup())
            report = svc.report(iid)
            return DrillResult(score, report + drill_report_section(score, cleanup), cleanup)
        finally:
            await dashboard.aclose()
            svc.close()

    async def _walk(
        self, session: IncidentSession, dashboard: DashboardService, lag_before_fault: float | None, rpo: float
    ) -> tuple[BlockedBy | None, list[str], dict[str, list[str]]]:
        world, scenario = self.world, self.scenario
        overrides: dict[str, list[str]] = {}
        while True:
            state = await session.refresh()
            current = state.current_step
            if current is None:
                return None, [], overrides
            step_id = current.id
            supply = world.params_before(step_id, dict(state.params))
            if supply:
                await session.supply_params(supply)
            step = (await session.refresh()).runbook.step(step_id)
            snapshot = None
            if step.preconditions:
                dashboard.invalidate()
                snapshot = await dashboard.refresh(complete=True)
            plan = await session.plan(step_id, snapshot)
            for check in plan.blocking_checks:
                sanctioned = scenario.sanctioned_for(step_id, check.pre.check)
                if sanctioned is not None and not sanctioned.applies(lag_before_fault, rpo):
                    sanctioned = None
                if sanctioned is None:
                    self._say(f"BLOCKED at {step_id}: {check.pre.check}: {check.result.detail}")
                    return BlockedBy(step_id, check.pre.check, check.result.detail), [], overrides
                reason = sanctioned.reason
                if sanctioned.needs_lag_before_fault_below_rpo:
                    reason += f" ({lag_before_fault:g} s < {rpo:g} s)"
                await session.override(step_id, reason, check.pre.check)
                overrides.setdefault(step_id, []).append(f"{check.pre.check}: {reason}")
                self._say(f"override (prescribed by the runbook) {step_id}/{check.pre.check}")
            try:
                ok, why = await self._do(
                    session, step_id, step.kind, step.expected_seconds, plan.confirm_text, snapshot
                )
            except PreconditionBlocked as exc:
                return BlockedBy(step_id, "precondition", str(exc)), [], overrides
            except ActionError as exc:
                ok, why = False, str(exc)
            if not ok:
                self._say(f"step {step_id} failed: {why}")
                await session.fail(step_id, why or "failed")
                return None, [f"step {step_id} failed: {why}"], overrides
            world.after_step(step_id)
            self._say(f"step {step_id} done")

    async def _do(
        self,
        session: IncidentSession,
        step_id: str,
        kind: str,
        expected_seconds: float,
        confirm_text: str | None,
        snapshot: Any,
    ) -> tuple[bool, str]:
        if kind == "aws":
            preview = await session.preview(step_id)
            typed = (preview.confirm_text if preview is not None else None) or ""
            self._say(f"executing {step_id}: {preview.action if preview else ''}")
            with self.world.clock.running():
                result = await session.execute_aws(
                    step_id, typed, lambda p: self._say(f"  {p.message}"), snapshot=snapshot
                )
            return bool(result.ok and result.reached), result.error or ""
        if kind == "http":
            wall = max(expected_seconds / self.speed, MIN_HTTP_WALL_SECONDS)
            with self.world.clock.running():
                http = await session.check_http(step_id, lambda line: self._say(f"  {line}"), deadline_seconds=wall)
            return http.ok, http.summary
        # manual, command (and any kind a person does): the drill plays the person, taking the expected time.
        await session.start(step_id)
        self.world.jump(expected_seconds)
        note = "drill: done by the unattended rehearsal after its expected time"
        await session.confirm(step_id, confirm_text, note=note, snapshot=snapshot)
        return True, ""


def score_incident(
    state: IncidentState,
    world: DrillWorldPort,
    config: AppConfig,
    *,
    fault_at: datetime,
    speed: float,
    blocked: BlockedBy | None = None,
    failures: tuple[str, ...] = (),
) -> DrillScore:
    """The score of a drill incident from its journaled state and the world's measurements: the same for an
    unattended rehearsal and for a team's interactive drill. RTO runs from the fault to the last step done."""
    finished = [s.finished_at for s in state.steps if s.finished_at is not None]
    all_done = not state.pending_steps
    rto = (max(finished) - fault_at).total_seconds() if all_done and finished else None
    loss, checks, extra = world.measure()
    by_step: dict[str, list[str]] = {}
    for o in state.overrides:
        by_step.setdefault(o.step_id or "(incident)", []).append(f"{o.check or 'all checks'}: {o.reason}")
    steps = tuple(
        StepScore(
            st.id,
            state.runbook.step(st.id).expected_seconds,
            st.actual_seconds,
            st.status,
            tuple(by_step.get(st.id, ())),
        )
        for st in state.steps
    )
    rto_target = float(state.runbook.rto_seconds or config.settings.targets.rto_seconds)
    rpo_target = float(config.settings.targets.rpo_seconds)
    verdict, reasons = judge(
        rto_seconds=rto,
        rto_target_seconds=rto_target,
        data_loss=loss,
        rpo_target_seconds=rpo_target,
        steps=steps,
        blocked_by=blocked,
        extra_failures=(*failures, *extra),
    )
    return DrillScore(
        scenario=world.scenario.id,
        runbook=state.runbook.id,
        verdict=verdict,
        rto_seconds=rto,
        rto_target_seconds=rto_target,
        detection_seconds=max((state.declared_at - fault_at).total_seconds(), 0.0),
        data_loss=loss,
        rpo_target_seconds=rpo_target,
        steps=steps,
        blocked_by=blocked,
        reasons=reasons,
        speed=speed,
        incident_id=state.id,
        checks=checks,
    )


def drill_report_section(score: DrillScore, cleanup: tuple[str, ...]) -> str:
    """The drill's part of the incident report: verdict against RTO and RPO, overrides, cleanup."""
    loss = score.data_loss.to_dict()
    lines = [
        "",
        "## Drill verdict",
        "",
        f"- Scenario: `{score.scenario}` (runbook `{score.runbook}`, speed x{score.speed:g})",
        f"- Verdict: **{score.verdict.upper()}**",
        f"- RTO: {_mins(score.rto_seconds)} achieved / {_mins(score.rto_target_seconds)} target (simulated time)",
        f"- Data loss: {_loss_text(loss)} / RPO {_mins(score.rpo_target_seconds)}",
    ]
    if score.blocked_by is not None:
        b = score.blocked_by
        lines.append(f"- Blocked at `{b.step_id}` by `{b.check}`: {b.detail}")
    lines += [f"- {r}" for r in score.reasons]
    overridden = [(s.id, o) for s in score.steps for o in s.overrides]
    lines += ["", "### Overridden", ""]
    lines += [f"- `{sid}`: {o}" for sid, o in overridden] or ["- nothing"]
    lines += ["", "### Cleanup checklist", ""]
    lines += [f"- [ ] {c}" for c in cleanup] or ["- [ ] nothing to clean up"]
    return "\n".join(lines) + "\n"


def _mins(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def _loss_text(loss: Mapping[str, Any]) -> str:
    parts = []
    if loss.get("transactions") is not None:
        parts.append(f"{loss['transactions']} transactions ({loss.get('seconds') or 0:.0f} s of data)")
    if loss.get("objects") is not None:
        parts.append(f"{loss['objects']} objects ({loss.get('bytes') or 0} bytes)")
    return ", ".join(parts) or "none measured"
