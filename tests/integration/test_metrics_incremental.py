"""After the first refresh only the newest minutes are re-read; the merged history must still be the whole
hour, one datapoint a minute, with the new minutes at the end."""

from __future__ import annotations

from datetime import timedelta

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sources.aws.discovery import discover_rds
from nexus_tui.sources.aws.metrics import fetch_metrics, rds_queries
from nexus_tui.sources.aws.session import AwsClients


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
    """One query a call, so every call holds one kind: the sparkline series get the hour, the others the last
    minutes. With the usual 500 a call the few series here share one call, which reads the hour for all."""
    clients = AwsClients(sim_env.app_config().aws)
    try:
        found = {r: await discover_rds(clients, r, ()) for r in sim_env.regions}
        region = next(r for r, instances in found.items() if any(i.source for i in instances))
        queries = rds_queries(found[region])
        one_each = await fetch_metrics(clients, region, queries, sim_clock.now(), per_call=1)
        shared = await fetch_metrics(clients, region, queries, sim_clock.now())
    finally:
        await clients.aclose()
    assert clients.counts["cloudwatch:GetMetricData"] == len(queries) + 1  # one each, then one for all
    lengths = {(q.metric, q.history): len(one_each[q.key]) for q in queries}
    assert {h for _, h in lengths} == {True, False}
    for (metric, history), n in lengths.items():
        assert (n >= 55) if history else (1 <= n <= 16), (metric, n)
    assert all(len(shared[q.key]) >= 55 for q in queries)
    assert {q.key: one_each[q.key][-1] for q in queries} == {q.key: shared[q.key][-1] for q in queries}
