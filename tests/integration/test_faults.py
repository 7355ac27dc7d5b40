"""A region breaking behind a FaultProxy: the dashboard degrades per region and never hangs or crashes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto_world import DR, PRIMARY, client, fake_credentials, reset, seed, start_server

from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.sim.faults import FaultProxy


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_server()
    yield url
    server.stop()


@pytest.fixture
def proxies(moto_url: str, monkeypatch: Any) -> Iterator[dict[str, FaultProxy]]:
    fake_credentials(monkeypatch)
    reset(moto_url)
    seed(moto_url)
    made = {PRIMARY: FaultProxy(moto_url), DR: FaultProxy(moto_url)}
    yield made
    for p in made.values():
        p.close()


def service(proxies: dict[str, FaultProxy]) -> DashboardService:
    aws = AwsConfig(
        regions=(PRIMARY, DR),
        endpoints={r: p.url for r, p in proxies.items()},
        connect_timeout=1.0,
        read_timeout=3.0,
        max_attempts=1,
    )
    # No first-data budget: these tests are about faults, so the first refresh waits for the whole picture.
    # The region timeout bounds a hung region; it is generous so a busy machine's slow simulator is not a fault.
    return DashboardService(AppConfig(aws=aws), region_timeout=6.0, budget_seconds=None)


async def timed_refresh(svc: DashboardService) -> Any:
    started = time.perf_counter()
    snap = await svc.refresh()
    return snap, time.perf_counter() - started


@pytest.mark.parametrize("mode", ["refuse", "hang"])
async def test_dead_primary_region_is_marked_and_measured_from_the_dr_side(
    proxies: dict[str, FaultProxy], moto_url: str, mode: str
) -> None:
    svc = service(proxies)
    try:
        first, _ = await timed_refresh(svc)
        proxies[PRIMARY].mode = mode
        # The DR side keeps updating while the primary is away.
        dims = [{"Name": "DBInstanceIdentifier", "Value": "orders-pg-dr"}]
        client(moto_url, "cloudwatch", DR).put_metric_data(
            Namespace="AWS/RDS", MetricData=[{"MetricName": "ReplicaLag", "Dimensions": dims, "Value": 42.0}]
        )
        second, took = await timed_refresh(svc)
    finally:
        await svc.aclose()
    assert took < 30  # bounded by the injected 6 s region timeout, not by the proxy that never answers
    regions = {r.name: r for r in second.regions}
    assert regions[PRIMARY].reachable is False and regions[PRIMARY].error
    assert regions[PRIMARY].last_ok_at is not None and regions[PRIMARY].last_ok_at <= first.generated_at
    assert regions[DR].reachable is True
    pairs = {p.kind: p for p in second.replication}
    assert pairs["rds"].lag_seconds == 42.0 and not pairs["rds"].stale
    assert pairs["s3"].stale and pairs["s3"].lag_seconds == 120.0  # last known value, marked stale
    assert "unreachable" in (pairs["s3"].error or "")
    backups = {b.resource: b for b in second.backups}
    assert backups["orders-pg"].stale and not backups["orders-pg-dr"].stale
    assert all("Traceback" not in (u.reason or "") for u in second.unavailable)


async def test_outage_from_the_start_still_finds_pairs_from_the_dr_side(proxies: dict[str, FaultProxy]) -> None:
    proxies[PRIMARY].mode = "refuse"
    svc = service(proxies)
    try:
        snap, took = await timed_refresh(svc)
    finally:
        await svc.aclose()
    assert took < 30  # bounded by the injected 6 s region timeout, not by the proxy that never answers
    rds = next(p for p in snap.replication if p.kind == "rds")
    assert (rds.source, rds.source_region, rds.target) == ("orders-pg", PRIMARY, "orders-pg-dr")
    assert rds.lag_seconds == 4.0 and not rds.stale
    secret = next(p for p in snap.replication if p.kind == "secret")
    assert (secret.source_region, secret.target_region) == (PRIMARY, DR)


async def test_dr_region_recovers_after_the_fault_clears(proxies: dict[str, FaultProxy]) -> None:
    svc = service(proxies)
    try:
        await svc.refresh()
        proxies[DR].mode = "hang"
        down, took = await timed_refresh(svc)
        proxies[DR].mode = "pass"
        up = await svc.refresh()
    finally:
        await svc.aclose()
    assert took < 30  # bounded by the injected 6 s region timeout, not by the proxy that never answers
    assert {r.name: r.reachable for r in down.regions} == {PRIMARY: True, DR: False}
    assert next(p for p in down.replication if p.kind == "rds").stale
    assert all(r.reachable for r in up.regions)
    assert not next(p for p in up.replication if p.kind == "rds").stale


@pytest.mark.parametrize("mode", ["throttle", "error5xx"])
async def test_throttling_and_5xx_back_off_with_one_entry(proxies: dict[str, FaultProxy], mode: str) -> None:
    svc = service(proxies)
    try:
        await svc.refresh()
        proxies[DR].mode = mode
        hit = await svc.refresh()
        again = await svc.refresh()  # within the backoff: DR is not asked again
    finally:
        await svc.aclose()
    for snap in (hit, again):
        dr_entries = [u for u in snap.unavailable if u.region == DR]
        assert len(dr_entries) == 1, dr_entries
        expected = "Throttling" if mode == "throttle" else "ServiceUnavailable"
        assert expected in dr_entries[0].reason and "backing off" in dr_entries[0].reason
        assert {r.name: r.reachable for r in snap.regions} == {PRIMARY: True, DR: True}
        assert next(p for p in snap.replication if p.kind == "rds").stale
        assert not next(p for p in snap.replication if p.kind == "s3").stale
    assert dict(again.request_counts) == {"cloudwatch:DescribeAlarms": 1, "cloudwatch:GetMetricData": 1}
