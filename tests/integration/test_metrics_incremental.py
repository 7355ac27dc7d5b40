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
