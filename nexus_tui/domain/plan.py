"""What the DR plan expects of every discovered resource: its alarms and its controls (settings).

Defaults come from the organisation's plans in shared/seeds: seed 000 (alarms ReplicaLag > 60 s for 5 min,
FreeStorageSpace < 5 GB, S3 ReplicationLatency > 900 s, backup completion; backups retained 35 days in the
03:00-04:00 window; versioning on source and DR buckets, MFA Delete on the production bucket, CRR of the
entire bucket, noncurrent versions to Glacier after 30 days and expired after 365; manual snapshots copied to
the DR region; everything encrypted at rest with KMS). Seed 003's levels (lag > 5 min warning, > 15 min
critical; storage > 80 % / 90 %) are dashboard thresholds rather than alarms every resource must have.
Nothing here names a resource: rules apply by kind (RDS replica, RDS primary, S3 replication rule, bucket).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GIB = 1024**3

AppliesTo = Literal["rds-replica", "rds-primary", "s3-rule"]
Comparison = Literal[">", "<", "changes"]


@dataclass(frozen=True, slots=True)
class AlarmRule:
    name: str  # as the plan calls it: "RDS replication lag"
    applies_to: AppliesTo
    namespace: str
    metric: str
    comparison: Comparison
    threshold: float | None = None  # None: any threshold will do (a "changes" alarm)
    for_seconds: int | None = None  # the plan's "for 5 min"; informative

    def describe(self) -> str:
        if self.comparison == "changes" or self.threshold is None:
            return f"{self.metric} alarm"
        t = self.threshold
        shown = f"{t / GIB:g} GiB" if t >= GIB and (t / GIB) == round(t / GIB, 2) else f"{t:g}"
        return f"{self.metric} {self.comparison} {shown}"


DEFAULT_ALARMS: tuple[AlarmRule, ...] = (
    AlarmRule("RDS replication lag", "rds-replica", "AWS/RDS", "ReplicaLag", ">", 60.0, for_seconds=300),
    AlarmRule("RDS free storage", "rds-primary", "AWS/RDS", "FreeStorageSpace", "<", 5.0 * GIB),
    AlarmRule("S3 replication latency", "s3-rule", "AWS/S3", "ReplicationLatency", ">", 900.0),
    AlarmRule("Backup completion", "rds-primary", "AWS/RDS", "BackupRetentionPeriodStorageAllocated", "changes"),
)


@dataclass(frozen=True, slots=True)
class Plan:
    """The plan's expectations; a None / False / empty value is "not checked"."""

    alarms: tuple[AlarmRule, ...] = DEFAULT_ALARMS
    backup_retention_days: int | None = 35
    backup_window: str | None = "03:00-04:00"
    versioning: bool = True  # on every bucket taking part in replication (source and destination)
    # Buckets that must have MFA Delete: "source" stands for every replication source (the production side);
    # other entries are fnmatch patterns of bucket names.
    mfa_delete: tuple[str, ...] = ("source",)
    replicate_whole_bucket: bool = True
    noncurrent_transition_days: int | None = 30
    noncurrent_transition_class: str | None = "GLACIER"
    noncurrent_expiration_days: int | None = 365
    manual_snapshots_copied: bool = True
    kms_at_rest: bool = True
