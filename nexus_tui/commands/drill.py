"""`nexus-tui drill`: practice drills on the simulator.

  nexus-tui drill list [--json]                          the scenario catalogue
  nexus-tui drill run SCENARIO --auto [--speed N] [--json]   unattended rehearsal; exit 0 pass, 1 fail/blocked
  nexus-tui drill SCENARIO [--speed N]                   the TUI on the simulator, the fault after a calm spell
  nexus-tui drill schedule | platform ...                the calendar and the platform's drill API
                                                         (commands/drill_schedule.py)

`register(subparsers)` creates the `drill` parser and keeps its own subparsers object in DRILL_SUBPARSERS,
so other modules add verbs to it (`drill schedule`): call `add_drill_command(name, register_fn)` before
build_parser(), or use DRILL_SUBPARSERS after register() ran. DRILL_HOOKS are called with the subparsers
object every time `drill` is registered.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nexus_tui.commands.drill_schedule import register_schedule
from nexus_tui.domain.drill import SCENARIOS, DrillError, scenario, summary_line
from nexus_tui.domain.text import printable_line

DRILL_SUBPARSERS: Any = None
DRILL_HOOKS: list[Callable[[Any], None]] = []


def add_drill_command(name: str, register_fn: Callable[[Any], None]) -> None:
    """Let another module add `drill NAME`: register_fn(subparsers) adds its parser and sets func."""
    del name  # kept for readability at the call site
    DRILL_HOOKS.append(register_fn)


def register(subparsers: Any) -> None:
    global DRILL_SUBPARSERS
    parser = subparsers.add_parser(
        "drill", help="practice drills: scenarios on the simulator (list, run, SCENARIO), the calendar, the platform"
    )
    parser.set_defaults(func=lambda _args: _usage(parser))
    subs = parser.add_subparsers(dest="drill_command", metavar="VERB")
    DRILL_SUBPARSERS = subs

    lister = subs.add_parser("list", help="the drill scenarios")
    lister.add_argument("--json", action="store_true", help="machine-readable output")
    lister.set_defaults(func=run_list)

    runner = subs.add_parser("run", help="run a scenario: --auto walks the runbook unattended")
    runner.add_argument("scenario", help="scenario id (see `nexus-tui drill list`)")
    runner.add_argument("--auto", action="store_true", help="walk the runbook unattended (required for now)")
    runner.add_argument("--speed", type=speed_value, default=1.0, help="simulated seconds per second (default 1)")
    runner.add_argument("--json", action="store_true", help="print the score as JSON")
    runner.add_argument("--runbook", default=None, help="one of the scenario's other runbooks (see drill list)")
    runner.add_argument("--journal", default=None, help="journal file or postgresql:// URL (default: the config's)")
    runner.add_argument("--report", type=Path, default=None, help="also write the Markdown drill report here")
    runner.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    runner.set_defaults(func=run_drill)

    for s in SCENARIOS:
        live = subs.add_parser(s.id, help=f"open the TUI on the simulator and inject: {s.fault}")
        live.add_argument("--speed", type=speed_value, default=1.0, help="simulated seconds per second (default 1)")
        live.add_argument("--journal", default=None, help="journal file or postgresql:// URL (default: the config's)")
        live.add_argument("--theme", default=argparse.SUPPRESS, metavar="NAME", help="colour theme")
        live.set_defaults(func=_interactive)
    register_schedule(subs)
    for hook in DRILL_HOOKS:
        hook(subs)


def _interactive(args: argparse.Namespace) -> int:
    from nexus_tui.commands.drill_tui import run_interactive

    return run_interactive(args)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def speed_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a speed: {text!r}") from None
    if not (0 < value <= 3600):
        raise argparse.ArgumentTypeError(f"speed must be above 0 and at most 3600, not {text}")
    return value


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_list(args: argparse.Namespace) -> int:
    if args.json:
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "fault": s.fault,
                "detection": s.detection,
                "runbook": s.runbook,
                "alt_runbooks": list(s.alt_runbooks),
                "seed_lines": list(s.seed_lines),
                "at_risk": list(s.at_risk),
            }
            for s in SCENARIOS
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(s.id) for s in SCENARIOS)
    for s in SCENARIOS:
        print(f"{s.id:<{width}}  -> {s.runbook:<26} {s.fault}")
    return 0


def run_drill(args: argparse.Namespace) -> int:
    from nexus_tui.config import ConfigError, load_config

    try:
        chosen = scenario(args.scenario)
        if not args.auto:
            raise DrillError("`drill run` needs --auto for now (`nexus-tui drill SCENARIO` opens the TUI)")
        user = load_config(getattr(args, "config", None), check_profile=False)
    except (DrillError, ConfigError) as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    import asyncio

    from nexus_tui.commands.incident import journal_path

    say = (lambda _line: None) if args.quiet else (lambda line: print(printable_line(line), file=sys.stderr))
    try:
        result = asyncio.run(
            auto_drill(chosen.id, args.speed, journal_path(args, user), user, on_progress=say, runbook=args.runbook)
        )
    except DrillError as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    if args.report is not None:
        args.report.write_text(result.report, encoding="utf-8")
    if args.json:
        print(json.dumps(result.score.to_dict(), indent=2))
    else:
        print(summary_line(result.score))
        for reason in result.score.reasons:
            print(f"  {reason}")
    return 0 if result.score.verdict == "pass" else 1


async def auto_drill(
    scenario_id: str,
    speed: float,
    journal: Path | str,
    user: Any,
    *,
    on_progress: Callable[[str], None] | None = None,
    calm_seconds: float | None = None,
    runbook: str | None = None,
) -> Any:
    """One unattended rehearsal on a fresh simulator; the incident goes to `journal`, marked drill."""
    from dataclasses import replace

    from nexus_tui.commands.incident import runbook_loader
    from nexus_tui.engine.drill import DrillRunner
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.journal.store import open_store
    from nexus_tui.sim.scenarios import DrillWorld

    chosen = scenario(scenario_id)
    # Paused: simulated time passes only while AWS works and by the runner's explicit jumps (see ScaledClock).
    with DrillWorld(chosen, speed=speed, running=False) as world:

        def incidents(config: Any, clock: Any) -> IncidentService:
            merged = replace(config, settings=user.settings, runbook_dirs=user.runbook_dirs)
            return IncidentService(
                open_store(journal),
                clock=clock,
                runbook_loader=runbook_loader((), merged),
                settings=merged.settings,
                actor="drill-auto",
            )

        world.sim.start_ticker(interval_seconds=0.25, sim_seconds_per_tick=0.0)
        # The simulator's fake credentials for this process while the drill runs, never for the caller's.
        with _environ(world.sim.environ()):
            runner = DrillRunner(
                world, incidents, speed=speed, calm_seconds=calm_seconds, on_progress=on_progress, runbook=runbook
            )
            return await runner.run_auto()
