"""Console entry point `nexus-tui`. Each subcommand lives in nexus_tui/commands/<name>.py and exposes
register(subparsers); this file only dispatches, so it stays small as commands grow."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from nexus_tui import __version__
from nexus_tui.commands import comms, dashboard, demo, drill, incident, journal, serve, status, validate, wall

COMMANDS = (dashboard, demo, status, validate, incident, journal, comms, wall, serve, drill)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command whose reader went away


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nexus-tui",
        description="Disaster-recovery readiness dashboard and runbook engine for AWS.",
    )
    parser.add_argument("--version", action="version", version=f"nexus-tui {__version__}")
    parser.add_argument("--config", type=Path, default=None, help="TOML config file (default: XDG config dir)")
    parser.add_argument(
        "--theme", default=None, metavar="NAME", help="colour theme; wins over $TEXTUAL_THEME and [ui] theme"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    for sub in _subcommand_parsers(parser):
        # `nexus-tui dashboard --config F` as well as `nexus-tui --config F dashboard`; SUPPRESS keeps a
        # --config given before the subcommand when none follows it.
        with contextlib.suppress(argparse.ArgumentError):  # the command declares its own --config
            sub.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML config file")
    return parser


def _subcommand_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:  # argparse offers no public walk over its subparsers
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield sub
                yield from _subcommand_parsers(sub)


def _start_picked_drill(args: argparse.Namespace) -> None:
    """A drill picked with D in the app that just closed: replace this process with `nexus-tui drill`, so the
    drill gets a fresh simulator and nothing of this session (which may be on real AWS) carries over."""
    from nexus_tui.commands.dashboard import take_drill_handoff

    choice = take_drill_handoff()
    if choice is None:
        return
    argv = [sys.executable, "-m", "nexus_tui"]
    if getattr(args, "config", None):
        argv += ["--config", str(args.config)]
    if getattr(args, "theme", None):
        argv += ["--theme", str(args.theme)]
    argv += ["drill", choice.scenario_id, "--speed", f"{choice.speed:g}"]
    os.execv(sys.executable, argv)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # Bare `nexus-tui` opens the dashboard against real AWS, as documented.
        args = parser.parse_args([*(argv or sys.argv[1:]), "dashboard"])
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at interpreter exit
        _start_picked_drill(args)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `nexus-tui ... | head -1`: the reader has all it wants. Point stdout at devnull so the flush at exit
        # does not raise again (the recipe of the Python docs, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
