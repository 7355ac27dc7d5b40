"""Finding what is replicated, region by region, from the resources themselves (nothing hard-coded).

RDS: describe_db_instances; a replica names its source (ARN when cross-region), a source lists its replicas.
S3: list_buckets + get_bucket_replication (+ bucket locations for the destination region).
Secrets: list_secrets (a replica carries PrimaryRegion) + describe_secret ReplicationStatus on the primary.
Each side alone is enough to find a pair, so a dead primary region still leaves its pairs visible.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from botocore.exceptions import ClientError

from nexus_tui.sources.aws.background import Progress
from nexus_tui.sources.aws.errors import error_code
from nexus_tui.sources.aws.session import AwsClients


def arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def arn_name(ref: str) -> str:
    """The resource name of an ARN (arn:aws:rds:r:acct:db:NAME, arn:aws:s3:::NAME); plain ids unchanged."""
    parts = ref.split(":")
    if parts[0] != "arn" or len(parts) < 6:
        return ref
    if parts[2] == "rds" and len(parts) >= 7:
        return ":".join(parts[6:])
    return ":".join(parts[5:])


def included(patterns: tuple[str, ...], *names: str | None) -> bool:
    if not patterns:
        return True
    return any(n and fnmatchcase(n, p) for n in names for p in patterns)


@dataclass(frozen=True, slots=True)
class RdsInstance:
    identifier: str
    region: str
    engine: str | None
    status: str  # DBInstanceStatus
    replication_status: str  # normalised from StatusInfos (replicas), "" otherwise
    source: str | None  # replica: source db id
    source_region: str | None
    replicas: tuple[tuple[str, str], ...]  # (replica id, replica region) listed by this source
    retention_days: int | None
    backup_window: str | None
    latest_restorable_time: datetime | None
    encrypted: bool | None = None  # StorageEncrypted (with a KMS key, as RDS always uses for it)

    @property
    def role(self) -> str:
        if self.source:
            return "replica"
        return "primary" if self.replicas else "standalone"


def _replication_status(db: dict[str, Any]) -> str:
    for info in db.get("StatusInfos") or []:
        if str(info.get("StatusType", "")).lower() == "read replication":
            status = str(info.get("Status", "")).lower()
            if status == "replicating" and info.get("Normal") is False:
                return "degraded"
            if status in ("replicating", "error", "terminated"):
                return status
            return "degraded" if status == "stopped" else status or "unknown"
    # No StatusInfos (some endpoints omit it): fall back on the instance status.
    status = str(db.get("DBInstanceStatus", "")).lower()
    if status == "available":
        return "replicating"
    if status in ("failed", "storage-full", "stopped", "inaccessible-encryption-credentials") or status.startswith(
        "incompatible"
    ):
        return "error"
    if status in ("deleting", "deleted"):
        return "terminated"
    return "degraded" if status else "unknown"


def parse_instance(db: dict[str, Any], region: str) -> RdsInstance:
    src_ref = db.get("ReadReplicaSourceDBInstanceIdentifier")
    replicas = tuple(
        (arn_name(ref), arn_region(ref) or region) for ref in db.get("ReadReplicaDBInstanceIdentifiers") or []
    )
    return RdsInstance(
        identifier=db["DBInstanceIdentifier"],
        region=region,
        engine=db.get("Engine"),
        status=str(db.get("DBInstanceStatus", "unknown")),
        replication_status=_replication_status(db) if src_ref else "",
        source=arn_name(src_ref) if src_ref else None,
        source_region=(arn_region(src_ref) or region) if src_ref else None,
        replicas=replicas,
        retention_days=db.get("BackupRetentionPeriod"),
        backup_window=db.get("PreferredBackupWindow"),
        latest_restorable_time=db.get("LatestRestorableTime"),
        encrypted=db.get("StorageEncrypted") if isinstance(db.get("StorageEncrypted"), bool) else None,
    )


async def discover_rds(clients: AwsClients, region: str, include: tuple[str, ...]) -> list[RdsInstance]:
    raw = await clients.paginate(region, "rds", "DescribeDBInstances", "DBInstances", MaxRecords=100)
    out = []
    for db in raw:
        inst = parse_instance(db, region)
        if included(include, inst.identifier, inst.source, *(r for r, _ in inst.replicas)):
            out.append(inst)
    return out


@dataclass(frozen=True, slots=True)
class BucketRule:
    source: str
    source_region: str
    target: str
    target_region: str | None  # None until the destination bucket's location is known
    rule_id: str
    status: str  # enabled / disabled
    scope: str = ""  # "" replicates the whole bucket; else the rule's prefix / tag filter


MAX_BUCKETS_PER_PAGE = 1000  # a page of ListBuckets; real S3 allows up to 10,000


async def list_bucket_names(clients: AwsClients, region: str) -> dict[str, str | None]:
    """Every bucket of the account -> its region when the listing says (real S3 does), else None."""
    buckets = await clients.paginate(
        region, "s3", "ListBuckets", "Buckets", token="ContinuationToken", MaxBuckets=MAX_BUCKETS_PER_PAGE
    )
    return {b["Name"]: b.get("BucketRegion") for b in buckets}


async def bucket_location(clients: AwsClients, region: str, bucket: str) -> str:
    resp = await clients.call(region, "s3", "GetBucketLocation", Bucket=bucket)
    # us-east-1 answers an empty LocationConstraint; EU is the legacy name of eu-west-1.
    loc = resp.get("LocationConstraint") or "us-east-1"
    return "eu-west-1" if loc == "EU" else str(loc)


async def bucket_rules(clients: AwsClients, region: str, bucket: str) -> list[BucketRule]:
    try:
        resp = await clients.call(region, "s3", "GetBucketReplication", Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in ("ReplicationConfigurationNotFoundError", "NoSuchReplicationConfiguration"):
            return []
        raise
    rules = []
    for i, rule in enumerate((resp.get("ReplicationConfiguration") or {}).get("Rules") or []):
        dest = arn_name(str((rule.get("Destination") or {}).get("Bucket", "")))
        if not dest:
            continue
        rules.append(
            BucketRule(
                source=bucket,
                source_region=region,
                target=dest,
                target_region=None,
                rule_id=str(rule.get("ID") or f"rule-{i + 1}"),
                status=str(rule.get("Status", "Enabled")).lower(),
                scope=_scope(rule),
            )
        )
    return rules


def _scope(rule: dict[str, Any]) -> str:
    """What part of the bucket a rule covers: "" for all of it (no filter, an empty one, or prefix "")."""
    f = rule.get("Filter")
    if f is None:
        return f"prefix {rule['Prefix']}" if rule.get("Prefix") else ""
    if f.get("Prefix"):
        return f"prefix {f['Prefix']}"
    if f.get("Tag"):
        return f"tag {f['Tag'].get('Key')}={f['Tag'].get('Value')}"
    if f.get("And"):
        parts = [f"prefix {f['And']['Prefix']}"] if f["And"].get("Prefix") else []
        parts += [f"tag {t.get('Key')}={t.get('Value')}" for t in f["And"].get("Tags") or []]
        return ", ".join(parts)
    return ""


@dataclass(frozen=True, slots=True)
class SecretReplica:
    name: str
    source_region: str
    target_region: str
    status: str  # InSync / InProgress / Failed / unknown


async def discover_secrets(
    clients: AwsClients,
    region: str,
    include: tuple[str, ...],
    limit: AbstractAsyncContextManager[Any],
    progress: Progress | None = None,
) -> list[SecretReplica]:
    listed = await clients.paginate(region, "secretsmanager", "ListSecrets", "SecretList", token="NextToken")
    out: list[SecretReplica] = []
    primaries = []
    for s in listed:
        name = str(s.get("Name", ""))
        if not included(include, name):
            continue
        primary = s.get("PrimaryRegion")
        if primary and primary != region:
            # This region holds a replica: the pair is visible from the DR side even if the primary is down.
            out.append(SecretReplica(name, primary, region, "unknown"))
        else:
            primaries.append(s)

    progress = progress or Progress()
    progress.total = len(primaries)

    async def describe(s: dict[str, Any]) -> list[SecretReplica]:
        async with limit:
            d = await clients.call(region, "secretsmanager", "DescribeSecret", SecretId=s.get("ARN") or s["Name"])
        progress.done += 1
        return [
            SecretReplica(str(s["Name"]), region, str(r["Region"]), str(r.get("Status") or "unknown"))
            for r in d.get("ReplicationStatus") or []
            if r.get("Region")
        ]

    # Only secrets that might replicate need a describe call; list_secrets does not carry ReplicationStatus.
    for replicas in await asyncio.gather(*(describe(s) for s in primaries)):
        out.extend(replicas)
    return out
