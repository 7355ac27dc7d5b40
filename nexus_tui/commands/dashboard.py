"""`nexus-tui dashboard` (also bare `nexus-tui`): the live DR readiness dashboard against real AWS."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from nexus_tui.config import AppConfig, ConfigError, load_config
from nexus_tui.engine.ports import DashboardSource


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="live DR readiness dashboard (the default command)",
        description="Replication, backups, alarms and RPO exposure across your AWS regions, refreshed live.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    # Imported here so `nexus-tui --help` and the other commands stay fast and do not load Textual or AWS.
    from nexus_tui.engine.dashboard import DashboardService

    return asyncio.run(run_app(config, DashboardService(config)))


async def run_app(config: AppConfig, source: DashboardSource, **app_kwargs: Any) -> int:
    """Run NexusApp on `source` in this event loop and close the source afterwards, in the same loop
    (aiobotocore clients must be closed on the loop that made them). `nexus-tui demo` reuses it."""
    from nexus_tui.ui.app import NexusApp

    app = NexusApp(config, source, **app_kwargs)
    try:
        await app.run_async()
    finally:
        await source.aclose()
    return app.return_code or 0
