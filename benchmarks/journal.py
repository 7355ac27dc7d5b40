"""Journal figures: durable append latency (synchronous=FULL, one fsync'd commit per event, through the
service's read-check-append path and raw) and startup (open + replay) of a 10,000-event incident.

    python benchmarks/journal.py [--appends 2000] [--events 10000] [--dir DIR]

Use --dir on the disk the journal will live on: tmpfs hides the fsync cost."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from nexus_tui.domain.clock import SystemClock
from nexus_tui.domain.fold import replay
from nexus_tui.domain.runbook import Runbook, Step
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.store import Journal


def sample_runbook() -> Runbook:
    steps = tuple(Step(f"s{i}", f"Step {i}", "manual", 120.0) for i in range(8))
    return Runbook("bench", "Benchmark runbook", "benchmark", 1800.0, steps)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 50) * 1000:.2f} ms  p99 {pct(values, 99) * 1000:.2f} ms  "
        f"max {max(values) * 1000:.2f} ms  mean {statistics.mean(values) * 1000:.2f} ms"
    )


def service(path: Path) -> IncidentService:
    return IncidentService(
        Journal(path),
        clock=SystemClock(),
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        actor="bench",
    )


def bench_raw_appends(path: Path, n: int) -> list[float]:
    out = []
    with Journal(path) as j:
        for i in range(n):
            t0 = time.perf_counter()
            j.append(
                "INC-RAW",
                "note",
                {"text": f"note {i}"},
                at=datetime.now(UTC),
                actor="bench",
                aws_identity=None,
                expect_seq=i,
            )
            out.append(time.perf_counter() - t0)
    return out


def bench_service_appends(path: Path, n: int) -> list[float]:
    """Notes through IncidentService: re-read + replay + check + append, as the TUI and CLI do. Grows with the
    incident's length, so this is measured on a realistically sized incident (n events)."""
    out = []
    with service(path) as svc:
        iid = svc.declare("rds-failover")
        for i in range(n):
            t0 = time.perf_counter()
            svc.note(iid, f"note {i}")
            out.append(time.perf_counter() - t0)
    return out


def bench_startup(path: Path, n: int) -> tuple[float, float, float]:
    with service(path) as svc:
        iid = svc.declare("rds-failover")
    with Journal(path) as j:  # fill fast: bulk notes straight into the journal
        at = datetime.now(UTC)
        for i in range(1, n):
            j.append(iid, "note", {"text": f"note {i}"}, at=at, actor="bench", aws_identity=None, expect_seq=i)
    t0 = time.perf_counter()
    with service(path) as svc:
        view = svc.open_incident()
        t2 = time.perf_counter()
        assert view is not None and view.state.last_seq == n
    with Journal(path) as j:
        t3 = time.perf_counter()
        events = j.events(iid)
        t4 = time.perf_counter()
        replay(events)
        t5 = time.perf_counter()
    return t2 - t0, t4 - t3, t5 - t4


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        root = Path(d)
        print(f"journal dir: {root}  (synchronous=FULL, WAL)")
        raw = bench_raw_appends(root / "raw.sqlite3", args.appends)
        print(f"raw append       x{args.appends}: {ms(raw)}")
        svc = bench_service_appends(root / "svc.sqlite3", args.appends)
        print(f"service note     x{args.appends}: {ms(svc)}  (read-check-append, incremental fold)")
        total, read, fold = bench_startup(root / "big.sqlite3", args.events)
        print(
            f"startup {args.events} events: open + replay {total * 1000:.1f} ms  (read {read * 1000:.1f} ms,"
            f" fold {fold * 1000:.1f} ms)"
        )
        print(f"journal size for {args.events} events: {(root / 'big.sqlite3').stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
