"""`nexus-tui drill ...`. Minimal on this branch: only the calendar and the platform API
(commands/drill_schedule.py); the scenarios and the runner add their own sub-commands here."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nexus_tui.commands.drill_schedule import register_schedule


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("drill", help="practice drills: the calendar, the platform's drill API")
    parser.set_defaults(func=run)
    sub = parser.add_subparsers(dest="drill_command", metavar="ACTION")
    register_schedule(sub)


def run(args: argparse.Namespace) -> int:
    print("nexus-tui drill: choose an action (schedule, platform)", file=sys.stderr)
    return 2
