"""Immutable snapshots produced by sources and read by the domain and the UI.

Adapters drop secrets at the edge: nothing in here ever holds a secret value or a token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

ReplicationKind = Literal["rds", "s3", "secret"]


class State(StrEnum):
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin convention (Nagios): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
        return {State.OK: 0, State.WARNING: 1, State.CRITICAL: 2, State.UNKNOWN: 3}[self]

    @property
    def severity(self) -> int:
        """Ordering for 'worst of': critical beats unknown beats warning beats ok."""
        return {State.OK: 0, State.WARNING: 1, State.UNKNOWN: 2, State.CRITICAL: 3}[self]


def worst(states: list[State] | tuple[State, ...]) -> State:
    return max(states, key=lambda s: s.severity, default=State.OK)


@dataclass(frozen=True, slots=True)
class Datapoint:
    at: datetime
    value: float


@dataclass(frozen=True, slots=True)
class ReplicationPair:
    """One replicated resource: an RDS read replica, an S3 replication rule target, or a secret replica."""

    kind: ReplicationKind
    source: str
    target: str
    source_region: str
    target_region: str
    # Provider status, normalised: replicating / degraded / error / terminated / unknown (rds),
    # enabled / disabled (s3), InSync / InProgress / Failed (secret).
    status: str = "unknown"
    lag_seconds: float | None = None
    observed_at: datetime | None = None  # time of the newest datapoint behind lag_seconds
    history: tuple[Datapoint, ...] = ()  # the last hour, oldest first
    # S3: operations_pending, bytes_pending; RDS: free_storage_bytes of the replica.
    extra: tuple[tuple[str, float | None], ...] = ()
    error: str | None = None  # why the value is unavailable (AccessDenied, API missing, region down)
    stale: bool = False  # carried over from an earlier poll because its region did not answer
    label: str | None = None  # display name from config
    # S3: the part of the bucket the rule replicates ("" the whole bucket, else its prefix / filter); None unknown.
    scope: str | None = None
    # RDS: the source instance's DBInstanceStatus as its own region reported it in this poll (None: not seen,
    # or its region did not answer). What tells "the primary failed" from "its region is down".
    source_status: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.source_region}:{self.source}->{self.target_region}:{self.target}"

    @property
    def replication_stopped(self) -> bool:
        """CloudWatch reports ReplicaLag = -1 while replication is not running: the lag is not a duration."""
        return self.lag_seconds is not None and self.lag_seconds < 0

    def extra_value(self, name: str) -> float | None:
        return dict(self.extra).get(name)


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    identifier: str
    created_at: datetime | None
    snapshot_type: str  # automated / manual / copy
    region: str
    status: str = "available"


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """Backup posture of one resource (an RDS instance or an S3 bucket)."""

    kind: Literal["rds", "s3"]
    resource: str
    region: str
    # RDS
    engine: str | None = None
    role: Literal["primary", "replica", "standalone"] | None = None
    retention_days: int | None = None
    backup_window: str | None = None
    latest_restorable_time: datetime | None = None
    newest_automated: SnapshotInfo | None = None
    newest_manual: SnapshotInfo | None = None
    dr_copy: SnapshotInfo | None = None  # newest snapshot of this resource found in another region
    dr_copy_checked: bool = False  # False when no other region could be searched
    naming_violations: tuple[str, ...] = ()  # manual snapshots not matching <db>-YYYYMMDD-HHmm-<reason>
    free_storage_bytes: float | None = None
    # S3
    versioning: str | None = None  # Enabled / Suspended / Disabled
    mfa_delete: str | None = None  # Enabled / Disabled
    # S3 noncurrent-version lifecycle: days until transition (and to which class), days until expiry.
    noncurrent_transition_days: int | None = None
    noncurrent_transition_class: str | None = None
    noncurrent_expiration_days: int | None = None
    lifecycle_read: bool = False  # False: not read (a destination bucket, or not yet)
    # Encryption at rest: RDS StorageEncrypted with a KMS key; S3 default encryption algorithm (aws:kms, AES256).
    encrypted: bool | None = None
    encryption: str | None = None
    error: str | None = None
    stale: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.region}:{self.resource}"

    @property
    def newest_snapshot(self) -> SnapshotInfo | None:
        candidates = [s for s in (self.newest_automated, self.newest_manual) if s and s.created_at]
        return max(candidates, key=lambda s: s.created_at, default=None)  # type: ignore[arg-type,return-value]


@dataclass(frozen=True, slots=True)
class RegionHealth:
    name: str
    reachable: bool | None  # None: not polled yet
    error: str | None = None
    last_ok_at: datetime | None = None
    checked_at: datetime | None = None
    latency_ms: float | None = None


@dataclass(frozen=True, slots=True)
class AlarmInfo:
    name: str
    region: str
    state: str  # ALARM / OK / INSUFFICIENT_DATA
    reason: str | None = None
    metric: str | None = None
    resource: str | None = None
    updated_at: datetime | None = None
    namespace: str | None = None
    metric_name: str | None = None
    comparison: str | None = None  # GreaterThanThreshold / LessThanThreshold / ...
    threshold: float | None = None
    dimensions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    name: str
    url: str
    status: Literal["up", "down", "unknown"]
    http_status: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A part of the picture that could not be read, and why (AccessDenied, API not implemented, ...)."""

    panel: Literal["replication", "backups", "alarms", "regions", "health"]
    region: str | None
    what: str
    reason: str


@dataclass(frozen=True, slots=True)
class DashboardSnapshot:
    generated_at: datetime
    regions: tuple[RegionHealth, ...] = ()
    replication: tuple[ReplicationPair, ...] = ()
    backups: tuple[BackupStatus, ...] = ()
    alarms: tuple[AlarmInfo, ...] = ()
    endpoints: tuple[EndpointHealth, ...] = ()
    unavailable: tuple[Unavailable, ...] = ()
    # Requests made for this snapshot by service ("cloudwatch:GetMetricData" -> 2); benchmarks read it.
    request_counts: tuple[tuple[str, int], ...] = field(default=())
