"""UI latency with 1,000 replication rows while a slow refresh (1 s) is in flight.

Prints: time to first frame, time to first data, and keypress-to-repaint latency for cursor moves and for
typing a filter. Run: .venv/bin/python benchmarks/ui_latency.py [--rows 1000] [--delay 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.widgets.table import KeyedTable
from tests.ui.sample_data import NOW, many_pairs_snapshot


class SlowSource(StaticDashboardSource):
    """Answers instantly the first time, then takes `delay` seconds, like AWS on a bad day."""

    def __init__(self, snapshots: Sequence[DashboardSnapshot], delay: float) -> None:
        super().__init__(snapshots)
        self.delay = delay

    async def refresh(self) -> DashboardSnapshot:
        if self.refresh_count:
            await asyncio.sleep(self.delay)
        return await super().refresh()


class FramedApp(NexusApp):
    """Counts compositor updates, so a keypress can be timed until the screen actually repaints."""

    frames = 0
    first_frame_at: float | None = None

    def _display(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
        FramedApp.frames += 1
        if FramedApp.first_frame_at is None:
            FramedApp.first_frame_at = time.perf_counter()
        super()._display(screen, renderable)


async def _press_and_wait_repaint(pilot, key: str) -> float:  # type: ignore[no-untyped-def]
    """Send one key straight to the driver (Pilot.press also waits for idle, which would be measured too)
    and time until the next frame reaches the output."""
    app = pilot.app
    char = {"minus": "-"}.get(key, key if len(key) == 1 else None)
    event = events.Key(key, char)
    event.set_sender(app)
    before = FramedApp.frames
    start = time.perf_counter()
    app._driver.send_message(event)
    await _until(lambda: FramedApp.frames != before)
    elapsed = (time.perf_counter() - start) * 1000
    await asyncio.sleep(0.03)  # a human does not type at 1 kHz; let the frame settle
    return elapsed


async def _until(predicate) -> None:  # type: ignore[no-untyped-def]
    # Polling on purpose: the benchmark watches the app from outside, without hooks inside it.
    while not predicate():  # noqa: ASYNC110
        await asyncio.sleep(0.0002)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def main(rows: int, delay: float) -> None:
    snapshots = [many_pairs_snapshot(rows, NOW), many_pairs_snapshot(rows, NOW, lag=3.0)]
    config = replace(AppConfig(), refresh_seconds=0.05)
    source = SlowSource(snapshots, delay)
    app = FramedApp(config, source, clock=ManualClock(NOW))
    started = time.perf_counter()
    async with app.run_test(size=(140, 45)) as pilot:
        await _until(lambda: app.snapshot is not None)
        first_data = time.perf_counter() - started
        table = app.screen.query_one("#replication-table", KeyedTable)
        await _until(lambda: table.row_count >= rows)
        await pilot.pause()
        first_data_painted = time.perf_counter() - started
        # The second poll is now in flight (slow source); measure keys while it runs.
        await _until(lambda: app.polling)
        in_flight_at_start = app.polling
        down = [await _press_and_wait_repaint(pilot, "down") for _ in range(40)]
        pages = [await _press_and_wait_repaint(pilot, "pagedown") for _ in range(10)]
        await _press_and_wait_repaint(pilot, "slash")
        filter_keys = [await _press_and_wait_repaint(pilot, {"-": "minus"}.get(k, k)) for k in "app-09"]
        t0 = time.perf_counter()
        await _until(lambda: table.row_count == 100)
        filter_applied = (time.perf_counter() - t0) * 1000
        filtered = table.row_count
        erase = [await _press_and_wait_repaint(pilot, "backspace") for _ in range(6)]
        t0 = time.perf_counter()
        await _until(lambda: table.row_count == rows)
        unfilter_applied = (time.perf_counter() - t0) * 1000
        await pilot.press("escape")
        await pilot.pause()
        # Let the slow refresh land and time an in-place update of every row.
        updates_before = source.refresh_count
        await _until(lambda: source.refresh_count != updates_before)
        await pilot.pause()
        rebuilds = table.rebuilds
    first_frame = (FramedApp.first_frame_at or started) - started
    print(f"rows: {rows}, refresh delay: {delay:.1f} s (in flight during key presses: {in_flight_at_start})")
    print(f"time to first frame:          {first_frame * 1000:8.1f} ms")
    print(f"time to first data (message): {first_data * 1000:8.1f} ms")
    print(f"time to first data (painted): {first_data_painted * 1000:8.1f} ms")
    for name, values in (("down", down), ("pagedown", pages), ("filter type", filter_keys), ("filter erase", erase)):
        print(
            f"keypress->repaint {name:12s}: median {statistics.median(values):6.1f} ms  "
            f"p95 {_pct(values, 0.95):6.1f} ms  max {max(values):6.1f} ms  (n={len(values)})"
        )
    print(f"rows after filter 'app-09': {filtered}; table rebuilds in the whole run: {rebuilds}")
    print(f"filter applied after last key: {filter_applied:.0f} ms; all rows back: {unfilter_applied:.0f} ms")
    print(
        "filter per key (ms):",
        " ".join(f"{v:.0f}" for v in filter_keys),
        "| erase:",
        " ".join(f"{v:.0f}" for v in erase),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.delay))
