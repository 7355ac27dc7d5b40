"""Backup posture: RDS retention/window/restorable time/snapshots/DR copies, S3 versioning and MFA delete.

Snapshots are read with one paginated DescribeDBSnapshots per region (not one call per database), then
grouped here; the DR copy of a database is looked for among the snapshots of the other polled regions.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from nexus_tui.domain.clock import utc
from nexus_tui.domain.models import BackupStatus, SnapshotInfo
from nexus_tui.sources.aws.discovery import RdsInstance, arn_name
from nexus_tui.sources.aws.errors import error_code
from nexus_tui.sources.aws.session import AwsClients


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    identifier: str
    db: str
    region: str
    snapshot_type: str  # automated / manual / ...
    created_at: datetime | None
    status: str
    source_snapshot: str | None  # SourceDBSnapshotIdentifier of a copy
    source_region: str | None

    def info(self, kind: str | None = None) -> SnapshotInfo:
        return SnapshotInfo(self.identifier, self.created_at, kind or self.snapshot_type, self.region, self.status)


async def list_snapshots(clients: AwsClients, region: str) -> list[SnapshotRecord]:
    raw = await clients.paginate(region, "rds", "DescribeDBSnapshots", "DBSnapshots", MaxRecords=100)
    return [_record(s, region) for s in raw]


def _record(s: dict[str, Any], region: str) -> SnapshotRecord:
    created = s.get("SnapshotCreateTime")
    return SnapshotRecord(
        identifier=str(s.get("DBSnapshotIdentifier", "")),
        db=str(s.get("DBInstanceIdentifier", "")),
        region=region,
        snapshot_type=str(s.get("SnapshotType", "manual")).lower(),
        created_at=utc(created) if isinstance(created, datetime) else None,
        status=str(s.get("Status", "available")),
        source_snapshot=s.get("SourceDBSnapshotIdentifier") or None,
        source_region=s.get("SourceRegion") or None,
    )


def naming_ok(db: str, snapshot_id: str) -> bool:
    """The DR plan's convention for manual snapshots: <db>-YYYYMMDD-HHmm-<reason>."""
    pattern = (
        re.escape(db) + r"-(\d{4})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])-([01]\d|2[0-3])[0-5]\d-[A-Za-z0-9][A-Za-z0-9-]*"
    )
    return re.fullmatch(pattern, snapshot_id) is not None


def _newest(records: list[SnapshotRecord]) -> SnapshotRecord | None:
    dated = [r for r in records if r.created_at is not None]
    return max(dated, key=lambda r: r.created_at, default=None)  # type: ignore[arg-type,return-value]


def _is_copy_of(snap: SnapshotRecord, db: str, other_dbs: set[str]) -> bool:
    if snap.db == db:
        return True
    if snap.source_snapshot:
        src = arn_name(snap.source_snapshot).removeprefix("rds:")
        if src == db or src.startswith(db + "-"):
            return True
    # A copy renamed on the way: its name starts with the db id, unless it belongs to another known db
    # whose name merely shares the prefix (orders-pg vs orders-pg-dr).
    return snap.identifier.removeprefix("rds:").startswith(db + "-") and snap.db not in other_dbs


def _dash_prefixes(name: str) -> list[str]:
    """Every db id `name` can start with under the copy rules: the whole name and each part before a dash."""
    return [name, *(name[:i] for i, ch in enumerate(name) if ch == "-" and i)]


class SnapshotIndex:
    """Snapshots per region keyed by every database they can belong to, built once per snapshot of the view.

    Same answers as testing `_is_copy_of` against every snapshot of every other region, without the
    databases x snapshots scan (800 x 1,800 tests per refresh at 1,000 resources)."""

    def __init__(self, snapshots: dict[str, list[SnapshotRecord]], known_dbs: set[str]) -> None:
        self.regions = set(snapshots)
        self._own: dict[tuple[str, str], list[SnapshotRecord]] = {}
        self._copies: dict[tuple[str, str], list[SnapshotRecord]] = {}
        for region, snaps in snapshots.items():
            for s in snaps:
                self._own.setdefault((region, s.db), []).append(s)
                keys = {s.db}
                if s.source_snapshot:
                    keys.update(_dash_prefixes(arn_name(s.source_snapshot).removeprefix("rds:")))
                if s.db not in known_dbs:
                    ident = s.identifier.removeprefix("rds:")
                    keys.update(p for p in _dash_prefixes(ident) if p != ident)
                for key in keys:
                    self._copies.setdefault((region, key), []).append(s)

    def own(self, region: str, db: str) -> list[SnapshotRecord]:
        return self._own.get((region, db), [])

    def copies(self, db: str, *, besides: str) -> list[SnapshotRecord]:
        return [s for r in self.regions if r != besides for s in self._copies.get((r, db), [])]


def rds_backup(
    inst: RdsInstance,
    snapshots: dict[str, list[SnapshotRecord]] | SnapshotIndex,
    known_dbs: set[str],
    free_storage_bytes: float | None,
) -> BackupStatus:
    """`snapshots` maps each polled region to its snapshot list (or is their index); regions whose list is
    missing were not read."""
    index = snapshots if isinstance(snapshots, SnapshotIndex) else SnapshotIndex(snapshots, known_dbs)
    own = index.own(inst.region, inst.identifier)
    automated = _newest([s for s in own if s.snapshot_type == "automated"])
    manual_list = [s for s in own if s.snapshot_type == "manual"]
    manual = _newest(manual_list)
    others = index.regions - {inst.region}
    dr = _newest(index.copies(inst.identifier, besides=inst.region))
    violations = tuple(sorted(s.identifier for s in manual_list if not naming_ok(inst.identifier, s.identifier)))
    role = inst.role
    return BackupStatus(
        kind="rds",
        resource=inst.identifier,
        region=inst.region,
        engine=inst.engine,
        role=role,  # type: ignore[arg-type]
        retention_days=inst.retention_days,
        backup_window=inst.backup_window,
        latest_restorable_time=utc(inst.latest_restorable_time) if inst.latest_restorable_time else None,
        newest_automated=automated.info() if automated else None,
        newest_manual=manual.info() if manual else None,
        dr_copy=dr.info("copy") if dr else None,
        # Only meaningful when another region's snapshot list was read; replicas are covered by the primary.
        dr_copy_checked=bool(others) and role != "replica",
        naming_violations=violations,
        free_storage_bytes=free_storage_bytes,
        encrypted=inst.encrypted,
    )


@dataclass(frozen=True, slots=True)
class Versioning:
    """A bucket's protection settings, read on the slow cadence (they change rarely)."""

    status: str  # Enabled / Suspended / Disabled
    mfa_delete: str  # Enabled / Disabled
    encryption: str | None = None  # default encryption algorithm: aws:kms / aws:kms:dsse / AES256
    lifecycle_read: bool = False
    transition_days: int | None = None  # noncurrent versions: first transition
    transition_class: str | None = None
    expiration_days: int | None = None  # noncurrent versions: expiry


async def bucket_versioning(
    clients: AwsClients,
    region: str,
    bucket: str,
    *,
    lifecycle: bool = False,
    running: asyncio.Event | None = None,
) -> Versioning:
    """Versioning and MFA Delete, default encryption, and (for a replication source) the noncurrent-version
    lifecycle the plan asks for. A missing configuration is an answer ("none"), not an error. With `running`,
    each call after the first waits while it is cleared (a refresh is under way)."""
    resp = await clients.call(region, "s3", "GetBucketVersioning", Bucket=bucket)
    v = Versioning(str(resp.get("Status") or "Disabled"), str(resp.get("MFADelete") or "Disabled"))
    if running is not None:
        await running.wait()
    encryption = await _encryption(clients, region, bucket)
    if not lifecycle:
        return replace(v, encryption=encryption)
    if running is not None:
        await running.wait()
    try:
        rules = (await clients.call(region, "s3", "GetBucketLifecycleConfiguration", Bucket=bucket)).get("Rules") or []
    except ClientError as exc:
        if error_code(exc) != "NoSuchLifecycleConfiguration":
            raise
        rules = []
    days, cls, expiry = _noncurrent(rules)
    return replace(
        v,
        encryption=encryption,
        lifecycle_read=True,
        transition_days=days,
        transition_class=cls,
        expiration_days=expiry,
    )


async def _encryption(clients: AwsClients, region: str, bucket: str) -> str | None:
    try:
        resp = await clients.call(region, "s3", "GetBucketEncryption", Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
            return "none"
        raise
    for rule in (resp.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []:
        algo = (rule.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
        if algo:
            return str(algo)
    return "none"


def _noncurrent(rules: list[dict[str, Any]]) -> tuple[int | None, str | None, int | None]:
    days = cls = expiry = None
    for rule in rules:
        if str(rule.get("Status", "")).lower() != "enabled":
            continue
        for t in rule.get("NoncurrentVersionTransitions") or []:
            if t.get("NoncurrentDays") is not None and (days is None or t["NoncurrentDays"] < days):
                days, cls = int(t["NoncurrentDays"]), str(t.get("StorageClass") or "")
        exp = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
        if exp is not None and (expiry is None or exp < expiry):
            expiry = int(exp)
    return days, cls, expiry


def s3_backup(bucket: str, region: str, v: Versioning) -> BackupStatus:
    return BackupStatus(
        kind="s3",
        resource=bucket,
        region=region,
        versioning=v.status,
        mfa_delete=v.mfa_delete,
        encryption=v.encryption,
        lifecycle_read=v.lifecycle_read,
        noncurrent_transition_days=v.transition_days,
        noncurrent_transition_class=v.transition_class,
        noncurrent_expiration_days=v.expiration_days,
    )
