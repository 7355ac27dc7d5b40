"""Drill figures: an unattended rehearsal of each scenario (`drill run --auto`) at --speed 60, with its wall
time (simulator start to score), the simulated RTO it achieved, its verdict and the data loss measured.

    python benchmarks/drills.py [--speed 60] [--scenario ID ...]

Each drill gets a fresh simulator and a throwaway journal; nothing touches the user's journal."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from nexus_tui.commands.drill import auto_drill
from nexus_tui.config import AppConfig
from nexus_tui.domain.drill import SCENARIOS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--speed", type=float, default=60.0)
    ap.add_argument("--scenario", action="append", default=None)
    args = ap.parse_args()
    ids = args.scenario or [s.id for s in SCENARIOS]
    print(f"unattended drills at --speed {args.speed:g} (simulated time runs only while AWS works)")
    print(f"{'scenario':<20} {'wall s':>7} {'RTO min':>8} {'target':>7} {'verdict':<8} data loss")
    with tempfile.TemporaryDirectory() as tmp:
        for sid in ids:
            started = time.perf_counter()
            result = asyncio.run(auto_drill(sid, args.speed, Path(tmp) / f"{sid}.sqlite3", AppConfig()))
            wall = time.perf_counter() - started
            s = result.score
            rto = "-" if s.rto_seconds is None else f"{s.rto_seconds / 60:.1f}"
            loss = s.data_loss
            parts = []
            if loss.transactions is not None:
                parts.append(f"{loss.transactions} tx / {loss.seconds or 0:.1f} s")
            if loss.objects is not None:
                parts.append(f"{loss.objects} objects / {loss.bytes or 0} B")
            print(f"{sid:<20} {wall:7.1f} {rto:>8} {s.rto_target_seconds / 60:7.0f} {s.verdict:<8} {', '.join(parts)}")


if __name__ == "__main__":
    main()
