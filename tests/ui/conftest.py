"""Fixtures for UI tests: NexusApp on fixed snapshots and a manual clock, so screens are deterministic."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui.app import NexusApp
from tests.ui.sample_data import NOW

SIZE = (140, 45)


class SlowSource(StaticDashboardSource):
    """A static source whose refresh takes `delay` seconds and records how many refreshes overlap."""

    def __init__(self, snapshots: Sequence[DashboardSnapshot], delay: float) -> None:
        super().__init__(snapshots)
        self.delay = delay
        self.active = 0
        self.max_active = 0

    async def refresh(self) -> DashboardSnapshot:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(self.delay)
            return await super().refresh()
        finally:
            self.active -= 1


class FailingSource(StaticDashboardSource):
    async def refresh(self) -> DashboardSnapshot:
        raise RuntimeError("source exploded")


MakeApp = Callable[..., NexusApp]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def make_app(clock: ManualClock) -> MakeApp:
    def make(
        *snapshots: DashboardSnapshot,
        source: StaticDashboardSource | None = None,
        theme: str = "nexus-dark",
        refresh_seconds: float = 3600.0,
        **kwargs: object,
    ) -> NexusApp:
        config = replace(AppConfig(), theme=theme, refresh_seconds=refresh_seconds)
        return NexusApp(config, source or StaticDashboardSource(list(snapshots)), clock=clock, **kwargs)  # type: ignore[arg-type]

    return make


async def wait_for(predicate: Callable[[], bool], pilot: object, limit: float = 5.0) -> None:
    """Let the app run until predicate() holds; fail after `limit` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            code = getattr(predicate, "__code__", None)
            where = f" (the condition at {Path(code.co_filename).name}:{code.co_firstlineno})" if code else ""
            raise AssertionError(f"condition not reached in {limit:g} s{where}")
        await pilot.pause(0.01)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_theme_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's TEXTUAL_THEME must not change what the UI tests and snapshots see."""
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
