"""After the first refresh only the newest minutes are re-read; the merged history must still be the whole
hour, one datapoint a minute, with the new minutes at the end."""

from __future__ import annotations

from datetime import timedelta

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.sim.environment import SimEnvironment


async def test_history_stays_a_whole_hour_across_incremental_refreshes(
    sim_env: SimEnvironment, sim_clock: ManualClock
) -> None:
    service = DashboardService(sim_env.app_config(), clock=sim_clock)
    try:
        first = await service.refresh()
        rds = next(p for p in first.replication if p.kind == "rds")
        assert len(rds.history) >= 55
        sim_env.set_replica_lag("securenexus-db-replica-west", 42.0)
        sim_env.tick(7 * 60)
        second = await service.refresh()
    finally:
        await service.aclose()
    rds2 = next(p for p in second.replication if p.kind == "rds")
    times = [d.at for d in rds2.history]
    assert times == sorted(set(times)), "duplicate or unordered minutes after the merge"
    assert times[-1] - times[0] <= timedelta(hours=1)
    assert times[-1] > rds.history[-1].at + timedelta(minutes=6)
    assert len(rds2.history) >= 55
    assert rds2.lag_seconds == 42.0


async def test_series_shown_only_by_their_newest_value_are_first_read_for_minutes_not_the_hour(
    sim_env: SimEnvironment, sim_clock: ManualClock
) -> None:
    service = DashboardService(sim_env.app_config(), clock=sim_clock)
    try:
        snap = await service.refresh(complete=True)
    finally:
        await service.aclose()
    series = {
        key: points for st in service.poller.states.values() if st.metrics for key, points in st.metrics.value.items()
    }
    by_metric: dict[str, list[int]] = {}
    for (_, metric, _), points in series.items():
        by_metric.setdefault(metric, []).append(len(points))
    assert by_metric["ReplicaLag"] and min(by_metric["ReplicaLag"]) >= 55  # a sparkline: the whole hour
    assert by_metric["ReplicationLatency"] and min(by_metric["ReplicationLatency"]) >= 55
    for newest_only in ("FreeStorageSpace", "OperationsPendingReplication", "BytesPendingReplication"):
        assert by_metric[newest_only] and max(by_metric[newest_only]) <= 16, newest_only
    rds = [p for p in snap.replication if p.kind == "rds"]
    assert rds and all(p.extra_value("free_storage_bytes") is not None for p in rds)
    s3 = [p for p in snap.replication if p.kind == "s3"]
    assert s3 and all(p.extra_value("operations_pending") is not None for p in s3)
