"""Targets and thresholds as plain data. Defaults come from the organisation's DR plans (shared/seeds):
RPO 1 h, RTO 30 min; CloudWatch alarms ReplicaLag > 60 s, S3 ReplicationLatency > 900 s, free storage < 5 GB;
escalation on-call 0-15 min, team lead 15-30, engineering manager 30-60, CTO 60+."""

from __future__ import annotations

from dataclasses import dataclass, field

GIB = 1024**3


@dataclass(frozen=True, slots=True)
class Targets:
    rpo_seconds: float = 3600.0
    rto_seconds: float = 1800.0
    # Exposure above this share of the RPO target is a warning; above the target, critical.
    rpo_warning_ratio: float = 0.5


@dataclass(frozen=True, slots=True)
class Band:
    """warning/critical levels for a value where higher is worse (or lower is worse when inverted)."""

    warning: float
    critical: float
    lower_is_worse: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    replica_lag_seconds: Band = Band(warning=30.0, critical=60.0)
    s3_replication_latency_seconds: Band = Band(warning=600.0, critical=900.0)
    s3_operations_pending: Band = Band(warning=1000.0, critical=10000.0)
    free_storage_bytes: Band = Band(warning=10.0 * GIB, critical=5.0 * GIB, lower_is_worse=True)
    # Newest snapshot age. RDS automated snapshots are daily (seed window 03:00-04:00) and point-in-time
    # restore covers the hours between, so a missed daily snapshot is a warning and two are critical.
    snapshot_age_seconds: Band = Band(warning=25 * 3600.0, critical=48 * 3600.0)
    # Datapoints older than this are stale: CloudWatch publishes RDS metrics every 60 s, a few minutes late.
    stale_after_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    after_minutes: float
    who: str


DEFAULT_ESCALATION: tuple[EscalationLevel, ...] = (
    EscalationLevel(0, "On-call engineer"),
    EscalationLevel(15, "Team lead"),
    EscalationLevel(30, "Engineering manager"),
    EscalationLevel(60, "CTO"),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the domain needs from configuration."""

    targets: Targets = field(default_factory=Targets)
    thresholds: Thresholds = field(default_factory=Thresholds)
    escalation: tuple[EscalationLevel, ...] = DEFAULT_ESCALATION
