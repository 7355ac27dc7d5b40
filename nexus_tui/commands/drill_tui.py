"""`nexus-tui drill SCENARIO [--speed N]`: the TUI on a fresh simulator, the scenario's fault injected
after a short calm period, and the team detects, declares and walks the runbook with every real mechanism
on (timers, confirmations, journal). The app, the journal and the simulator share the drill clock, so the
incident's timers and its RTO are in simulated (real-world) minutes whatever the speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from nexus_tui.config import AppConfig, ConfigError, default_data_dir, load_config
from nexus_tui.domain.drill import DrillError, scenario, summary_line
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.text import printable_line

if TYPE_CHECKING:
    from nexus_tui.engine.incidents import IncidentService
    from nexus_tui.sim.scenarios import DrillWorld

CALM_SIMULATED_SECONDS = 120.0
MIN_CALM_WALL_SECONDS = 10.0  # long enough to see the dashboard green before it turns


def _report(world: DrillWorld, incidents: IncidentService, config: AppConfig, speed: float) -> None:
    """After the TUI closes: the drill's score and report for the incident declared during this drill."""
    from nexus_tui.engine.drill import drill_report_section, score_incident

    fault = world.fault
    if fault is None:
        print("nexus-tui: the drill ended before its fault was injected; no score", file=sys.stderr)
        return
    mine = []
    for iid in incidents.journal.incident_ids():
        state = incidents.state(iid)
        if (
            state.drill
            and state.declared_at >= fault.at
            and state.events[0].payload.get("scenario") == world.scenario.id
        ):
            mine.append(state)
    if not mine:
        print("nexus-tui: no drill incident was declared after the fault; no score", file=sys.stderr)
        return
    state = max(mine, key=lambda s: s.declared_at)
    score = score_incident(state, world, config, fault_at=fault.at, speed=speed)
    # Resolved in the TUI already: the verdict goes in as a note (a resolved incident takes notes only).
    reasons = f" ({'; '.join(score.reasons)})" if score.reasons else ""
    incidents.note(state.id, f"drill verdict: {score.verdict.upper()}{reasons}")
    if not state.resolved:
        # Its simulator stops with this process: left open, the next drill would pick it up against a world
        # that no longer exists. Closed as what it is, with the open steps named by the resolve event.
        try:
            incidents.resolve(
                state.id,
                f"drill {world.scenario.id}: {score.verdict}",
                force=bool(state.pending_steps),
                reason="the drill session closed before the runbook was finished (its simulator is gone)",
                verdict=score.verdict,
            )
        except IncidentError as exc:
            print(f"nexus-tui: drill incident {state.id} left open: {printable_line(str(exc))}", file=sys.stderr)
    report = incidents.report(state.id) + drill_report_section(score, tuple(world.cleanup()))
    path = default_data_dir() / f"drill-{state.id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report, encoding="utf-8")
    print(summary_line(score), file=sys.stderr)
    detected = "-" if score.detection_seconds is None else f"{score.detection_seconds / 60:.1f} min"
    print(f"  detection (fault to declare): {detected}; report: {path}", file=sys.stderr)


def _title(scenario_id: str, speed: float) -> str:
    # Fixed, so it stays true after the fault too ("fault in ~2 min" did not).
    return f" · DRILL {scenario_id} x{speed:g} (fault ~{CALM_SIMULATED_SECONDS / 60:.0f} min after start)"


def run_interactive(args: argparse.Namespace) -> int:
    try:
        chosen = scenario(args.drill_command)
        user = load_config(getattr(args, "config", None), check_profile=False)
    except (DrillError, ConfigError) as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    import asyncio

    from nexus_tui.commands.dashboard import incident_engine, run_app
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.engine.dashboard import DashboardService
    from nexus_tui.engine.drill import ensure_simulated
    from nexus_tui.sim.scenarios import DrillWorld

    speed = float(args.speed)
    print(f"nexus-tui: drill {chosen.id}: starting the simulated AWS account ...", file=sys.stderr, flush=True)
    world = DrillWorld(chosen, speed=speed).start()
    stop = threading.Event()
    try:
        os.environ.update(world.sim.environ())
        world.prepare()
        world.sim.start_ticker(interval_seconds=min(2.0, max(60.0 / speed, 0.25)), sim_seconds_per_tick=0.0)
        sim_config = world.app_config()
        ensure_simulated(sim_config)
        config = replace(
            sim_config,
            settings=user.settings,
            theme=user.theme,
            runbook_dirs=user.runbook_dirs,
            journal_path=user.journal_path or default_data_dir() / "journal.sqlite3",
        )

        def fault_then_watch() -> None:
            calm = max(CALM_SIMULATED_SECONDS / speed, MIN_CALM_WALL_SECONDS)
            if stop.wait(calm):
                return
            world.inject()
            while not stop.wait(2.0):
                try:
                    world.watch_recovery()
                except Exception:  # the simulator is stopping; the TUI owns the terminal
                    continue

        threading.Thread(target=fault_then_watch, name="nexus-drill-fault", daemon=True).start()
        incidents, executor, comms = incident_engine(
            config,
            journal_path(args, config),
            param_defaults=world.declare_params(),
            drill=True,
            slack=None,
            clock=world.clock,
        )
        incidents.drill_scenario = chosen.id
        # AWS's own waiters poll every ~15 s; at --speed N a wall-clock 15 s would be 15 N simulated seconds.
        executor = replace(executor, poll_interval=min(max(15.0 / speed, 0.1), 15.0))
        with incidents:
            code = asyncio.run(
                run_app(
                    config,
                    DashboardService(config, world.clock),
                    incidents=incidents,
                    executor=executor,
                    comms=comms,
                    clock=world.clock,
                    title_suffix=_title(chosen.id, speed),
                    theme_name=getattr(args, "theme", None),
                )
            )
            _report(world, incidents, config, speed)
            return code
    except DrillError as exc:
        print(f"nexus-tui: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    finally:
        stop.set()
        world.stop()
