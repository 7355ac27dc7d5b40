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
from typing import Any

from nexus_tui.config import AppConfig, ConfigError, default_data_dir, load_config


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run the dashboard against the embedded simulated AWS account")
    parser.add_argument("--config", dest="sub_config", default=None, help="TOML config (targets, thresholds, theme)")
    parser.add_argument("--refresh", type=float, default=2.0, help="seconds between dashboard refreshes (default 2)")
    parser.set_defaults(func=run)


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
    path = args.sub_config or args.config
    try:
        user = load_config(path)
    except ConfigError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
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
                )
            )
    finally:
        sim.stop()
