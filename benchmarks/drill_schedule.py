"""Drill calendar cost: `drill schedule` over a SQLite journal of N incidents (a fifth of them drills, each
with a few step events), read as the CLI and the dashboard line read it (a read-only open, every incident's
declaration and resolution). Prints the journal's size, the time of one schedule and the time per incident.
The dashboard computes it in a worker thread every 5 minutes, so the goal is < 1 s at N=1000 (never felt).

    python benchmarks/drill_schedule.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.drill_calendar import SEED_DRILLS
from nexus_tui.domain.runbook import Runbook, Step
from nexus_tui.engine.drill_calendar import drill_schedule
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal

BOOKS = ("rds-failover", "s3-object-recovery", "regional-outage", "database-corruption", "data-center-loss")


def runbook(runbook_id: str) -> Runbook:
    steps = tuple(Step(id=f"s{i}", title=f"Step {i}", kind="manual", expected_seconds=60) for i in range(4))
    return Runbook(id=runbook_id, title=runbook_id, trigger="bench", rto_seconds=1800, steps=steps)


def build(path: Path, n: int) -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    with IncidentService(
        SqliteJournal(path), clock=clock, runbook_loader=runbook, settings=AppConfig().settings, actor="bench"
    ) as svc:
        for i in range(n):
            clock.current += timedelta(hours=7)
            iid = svc.declare(BOOKS[i % len(BOOKS)], "SEV3", "ic", drill=i % 5 == 0)
            for step in range(4):
                svc.confirm(iid, f"s{step}")
            svc.resolve(iid, "done")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.sqlite3"
        started = time.perf_counter()
        build(path, n)
        print(
            f"journal: {n} incidents ({n // 5} drills), {path.stat().st_size / 1e6:.1f} MB, "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        now = datetime(2026, 12, 1, tzinfo=UTC)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            store = SqliteJournal(path, read_only=True)
            statuses = drill_schedule(store, SEED_DRILLS, now)
            store.close()
            times.append(time.perf_counter() - started)
        best = min(times)
        print(
            f"drill schedule: {len(statuses)} drills, best of 3 {best * 1000:.0f} ms "
            f"({best / n * 1e6:.0f} µs per incident; goal < 1 s at N=1000)"
        )


if __name__ == "__main__":
    main()
