"""`nexus-tui dashboard` (also bare `nexus-tui`): the live DR readiness dashboard against real AWS."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus_tui.commands.incident import identity_lookup, journal_path, runbook_loader
from nexus_tui.config import AppConfig, ConfigError, load_config
from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.runbook_params import runbook_placeholders
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.ports import DashboardSource

if TYPE_CHECKING:
    from nexus_tui.engine.comms import Comms
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.engine.session import StepExecutor
    from nexus_tui.sources.slack.settings import SlackSettings
    from nexus_tui.ui.screens.drill_picker import DrillChoice


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="live DR readiness dashboard (the default command)",
        description="Replication, backups, alarms and RPO exposure across your AWS regions, refreshed live.",
    )
    parser.add_argument("--theme", default=argparse.SUPPRESS, metavar="NAME", help="colour theme (themes/README.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    # Imported here so `nexus-tui --help` and the other commands stay fast and do not load Textual or AWS.
    from nexus_tui.engine.dashboard import DashboardService
    from nexus_tui.journal.store import JournalError
    from nexus_tui.sources.slack.settings import SlackSettingsError

    try:
        incidents, executor, comms = incident_engine(config, journal_path(args, config))
    except (JournalError, SlackSettingsError) as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    with incidents:
        return asyncio.run(
            run_app(
                config,
                DashboardService(config),
                incidents=incidents,
                executor=executor,
                comms=comms,
                theme_name=getattr(args, "theme", None),
            )
        )


def incident_engine(
    config: AppConfig,
    journal: Path | str,
    *,
    param_defaults: Mapping[str, str] | None = None,
    drill: bool = False,
    slack: SlackSettings | None = None,
    clock: Clock | None = None,
) -> tuple[IncidentService, StepExecutor, Comms]:
    """The incident service and step executor the TUI walks runbooks with: the same wiring as the headless
    `nexus-tui incident` commands, so both read and write one journal the same way.

    `param_defaults` replace the runbook's parameter defaults for the names the runbook uses: the demo knows
    its simulated account's zone id, load balancer and app URL, and a demo drill must never aim a step at
    the production URL a shipped runbook names. `slack`: the Slack settings (default: the config's [slack]
    and the environment); the returned Comms delivers the outbox while the TUI runs."""
    from nexus_tui.engine.comms import Comms
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.engine.session import StepExecutor
    from nexus_tui.journal.store import open_store
    from nexus_tui.sources.slack.settings import load_slack_settings

    load = runbook_loader((), config)
    if param_defaults:
        base = load

        def load(runbook_id: str) -> Runbook:
            runbook = base(runbook_id)
            used = runbook_placeholders(runbook)
            known = {k: v for k, v in param_defaults.items() if k in used}
            return replace(runbook, params={**runbook.params, **known}) if known else runbook

    clock = clock or SystemClock()
    identity = None if os.environ.get("NEXUS_TUI_NO_STS") else identity_lookup(config)
    if slack is None:
        slack = load_slack_settings(config.path, default_rto_seconds=config.settings.targets.rto_seconds)
    from nexus_tui.commands.journal_merge import offline_root

    # A shared (postgresql://) journal that becomes unreachable: the IC goes on in a local offline journal.
    store = open_store(journal, offline_dir=offline_root())
    comms = Comms(store, slack, clock=clock)
    service = IncidentService(
        store,
        clock=clock,
        runbook_loader=load,
        identity=identity,
        settings=config.settings,
        outbox_policy=comms.policy(),
    )
    return service, StepExecutor(config, clock, is_drill_default=drill), comms


async def run_app(config: AppConfig, source: DashboardSource, **app_kwargs: Any) -> int:
    """Run NexusApp on `source` in this event loop and close the source afterwards, in the same loop
    (aiobotocore clients must be closed on the loop that made them). `nexus-tui demo` reuses it."""
    from nexus_tui.ui import paste
    from nexus_tui.ui.app import NexusApp

    paste.install()  # pasted text stays text: an ESC inside a paste is not a key press

    app = NexusApp(config, source, **app_kwargs)
    try:
        await app.run_async()
    finally:
        await source.aclose()
    if app.drill_choice is not None:
        _handoff[:] = [app.drill_choice]
    return app.return_code or 0


_handoff: list[Any] = []  # a drill picked with D, started by cli.main once this command has cleaned up


def take_drill_handoff() -> DrillChoice | None:
    """The drill the user picked in the app that just closed (once), or None."""
    return _handoff.pop() if _handoff else None
