"""Apply a WorldSpec to a running moto server.

Resources are created over HTTP with boto3 (the same API the product reads, so what is seeded is what
moto would serve for real calls); a few attributes moto cannot be told over the API (creation times in
the past, replication status, the source of a cross-region snapshot copy) are then set on its models.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from moto.rds.models import rds_backends

from nexus_tui.sim import s3_hooks
from nexus_tui.sim.hooks import naive_utc, set_extra
from nexus_tui.sim.world import GIB, BucketPairSpec, DatabaseSpec, WorldSpec

SIM_ACCESS_KEY_ID = "AKIANEXUSSIMULATOR01"
SIM_SECRET_ACCESS_KEY = "nexus-sim-not-a-real-secret-access-key"
REPLICATING = [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]


class Clients:
    """boto3 clients against the simulator, one per (service, region), with the simulator's credentials."""

    _session: boto3.session.Session | None = None  # shared: it caches the parsed service models
    _lock = threading.Lock()

    def __init__(self, endpoint_url: str) -> None:
        self._url = endpoint_url
        self._cache: dict[tuple[str, str], Any] = {}
        self._config = Config(retries={"max_attempts": 1}, max_pool_connections=32)

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        with Clients._lock:
            if key in self._cache:
                return self._cache[key]
            if Clients._session is None:
                Clients._session = boto3.session.Session(
                    aws_access_key_id=SIM_ACCESS_KEY_ID, aws_secret_access_key=SIM_SECRET_ACCESS_KEY
                )
            self._cache[key] = Clients._session.client(
                service, region_name=region, endpoint_url=self._url, config=self._config
            )
        return self._cache[key]


def snapshot_name(db: str, at: datetime, reason: str) -> str:
    return f"{db}-{at:%Y%m%d-%H%M}-{reason}"


def _window_start(day: datetime, window: str) -> datetime:
    hh, mm = (int(x) for x in window.split("-")[0].split(":"))
    return day.replace(hour=hh, minute=mm, second=0, microsecond=0)


def last_backup_windows(now: datetime, window: str, days: int) -> list[datetime]:
    """Start times of the last `days` backup windows at or before now, oldest first."""
    today = _window_start(now, window)
    newest = today if today <= now else today - timedelta(days=1)
    return [newest - timedelta(days=d) for d in reversed(range(days))]


_REPLICA_LOCK = threading.Lock()


def _parallel(fn: Callable[[Any], None], items: list[Any]) -> None:
    if len(items) < 8:
        for item in items:
            fn(item)
        return
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fn, items))


def seed_world(world: WorldSpec, endpoint_url: str, now: datetime) -> None:
    clients = Clients(endpoint_url)
    now = now.astimezone(UTC)
    wanted: set[str] = set()
    _parallel(lambda db: _seed_database(world, clients, db, now, wanted), list(world.databases))
    _drop_creation_snapshots(world, wanted)
    _parallel(lambda pair: _seed_bucket_pair(world, clients, pair), list(world.buckets))
    for secret in world.secrets:
        clients("secretsmanager", secret.region).create_secret(
            Name=secret.name,
            SecretString=json.dumps(dict(secret.value)),
            AddReplicaRegions=[{"Region": r} for r in secret.replica_regions],
        )
    for dns in world.dns:
        _seed_dns(clients, dns)
    for cluster in world.clusters:
        clients("eks", cluster.region).create_cluster(
            name=cluster.name,
            roleArn=f"arn:aws:iam::{world.account_id}:role/{cluster.name}-eks",
            resourcesVpcConfig={"subnetIds": []},
            version="1.29",
        )
    for alarm in world.alarms:
        clients("cloudwatch", alarm.region).put_metric_alarm(
            AlarmName=alarm.name,
            AlarmDescription=alarm.description,
            Namespace=alarm.namespace,
            MetricName=alarm.metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in alarm.dimensions],
            ComparisonOperator=alarm.comparison,
            Threshold=alarm.threshold,
            Period=alarm.period,
            EvaluationPeriods=alarm.evaluation_periods,
            DatapointsToAlarm=alarm.evaluation_periods,
            Statistic=alarm.statistic,
            TreatMissingData="missing",
            AlarmActions=[f"arn:aws:sns:{alarm.region}:{world.account_id}:ops-team"],
        )


def _seed_database(world: WorldSpec, clients: Clients, db: DatabaseSpec, now: datetime, wanted: set[str]) -> None:
    rds = clients("rds", db.region)
    with _REPLICA_LOCK:  # see below: moto's RDS backend is not safe against concurrent inserts
        rds.create_db_instance(
            DBInstanceIdentifier=db.identifier,
            DBInstanceClass=db.instance_class,
            Engine=db.engine,
            EngineVersion=db.engine_version,
            AllocatedStorage=db.allocated_gb,
            BackupRetentionPeriod=db.retention_days,
            PreferredBackupWindow=db.backup_window,
            MasterUsername="sim_admin",
            MasterUserPassword="sim-not-a-real-password",
            StorageEncrypted=True,
            Tags=[{"Key": "world", "Value": world.name}],
        )
    backend = rds_backends[world.account_id][db.region]
    instance = backend.databases[db.identifier]
    instance.created = instance.instance_create_time = naive_utc(now - timedelta(days=400))
    for at in last_backup_windows(now, db.backup_window, db.automated_history_days):
        snap_id = f"rds:{db.identifier}-{at:%Y-%m-%d-%H-%M}"
        snap = backend.database_snapshots.get(snap_id) or backend.create_auto_snapshot(db.identifier, snap_id)
        snap.created = snap.original_snapshot_create_time = naive_utc(at + timedelta(minutes=7))
        wanted.add(snap_id)
    for manual in db.manual_snapshots:
        at = now - timedelta(hours=manual.age_hours)
        name = snapshot_name(db.identifier, at, manual.reason)
        rds.create_db_snapshot(DBInstanceIdentifier=db.identifier, DBSnapshotIdentifier=name)
        snap = backend.database_snapshots[name]
        snap.created = snap.original_snapshot_create_time = naive_utc(at)
        for region in manual.copy_to:
            copy_id = f"{name}-dr"
            clients("rds", region).copy_db_snapshot(
                SourceDBSnapshotIdentifier=snap.db_snapshot_arn,
                TargetDBSnapshotIdentifier=copy_id,
                SourceRegion=db.region,
            )
            copied = rds_backends[world.account_id][region].database_snapshots[copy_id]
            copied.created = naive_utc(at + timedelta(minutes=12))
            set_extra(copied, "source_db_snapshot_identifier", snap.db_snapshot_arn)
            set_extra(copied, "source_region", db.region)
    for replica in db.replicas:
        # moto's create_db_instance_read_replica iterates the region's instances while other seeding threads
        # add to them ("OrderedDict mutated during iteration"); replicas are created one at a time.
        with _REPLICA_LOCK:
            clients("rds", replica.region).create_db_instance_read_replica(
                DBInstanceIdentifier=replica.identifier,
                SourceDBInstanceIdentifier=instance.db_instance_arn,
                DBInstanceClass=replica.instance_class,
            )
        made = rds_backends[world.account_id][replica.region].databases[replica.identifier]
        set_extra(made, "status_infos", [dict(s) for s in REPLICATING])
        made.backup_retention_period = 0
        made.created = made.instance_create_time = naive_utc(now - timedelta(days=200))


def _drop_creation_snapshots(world: WorldSpec, wanted: set[str]) -> None:
    """moto takes an automated snapshot at creation; a real instance's come from its nightly window only.
    Runs after the parallel part: iterating moto's dict while request threads insert into it would race."""
    seeded = {db.identifier.lower() for db in world.databases}
    for region in world.regions:
        snaps = rds_backends[world.account_id][region].database_snapshots
        for snap_id, snap in list(snaps.items()):
            if snap.snapshot_type == "automated" and snap.db_instance_identifier in seeded and snap_id not in wanted:
                del snaps[snap_id]


def _seed_bucket_pair(world: WorldSpec, clients: Clients, pair: Any) -> None:
    for name, region in ((pair.source, pair.source_region), (pair.destination, pair.destination_region)):
        s3 = clients("s3", region)
        kwargs: dict[str, Any] = {}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, **kwargs)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3 = clients("s3", pair.source_region)
    s3.put_bucket_replication(
        Bucket=pair.source,
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{world.account_id}:role/s3-crr-{pair.source}"[:100],
            "Rules": [
                {
                    "ID": pair.rule_id,
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{pair.destination}"},
                }
            ],
        },
    )
    for key, body in pair.objects:
        s3.put_object(Bucket=pair.source, Key=key, Body=body)
    _seed_bucket_controls(world, clients, pair)


def _seed_bucket_controls(world: WorldSpec, clients: Clients, pair: BucketPairSpec) -> None:
    """MFA Delete, lifecycle and default encryption as the plan sets them up."""
    # Real S3 only takes MFA Delete with the root account's MFA code; the simulator records it directly.
    s3_hooks.set_mfa_delete(world.account_id, pair.source, pair.mfa_delete)
    s3 = clients("s3", pair.source_region)
    if pair.noncurrent_glacier_days is not None or pair.noncurrent_expire_days is not None:
        rule: dict[str, Any] = {"ID": "noncurrent-versions", "Status": "Enabled", "Filter": {"Prefix": ""}}
        if pair.noncurrent_glacier_days is not None:
            rule["NoncurrentVersionTransitions"] = [
                {"NoncurrentDays": pair.noncurrent_glacier_days, "StorageClass": "GLACIER"}
            ]
        if pair.noncurrent_expire_days is not None:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": pair.noncurrent_expire_days}
        s3.put_bucket_lifecycle_configuration(Bucket=pair.source, LifecycleConfiguration={"Rules": [rule]})
    if pair.kms:
        for name, region in ((pair.source, pair.source_region), (pair.destination, pair.destination_region)):
            clients("s3", region).put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
                },
            )


def _seed_dns(clients: Clients, dns: Any) -> None:
    r53 = clients("route53", "us-east-1")
    zone = r53.create_hosted_zone(Name=dns.zone, CallerReference=f"nexus-sim-{dns.zone}")["HostedZone"]["Id"]
    check = r53.create_health_check(
        CallerReference=f"nexus-sim-{dns.record}-primary",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": dns.primary.dns_name,
            "ResourcePath": "/api/health",
            "Port": 443,
            "RequestInterval": 30,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    changes = []
    for role, target in (("PRIMARY", dns.primary), ("SECONDARY", dns.secondary)):
        record: dict[str, Any] = {
            "Name": dns.record,
            "Type": "CNAME",
            "SetIdentifier": f"{role.lower()}-{target.region}",
            "Failover": role,
            "TTL": dns.ttl,
            "ResourceRecords": [{"Value": target.dns_name}],
        }
        if role == "PRIMARY":
            record["HealthCheckId"] = check
        changes.append({"Action": "CREATE", "ResourceRecordSet": record})
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


def free_storage_bytes(db: DatabaseSpec) -> float:
    return db.allocated_gb * GIB * (1.0 - db.used_fraction)
