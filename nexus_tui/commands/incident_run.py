"""The `nexus-tui incident` actions, each a call on IncidentSession (the same object the TUI uses) run to
completion with asyncio.run. Printing is all that happens here: no incident rule lives in this file."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.text import printable, printable_line
from nexus_tui.engine.incidents import IncidentService, current_user
from nexus_tui.engine.outcomes import ActionError, ActionResult
from nexus_tui.engine.views import plan_json, render_list, render_plan, render_show, view_json

if TYPE_CHECKING:
    from nexus_tui.engine.session import IncidentSession

T = TypeVar("T")
MANUAL_AWS_NOTE = "executed outside nexus-tui"


def _say(line: str) -> None:
    print(printable_line(line), file=sys.stderr)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _snapshot_provider(config: AppConfig) -> Callable[[], Coroutine[Any, Any, DashboardSnapshot | None]]:
    """One dashboard refresh, so the CLI judges preconditions on the same live data the TUI would. Only
    called for a step that has preconditions."""

    async def snapshot() -> DashboardSnapshot | None:
        from nexus_tui.engine.dashboard import DashboardService

        service = DashboardService(config, SystemClock())
        try:
            return await service.refresh()
        finally:
            await service.aclose()

    return snapshot


def session_for(args: argparse.Namespace, svc: IncidentService, config: AppConfig) -> IncidentSession:
    # Imported here: the session brings the AWS SDK, which list/show/report/verify never need.
    from nexus_tui.engine.session import IncidentSession, StepExecutor

    return IncidentSession(svc, args.id, executor=StepExecutor(config, svc.clock), snapshot=_snapshot_provider(config))


def dispatch(args: argparse.Namespace, svc: IncidentService, config: AppConfig) -> int:
    cmd = args.incident_command
    if cmd == "declare":
        from nexus_tui.commands.incident import _params

        iid = svc.declare(
            args.runbook,
            severity=args.severity,
            ic=args.ic or current_user(),
            drill=args.drill,
            params=_params(args.param),
        )
        print(iid)
        return 0
    if cmd == "list":
        items = svc.list()
        print(
            json.dumps([view_json(svc.get(i.id), brief=True) for i in items], indent=2)
            if args.json
            else render_list(items)
        )
        return 0
    if cmd == "show":
        view = svc.get(args.id)
        print(json.dumps(view_json(view), indent=2) if args.json else render_show(view))
        return 0
    if cmd == "report":
        return _report(args, svc)
    if cmd == "verify":
        return _verify(args, svc)
    session = session_for(args, svc, config)
    handler = _SESSION_COMMANDS[cmd]
    return _run(handler(args, session))


async def _preview(args: argparse.Namespace, session: IncidentSession) -> int:
    plan = await session.plan(args.step)
    preview, error = None, None
    if plan.step.kind == "aws":
        try:
            preview = await session.preview(plan.step.id)
        except ActionError as exc:
            error = str(exc)
    print(json.dumps(plan_json(plan, preview, error), indent=2) if args.json else render_plan(plan, preview, error))
    return 0


async def _step(args: argparse.Namespace, session: IncidentSession) -> int:
    step_id = args.step
    if args.verb == "start":
        await session.start(step_id)
    elif args.verb == "skip":
        await session.skip(step_id, args.reason)
    elif args.verb == "fail":
        await session.fail(step_id, args.reason)
    elif args.execute:
        return await _execute(args, session)
    else:
        state = await session.refresh()
        kind = state.runbook.step(step_id).kind if step_id in {s.id for s in state.runbook.steps} else None
        manual = kind in ("aws", "http")
        note = args.note
        if kind == "aws":
            note = f"{MANUAL_AWS_NOTE}; {note}" if note else MANUAL_AWS_NOTE
        await session.confirm(step_id, args.confirm, manual=manual, note=note)
    return 0


async def _execute(args: argparse.Namespace, session: IncidentSession) -> int:
    """Run the step's AWS action (or HTTP check) through the same session as the TUI: it checks params,
    preconditions, the typed confirmation, claims and the drill guard, journals the request and confirms."""
    result = await session.execute(args.step, args.confirm or "", _say)
    if isinstance(result, ActionResult):
        if result.ok:
            _say(f"{args.step}: {result.action} {result.resource} reached {result.target_state}; step confirmed")
            return 0
        outcome = getattr(result, "outcome", "")
        if outcome == "unknown" or (result.error or "").startswith("outcome unknown"):
            _say(f"{args.step}: {result.error}; run `nexus-tui incident recheck {args.id} {args.step}`")
        else:
            _say(f"{args.step}: {result.error}; the step stays current (retry, fail or skip it)")
        return 1
    _say(result.summary)
    return 0 if result.ok else 1


async def _recheck(args: argparse.Namespace, session: IncidentSession) -> int:
    view = await session.recheck(args.step, verdict=args.verdict, reason=args.reason)
    st = view.state.step_state(args.step)
    print(f"{args.step}: {'done' if st.status == 'done' else 'not done: it may be executed again'}")
    return 0


async def _note(args: argparse.Namespace, session: IncidentSession) -> int:
    await session.note(args.text, step_id=args.step, todo=args.todo, share=args.share)
    return 0


async def _override(args: argparse.Namespace, session: IncidentSession) -> int:
    await session.override(args.step, args.reason, args.check)
    return 0


async def _undo(args: argparse.Namespace, session: IncidentSession) -> int:
    view = await session.undo()
    print(f"undone: {view.state.events[-1].payload.get('step_id')}")
    return 0


async def _resolve(args: argparse.Namespace, session: IncidentSession) -> int:
    view = await session.resolve(args.summary, force=args.force, reason=args.reason)
    forced = f" with {', '.join(view.state.open_at_resolve)} open (forced)" if view.state.resolved_forced else ""
    print(f"{args.id} resolved after {view.timers.elapsed_seconds:.0f} s{forced}")
    return 0


def _report(args: argparse.Namespace, svc: IncidentService) -> int:
    from nexus_tui.commands.incident import SetupError

    text = svc.report(args.id, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SetupError(f"{args.output}: cannot write report: {exc.strerror}") from None
    else:
        print(printable(text))
    return 0


def _verify(args: argparse.Namespace, svc: IncidentService) -> int:
    result = svc.verify(args.id)
    if result.checked == 0 and result.first_bad_seq is None and result.integrity is None:
        print(f"{args.id}: {printable_line(result.reason)}", file=sys.stderr)
        return 1
    if result.integrity is not None:
        print(f"{args.id}: DAMAGED journal file: {printable_line(result.integrity)}")
        return 1
    if result.ok:
        print(
            f"{args.id}: ok ({result.checked} events, hash chain intact; head {result.head_hash}). "
            "The chain cannot show events removed from the end: compare this head with the one announced at resolve."
        )
        return 0
    print(f"{args.id}: TAMPERED at seq {result.first_bad_seq}: {printable_line(result.reason)}")
    return 1


_SESSION_COMMANDS = {
    "preview": _preview,
    "step": _step,
    "recheck": _recheck,
    "note": _note,
    "override": _override,
    "undo": _undo,
    "resolve": _resolve,
}
