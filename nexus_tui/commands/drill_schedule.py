"""`nexus-tui drill schedule [--json]` and `nexus-tui drill platform list|run RUNBOOK_ID [--json]`.

register_schedule(drill_subparsers) adds both under the `drill` command (commands/drill.py). Exit codes:
0 ok; 1 the platform refused or failed, or its dry-run reported failure; 2 setup problem (config, journal,
no platform base_url or cookie)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from nexus_tui.config import AppConfig, ConfigError, load_config
from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.drill_calendar import PLATFORM_PREFIX, DrillStatus
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.text import printable_line

COOKIE_HELP = "the session cookie is read from the environment variable named by [platform] cookie_env"


def _journal_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--journal", default=argparse.SUPPRESS, help="journal file or postgresql:// URL (env NEXUS_TUI_JOURNAL)"
    )


def register_schedule(drill_subparsers: Any) -> None:
    p = drill_subparsers.add_parser("schedule", help="the drill calendar: last run, next due, overdue")
    _journal_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_schedule)

    p = drill_subparsers.add_parser("platform", help="the platform's own drill API (seed 000): list, dry-run")
    p.set_defaults(func=run_platform, platform_command=None)
    sub = p.add_subparsers(dest="platform_command", metavar="ACTION")
    q = sub.add_parser("list", help="the runbooks the platform offers for drills")
    q.add_argument("--json", action="store_true")
    q = sub.add_parser("run", help="a dry-run drill of a platform runbook, recorded in the journal as a drill")
    q.add_argument("runbook_id", metavar="RUNBOOK_ID")
    q.add_argument("--ic", default=None, help="who ran it (default: OS user)")
    q.add_argument("--json", action="store_true")
    _journal_option(q)


def _fail(message: str, code: int) -> int:
    print(f"nexus-tui drill: {printable_line(message)}", file=sys.stderr)
    return code


def _config(args: argparse.Namespace) -> AppConfig:
    return load_config(getattr(args, "config", None), check_profile=False)


# -- schedule ---------------------------------------------------------------------------------------------


def run_schedule(args: argparse.Namespace) -> int:
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.engine.drill_calendar import drill_schedule
    from nexus_tui.journal.store import JournalError, is_url, open_store

    try:
        config = _config(args)
        target = journal_path(args, config)
        now = SystemClock().now()
        if not is_url(target) and not Path(target).exists():
            statuses = drill_schedule(None, config.drills, now)  # no journal yet: nothing has run
        else:
            store = open_store(target, read_only=True)
            try:
                statuses = drill_schedule(store, config.drills, now)
            finally:
                store.close()
    except (ConfigError, JournalError) as exc:
        return _fail(str(exc), 2)
    if args.json:
        print(json.dumps([s.as_json() for s in statuses], indent=2))
    else:
        print(render_schedule(statuses, now))
    return 0


def _when(t: datetime | None, empty: str) -> str:
    return f"{t:%Y-%m-%d %H:%M}" if t is not None else empty


def render_schedule(statuses: list[DrillStatus], now: datetime) -> str:
    rows = [("DRILL", "FREQUENCY", "LAST RUN", "NEXT DUE", "OVERDUE", "OWNER")]
    for s in statuses:
        rows.append(
            (
                printable_line(s.entry.name, 40),
                printable_line(s.entry.frequency, 16),
                _when(s.last_run.at if s.last_run else None, "never"),
                _when(s.next_due, "now"),
                "OVERDUE" if s.overdue else "-",
                printable_line(s.entry.owner, 40),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    late = sum(1 for s in statuses if s.overdue)
    lines.append(f"{late} of {len(statuses)} drills overdue at {now:%Y-%m-%d %H:%M} UTC" if statuses else "no drills")
    return "\n".join(lines)


# -- platform ---------------------------------------------------------------------------------------------


def _api(config: AppConfig) -> Any:
    from nexus_tui.sources.http.drill_api import PlatformDrillApi

    p = config.platform
    if p.base_url is None:
        where = config.path or "the config file"
        raise _Setup(f"no platform API configured: set [platform] base_url in {where}")
    cookie = os.environ.get(p.cookie_env, "").strip()
    if not cookie:
        raise _Setup(f"no platform session: set the environment variable {p.cookie_env} ({COOKIE_HELP})")
    return PlatformDrillApi(p.base_url, cookie, cookie_name=p.cookie_name, timeout_seconds=p.timeout_seconds)


class _Setup(Exception):
    pass


def run_platform(args: argparse.Namespace) -> int:
    from nexus_tui.sources.http.drill_api import PlatformError

    if args.platform_command is None:
        return _fail("drill platform: choose an action (list, run)", 2)
    rid = getattr(args, "runbook_id", "x")
    if not rid.strip() or len(rid) > 200 or printable_line(rid) != rid:
        return _fail(f"drill platform run: {printable_line(rid, 60)!r} is not a runbook id", 2)
    try:
        config = _config(args)
        api = _api(config)
    except (ConfigError, _Setup) as exc:
        return _fail(str(exc), 2)
    except PlatformError as exc:
        return _fail(str(exc), 2)
    try:
        if args.platform_command == "list":
            books = asyncio.run(api.runbooks())
            # Beside our own: which scheduled drills a dry-run of each would count for.
            counts = {b.id: [d.name for d in config.drills if b.id in d.runbooks + d.platform_runbooks] for b in books}
            if args.json:
                rows = [
                    {"id": b.id, "name": b.name, "description": b.description, "drills": counts[b.id]} for b in books
                ]
                print(json.dumps(rows, indent=2))
            else:
                for b in books:
                    print(
                        f"{b.id}  {b.name}"
                        + (f"  ({b.description})" if b.description else "")
                        + (f"  counts for: {', '.join(counts[b.id])}" if counts[b.id] else "  (no scheduled drill)")
                    )
                print(f"{len(books)} platform runbook(s) at {api.where}")
            return 0
        answer = asyncio.run(api.run_drill(args.runbook_id))
    except PlatformError as exc:
        return _fail(str(exc), 1)
    return _record(args, config, api.where, answer)


def _record(args: argparse.Namespace, config: AppConfig, where: str, answer: Any) -> int:
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.engine.drill_calendar import PlatformDrillResult, platform_runbook, record_platform_drill
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.journal.store import JournalError, open_store

    runbook_id = args.runbook_id
    result = PlatformDrillResult(runbook_id, where, answer.ok, answer.summary, answer.answer)

    def loader(rid: str) -> Any:
        if rid != f"{PLATFORM_PREFIX}{runbook_id}":
            raise IncidentError(f"unknown runbook {rid!r}")
        return platform_runbook(runbook_id, None, where)

    try:
        service = IncidentService(
            open_store(journal_path(args, config)),
            clock=SystemClock(),
            runbook_loader=loader,
            settings=config.settings,
        )
        with service:
            incident_id = record_platform_drill(service, result, ic=args.ic)
    except (JournalError, IncidentError) as exc:
        # The dry-run happened on the platform; only its record here is missing. Say both.
        return _fail(f"the platform dry-run finished ({result.summary}) but was not journaled: {exc}", 1)
    verdict = "passed" if result.ok else "FAILED"
    if args.json:
        out = {
            "runbook_id": runbook_id,
            "verdict": "pass" if result.ok else "fail",
            "summary": result.summary,
            "incident_id": incident_id,
            "answer": dict(result.answer),
        }
        print(json.dumps(out, indent=2, default=str))
    else:
        print(f"platform dry-run drill of {printable_line(runbook_id, 80)} {verdict}: {result.summary}")
        print(f"recorded as drill {incident_id}")
    return 0 if result.ok else 1
