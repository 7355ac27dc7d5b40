"""Fixtures for wall tests: a real SQLite journal in tmp_path, an IncidentService on a ManualClock, and
fixed readiness snapshots, so the wall's pictures are deterministic."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from nexus_tui.domain.clock import Clock, ManualClock
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.journal.store import open_store
from nexus_tui.ui.wall.app import WallApp
from tests.incident_fixtures import sample_runbook
from tests.ui.sample_data import NOW, healthy_snapshot

WALL_SIZE = (120, 35)
SMALL_SIZE = (80, 24)
# How long a test waits for the wall to catch up: generous, so a loaded machine never fails a test.
LIMIT = 30.0


def loader(runbook_id: str) -> Runbook:
    return sample_runbook()


def make_service(path: Path, clock: Clock, actor: str = "alice", **options: Any) -> IncidentService:
    numbers = itertools.count(1)

    def ids(now: datetime) -> str:
        # Fixed ids, so the snapshots do not change from run to run.
        return f"INC-{now:%Y%m%d-%H%M}-{next(numbers):04d}"

    return IncidentService(
        open_store(path),
        clock=clock,
        runbook_loader=loader,
        settings=Settings(),
        actor=actor,
        id_factory=ids,
        **options,
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def service(journal: Path, clock: ManualClock) -> Iterator[IncidentService]:
    svc = make_service(journal, clock)
    try:
        yield svc
    finally:
        svc.close()


MakeWall = Callable[..., WallApp]


@pytest.fixture
def make_wall(service: IncidentService, clock: ManualClock) -> MakeWall:
    def make(snapshot: object = None, **kwargs: object) -> WallApp:
        # Data as fresh as the wall's clock, so nothing shows as stale unless a test means it to.
        snap = healthy_snapshot(clock.now()) if snapshot is None else snapshot
        options: dict[str, object] = {
            "incidents": service,
            "source": StaticDashboardSource([snap]),  # type: ignore[list-item]
            "clock": clock,
            "poll_seconds": 3600.0,
            "feed_interval": 0.02,
        }
        options.update(kwargs)
        return WallApp(Settings(), **options)  # type: ignore[arg-type]

    return make
