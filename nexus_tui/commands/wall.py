"""`nexus-tui wall [INCIDENT]`: the war-room wall, read-only, in large type. It follows the journal's change
feed (the same journal the TUI and the CLI write, or a shared PostgreSQL one) and polls the readiness
dashboard; it never writes anything. Also runnable as `python -m nexus_tui.commands.wall`, which is what
`nexus-tui serve` starts for each browser tab."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nexus_tui.config import ConfigError, load_config
from nexus_tui.domain.clock import Clock, SystemClock


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("incident", nargs="?", default=None, help="follow this incident (default: the newest open)")
    parser.add_argument("--journal", default=None, help="journal file or postgresql:// URL (env NEXUS_TUI_JOURNAL)")
    parser.add_argument("--theme", default=None, help="theme name (default: the config's, else nexus-dark)")
    parser.add_argument("--refresh", type=float, default=None, help="seconds between readiness polls")
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--demo", "--sim", dest="sim", action="store_true", help="readiness from the embedded simulator")
    data.add_argument("--no-aws", action="store_true", help="follow the journal only; no AWS polling")
    parser.add_argument("--dashboard", action="store_true", help="readiness only, never an incident")
    parser.add_argument(
        "--aws-endpoint",
        action="append",
        default=[],
        metavar="REGION=URL",
        help="read AWS in REGION through URL (repeatable; replaces the config's regions and endpoints): how the "
        "demo's w points its wall at the demo's simulator",
    )

    parser.add_argument(
        "--sim-time",
        default=None,
        metavar="ISO",
        help="follow a drill's simulated clock from this UTC time (what w passes from a drill)",
    )
    parser.add_argument("--sim-speed", type=float, default=1.0, metavar="N", help="with --sim-time: its speed")


def clock_from(sim_time: str | None, speed: float) -> Clock:
    """The system clock, or a drill's simulated clock picked up where the drill's TUI had it (a wall opened
    with w from a drill must read the drill's world at the drill's time, or its lag, RPO and clocks lie)."""
    if sim_time is None:
        return SystemClock()
    from datetime import datetime

    from nexus_tui.sim.clock import ScaledClock

    try:
        start = datetime.fromisoformat(sim_time)
    except ValueError:
        raise ValueError(f"--sim-time {sim_time[:40]!r}: not an ISO 8601 time") from None
    if start.tzinfo is None:
        raise ValueError(f"--sim-time {sim_time[:40]!r}: give the time zone (e.g. +00:00)")
    if not (math.isfinite(speed) and 0 < speed <= 10_000):
        raise ValueError(f"--sim-speed {speed!r}: must be a number above 0 and at most 10000")
    return ScaledClock(start, speed=speed)


def endpoints_from(values: Sequence[str]) -> dict[str, str]:
    """--aws-endpoint REGION=URL values, in order; ValueError with a one-line reason for a bad one."""
    from nexus_tui.config.reader import url_problem
    from nexus_tui.config.sections import is_region
    from nexus_tui.domain.urls import mask_url

    out: dict[str, str] = {}
    for value in values:
        region, sep, url = value.partition("=")
        if not sep or not is_region(region):
            raise ValueError(
                f"--aws-endpoint {mask_url(value)!r}: expected REGION=URL, e.g. us-east-1=http://127.0.0.1:5000"
            )
        problem = url_problem(url)
        if problem is not None:
            raise ValueError(f"--aws-endpoint {region}: {problem}")
        out[region] = url.rstrip("/")
    return out


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "wall",
        help="the war-room wall: the live incident (or readiness) in large type, read-only",
        description="Read-only: only q / ctrl+c do anything. Follows the journal's change feed.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(getattr(args, "config", None))
        endpoints = endpoints_from(getattr(args, "aws_endpoint", None) or [])
        clock = clock_from(getattr(args, "sim_time", None), getattr(args, "sim_speed", 1.0))
    except (ConfigError, ValueError) as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    if endpoints:
        from dataclasses import replace

        config = replace(config, aws=replace(config.aws, regions=tuple(endpoints), endpoints=endpoints))
    from nexus_tui.commands.incident import journal_path, runbook_loader
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.journal.store import JournalError, open_store

    try:
        store = open_store(journal_path(args, config))
    except JournalError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    # Read-only: no identity lookup (it is only used when writing) and no outbox policy.
    service = IncidentService(store, clock=clock, runbook_loader=runbook_loader((), config), settings=config.settings)
    sim = None
    if args.sim:
        from nexus_tui.sim.environment import SimEnvironment

        print("nexus-tui: starting the simulated AWS account (moto, 127.0.0.1) ...", file=sys.stderr, flush=True)
        sim = SimEnvironment()
        sim.start()
        os.environ.update(sim.environ())
        sim.start_ticker(interval_seconds=2.0, sim_seconds_per_tick=2.0)
        config = sim.app_config()
    try:
        with service:
            return asyncio.run(_run_app(args, config, service, clock))
    finally:
        if sim is not None:
            sim.stop()


async def _run_app(args: argparse.Namespace, config: Any, service: Any, clock: Clock) -> int:
    from nexus_tui.engine.slack_status import SlackWatch
    from nexus_tui.sources.slack.settings import SlackSettingsError, load_slack_settings
    from nexus_tui.ui.wall.app import WallApp

    problems: list[str] = []
    slack = None
    try:
        # Only its mode is used: the wall reads delivery from the outbox and never sends.
        settings = load_slack_settings(config.path, default_rto_seconds=config.settings.targets.rto_seconds)
        slack = SlackWatch(service.journal, settings)
    except SlackSettingsError as exc:
        problems = [str(exc)]
    source = None
    if not args.no_aws:
        from nexus_tui.engine.dashboard import DashboardService

        source = DashboardService(config, clock)
    app = WallApp(
        config.settings,
        incidents=service,
        source=source,
        incident_id=args.incident,
        clock=clock,
        theme=args.theme or config.theme,
        mode="dashboard" if args.dashboard else "wall",
        poll_seconds=args.refresh or max(config.refresh_seconds, 2.0),
        slack=slack,
        setup_problems=problems,
    )
    try:
        await app.run_async()
    finally:
        if source is not None:
            await source.aclose()
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nexus-tui wall")
    parser.add_argument("--config", type=Path, default=None, help="TOML config file")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
