"""`nexus-tui comms flush [--timeout S]`, `comms retry|drop MESSAGE`, and the `incident comms ID [--json]` listing.

flush delivers everything pending for all incidents: exit 0 when the outbox is empty, 1 when something failed
or is still queued (Slack down, not configured, a bad token), 2 for a setup problem (config, journal).
retry and drop do what the comms pane's `r` and `x` do, with the same rules (engine.message_views): exit 0
when done, 1 when the message's state does not allow it, 2 for an unknown message or a setup problem.
Every CLI command that creates messages calls `deliver_briefly` (at most ~10 s) and says what stays queued.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.comms import Comms, MessageView, fire_due_timers
from nexus_tui.engine.slack_sender import FlushResult
from nexus_tui.journal.base import JournalError, JournalStore
from nexus_tui.sources.slack.settings import SlackSettings, SlackSettingsError, load_slack_settings

BRIEF_SECONDS = 10.0
# How the command opens the journal store (tests inject one; the CLI opens the configured journal).
StoreOpener = Callable[[argparse.Namespace], JournalStore]


def register(subparsers: Any, open_store: StoreOpener | None = None) -> None:
    parser = subparsers.add_parser("comms", help="Slack delivery: flush the outbox")
    sub = parser.add_subparsers(dest="comms_command", metavar="ACTION")
    p = sub.add_parser("flush", help="deliver every pending Slack message; exit 0 when none is left")
    p.add_argument("--timeout", type=float, default=60.0, help="give up after this many seconds (default 60)")
    p.add_argument("--journal", default=None, help="journal (default: as configured)")
    for verb, what in (("retry", "send a failed (or retrying) message again now"), ("drop", "give up on a message")):
        p = sub.add_parser(verb, help=f"{what}; ids as `incident comms ID` lists them")
        p.add_argument("message_id", type=int, metavar="MESSAGE", help="the message's number (#12 is 12)")
        p.add_argument("--journal", default=None, help="journal (default: as configured)")
    parser.set_defaults(
        func=lambda args: run_comms_command(args, open_store or open_configured_store), comms_command=None
    )


def open_configured_store(args: argparse.Namespace) -> JournalStore:
    """The journal the other commands use: --journal, $NEXUS_TUI_JOURNAL, [journal] path, or the default."""
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.config import ConfigError, load_config
    from nexus_tui.journal.store import open_store

    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise JournalError(str(exc)) from None
    return open_store(journal_path(args, config))


def domain_settings(args: argparse.Namespace) -> Settings:
    """The escalation ladder and targets the timers use: the config's, or the defaults without one."""
    from nexus_tui.config import ConfigError, load_config

    try:
        return load_config(getattr(args, "config", None), check_profile=False).settings
    except ConfigError:
        return Settings()


def settings_from(args: argparse.Namespace) -> SlackSettings:
    return load_slack_settings(getattr(args, "config", None))


def summary_line(result: FlushResult) -> str:
    if result.stopped == "Slack not configured":
        return f"Slack not configured (set SLACK_BOT_TOKEN): {result.queued} message(s) kept, not sent"
    parts = [f"{result.sent} sent", f"{result.queued} queued", f"{result.failed} failed"]
    line = "Slack: " + ", ".join(parts)
    if result.stopped:
        line += f"; stopped: {result.stopped}"
    elif result.queued:
        line += " (they stay in the journal; `nexus-tui comms flush` delivers them later)"
    return line


async def flush(
    store: JournalStore, settings: SlackSettings, *, budget: float, clock: Clock | None = None, **kwargs: Any
) -> FlushResult:
    comms = Comms(store, settings, clock=clock or SystemClock(), **kwargs)
    try:
        return await comms.flush(budget)
    finally:
        await comms.stop()


def deliver_briefly(store: JournalStore, settings: SlackSettings, out: TextIO = sys.stderr, **kwargs: Any) -> int:
    """For CLI commands that created messages: try for at most BRIEF_SECONDS, then say what is left.
    Returns the number of messages still queued."""
    if not any(m.status in ("pending", "sending") for m in store.outbox_list()):
        return 0
    result = asyncio.run(flush(store, settings, budget=kwargs.pop("budget", BRIEF_SECONDS), **kwargs))
    if result.queued or result.failed or result.stopped:
        print(f"nexus-tui: {summary_line(result)}", file=out)
    return result.queued


def run_comms_command(args: argparse.Namespace, open_store: StoreOpener | None) -> int:
    command = getattr(args, "comms_command", None)
    if command not in ("flush", "retry", "drop"):
        print("nexus-tui: comms: say what to do: flush, retry MESSAGE or drop MESSAGE", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
        store = (open_store or open_configured_store)(args)
    except (SlackSettingsError, JournalError) as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    try:
        return _flush(args, settings, store) if command == "flush" else _settle(args, settings, store, command)
    except (JournalError, IncidentError) as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()


def _flush(args: argparse.Namespace, settings: SlackSettings, store: JournalStore) -> int:
    # Timer events due now (escalations, RTO projection, overdue steps) are news too: journal them first,
    # once across every process, so a cron'd flush announces them when no TUI is open.
    fire_due_timers(store, domain_settings(args), settings, SystemClock())
    result = asyncio.run(flush(store, settings, budget=max(args.timeout, 0.0)))
    print(summary_line(result))
    return 0 if result.queued == 0 and result.failed == 0 and not result.stopped else 1


def render_comms(views: Sequence[MessageView], settings: SlackSettings, header: str | None) -> str:
    lines = [settings.describe()]
    if header:
        lines.append(header)
    if not views:
        lines.append("no messages")
    for v in views:
        detail = f" · {v.detail}" if v.detail else ""
        lines.append(f"#{v.id:<4} seq {v.seq:<3} {v.state:<8} {v.channel:<20} {printable_line(v.summary, 70)}{detail}")
    return "\n".join(lines)


def incident_comms(comms: Comms, incident_id: str, *, as_json: bool, out: TextIO = sys.stdout) -> int:
    """`nexus-tui incident comms ID [--json]`: the incident's messages and their delivery states."""
    views = comms.views(incident_id)
    if as_json:
        doc = {
            "incident_id": incident_id,
            "slack": comms.settings.mode,
            "header": comms.header(incident_id),
            "messages": [v.as_json() for v in views],
        }
        print(json.dumps(doc, indent=2), file=out)
    else:
        print(render_comms(views, comms.settings, comms.header(incident_id)), file=out)
    return 0


def _settle(args: argparse.Namespace, settings: SlackSettings, store: JournalStore, verb: str) -> int:
    """`comms retry|drop MESSAGE`: the pane's verbs for a shell (no TUI open, or from another machine)."""
    comms = Comms(store, settings, clock=SystemClock())
    view = next((v for v in comms.views() if v.id == args.message_id), None)
    if view is None:
        print(f"nexus-tui: comms {verb}: no message #{args.message_id} in this journal", file=sys.stderr)
        return 2
    # The engine decides (MessageView.can_retry / can_drop, the pane's rule); the view only names the state.
    if not (comms.retry(view.id) if verb == "retry" else comms.drop(view.id)):
        which = "a failed or retrying one can be retried" if verb == "retry" else "a waiting or failed one dropped"
        print(f"nexus-tui: comms {verb}: message #{view.id} is {view.state}: only {which}", file=sys.stderr)
        return 1
    if verb == "drop":
        print(f"message #{view.id} dropped: it stays in the journal, marked dropped, and is never sent")
        return 0
    print(f"message #{view.id} queued again")
    deliver_briefly(store, settings, out=sys.stdout)
    return 0
