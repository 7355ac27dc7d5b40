"""Discovery and measurement against a moto server seeded by the test (no hard-coded names in the product)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto_world import DR, PRIMARY, fake_credentials, fire_alarm, reset, seed, start_server

from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.health import overall_state, replication_state
from nexus_tui.domain.models import State
from nexus_tui.engine.dashboard import DashboardService


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_server()
    yield url
    server.stop()


@pytest.fixture
def world(moto_url: str, monkeypatch: Any) -> str:
    fake_credentials(monkeypatch)
    reset(moto_url)
    seed(moto_url)
    return moto_url


def config(url: str, regions: tuple[str, ...] = (PRIMARY, DR), **kw: Any) -> AppConfig:
    endpoints = {r: url for r in (PRIMARY, DR)}
    # Timeouts no loaded machine reaches: moto builds a service's backend on its first call, which took
    # over 2 s on a busy CI runner and made a region look unreachable.
    return AppConfig(aws=AwsConfig(regions=regions, endpoints=endpoints, connect_timeout=30, read_timeout=60), **kw)


def patient(cfg: AppConfig, clock: Any = None) -> DashboardService:
    """A service whose refresh waits for the whole picture: what these tests assert must not depend on speed."""
    if clock is None:
        return DashboardService(cfg, budget_seconds=None, region_timeout=120)
    return DashboardService(cfg, clock, budget_seconds=None, region_timeout=120)


async def test_discovers_and_measures_every_kind(world: str) -> None:
    svc = patient(config(world, labels={"orders-pg*": "Orders DB"}))
    try:
        snap = await svc.refresh(complete=True)
    finally:
        await svc.aclose()
    pairs = {p.kind: p for p in snap.replication}
    rds = pairs["rds"]
    assert (rds.source, rds.source_region, rds.target, rds.target_region) == ("orders-pg", PRIMARY, "orders-pg-dr", DR)
    assert rds.lag_seconds == 4.0 and rds.status == "replicating" and not rds.stale
    assert rds.extra_value("free_storage_bytes") == 40 * 1024**3
    assert rds.label == "Orders DB" and len(rds.history) == 6
    s3 = pairs["s3"]
    assert (s3.source, s3.target, s3.target_region, s3.status) == ("orders-assets", "orders-assets-dr", DR, "enabled")
    assert s3.lag_seconds == 120.0 and s3.extra_value("operations_pending") == 3
    secret = pairs["secret"]
    assert (secret.source_region, secret.target_region, secret.status) == (PRIMARY, DR, "InSync")
    assert all(r.reachable for r in snap.regions)
    # One per region: a complete refresh knows every series before it reads metrics.
    assert dict(snap.request_counts)["cloudwatch:GetMetricData"] == 2
    backups = {b.resource: b for b in snap.backups}
    primary = backups["orders-pg"]
    assert primary.role == "primary" and primary.retention_days == 14 and primary.backup_window == "02:00-03:00"
    assert primary.dr_copy is not None and primary.dr_copy.region == DR
    assert primary.naming_violations == ("orders-adhoc",)
    assert primary.newest_manual is not None and primary.latest_restorable_time is not None
    assert backups["orders-assets"].versioning == "Enabled" and backups["orders-assets-dr"].versioning == "Enabled"
    assert "orders-logs" not in backups  # not part of any replication
    assert snap.unavailable == ()
    now = snap.generated_at
    assert replication_state(rds, now, svc.config.settings.thresholds) is State.OK


async def test_discovers_dr_regions_without_configured_regions(world: str, monkeypatch: Any) -> None:
    # One endpoint for every region through AWS_ENDPOINT_URL; the DR region comes from the replica ARN etc.
    monkeypatch.setenv("AWS_ENDPOINT_URL", world)
    monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY)
    svc = patient(AppConfig(aws=AwsConfig(connect_timeout=30, read_timeout=60)))
    try:
        snap = await svc.refresh()
    finally:
        await svc.aclose()
    assert [r.name for r in snap.regions] == [PRIMARY, DR]
    rds = next(p for p in snap.replication if p.kind == "rds")
    assert rds.lag_seconds == 4.0 and not rds.stale  # measured in the discovered region on the first refresh


async def test_include_globs_narrow_and_alarms_are_kept_for_discovered_resources(world: str) -> None:
    fire_alarm(world, DR, "orders-dr-lag", "orders-pg-dr")
    fire_alarm(world, DR, "someone-elses", "billing-db")
    svc = patient(config(world, include=("orders-pg*",)))
    try:
        snap = await svc.refresh()
    finally:
        await svc.aclose()
    assert {p.kind for p in snap.replication} == {"rds"}
    assert [a.name for a in snap.alarms] == ["orders-dr-lag"]
    assert snap.alarms[0].resource == "orders-pg-dr" and snap.alarms[0].region == DR
    assert overall_state(snap, svc.config.settings, snap.generated_at) is State.CRITICAL


async def test_second_refresh_reuses_discovery_and_costs_few_requests(world: str) -> None:
    # No first-refresh budget (each refresh waits for the whole picture), a clock that stands still (the
    # discovery stays fresh) and timeouts no loaded machine reaches (a region that times out is rediscovered):
    # what is counted does not depend on how fast the machine answers.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    svc = patient(config(world), clock)
    try:
        first = await svc.refresh()
        second = await svc.refresh()
    finally:
        await svc.aclose()
    counts = dict(second.request_counts)
    assert counts == {"cloudwatch:DescribeAlarms": 2, "cloudwatch:GetMetricData": 2}
    assert sum(dict(first.request_counts).values()) > sum(counts.values())
    assert {p.key for p in first.replication} == {p.key for p in second.replication}
    assert svc.last is second
