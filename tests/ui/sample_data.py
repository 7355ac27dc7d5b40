"""Hand-built DashboardSnapshots for UI tests, screenshots and the latency benchmark.

Names follow the SecureNexus DR plan (seeds/000): securenexus-db in us-east-1 replicated to us-west-2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nexus_tui.domain.models import (
    AlarmInfo,
    BackupStatus,
    DashboardSnapshot,
    Datapoint,
    EndpointHealth,
    RegionHealth,
    ReplicationPair,
    SnapshotInfo,
    Unavailable,
)

NOW = datetime(2026, 1, 1, 3, 12, 45, tzinfo=UTC)
PRIMARY, DR = "us-east-1", "us-west-2"


def _history(now: datetime, values: list[float]) -> tuple[Datapoint, ...]:
    step = 3600 / max(1, len(values))
    return tuple(Datapoint(now - timedelta(seconds=step * (len(values) - i)), v) for i, v in enumerate(values))


def _ago(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)


def healthy_snapshot(now: datetime = NOW) -> DashboardSnapshot:
    wave = [0.2, 0.3, 0.2, 0.4, 0.6, 0.3, 0.2, 0.2, 0.5, 0.9, 0.4, 0.3] * 5
    return DashboardSnapshot(
        generated_at=_ago(now, 4),
        regions=(
            RegionHealth(PRIMARY, True, last_ok_at=_ago(now, 4), checked_at=_ago(now, 4), latency_ms=38),
            RegionHealth(DR, True, last_ok_at=_ago(now, 4), checked_at=_ago(now, 4), latency_ms=71),
        ),
        replication=(
            ReplicationPair(
                "rds",
                "securenexus-db",
                "securenexus-db-replica-west",
                PRIMARY,
                DR,
                status="replicating",
                lag_seconds=0.4,
                observed_at=_ago(now, 45),
                history=_history(now, wave),
                extra=(("free_storage_bytes", 48.0 * 1024**3),),
            ),
            ReplicationPair(
                "s3",
                "securenexus-platform-557845624595",
                "securenexus-platform-dr-557845624595",
                PRIMARY,
                DR,
                status="enabled",
                lag_seconds=42.0,
                observed_at=_ago(now, 70),
                history=_history(now, [30, 42, 55, 40, 38, 61, 44, 42] * 4),
                extra=(("operations_pending", 12.0), ("bytes_pending", 3.4 * 1024**2)),
            ),
            ReplicationPair(
                "secret",
                "securenexus/secrets",
                "securenexus/secrets",
                PRIMARY,
                DR,
                status="InSync",
                observed_at=_ago(now, 4),
            ),
        ),
        backups=(
            BackupStatus(
                "rds",
                "securenexus-db",
                PRIMARY,
                engine="postgres",
                role="primary",
                retention_days=35,
                backup_window="03:00-04:00",
                latest_restorable_time=_ago(now, 240),
                newest_automated=SnapshotInfo(
                    "rds:securenexus-db-2026-01-01-03-00", _ago(now, 765), "automated", PRIMARY
                ),
                newest_manual=SnapshotInfo(
                    "securenexus-db-20251231-1800-pre-migration", _ago(now, 33165), "manual", PRIMARY
                ),
                dr_copy=SnapshotInfo("securenexus-db-20251231-1800-pre-migration-dr", _ago(now, 31000), "copy", DR),
                dr_copy_checked=True,
            ),
            BackupStatus(
                "rds",
                "securenexus-db-replica-west",
                DR,
                engine="postgres",
                role="replica",
                retention_days=0,
                backup_window="03:00-04:00",
            ),
            BackupStatus(
                "s3", "securenexus-platform-557845624595", PRIMARY, versioning="Enabled", mfa_delete="Enabled"
            ),
        ),
        alarms=_plan_alarms(),
        endpoints=(
            EndpointHealth("api", "https://api.securenexus.example/health", "up", 200, 84.0, checked_at=_ago(now, 4)),
            EndpointHealth("web", "https://app.securenexus.example/health", "up", 200, 120.0, checked_at=_ago(now, 4)),
        ),
    )


def _plan_alarms() -> tuple[AlarmInfo, ...]:
    """The DR plan's four alarms (seed 000), as CloudWatch describes them, all OK."""
    db, replica = "securenexus-db", "securenexus-db-replica-west"
    src, dst = "securenexus-platform-557845624595", "securenexus-platform-dr-557845624595"
    rds = "AWS/RDS"
    return (
        AlarmInfo(
            f"{replica}-replica-lag",
            DR,
            "OK",
            metric="ReplicaLag",
            resource=replica,
            namespace=rds,
            metric_name="ReplicaLag",
            comparison="GreaterThanThreshold",
            threshold=60.0,
            dimensions=(("DBInstanceIdentifier", replica),),
        ),
        AlarmInfo(
            f"{db}-free-storage",
            PRIMARY,
            "OK",
            metric="FreeStorageSpace",
            resource=db,
            namespace=rds,
            metric_name="FreeStorageSpace",
            comparison="LessThanThreshold",
            threshold=5.0 * 1024**3,
            dimensions=(("DBInstanceIdentifier", db),),
        ),
        AlarmInfo(
            "securenexus-platform-replication-latency",
            PRIMARY,
            "OK",
            metric="ReplicationLatency",
            resource=src,
            namespace="AWS/S3",
            metric_name="ReplicationLatency",
            comparison="GreaterThanThreshold",
            threshold=900.0,
            dimensions=(("SourceBucket", src), ("DestinationBucket", dst)),
        ),
        AlarmInfo(
            f"{db}-backup-completion",
            PRIMARY,
            "OK",
            metric="BackupRetentionPeriodStorageAllocated",
            resource=db,
            namespace=rds,
            metric_name="BackupRetentionPeriodStorageAllocated",
            dimensions=(("DBInstanceIdentifier", db),),
        ),
    )


def outage_snapshot(now: datetime = NOW) -> DashboardSnapshot:
    """us-east-1 down: its metrics are carried over (stale), alarms fire, the API endpoint is down."""
    ok = healthy_snapshot(now)
    down_since = _ago(now, 190)
    rds, s3, secret = ok.replication
    return DashboardSnapshot(
        generated_at=_ago(now, 3),
        regions=(
            RegionHealth(
                PRIMARY,
                False,
                error="EndpointConnectionError: Could not connect to the endpoint URL: "
                "https://rds.us-east-1.amazonaws.com/",
                last_ok_at=down_since,
                checked_at=_ago(now, 3),
            ),
            RegionHealth(DR, True, last_ok_at=_ago(now, 3), checked_at=_ago(now, 3), latency_ms=75),
        ),
        replication=(
            ReplicationPair(
                "rds",
                rds.source,
                rds.target,
                PRIMARY,
                DR,
                status="replicating",
                lag_seconds=38.0,
                observed_at=_ago(now, 200),
                history=_history(now, [0.3] * 40 + [2, 8, 19, 38]),
                stale=True,
                error="us-east-1 unreachable",
            ),
            ReplicationPair(
                "s3",
                s3.source,
                s3.target,
                PRIMARY,
                DR,
                status="enabled",
                lag_seconds=940.0,
                observed_at=_ago(now, 60),
                history=_history(now, [40] * 20 + [300, 620, 940]),
                extra=(("operations_pending", 18400.0), ("bytes_pending", 2.6 * 1024**3)),
            ),
            secret,
        ),
        backups=(
            BackupStatus(
                "rds",
                "securenexus-db",
                PRIMARY,
                engine="postgres",
                role="primary",
                retention_days=35,
                backup_window="03:00-04:00",
                latest_restorable_time=_ago(now, 420),
                newest_automated=ok.backups[0].newest_automated,
                stale=True,
                error="us-east-1 unreachable",
            ),
            BackupStatus(
                "rds",
                "securenexus-db-replica-west",
                DR,
                engine="postgres",
                role="replica",
                retention_days=0,
                dr_copy_checked=True,
                naming_violations=("manual-snap-1",),
            ),
            BackupStatus(
                "s3",
                "securenexus-platform-557845624595",
                PRIMARY,
                versioning="Enabled",
                mfa_delete="Disabled",
                stale=True,
            ),
        ),
        alarms=(
            AlarmInfo(
                "securenexus-db-replica-lag",
                PRIMARY,
                "ALARM",
                reason="Threshold Crossed: ReplicaLag > 60",
                metric="ReplicaLag",
                resource="securenexus-db-replica-west",
                updated_at=_ago(now, 120),
                namespace="AWS/RDS",
                metric_name="ReplicaLag",
                comparison="GreaterThanThreshold",
                threshold=60.0,
                dimensions=(("DBInstanceIdentifier", "securenexus-db-replica-west"),),
            ),
            AlarmInfo("securenexus-s3-replication-latency", PRIMARY, "OK", metric="ReplicationLatency"),
        ),
        endpoints=(
            EndpointHealth(
                "api",
                "https://api.securenexus.example/health",
                "down",
                503,
                1200.0,
                error="HTTP 503 Service Unavailable",
                checked_at=_ago(now, 3),
            ),
            EndpointHealth(
                "web",
                "https://app.securenexus.example/health",
                "unknown",
                error="timeout after 5 s",
                checked_at=_ago(now, 3),
            ),
        ),
        unavailable=(
            Unavailable("backups", PRIMARY, "AWS Backup jobs", "API not implemented"),
            Unavailable("alarms", PRIMARY, "CloudWatch alarms", "region unreachable"),
        ),
    )


def many_pairs_snapshot(count: int, now: datetime = NOW, *, lag: float = 0.5) -> DashboardSnapshot:
    """`count` replication rows, for the latency benchmark."""
    base = healthy_snapshot(now)
    pairs = tuple(
        ReplicationPair(
            "rds",
            f"app-{i:04d}-db",
            f"app-{i:04d}-db-replica",
            PRIMARY,
            DR,
            status="replicating",
            lag_seconds=lag + (i % 7) * 0.1,
            observed_at=_ago(now, 30 + i % 50),
            history=_history(now, [0.2 + ((i + j) % 9) * 0.1 for j in range(60)]),
        )
        for i in range(count)
    )
    return DashboardSnapshot(
        generated_at=now,
        regions=base.regions,
        replication=pairs,
        backups=base.backups,
        alarms=base.alarms,
        endpoints=base.endpoints,
    )
