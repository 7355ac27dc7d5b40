"""Turning raw values into ok / warning / critical / unknown, and computing the RPO exposure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nexus_tui.domain.clock import utc
from nexus_tui.domain.models import BackupStatus, DashboardSnapshot, ReplicationPair, State, worst
from nexus_tui.domain.readiness import Readiness
from nexus_tui.domain.settings import Band, Settings, Thresholds


def band_state(value: float | None, band: Band) -> State:
    if value is None:
        return State.UNKNOWN
    if band.lower_is_worse:
        if value < band.critical:
            return State.CRITICAL
        if value < band.warning:
            return State.WARNING
        return State.OK
    if value > band.critical:
        return State.CRITICAL
    if value > band.warning:
        return State.WARNING
    return State.OK


def age_seconds(at: datetime | None, now: datetime) -> float | None:
    if at is None:
        return None
    return max(0.0, (utc(now) - utc(at)).total_seconds())


def is_stale(pair: ReplicationPair, now: datetime, thresholds: Thresholds) -> bool:
    if pair.stale:
        return True
    age = age_seconds(pair.observed_at, now)
    return age is not None and age > thresholds.stale_after_seconds


_RDS_STATUS = {"replicating": State.OK, "degraded": State.WARNING, "error": State.CRITICAL}
_SECRET_STATUS = {"insync": State.OK, "inprogress": State.WARNING, "failed": State.CRITICAL}


def replication_state(pair: ReplicationPair, now: datetime, thresholds: Thresholds) -> State:
    """State of one replicated resource. Stale data is never shown as fresh: it is unknown."""
    if is_stale(pair, now, thresholds):
        return State.UNKNOWN
    if pair.kind == "rds":
        status = pair.status.lower()
        if status == "terminated":
            return State.CRITICAL
        if pair.replication_stopped:
            return State.CRITICAL
        states = [
            _RDS_STATUS.get(status, State.UNKNOWN),
            band_state(pair.lag_seconds, thresholds.replica_lag_seconds),
        ]
        storage = pair.extra_value("free_storage_bytes")
        if storage is not None:
            states.append(band_state(storage, thresholds.free_storage_bytes))
        return worst(states)
    if pair.kind == "s3":
        if pair.status.lower() == "disabled":
            return State.CRITICAL
        states = [band_state(pair.lag_seconds, thresholds.s3_replication_latency_seconds)]
        pending = pair.extra_value("operations_pending")
        if pending is not None:
            states.append(band_state(pending, thresholds.s3_operations_pending))
        return worst(states)
    return _SECRET_STATUS.get(pair.status.lower(), State.UNKNOWN)


def backup_state(backup: BackupStatus, now: datetime, thresholds: Thresholds) -> State:
    if backup.stale or backup.error:
        return State.UNKNOWN
    if backup.kind == "s3":
        return State.OK if (backup.versioning or "").lower() == "enabled" else State.CRITICAL
    if backup.role == "replica":
        # Read replicas inherit their backups from the primary until promoted.
        return State.OK
    states: list[State] = []
    if backup.retention_days is not None and backup.retention_days == 0:
        states.append(State.CRITICAL)
    newest = backup.newest_snapshot
    states.append(band_state(age_seconds(newest.created_at if newest else None, now), thresholds.snapshot_age_seconds))
    if backup.dr_copy_checked and backup.dr_copy is None:
        states.append(State.WARNING)
    if backup.naming_violations:
        states.append(State.WARNING)
    if backup.free_storage_bytes is not None:
        states.append(band_state(backup.free_storage_bytes, thresholds.free_storage_bytes))
    return worst(states)


@dataclass(frozen=True, slots=True)
class ExposureSource:
    what: str  # "rds:securenexus-db latest restorable time", ...
    seconds: float


@dataclass(frozen=True, slots=True)
class RpoExposure:
    target_seconds: float
    exposure_seconds: float | None
    state: State
    worst_source: ExposureSource | None
    sources: tuple[ExposureSource, ...]


def rpo_exposure(snapshot: DashboardSnapshot, settings: Settings, now: datetime) -> RpoExposure:
    """How much data we would lose right now: the worst of (now - latest restorable time) per primary,
    replica lag, and S3 replication latency. Conservative on purpose: the IC plans for the worst resource."""
    sources: list[ExposureSource] = []
    for b in snapshot.backups:
        if b.kind != "rds" or b.role == "replica":
            continue
        point = b.latest_restorable_time
        label = "latest restorable time"
        if point is None and b.newest_snapshot is not None:
            point, label = b.newest_snapshot.created_at, "newest snapshot"
        age = age_seconds(point, now)
        if age is not None:
            sources.append(ExposureSource(f"rds:{b.resource} {label}", age))
    for p in snapshot.replication:
        if p.kind in ("rds", "s3") and p.lag_seconds is not None and p.lag_seconds >= 0:
            lag = p.lag_seconds
            if p.stale or is_stale(p, now, settings.thresholds):
                # The lag is at least what it was, plus the time we have not heard from it.
                lag += age_seconds(p.observed_at, now) or 0.0
            sources.append(ExposureSource(f"{p.kind}:{p.target} lag", lag))
    target = settings.targets.rpo_seconds
    if not sources:
        return RpoExposure(target, None, State.UNKNOWN, None, ())
    worst_src = max(sources, key=lambda s: s.seconds)
    exposure = worst_src.seconds
    if exposure > target:
        state = State.CRITICAL
    elif exposure > target * settings.targets.rpo_warning_ratio:
        state = State.WARNING
    else:
        state = State.OK
    return RpoExposure(target, exposure, state, worst_src, tuple(sources))


def overall_state(
    snapshot: DashboardSnapshot, settings: Settings, now: datetime, plan: Readiness | None = None
) -> State:
    """The one state a monitoring system sees (exit code of `nexus-tui status`). With `plan`, a missing alarm or a
    control that differs from the plan is a warning."""
    states = [replication_state(p, now, settings.thresholds) for p in snapshot.replication]
    states += [backup_state(b, now, settings.thresholds) for b in snapshot.backups]
    states.append(rpo_exposure(snapshot, settings, now).state)
    if any(r.reachable is False for r in snapshot.regions):
        states.append(State.CRITICAL)
    if any(a.state == "ALARM" for a in snapshot.alarms):
        states.append(State.CRITICAL)
    if any(e.status == "down" for e in snapshot.endpoints):
        states.append(State.CRITICAL)
    if plan is not None and plan.deviations:
        states.append(State.WARNING)
    return worst(states)
