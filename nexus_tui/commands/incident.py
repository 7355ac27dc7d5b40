"""`nexus-tui incident ...`: the headless runbook engine. The same IncidentSession as the TUI, so an operator
without a terminal UI (SSH from a phone, a script, a second engineer) works on the same incident under the
same rules: preconditions, typed confirmations, claims, resolve gating.

Exit codes: 0 ok; 1 refused (invalid transition, unknown incident, tampered journal, an AWS outcome that is
unknown); 2 setup problem (config, journal file damaged or unreadable, runbook not found)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nexus_tui.config import AppConfig, ConfigError, default_journal_path, load_config
from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.outcomes import ActionError
from nexus_tui.journal.store import JournalError, open_store

MANUAL_AWS_NOTE = "executed outside nexus-tui"


class SetupError(Exception):
    """Exit 2: the tool cannot start (config, journal, runbook library)."""


def _common() -> argparse.ArgumentParser:
    # SUPPRESS defaults let the options appear before or after the sub-command without one clobbering the other.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--journal", default=argparse.SUPPRESS, help="journal file or postgresql:// URL (env NEXUS_TUI_JOURNAL)"
    )
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

    p = sub.add_parser("preview", parents=[common], help="what a step needs now and exactly what --execute sends")
    p.add_argument("id")
    p.add_argument("step", nargs="?", default=None, help="default: the current step")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("recheck", parents=[common], help="decide an unknown AWS outcome by looking at the resource")
    p.add_argument("id")
    p.add_argument("step")
    verdict = p.add_mutually_exclusive_group()
    verdict.add_argument("--done", dest="verdict", action="store_const", const=True, default=None)
    verdict.add_argument("--not-done", dest="verdict", action="store_const", const=False)
    p.add_argument("--reason", default="", help="required with --done / --not-done")

    p = sub.add_parser("note", parents=[common], help="add a note to the timeline")
    p.add_argument("id")
    p.add_argument("text")
    p.add_argument("--step", default=None)
    p.add_argument("--todo", action="store_true", help="an open item for the report")
    p.add_argument("--share", action="store_true", help="announce it (Slack) as well as journal it")

    p = sub.add_parser("override", parents=[common], help="record a precondition override and why")
    p.add_argument("id")
    p.add_argument("--step", default=None)
    p.add_argument("--check", default=None)
    p.add_argument("--reason", required=True)

    for name, help_ in (
        ("undo", "take back the last confirmation (within the grace period)"),
        ("verify", "check the journal file and the incident's hash chain (exit 1 if either fails)"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_)
        p.add_argument("id")

    p = sub.add_parser("resolve", parents=[common], help="resolve the incident")
    p.add_argument("id")
    p.add_argument("--summary", default=None)
    p.add_argument("--force", action="store_true", help="resolve although steps are neither done nor skipped")
    p.add_argument("--reason", default=None, help="why, with --force (journaled, in the report)")

    p = sub.add_parser("comms", parents=[common], help="an incident's Slack messages and their delivery states")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("report", parents=[common], help="post-incident report")
    p.add_argument("id")
    p.add_argument("--format", default="md", choices=("md",))
    p.add_argument("--output", type=Path, default=None)


def journal_path(args: argparse.Namespace, config: AppConfig) -> Path | str:
    """--journal, NEXUS_TUI_JOURNAL_URL / NEXUS_TUI_JOURNAL, the config, the default file; a URL for PostgreSQL."""
    explicit = getattr(args, "journal", None)
    if explicit:
        return explicit if isinstance(explicit, str) and "://" in explicit else Path(explicit)
    for name in ("NEXUS_TUI_JOURNAL_URL", "NEXUS_TUI_JOURNAL"):
        env = os.environ.get(name)
        if env:
            return env if "://" in env else Path(env)
    url = getattr(config, "journal_url", None)
    if url:
        return str(url)
    return config.journal_path or default_journal_path()


def runbook_loader(dirs: Sequence[Path], config: AppConfig) -> Callable[[str], Runbook]:
    def load(runbook_id: str) -> Runbook:
        from nexus_tui.runbook.library import find_runbook

        try:
            return find_runbook(
                runbook_id,
                extra_dirs=dirs,
                config=config,
                warn=lambda line: print(printable_line(line), file=sys.stderr),
            )
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
            "nexus-tui incident: choose an action (declare, list, show, preview, step, note, override, undo, recheck, "
            "resolve, report, verify)",
            file=sys.stderr,
        )
        return 2
    from nexus_tui.engine.comms import make_outbox_policy
    from nexus_tui.sources.slack.settings import SlackSettingsError, load_slack_settings

    try:
        # The profile is checked where AWS is called (an --execute names it); reading an incident needs none.
        config = load_config(getattr(args, "config", None), check_profile=False)
        slack = load_slack_settings(config.path, default_rto_seconds=config.settings.targets.rto_seconds)
        dirs = [Path(d) for d in getattr(args, "runbooks", [])]
        clock = SystemClock()
        from nexus_tui.commands.journal_merge import offline_root

        service = IncidentService(
            open_store(journal_path(args, config), offline_dir=offline_root()),
            clock=clock,
            runbook_loader=runbook_loader(dirs, config),
            identity=None if os.environ.get("NEXUS_TUI_NO_STS") else identity_lookup(config),
            settings=config.settings,
            outbox_policy=make_outbox_policy(slack.routing, clock, configured=slack.mode != "off"),
        )
    except (ConfigError, JournalError, SlackSettingsError) as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    from nexus_tui.commands.incident_run import dispatch
    from nexus_tui.commands.journal_merge import merge_quietly, offline_warning

    try:
        with service:
            merge_quietly(service.journal, sys.stderr)
            try:
                code = dispatch(args, service, config, slack)
            finally:
                if (warning := offline_warning(service.journal)) is not None:
                    print(f"nexus-tui: {printable_line(warning)}", file=sys.stderr)
            # Offline, messages wait in the offline journal and go out with the merge.
            if args.incident_command in _ANNOUNCING and getattr(service.journal, "outage_since", None) is None:
                from nexus_tui.commands.comms import deliver_briefly

                deliver_briefly(service.journal, slack)  # ~10 s at most; what stays queued is said
            return code
    except (IncidentError, ActionError) as exc:
        print(f"nexus-tui incident: {printable_line(str(exc))}", file=sys.stderr)
        return 1
    except (SetupError, JournalError) as exc:
        print(f"nexus-tui incident: {printable_line(str(exc))}", file=sys.stderr)
        return 2


# Commands that may put messages in the outbox (Slack); they try to deliver them before exiting.
_ANNOUNCING = frozenset({"declare", "step", "note", "override", "undo", "resolve", "recheck"})
