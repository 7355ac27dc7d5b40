"""Realistic durations: a scheduled resource moves through AWS's intermediate states on the simulated clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nexus_tui.domain.clock import ManualClock
from nexus_tui.sim.durations import PITR_RESTORE, PROMOTE, Durations, total


@dataclass
class _Instance:  # stands in for moto's model: the schedule only reads and writes `status`
    status: str = "available"


def test_promotion_goes_modifying_backing_up_available_in_five_minutes() -> None:
    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    durations = Durations(clock)
    db = _Instance()
    durations.schedule(db, PROMOTE)
    seen = []
    for _ in range(int(total(PROMOTE) // 30) + 1):
        durations.apply(db)
        seen.append(db.status)
        clock.advance(30)
    assert total(PROMOTE) == 300
    assert seen[0] == "modifying" and "backing-up" in seen and seen[-1] == "available"
    assert seen.index("available") == 10  # at exactly 300 s
    assert durations.busy_until(db) is None  # settled schedules are dropped


def test_scale_zero_keeps_moto_instant_and_pitr_is_fifteen_minutes() -> None:
    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    off = Durations(clock, scale=0)
    db = _Instance()
    off.schedule(db, PITR_RESTORE)
    assert db.status == "available"
    on = Durations(clock)
    on.schedule(db, PITR_RESTORE)
    assert db.status == "creating" and total(PITR_RESTORE) == 900
    clock.advance(899)
    on.apply(db)
    assert db.status == "backing-up"
    clock.advance(1)
    on.apply(db)
    assert db.status == "available"
