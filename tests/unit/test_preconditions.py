"""Preconditions evaluated against a dashboard snapshot: true, false, or unknown, never a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nexus_tui.domain.models import DashboardSnapshot, Datapoint, EndpointHealth, RegionHealth, ReplicationPair
from nexus_tui.domain.preconditions import evaluate
from nexus_tui.domain.runbook import PRECONDITION_ARGS, PRECONDITION_CHECKS, Precondition
from nexus_tui.domain.settings import Settings

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings()


def _pair(lag: float | None, observed_ago: float = 30, **kw: object) -> ReplicationPair:
    return ReplicationPair(
        kind="rds",
        source="securenexus-db",
        target="securenexus-db-replica-west",
        source_region="us-east-1",
        target_region="us-west-2",
        status="replicating",
        lag_seconds=lag,
        observed_at=NOW - timedelta(seconds=observed_ago),
        **kw,  # type: ignore[arg-type]
    )


def _snap(**kw: object) -> DashboardSnapshot:
    return DashboardSnapshot(generated_at=NOW, **kw)  # type: ignore[arg-type]


LAG_RPO = Precondition("replica_lag_below_rpo", {"resource": "securenexus-db-replica-west"})


def test_no_snapshot_is_unknown() -> None:
    result = evaluate(LAG_RPO, None, SETTINGS, NOW)
    assert (result.ok, result.detail) == (None, "no live data")


def test_replica_lag_below_rpo() -> None:
    ok = evaluate(LAG_RPO, _snap(replication=(_pair(12),)), SETTINGS, NOW)
    assert ok.ok is True and "12 s < RPO 60 min" in ok.detail
    bad = evaluate(LAG_RPO, _snap(replication=(_pair(4000),)), SETTINGS, NOW)
    assert bad.ok is False and ">= RPO" in bad.detail


def test_primary_name_finds_its_replica() -> None:
    pre = Precondition("replica_lag_below_rpo", {"resource": "securenexus-db"})
    assert evaluate(pre, _snap(replication=(_pair(5),)), SETTINGS, NOW).ok is True


def test_stale_missing_and_inactive_replication() -> None:
    stale = evaluate(LAG_RPO, _snap(replication=(_pair(1, observed_ago=900),)), SETTINGS, NOW)
    assert stale.ok is None and "stale" in stale.detail
    assert evaluate(LAG_RPO, _snap(), SETTINGS, NOW).ok is None
    assert evaluate(LAG_RPO, _snap(replication=(_pair(None),)), SETTINGS, NOW).ok is None
    # Replication stopped with nothing to go by from before the break: unknown, the IC decides.
    inactive = evaluate(LAG_RPO, _snap(replication=(_pair(-1),)), SETTINGS, NOW)
    assert inactive.ok is None and "no lag reading from before the break" in inactive.detail
    errored = evaluate(LAG_RPO, _snap(replication=(_pair(1, error="AccessDenied"),)), SETTINGS, NOW)
    assert errored.ok is None and "AccessDenied" in errored.detail


def test_replica_lag_below_explicit_limit() -> None:
    pre = Precondition("replica_lag_below", {"resource": "securenexus-db-replica-west", "max_seconds": 10})
    assert evaluate(pre, _snap(replication=(_pair(5),)), SETTINGS, NOW).ok is True
    assert evaluate(pre, _snap(replication=(_pair(15),)), SETTINGS, NOW).ok is False
    odd = Precondition("replica_lag_below", {"resource": "x", "max_seconds": "soon"})
    assert evaluate(odd, _snap(), SETTINGS, NOW).ok is None


def test_regions() -> None:
    snap = _snap(
        regions=(
            RegionHealth("us-east-1", reachable=False, error="connect timeout"),
            RegionHealth("us-west-2", reachable=True),
            RegionHealth("eu-west-1", reachable=None),
        )
    )
    down = evaluate(Precondition("region_unreachable", {"region": "us-east-1"}), snap, SETTINGS, NOW)
    assert down.ok is True and down.detail == "us-east-1 does not answer (connect timeout)"
    assert evaluate(Precondition("region_reachable", {"region": "us-east-1"}), snap, SETTINGS, NOW).ok is False
    assert evaluate(Precondition("region_unreachable", {"region": "us-west-2"}), snap, SETTINGS, NOW).ok is False
    assert evaluate(Precondition("region_reachable", {"region": "eu-west-1"}), snap, SETTINGS, NOW).ok is None
    assert evaluate(Precondition("region_reachable", {"region": "ap-south-1"}), snap, SETTINGS, NOW).ok is None


def test_endpoint_up() -> None:
    snap = _snap(
        endpoints=(
            EndpointHealth("api", "https://a/api/health", "up", http_status=200),
            EndpointHealth("web", "https://w/", "down", http_status=503),
            EndpointHealth("new", "https://n/", "unknown"),
        )
    )
    assert evaluate(Precondition("endpoint_up", {"name": "api"}), snap, SETTINGS, NOW).ok is True
    web = evaluate(Precondition("endpoint_up", {"name": "web"}), snap, SETTINGS, NOW)
    assert web.ok is False and "HTTP 503" in web.detail
    assert evaluate(Precondition("endpoint_up", {"name": "new"}), snap, SETTINGS, NOW).ok is None
    assert evaluate(Precondition("endpoint_up", {"name": "other"}), snap, SETTINGS, NOW).ok is None


def test_unknown_check_is_unknown_not_an_exception() -> None:
    assert evaluate(Precondition("moon_phase", {}), _snap(), SETTINGS, NOW).ok is None


def test_the_loader_and_the_evaluator_know_the_same_checks() -> None:
    # One table now serves both; the evaluator must answer for every check the loader accepts.
    assert set(PRECONDITION_CHECKS) == set(PRECONDITION_ARGS)
    for check in PRECONDITION_CHECKS:
        args = {a: "x" for a in PRECONDITION_ARGS[check]}
        assert "unknown check" not in evaluate(Precondition(check, args), _snap(), SETTINGS, NOW).detail


def _broken(lags: list[float], **kw: object) -> ReplicationPair:
    """A lag series one datapoint a minute ending now, as CloudWatch gives it."""
    start = NOW - timedelta(minutes=len(lags) - 1)
    history = tuple(Datapoint(start + timedelta(minutes=i), v) for i, v in enumerate(lags))
    return _pair(lags[-1], observed_ago=0, history=history, **kw)


def test_a_failed_primary_loses_only_the_lag_it_had_when_replication_stopped() -> None:
    # The primary failed between the last good datapoint and the first -1: it took no writes after that.
    pair = _broken([4, 5, 4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1], source_status="failed")
    result = evaluate(LAG_RPO, _snap(replication=(pair,)), SETTINGS, NOW)
    assert result.ok is True and "securenexus-db is down" in result.detail and "at most 64 s" in result.detail


def test_a_primary_that_may_still_write_counts_every_second_since_the_break() -> None:
    # Same series, but the primary still says available: it may be taking writes the replica never gets.
    lags = [4.0] + [-1.0] * 70
    pair = _broken(lags, source_status="available")
    result = evaluate(LAG_RPO, _snap(replication=(pair,)), SETTINGS, NOW)
    assert result.ok is False and "may still take writes" in result.detail and ">= RPO 60 min" in result.detail
    # A primary whose region is gone took no writes either.
    down = (RegionHealth("us-east-1", reachable=False, error="timeout"),)
    gone = evaluate(LAG_RPO, _snap(replication=(_broken(lags),), regions=down), SETTINGS, NOW)
    assert gone.ok is True and "at most 64 s" in gone.detail


def test_a_replica_far_behind_when_the_primary_failed_still_blocks() -> None:
    pair = _broken([7200.0, 7200.0, -1.0, -1.0], source_status="failed")
    result = evaluate(LAG_RPO, _snap(replication=(pair,)), SETTINGS, NOW)
    assert result.ok is False and ">= RPO 60 min" in result.detail


PRIMARY = Precondition("primary_unavailable", {"resource": "securenexus-db", "region": "us-east-1"})


def test_primary_unavailable() -> None:
    up = (RegionHealth("us-east-1", reachable=True),)
    failed = evaluate(PRIMARY, _snap(replication=(_pair(-1, source_status="failed"),), regions=up), SETTINGS, NOW)
    assert (failed.ok, failed.detail) == (True, "securenexus-db is failed")
    fine = evaluate(PRIMARY, _snap(replication=(_pair(3, source_status="available"),), regions=up), SETTINGS, NOW)
    assert fine.ok is False and "available" in fine.detail
    down = (RegionHealth("us-east-1", reachable=False, error="connect timeout"),)
    gone = evaluate(PRIMARY, _snap(replication=(_pair(3),), regions=down), SETTINGS, NOW)
    assert gone.ok is True and "does not answer" in gone.detail
    unseen = evaluate(PRIMARY, _snap(replication=(_pair(3),), regions=up), SETTINGS, NOW)
    assert unseen.ok is None
    odd = evaluate(PRIMARY, _snap(replication=(_pair(3, source_status="rebooting"),), regions=up), SETTINGS, NOW)
    assert odd.ok is None and "by hand" in odd.detail
