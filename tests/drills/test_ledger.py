"""The write ledger: deterministic writes, replica position, measured loss at promotion and restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nexus_tui.domain.clock import ManualClock
from nexus_tui.sim.clock import ScaledClock
from nexus_tui.sim.ledger import WriteLedger

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _ledger(seed: int = 7, lag: float = 2.0) -> tuple[WriteLedger, ManualClock]:
    clock = ManualClock(T0)
    ledger = WriteLedger(clock, seed=seed)
    ledger.lag_of = lambda _replica: lag
    return ledger, clock


def test_same_seed_same_writes_and_intervals_add_up() -> None:
    a, _ = _ledger()
    b, _ = _ledger()
    c, _ = _ledger(seed=8)
    span = (T0 - timedelta(minutes=10), T0)
    assert a.transactions(*span) == b.transactions(*span) != c.transactions(*span)
    mid = T0 - timedelta(minutes=4)
    assert a.transactions(span[0], mid) + a.transactions(mid, T0) == a.transactions(*span)
    per_second = a.transactions(T0 - timedelta(seconds=1), T0)
    assert a.tx_min <= per_second <= a.tx_max
    assert a.objects(T0 - timedelta(seconds=60), T0) == b.objects(T0 - timedelta(seconds=60), T0)
    assert len(a.objects(T0 - timedelta(seconds=60), T0)) == 60 // a.object_interval_seconds


def test_promotion_after_failure_loses_exactly_the_unapplied_writes() -> None:
    ledger, clock = _ledger(lag=3.0)
    fail_at = clock.now()
    ledger.break_replication("replica", fail_at)
    ledger.stop_writes(fail_at)
    clock.advance(600)  # nothing written while the primary is down; nothing applied either
    rec = ledger.on_promoted("replica")
    assert rec.recovered_upto == fail_at - timedelta(seconds=3)
    assert rec.loss.seconds == 3.0
    assert rec.loss.transactions == ledger.transactions(fail_at - timedelta(seconds=3), fail_at)
    assert ledger.loss().transactions == rec.loss.transactions


def test_restore_loses_everything_after_the_restore_time_and_a_second_restore_replaces_the_first() -> None:
    ledger, clock = _ledger()
    clock.advance(900)
    first = ledger.on_restored("db-restored", T0)
    assert first.loss.seconds == 900.0
    second = ledger.on_restored("db-restored", T0 + timedelta(seconds=600))
    assert ledger.loss(("restore",)) == second.loss
    assert second.loss.transactions == ledger.transactions(T0 + timedelta(seconds=600), T0 + timedelta(seconds=900))


def test_s3_failover_loses_objects_younger_than_the_latency() -> None:
    ledger, _ = _ledger()
    rec = ledger.s3_failover("bucket", 60.0)
    idx = ledger.objects(T0 - timedelta(seconds=60), T0)
    assert rec.loss.objects == len(idx) and rec.loss.bytes == sum(ledger.object_size(i) for i in idx)


def test_scaled_clock_runs_n_times_faster_pauses_and_jumps() -> None:
    wall = [100.0]
    clock = ScaledClock(T0, speed=60, monotonic=lambda: wall[0])
    wall[0] += 2
    assert clock.now() == T0 + timedelta(minutes=2)
    clock.pause()
    wall[0] += 10
    assert clock.now() == T0 + timedelta(minutes=2)
    clock.advance(30)
    with clock.running():
        wall[0] += 1
        assert clock.now() == T0 + timedelta(minutes=3, seconds=30)
    wall[0] += 5
    assert clock.now() == T0 + timedelta(minutes=3, seconds=30)
