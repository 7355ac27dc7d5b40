"""Walls following one journal: CPU per wall process and how soon a change shows on each.

    python benchmarks/wall_followers.py [--walls 10] [--changes 20] [--every 2.0] [--dir DIR] [--slack]

Starts N wall processes (headless WallApp at 120x35, journal only: no AWS polling, so the figure is the cost
of following the change feed and ticking the clocks), then records a step change every `--every` seconds from
this process. Each wall reports when it rendered each new seq; the latency is render time minus the event's
journal time (same machine, same clock). CPU is user+system time of each
wall process from the moment it shows the incident until the last change has had a second to arrive (startup
excluded). Walls run headless (Textual's test driver): the cost of writing frames to a real terminal is not included.
--slack: the incident's changes queue Slack messages and each wall shows their delivery (reading the outbox
with each change and every 2 s), as a wall does when Slack is configured."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.runbook import Runbook, Step
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import make_outbox_policy
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.slack_status import SlackWatch
from nexus_tui.journal.store import open_store
from nexus_tui.sources.slack.settings import Secret, SlackSettings


def runbook(_: str = "bench") -> Runbook:
    steps = tuple(Step(f"s{i}", f"Step {i}", "manual", 120.0) for i in range(60))
    return Runbook("bench", "Benchmark runbook", "benchmark", 3600.0, steps)


def service(path: Path, slack: bool = False) -> IncidentService:
    policy = make_outbox_policy(Routing(), SystemClock()) if slack else None
    return IncidentService(
        open_store(path), clock=SystemClock(), runbook_loader=runbook, settings=Settings(), outbox_policy=policy
    )


async def child(journal: Path, slack: bool) -> None:
    from nexus_tui.ui.wall.app import WallApp

    seen: dict[int, float] = {}

    class Measured(WallApp):
        def render_wall(self) -> None:
            super().render_wall()
            if self.state is not None and self.state.last_seq not in seen:
                seen[self.state.last_seq] = time.time()

    svc = service(journal)
    watch = SlackWatch(svc.journal, SlackSettings(token=Secret("xoxb-benchmark"))) if slack else None
    app = Measured(Settings(), incidents=svc, slack=watch)
    async with app.run_test(size=(120, 35)) as pilot:
        while not app.showing_incident:
            await pilot.pause(0.05)
        print("ready", flush=True)
        start = resource.getrusage(resource.RUSAGE_SELF)
        began = time.monotonic()
        await asyncio.to_thread(sys.stdin.read)  # until the parent is done changing the incident
        end = resource.getrusage(resource.RUSAGE_SELF)
        elapsed = time.monotonic() - began
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    print(json.dumps({"cpu": cpu, "elapsed": elapsed, "seen": seen}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--walls", type=int, default=10)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--slack", action="store_true", help="Slack configured: walls show delivery too")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        asyncio.run(child(args.child, args.slack))
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        journal = Path(tmp) / "journal.sqlite3"
        svc = service(journal, args.slack)
        iid = svc.declare("bench", "SEV1")
        walls = [
            subprocess.Popen(
                [sys.executable, __file__, "--child", str(journal), *(["--slack"] if args.slack else [])],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.walls)
        ]
        for w in walls:
            assert w.stdout is not None
            w.stdout.readline()  # "ready": the wall shows the incident
        time.sleep(2.0)
        at: dict[int, float] = {}
        for i in range(args.changes):
            view = svc.confirm(iid, f"s{i}")
            at[view.state.last_seq] = view.state.events[-1].at.timestamp()
            time.sleep(args.every)
        time.sleep(1.0)
        results = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in walls]
        svc.close()
    cpu = [r["cpu"] / r["elapsed"] * 100 for r in results]
    lat: list[float] = []
    missed = 0
    for r in results:
        seen = {int(k): v for k, v in r["seen"].items()}
        for seq, t in at.items():
            # Shown when the wall first rendered this seq or a later one (two changes may arrive in one batch).
            times = [v for k, v in seen.items() if k >= seq]
            if times:
                lat.append(min(times) - t)
            else:
                missed += 1
    slack = ", Slack configured" if args.slack else ""
    print(f"{args.walls} walls following one journal{slack}, {args.changes} changes {args.every:g} s apart")
    print(
        f"CPU per wall: mean {statistics.mean(cpu):.1f}%  max {max(cpu):.1f}% of one core "
        f"(total {sum(cpu):.1f}%); machine load average {Path('/proc/loadavg').read_text().split()[0]}"
    )
    if lat:
        ordered = sorted(lat)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"change -> shown: p50 {statistics.median(lat) * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms  "
            f"max {max(lat) * 1000:.0f} ms  (goal: within 1000 ms); missed {missed}"
        )


if __name__ == "__main__":
    main()
