"""`nexus-tui incident ...`: the headless runbook engine. Same service and journal as the TUI, so an operator
without a terminal UI (SSH from a phone, a script, a second engineer) works on the same incident.

Exit codes: 0 ok; 1 refused (invalid transition, unknown incident, tampered journal); 2 setup problem
(config, journal file, runbook not found)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nexus_tui.commands.incident_view import render_list, render_show, view_json
from nexus_tui.config import AppConfig, ConfigError, default_journal_path, load_config
from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.runbook import Runbook
from nexus_tui.engine.incidents import IncidentService, current_user
from nexus_tui.journal.store import JournalError

MANUAL_AWS_NOTE = "executed outside nexus-tui"


class SetupError(Exception):
    """Exit 2: the tool cannot start (config, journal, runbook library)."""


def _common() -> argparse.ArgumentParser:
    # SUPPRESS defaults let the options appear before or after the sub-command without one clobbering the other.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--journal", type=Path, default=argparse.SUPPRESS, help="journal file (env NEXUS_TUI_JOURNAL)")
    p.add_argument("--runbooks", type=Path, action="append", default=argparse.SUPPRESS, help="extra runbook directory")
    return p


def register(subparsers: Any) -> None:
    common = _common()
    parser = subparsers.add_parser(
        "incident", parents=[common], help="declare and run an incident from the command line"
    )
    parser.set_defaults(func=run, incident_command=None)
    sub = parser.add_subparsers(dest="incident_command", metavar="ACTION")

    p = sub.add_parser("declare", parents=[common], help="declare an incident; prints its id")
    p.add_argument("--runbook", required=True, help="runbook id")
    p.add_argument("--severity", default="SEV2", help="SEV1..SEV4 (default SEV2)")
    p.add_argument("--drill", action="store_true", help="a drill, not a real incident")
    p.add_argument("--ic", default=None, help="incident commander (default: OS user)")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="runbook parameter")

    p = sub.add_parser("list", parents=[common], help="list incidents, newest first")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", parents=[common], help="an incident's steps, clock and escalation")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("step", parents=[common], help="start, confirm, skip or fail a step")
    p.add_argument("id")
    p.add_argument("step")
    p.add_argument("verb", choices=("start", "done", "skip", "fail"))
    p.add_argument("--reason", default=None, help="required for skip and fail")
    p.add_argument("--confirm", default=None, metavar="RESOURCE", help="typed confirmation of a destructive step")
    p.add_argument("--note", default="", help="a note stored with the confirmation")
    p.add_argument("--execute", action="store_true", help="run the step's AWS action (default: record only)")

    p = sub.add_parser("note", parents=[common], help="add a note to the timeline")
    p.add_argument("id")
    p.add_argument("text")
    p.add_argument("--step", default=None)
    p.add_argument("--todo", action="store_true", help="an open item for the report")

    p = sub.add_parser("override", parents=[common], help="record a precondition override and why")
    p.add_argument("id")
    p.add_argument("--step", default=None)
    p.add_argument("--check", default=None)
    p.add_argument("--reason", required=True)

    for name, help_ in (
        ("undo", "take back the last confirmation (within the grace period)"),
        ("verify", "check the journal's hash chain (exit 1 if tampered)"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_)
        p.add_argument("id")

    p = sub.add_parser("resolve", parents=[common], help="resolve the incident")
    p.add_argument("id")
    p.add_argument("--summary", default=None)

    p = sub.add_parser("report", parents=[common], help="post-incident report")
    p.add_argument("id")
    p.add_argument("--format", default="md", choices=("md",))
    p.add_argument("--output", type=Path, default=None)


def journal_path(args: argparse.Namespace, config: AppConfig) -> Path:
    explicit = getattr(args, "journal", None)
    if explicit:
        return Path(explicit)
    env = os.environ.get("NEXUS_TUI_JOURNAL")
    if env:
        return Path(env)
    return config.journal_path or default_journal_path()


def runbook_loader(dirs: Sequence[Path], config: AppConfig) -> Callable[[str], Runbook]:
    def load(runbook_id: str) -> Runbook:
        from nexus_tui.runbook.library import find_runbook

        try:
            return find_runbook(runbook_id, extra_dirs=dirs, config=config)
        except Exception as exc:
            # The library's own errors are user mistakes (unknown id, invalid file) with a one-line message.
            if type(exc).__module__.startswith("nexus_tui.runbook") or isinstance(exc, LookupError | OSError):
                raise SetupError(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)) from None
            raise

    return load


def identity_lookup(config: AppConfig) -> Callable[[], Any]:
    async def lookup() -> str | None:
        from nexus_tui.sources.aws.identity import caller_identity

        region = config.primary_region
        endpoint = config.aws.endpoints.get(region) if region else None
        return await caller_identity(region=region, endpoint_url=endpoint, profile=config.aws.profile)

    return lookup


def _params(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SetupError(f"--param {pair!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    if args.incident_command is None:
        print(
            "nexus-tui incident: choose an action (declare, list, show, step, note, undo, resolve, report, verify)",
            file=sys.stderr,
        )
        return 2
    try:
        config = load_config(getattr(args, "config", None))
        dirs = list(getattr(args, "runbooks", []))
        service = IncidentService(
            journal_path(args, config),
            clock=SystemClock(),
            runbook_loader=runbook_loader(dirs, config),
            identity=None if os.environ.get("NEXUS_TUI_NO_STS") else identity_lookup(config),
            settings=config.settings,
        )
    except (ConfigError, JournalError) as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    try:
        with service:
            return _dispatch(args, service, config)
    except IncidentError as exc:
        print(f"nexus-tui incident: {exc}", file=sys.stderr)
        return 1
    except (SetupError, JournalError) as exc:
        print(f"nexus-tui incident: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, svc: IncidentService, config: AppConfig) -> int:
    cmd = args.incident_command
    if cmd == "declare":
        iid = svc.declare(
            args.runbook,
            severity=args.severity,
            ic=args.ic or current_user(),
            drill=args.drill,
            params=_params(args.param),
        )
        print(iid)
    elif cmd == "list":
        items = svc.list()
        print(
            json.dumps([view_json(svc.get(i.id), brief=True) for i in items], indent=2)
            if args.json
            else render_list(items)
        )
    elif cmd == "show":
        view = svc.get(args.id)
        print(json.dumps(view_json(view), indent=2) if args.json else render_show(view))
    elif cmd == "step":
        return _step(args, svc, config)
    elif cmd == "note":
        svc.note(args.id, args.text, step_id=args.step, todo=args.todo)
    elif cmd == "override":
        svc.override(args.id, args.step, args.reason, args.check)
    elif cmd == "undo":
        view = svc.undo(args.id)
        print(f"undone: {view.state.events[-1].payload.get('step_id')}")
    elif cmd == "resolve":
        view = svc.resolve(args.id, args.summary)
        print(f"{args.id} resolved after {view.timers.elapsed_seconds:.0f} s")
    elif cmd == "report":
        text = svc.report(args.id, args.format)
        if args.output:
            try:
                args.output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise SetupError(f"{args.output}: cannot write report: {exc.strerror}") from None
        else:
            print(text)
    elif cmd == "verify":
        result = svc.verify(args.id)
        if result.ok:
            print(f"{args.id}: ok ({result.checked} events, hash chain intact)")
            return 0
        print(f"{args.id}: TAMPERED at seq {result.first_bad_seq}: {result.reason}")
        return 1
    return 0


def _step(args: argparse.Namespace, svc: IncidentService, config: AppConfig) -> int:
    iid, step_id = args.id, args.step
    if args.verb == "start":
        svc.start(iid, step_id)
    elif args.verb == "skip":
        svc.skip(iid, step_id, args.reason)
    elif args.verb == "fail":
        svc.fail(iid, step_id, args.reason)
    else:
        state = svc.state(iid)
        step = state.runbook.step(step_id) if step_id in {s.id for s in state.runbook.steps} else None
        if args.execute:
            return _execute(args, svc, config)
        manual = step is not None and step.kind == "aws"
        note = args.note
        if manual:
            note = f"{MANUAL_AWS_NOTE}; {note}" if note else MANUAL_AWS_NOTE
        svc.confirm(iid, step_id, args.confirm, manual=manual, note=note)
    return 0


def _execute(args: argparse.Namespace, svc: IncidentService, config: AppConfig) -> int:
    """Run the step's AWS action (or HTTP check) through the same StepRunner as the TUI: it checks params,
    preconditions, the typed confirmation and the drill guard, journals the request and confirms on success."""
    from nexus_tui.engine.steps import ActionError, execute_step_sync

    try:
        ok = execute_step_sync(svc, args.id, args.step, args.confirm, config)
    except ActionError as exc:
        print(f"nexus-tui incident: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1
