"""Parts of a poll that may outlive the refresh that started them (per-bucket and per-secret calls on a big
account): one task per (region, part), owned by the poller, picked up by whichever refresh comes after.

A refresh returns what is ready; a part still being filled for the first time is reported as in progress with
a count, so the incident commander knows the picture is partial rather than complete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Key = tuple[str | None, str]  # (region, part); region None for account-wide work (the bucket index)


@dataclass
class Progress:
    done: int = 0
    total: int | None = None  # None until the work knows how much there is

    def count(self) -> str:
        return f"{self.done}/{self.total}" if self.total is not None else ""


class FanOut:
    """The per-item calls of background discovery (one per bucket, per secret): at most `size` at once, and
    none while paused, so a refresh's own calls (alarms, RDS, metrics) are not queued behind hundreds of them."""

    def __init__(self, size: int, running: asyncio.Event | None = None) -> None:
        self._slots = asyncio.Semaphore(size)
        if running is None:
            running = asyncio.Event()
            running.set()
        self.running = running  # shared by every region's FanOut: one refresh pauses them all

    async def __aenter__(self) -> None:
        while True:
            await self.running.wait()
            await self._slots.acquire()
            # Every waiter wakes when the pause ends; those still queued for a slot when the next pause begins
            # must wait for it to end too, or a pause would hold back only the calls not yet queued.
            if self.running.is_set():
                return
            self._slots.release()

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()


class Background:
    def __init__(self) -> None:
        self.tasks: dict[Key, asyncio.Task[None]] = {}
        self.progress: dict[Key, Progress] = {}
        # Keys filling a part that has no value yet: the refresh waits for these (up to its budget) and says
        # they are in progress. A periodic re-read of a part already shown is neither waited for nor reported.
        self.partial: set[Key] = set()

    def running(self, key: Key) -> asyncio.Task[None] | None:
        task = self.tasks.get(key)
        return task if task is not None and not task.done() else None

    def start(self, key: Key, work: Callable[[Progress], Awaitable[None]], *, partial: bool) -> bool:
        """Start `work` unless the same part is already running (never two runs of one part at once)."""
        if self.running(key) is not None:
            return False
        progress = Progress()
        self.progress[key] = progress
        if partial:
            self.partial.add(key)
        else:
            self.partial.discard(key)

        async def run() -> None:
            await work(progress)

        task = asyncio.ensure_future(run())
        self.tasks[key] = task
        task.add_done_callback(lambda t: self._finished(key, t))
        return True

    def _finished(self, key: Key, task: asyncio.Task[None]) -> None:
        if self.tasks.get(key) is task:
            del self.tasks[key]
            self.partial.discard(key)
        if not task.cancelled() and task.exception() is not None:
            # Parts record AWS failures themselves; anything reaching here is a bug, logged rather than lost.
            log.error("background part %s failed", key, exc_info=task.exception())

    def waited(self, *, everything: bool) -> list[asyncio.Task[None]]:
        return [t for k, t in self.tasks.items() if not t.done() and (everything or k in self.partial)]

    def in_progress(self) -> list[tuple[Key, Progress]]:
        return [
            (k, self.progress[k])
            for k, t in sorted(self.tasks.items(), key=_order)
            if k in self.partial and not t.done()
        ]

    def cancel(self, keys: list[Key]) -> None:
        for key in keys:
            task = self.tasks.get(key)
            if task is not None:
                task.cancel()

    def cancel_region(self, region: str) -> None:
        self.cancel([k for k in self.tasks if k[0] == region])

    async def aclose(self) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()
        self.partial.clear()


def _order(item: tuple[Key, asyncio.Task[None]]) -> tuple[str, str]:
    (region, part), _ = item
    return (region or "", part)
