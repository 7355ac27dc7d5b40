"""The drill clock: simulated time that runs N times faster than the wall clock, and can jump.

A drill's simulator, its incident journal and its score all read this one clock, so an RTO comes out in
real-world minutes whatever `--speed` was. AWS actions take their simulated duration (sim/durations.py)
while the product polls in real time; steps a person does (manual, command) are jumped over by an
unattended rehearsal: their expected time is added at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta


class ScaledClock:
    def __init__(
        self,
        start: datetime | None = None,
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        running: bool = True,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"drill speed must be a positive number, not {speed!r}")
        self.speed = float(speed)
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._monotonic = monotonic
        self._origin = monotonic()
        self._jumped = 0.0
        self._paused_at: float | None = None if running else self._origin
        self._lock = threading.Lock()

    def _elapsed(self) -> float:
        wall = (self._paused_at if self._paused_at is not None else self._monotonic()) - self._origin
        return wall * self.speed + self._jumped

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed())

    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = self._monotonic()

    def resume(self) -> None:
        with self._lock:
            if self._paused_at is not None:
                self._origin += self._monotonic() - self._paused_at
                self._paused_at = None

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Let time flow (scaled) only inside: an unattended rehearsal runs the clock while AWS works, so
        the drill's own bookkeeping on a slow machine never shows up as minutes of simulated RTO."""
        self.resume()
        try:
            yield
        finally:
            self.pause()

    def advance(self, seconds: float) -> None:
        """Jump forward (what SimEnvironment.tick and a skipped-over manual step use)."""
        if seconds > 0:
            with self._lock:
                self._jumped += seconds

    def wall_seconds(self, simulated: float) -> float:
        """How long `simulated` seconds take on the wall clock at this speed."""
        return simulated / self.speed
