"""`nexus-tui demo`: the app against the embedded simulated AWS account (moto in-process on 127.0.0.1).

The app reaches the simulator through the same aiobotocore code as real AWS; only the endpoints differ.
The user's config still supplies targets, thresholds, escalation and theme; AWS settings come from the
simulator, and fake credentials are set for this process only, so nothing can reach a real account.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from nexus_tui.config import AppConfig, ConfigError, default_data_dir, load_config, refresh_problem
from nexus_tui.domain.text import printable_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run the dashboard against the embedded simulated AWS account")
    # SUPPRESS: a --config given before `demo` stays when none follows it.
    parser.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="TOML config (targets, thresholds, theme)"
    )
    parser.add_argument(
        "--refresh", type=refresh_seconds, default=2.0, help="seconds between dashboard refreshes (default 2)"
    )
    parser.add_argument("--theme", default=argparse.SUPPRESS, metavar="NAME", help="colour theme (themes/README.md)")
    parser.set_defaults(func=run)


def refresh_seconds(text: str) -> float:
    """argparse type of --refresh: a usage error (exit 2) for -1, 0, nan, inf and anything absurd."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    problem = refresh_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def demo_config(user: AppConfig, sim_config: AppConfig, refresh_seconds: float) -> AppConfig:
    return replace(
        sim_config,
        settings=user.settings,
        theme=user.theme,
        runbook_dirs=user.runbook_dirs,
        refresh_seconds=refresh_seconds,
        # Demo incidents never mix with real ones.
        journal_path=default_data_dir() / "demo-journal.sqlite3",
    )


def run(args: argparse.Namespace) -> int:
    try:
        # The demo runs on the simulator: the config's AWS profile is not used, so not checked.
        user = load_config(getattr(args, "config", None), check_profile=False)
    except ConfigError as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2

    import asyncio

    from nexus_tui.commands.dashboard import incident_engine, run_app
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.engine.dashboard import DashboardService
    from nexus_tui.sim.environment import SimEnvironment

    print("nexus-tui: starting the simulated AWS account (moto, 127.0.0.1) ...", file=sys.stderr, flush=True)
    sim = SimEnvironment()
    sim.start()
    try:
        os.environ.update(sim.environ())
        sim.start_ticker(interval_seconds=2.0, sim_seconds_per_tick=2.0)
        config = demo_config(user, sim.app_config(), args.refresh)
        # Demo incidents are drills on the simulator, with the simulated account's values prefilled.
        incidents, executor = incident_engine(
            config, journal_path(args, config), param_defaults=sim.runbook_params(), drill=True
        )
        with incidents:
            return asyncio.run(
                run_app(
                    config,
                    DashboardService(config),
                    incidents=incidents,
                    executor=executor,
                    title_suffix=" · SIMULATED",
                    theme_name=getattr(args, "theme", None),
                )
            )
    finally:
        sim.stop()
