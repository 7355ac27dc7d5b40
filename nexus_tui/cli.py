"""Console entry point `nexus-tui`. Each subcommand lives in nexus_tui/commands/<name>.py and exposes
register(subparsers); this file only dispatches, so it stays small as commands grow."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from nexus_tui import __version__
from nexus_tui.commands import dashboard, demo, incident, journal, status, validate

COMMANDS = (dashboard, demo, status, validate, incident, journal)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nexus-tui",
        description="Disaster-recovery readiness dashboard and runbook engine for AWS.",
    )
    parser.add_argument("--version", action="version", version=f"nexus-tui {__version__}")
    parser.add_argument("--config", type=Path, default=None, help="TOML config file (default: XDG config dir)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # Bare `nexus-tui` opens the dashboard against real AWS, as documented.
        args = parser.parse_args([*(argv or sys.argv[1:]), "dashboard"])
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
