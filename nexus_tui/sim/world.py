"""What the simulated AWS account holds: a plain description, applied by seed.py and animated by ticker.py.

`securenexus_world()` follows the SecureNexus DR plan (seed 000) name for name; `scaled_world()` is the
benchmark inventory (many replicated resources, deliberately named unlike the demo's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SEED_ACCOUNT_ID = "557845624595"
GIB = 1024**3


@dataclass(frozen=True, slots=True)
class ReplicaSpec:
    identifier: str
    region: str
    instance_class: str = "db.t3.medium"


@dataclass(frozen=True, slots=True)
class ManualSnapshotSpec:
    """A manual snapshot `age_hours` before start; named <db>-YYYYMMDD-HHmm-<reason> as the plan requires."""

    reason: str
    age_hours: float
    copy_to: tuple[str, ...] = ()  # regions receiving a `<id>-dr` copy


@dataclass(frozen=True, slots=True)
class DatabaseSpec:
    identifier: str
    region: str
    engine: str = "postgres"
    engine_version: str = "15.4"
    instance_class: str = "db.t3.medium"
    allocated_gb: int = 100
    retention_days: int = 35
    backup_window: str = "03:00-04:00"
    replicas: tuple[ReplicaSpec, ...] = ()
    manual_snapshots: tuple[ManualSnapshotSpec, ...] = ()
    automated_history_days: int = 7  # daily automated snapshots already taken before start
    used_fraction: float = 0.38  # of allocated storage; FreeStorageSpace follows it


@dataclass(frozen=True, slots=True)
class BucketPairSpec:
    source: str
    source_region: str
    destination: str
    destination_region: str
    rule_id: str = "replicate-entire-bucket"
    objects: tuple[tuple[str, bytes], ...] = ()  # present (and replicated) at start
    mfa_delete: bool = False  # on the source (the production bucket)
    # Noncurrent versions of the source: to Glacier after N days, expired after M (None: no lifecycle rule).
    noncurrent_glacier_days: int | None = None
    noncurrent_expire_days: int | None = None
    kms: bool = False  # default encryption aws:kms on both buckets (else S3's default, AES256)


@dataclass(frozen=True, slots=True)
class SecretSpec:
    name: str
    region: str
    replica_regions: tuple[str, ...]
    # Fake values only; the simulator never prints them and products must never display them.
    value: tuple[tuple[str, str], ...] = (("host", "db.internal.example"), ("password", "sim-not-a-real-password"))


@dataclass(frozen=True, slots=True)
class FailoverTarget:
    region: str
    dns_name: str  # the region's load balancer


@dataclass(frozen=True, slots=True)
class DnsSpec:
    zone: str
    record: str
    primary: FailoverTarget
    secondary: FailoverTarget
    ttl: int = 60


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    name: str
    region: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    comparison: Literal["GreaterThanThreshold", "LessThanThreshold"]
    threshold: float
    period: int = 60
    evaluation_periods: int = 1
    statistic: str = "Maximum"
    description: str = ""

    def breaches(self, value: float) -> bool:
        return value > self.threshold if self.comparison == "GreaterThanThreshold" else value < self.threshold


@dataclass(frozen=True, slots=True)
class WorldSpec:
    name: str
    regions: tuple[str, ...]  # primary first
    account_id: str = SEED_ACCOUNT_ID
    databases: tuple[DatabaseSpec, ...] = ()
    buckets: tuple[BucketPairSpec, ...] = ()
    secrets: tuple[SecretSpec, ...] = ()
    dns: tuple[DnsSpec, ...] = ()
    clusters: tuple[ClusterSpec, ...] = ()
    alarms: tuple[AlarmSpec, ...] = ()
    health_name: str = "app /api/health"
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    @property
    def replicas(self) -> tuple[tuple[DatabaseSpec, ReplicaSpec], ...]:
        return tuple((db, r) for db in self.databases for r in db.replicas)

    @property
    def replicated_count(self) -> int:
        return len(self.replicas) + len(self.buckets) + sum(len(s.replica_regions) for s in self.secrets)


def securenexus_world() -> WorldSpec:
    east, west = "us-east-1", "us-west-2"
    db = "securenexus-db"
    replica = "securenexus-db-replica-west"
    src, dst = "securenexus-platform-557845624595", "securenexus-platform-dr-557845624595"
    rule = "replicate-entire-bucket"
    return WorldSpec(
        name="securenexus",
        regions=(east, west),
        account_id=SEED_ACCOUNT_ID,
        databases=(
            DatabaseSpec(
                identifier=db,
                region=east,
                retention_days=35,
                backup_window="03:00-04:00",
                instance_class="db.t3.medium",
                replicas=(ReplicaSpec(replica, west, "db.t3.medium"),),
                manual_snapshots=(
                    ManualSnapshotSpec("pre-migration", age_hours=26.5, copy_to=(west,)),
                    ManualSnapshotSpec("release", age_hours=5.25, copy_to=(west,)),
                ),
            ),
        ),
        buckets=(
            BucketPairSpec(
                src,
                east,
                dst,
                west,
                rule_id=rule,
                mfa_delete=True,
                kms=True,
                noncurrent_glacier_days=30,
                noncurrent_expire_days=365,
                objects=(
                    ("exports/2026/audit-log.jsonl", b'{"event":"login"}\n'),
                    ("uploads/logo.png", b"\x89PNG-sim"),
                    ("reports/compliance-soc2.pdf", b"%PDF-sim"),
                ),
            ),
        ),
        secrets=(SecretSpec("securenexus/secrets", east, (west,)),),
        dns=(
            DnsSpec(
                zone="aricatech.xyz",
                record="nexus.aricatech.xyz",
                primary=FailoverTarget(east, "securenexus-prod-use1.elb.us-east-1.amazonaws.com"),
                secondary=FailoverTarget(west, "securenexus-dr-usw2.elb.us-west-2.amazonaws.com"),
            ),
        ),
        clusters=(ClusterSpec("securenexus-staging", east), ClusterSpec("securenexus-production", east)),
        alarms=(
            AlarmSpec(
                name=f"{replica}-replica-lag",
                region=west,
                namespace="AWS/RDS",
                metric="ReplicaLag",
                dimensions=(("DBInstanceIdentifier", replica),),
                comparison="GreaterThanThreshold",
                threshold=60.0,
                period=60,
                evaluation_periods=5,
                description="RDS replication lag > 60 s for 5 min",
            ),
            AlarmSpec(
                name=f"{db}-free-storage",
                region=east,
                namespace="AWS/RDS",
                metric="FreeStorageSpace",
                dimensions=(("DBInstanceIdentifier", db),),
                comparison="LessThanThreshold",
                threshold=5.0 * GIB,
                statistic="Minimum",
                description="RDS free storage < 5 GB",
            ),
            AlarmSpec(
                name="securenexus-platform-replication-latency",
                region=east,
                namespace="AWS/S3",
                metric="ReplicationLatency",
                dimensions=(("SourceBucket", src), ("DestinationBucket", dst), ("RuleId", rule)),
                comparison="GreaterThanThreshold",
                threshold=900.0,
                description="S3 replication latency > 900 s",
            ),
            AlarmSpec(
                # The plan's "backup completion" alarm: the backup storage changes as backups complete; the
                # threshold only needs to be far out of reach (the alarm exists to log, not to page).
                name=f"{db}-backup-completion",
                region=east,
                namespace="AWS/RDS",
                metric="BackupRetentionPeriodStorageAllocated",
                dimensions=(("DBInstanceIdentifier", db),),
                comparison="GreaterThanThreshold",
                threshold=1024.0 * GIB,
                period=300,
                description="RDS backup completion (backup storage allocated changes)",
            ),
        ),
        health_name="securenexus /api/health",
    )


def scaled_world(n_replicated: int = 1000, regions: tuple[str, ...] = ("us-east-1", "us-west-2")) -> WorldSpec:
    """n replicated resources split 40% RDS replicas, 40% S3 pairs, 20% secrets, all primary -> second region."""
    if len(regions) < 2:
        raise ValueError("scaled_world needs a primary and a DR region")
    primary, dr = regions[0], regions[1]
    n_rds = n_replicated * 2 // 5
    n_s3 = n_replicated * 2 // 5
    n_sec = n_replicated - n_rds - n_s3
    databases = tuple(
        DatabaseSpec(
            identifier=f"orders-{i:04d}",
            region=primary,
            engine="mysql",
            engine_version="8.0.35",
            instance_class="db.r6g.large",
            retention_days=7,
            backup_window="05:00-05:30",
            replicas=(ReplicaSpec(f"orders-{i:04d}-dr", dr, "db.r6g.large"),),
            automated_history_days=1,
            used_fraction=0.2 + (i % 7) / 10,
        )
        for i in range(n_rds)
    )
    buckets = tuple(
        BucketPairSpec(f"lake-{i:04d}-src-000000000000", primary, f"lake-{i:04d}-dst-000000000000", dr, rule_id="all")
        for i in range(n_s3)
    )
    secrets = tuple(SecretSpec(f"svc/{i:04d}/credentials", primary, (dr,)) for i in range(n_sec))
    return WorldSpec(
        name=f"scaled-{n_replicated}",
        regions=tuple(regions),
        account_id="210987654321",
        databases=databases,
        buckets=buckets,
        secrets=secrets,
        health_name="bench /api/health",
    )
