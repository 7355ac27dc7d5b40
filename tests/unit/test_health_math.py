"""Threshold and RPO arithmetic of nexus_tui.domain.health, on hand-built snapshots."""

from __future__ import annotations

from datetime import timedelta

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.health import backup_state, band_state, overall_state, replication_state, rpo_exposure
from nexus_tui.domain.models import (
    BackupStatus,
    DashboardSnapshot,
    RegionHealth,
    ReplicationPair,
    SnapshotInfo,
    State,
)
from nexus_tui.domain.settings import GIB, Band, Settings, Thresholds

NOW = ManualClock().now()
TH = Thresholds()


def rds(lag: float | None, status: str = "replicating", age: float = 30, **kw: object) -> ReplicationPair:
    return ReplicationPair(
        "rds",
        "db",
        "db-dr",
        "eu-west-1",
        "eu-central-1",
        status=status,
        lag_seconds=lag,
        observed_at=NOW - timedelta(seconds=age),
        **kw,  # type: ignore[arg-type]
    )


def test_bands_are_exclusive_at_the_threshold() -> None:
    band = Band(30, 60)
    assert [band_state(v, band) for v in (30, 30.1, 60, 60.1)] == [
        State.OK,
        State.WARNING,
        State.WARNING,
        State.CRITICAL,
    ]
    low = Band(10 * GIB, 5 * GIB, lower_is_worse=True)
    assert [band_state(v, low) for v in (10 * GIB, 6 * GIB, 4 * GIB)] == [State.OK, State.WARNING, State.CRITICAL]
    assert band_state(None, band) is State.UNKNOWN


def test_replica_lag_states() -> None:
    assert replication_state(rds(1), NOW, TH) is State.OK
    assert replication_state(rds(45), NOW, TH) is State.WARNING
    assert replication_state(rds(61), NOW, TH) is State.CRITICAL
    assert replication_state(rds(-1), NOW, TH) is State.CRITICAL  # ReplicaLag -1: replication stopped
    assert replication_state(rds(1, status="terminated"), NOW, TH) is State.CRITICAL
    assert replication_state(rds(1, status="degraded"), NOW, TH) is State.WARNING
    low_disk = rds(1, extra=(("free_storage_bytes", 4.0 * GIB),))
    assert replication_state(low_disk, NOW, TH) is State.CRITICAL


def test_stale_data_is_unknown_not_fresh() -> None:
    assert replication_state(rds(1, age=301), NOW, TH) is State.UNKNOWN
    assert replication_state(rds(1, stale=True), NOW, TH) is State.UNKNOWN


def test_s3_and_secret_states() -> None:
    s3 = ReplicationPair("s3", "a", "b", "r1", "r2", status="enabled", lag_seconds=901, observed_at=NOW)
    assert replication_state(s3, NOW, TH) is State.CRITICAL
    off = ReplicationPair("s3", "a", "b", "r1", "r2", status="disabled", lag_seconds=1, observed_at=NOW)
    assert replication_state(off, NOW, TH) is State.CRITICAL
    sec = ReplicationPair("secret", "s", "s", "r1", "r2", status="InSync")
    assert replication_state(sec, NOW, TH) is State.OK


def snap_at(hours: float) -> SnapshotInfo:
    return SnapshotInfo("db-snap", NOW - timedelta(hours=hours), "automated", "eu-west-1")


def test_backup_states() -> None:
    fresh = BackupStatus("rds", "db", "eu-west-1", role="primary", retention_days=7, newest_automated=snap_at(1))
    assert backup_state(fresh, NOW, TH) is State.OK
    assert (
        backup_state(BackupStatus("rds", "db", "r", role="primary", newest_automated=snap_at(24)), NOW, TH)
        is State.OK  # daily automated snapshots: a day old is normal
    )
    assert (
        backup_state(BackupStatus("rds", "db", "r", role="primary", newest_automated=snap_at(26)), NOW, TH)
        is State.WARNING
    )
    assert (
        backup_state(BackupStatus("rds", "db", "r", role="primary", newest_automated=snap_at(49)), NOW, TH)
        is State.CRITICAL
    )
    no_retention = BackupStatus("rds", "db", "r", role="primary", retention_days=0, newest_automated=snap_at(1))
    assert backup_state(no_retention, NOW, TH) is State.CRITICAL
    no_copy = BackupStatus("rds", "db", "r", role="primary", newest_automated=snap_at(1), dr_copy_checked=True)
    assert backup_state(no_copy, NOW, TH) is State.WARNING
    assert backup_state(BackupStatus("s3", "b", "r", versioning="Suspended"), NOW, TH) is State.CRITICAL


def test_rpo_is_the_worst_source_and_grows_while_stale() -> None:
    settings = Settings()
    backups = (BackupStatus("rds", "db", "r", role="primary", latest_restorable_time=NOW - timedelta(minutes=5)),)
    snap = DashboardSnapshot(NOW, replication=(rds(20),), backups=backups)
    rpo = rpo_exposure(snap, settings, NOW)
    assert rpo.exposure_seconds == 300 and rpo.state is State.OK
    stale = DashboardSnapshot(NOW, replication=(rds(20, age=2000, stale=True),), backups=backups)
    rpo = rpo_exposure(stale, settings, NOW)
    assert rpo.exposure_seconds == 2020 and rpo.state is State.WARNING  # > 50% of the 1 h target
    assert rpo_exposure(DashboardSnapshot(NOW), settings, NOW).state is State.UNKNOWN


def test_overall_state_and_exit_codes() -> None:
    settings = Settings()
    ok = DashboardSnapshot(NOW, replication=(rds(1),), regions=(RegionHealth("eu-west-1", True),))
    assert overall_state(ok, settings, NOW).exit_code == 0
    down = DashboardSnapshot(NOW, replication=(rds(1),), regions=(RegionHealth("eu-west-1", False, "refused"),))
    assert overall_state(down, settings, NOW).exit_code == 2
