"""Change-feed latency across processes: a note appended by one process (through the service's
read-check-append, as `nexus-tui incident note` does) until a subscriber in another process (the TUI's
`service.follow()`) has it. Goal: p99 < 250 ms.

    python benchmarks/feed_latency.py [--events 500] [--gap-ms 20] [--interval 0.05] [--dir DIR]

The writer stamps each note with CLOCK_MONOTONIC (shared by every process on the machine) just before its
append, so a figure includes the writer's durable commit as well as the subscriber's poll interval."""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.runbook import Runbook, Step
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal

STAMP = "feed-bench t="


def sample_runbook() -> Runbook:
    return Runbook("bench", "Benchmark runbook", "benchmark", 1800.0, (Step("s0", "Step 0", "manual", 120.0),))


def service(path: Path, actor: str) -> IncidentService:
    return IncidentService(
        SqliteJournal(path),
        clock=SystemClock(),
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        actor=actor,
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def writer(path: Path, incident_id: str, events: int, gap: float, seed: int) -> None:
    rng = random.Random(seed)
    with service(path, "writer") as svc:
        for _ in range(events):
            time.sleep(gap * rng.uniform(0.5, 1.5))  # irregular, so appends do not line up with the poll
            svc.note(incident_id, f"{STAMP}{time.monotonic()}")


async def subscribe(svc: IncidentService, events: int, interval: float, start_writer: object) -> list[float]:
    latencies: list[float] = []
    feed = svc.follow(interval=interval)
    first = asyncio.ensure_future(anext(feed))  # the feed's position is taken before the writer starts
    await asyncio.sleep(0.2)
    proc = start_writer()  # type: ignore[operator]
    try:
        batch = await first
        while True:
            seen = time.monotonic()
            for e in batch:
                text = str(e.payload.get("text", ""))
                if e.type == "note" and text.startswith(STAMP):
                    latencies.append(seen - float(text.removeprefix(STAMP)))
            if len(latencies) >= events:
                return latencies
            batch = await asyncio.wait_for(anext(feed), 60)
    finally:
        await feed.aclose()  # type: ignore[attr-defined]
        proc.wait(60)  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--gap-ms", type=float, default=20.0, help="mean pause between the writer's appends")
    ap.add_argument("--interval", type=float, default=0.05, help="the subscriber's poll interval (seconds)")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--writer", nargs=2, metavar=("JOURNAL", "INCIDENT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.writer:
        writer(Path(args.writer[0]), args.writer[1], args.events, args.gap_ms / 1000, seed=7)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "journal.sqlite3"
        with service(path, "subscriber") as svc:
            iid = svc.declare("bench")

            def start() -> subprocess.Popen[bytes]:
                cmd = [sys.executable, __file__, "--writer", str(path), iid, "--events", str(args.events)]
                return subprocess.Popen([*cmd, "--gap-ms", str(args.gap_ms)])

            lat = asyncio.run(subscribe(svc, args.events, args.interval, start))
    print(
        f"feed latency, writer process -> follow() in another ({len(lat)} events, poll {args.interval * 1000:.0f} ms):"
        f" p50 {pct(lat, 50) * 1000:.1f} ms  p99 {pct(lat, 99) * 1000:.1f} ms  max {max(lat) * 1000:.1f} ms"
        f"  (goal: p99 < 250 ms)"
    )


if __name__ == "__main__":
    main()
