"""From the poller's per-region caches to the immutable snapshot rows the domain evaluates.

A row whose region did not answer this cycle is the last known value, marked stale; a pair seen only from
one side (primary down, or replica region down) is still shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from nexus_tui.domain.models import (
    AlarmInfo,
    BackupStatus,
    Datapoint,
    RegionHealth,
    ReplicationPair,
    Unavailable,
)
from nexus_tui.sources.aws.alarms import about
from nexus_tui.sources.aws.backups import SnapshotIndex, SnapshotRecord, rds_backup, s3_backup
from nexus_tui.sources.aws.metrics import S3_METRICS, newest, s3_dims
from nexus_tui.sources.aws.poller import AwsPoller, RegionState

_PARTS = {
    "rds": ("replication", "RDS instances (DescribeDBInstances)"),
    "secrets": ("replication", "Secrets Manager replication"),
    "rules": ("replication", "S3 replication rules"),
    "metrics": ("replication", "CloudWatch metrics (GetMetricData)"),
    "alarms": ("alarms", "CloudWatch alarms (DescribeAlarms)"),
    "snapshots": ("backups", "RDS snapshots (DescribeDBSnapshots)"),
    "versioning": ("backups", "S3 versioning"),
}


@dataclass(frozen=True, slots=True)
class AwsView:
    regions: tuple[RegionHealth, ...]
    replication: tuple[ReplicationPair, ...]
    backups: tuple[BackupStatus, ...]
    alarms: tuple[AlarmInfo, ...]
    unavailable: tuple[Unavailable, ...]


def label_for(labels: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in labels:
            return labels[name]
    for name in names:
        for pattern, label in labels.items():
            if fnmatchcase(name, pattern):
                return label
    return None


def _live(st: RegionState | None, part: str) -> bool:
    return st is not None and st.unreachable is None and part in st.fresh


def build_view(poller: AwsPoller, labels: dict[str, str], now: datetime) -> AwsView:
    states = poller.states
    pairs: dict[str, ReplicationPair] = {}

    def add(pair: ReplicationPair, *, prefer: bool = True) -> None:
        if prefer or pair.key not in pairs:
            pairs[pair.key] = pair

    # RDS, replica side: the replica's own region measures it (works with the primary region down).
    source_status = _source_statuses(states)
    for st in states.values():
        metrics = st.metrics.value if st.metrics else {}
        for inst in st.rds.value if st.rds else []:
            if not inst.source or not inst.source_region:
                continue
            dims: tuple[tuple[str, str], ...] = (("DBInstanceIdentifier", inst.identifier),)
            lag_series = metrics.get(("AWS/RDS", "ReplicaLag", dims), ())
            storage = newest(metrics.get(("AWS/RDS", "FreeStorageSpace", dims)))
            last = newest(lag_series)
            add(
                ReplicationPair(
                    kind="rds",
                    source=inst.source,
                    target=inst.identifier,
                    source_region=inst.source_region,
                    target_region=st.name,
                    status=inst.replication_status or "unknown",
                    lag_seconds=last.value if last else None,
                    observed_at=last.at if last else None,
                    history=lag_series,
                    extra=(("free_storage_bytes", storage.value if storage else None),),
                    error=_why_stale(st, "metrics"),
                    stale=not _live(st, "metrics"),
                    label=label_for(labels, inst.identifier, inst.source),
                    source_status=source_status.get((inst.source_region, inst.source)),
                )
            )
    # RDS, primary side: replicas listed by a source whose own region gave us nothing.
    for st in states.values():
        for inst in st.rds.value if st.rds else []:
            for replica, region in inst.replicas:
                other = states.get(region)
                add(
                    ReplicationPair(
                        kind="rds",
                        source=inst.identifier,
                        target=replica,
                        source_region=st.name,
                        target_region=region,
                        status="unknown",
                        error=_why_stale(other, "rds") or "replica not found in its region",
                        stale=not _live(other, "rds"),
                        label=label_for(labels, replica, inst.identifier),
                    ),
                    prefer=False,
                )
    # S3: CloudWatch replication metrics live in the source bucket's region.
    for st in states.values():
        metrics = st.metrics.value if st.metrics else {}
        for rule in st.rules.value if st.rules else []:
            dims = s3_dims(rule)
            latency, ops, size = (metrics.get(("AWS/S3", m, dims), ()) for m in S3_METRICS)
            last = newest(latency)
            add(
                ReplicationPair(
                    kind="s3",
                    source=rule.source,
                    target=rule.target,
                    source_region=st.name,
                    target_region=poller.bucket_regions.get(rule.target) or "unknown",
                    status=rule.status,
                    lag_seconds=last.value if last else None,
                    observed_at=last.at if last else None,
                    history=latency,
                    extra=(("operations_pending", _value(ops)), ("bytes_pending", _value(size))),
                    error=_why_stale(st, "metrics"),
                    stale=not _live(st, "metrics"),
                    label=label_for(labels, rule.source, rule.target),
                    scope=rule.scope,
                )
            )
    # Secrets: the primary's ReplicationStatus wins over a replica merely saying where its primary is.
    for prefer_primary in (True, False):
        for st in states.values():
            for sec in st.secrets.value if st.secrets else []:
                if (sec.source_region == st.name) != prefer_primary:
                    continue
                add(
                    ReplicationPair(
                        kind="secret",
                        source=sec.name,
                        target=sec.name,
                        source_region=sec.source_region,
                        target_region=sec.target_region,
                        status=sec.status,
                        observed_at=st.secrets.at if st.secrets else None,
                        error=_why_stale(st, "secrets"),
                        stale=not _live(st, "secrets"),
                        label=label_for(labels, sec.name),
                    ),
                    prefer=False,
                )
    return AwsView(
        regions=tuple(_region(st) for st in (states[r] for r in poller.regions)),
        replication=tuple(sorted(pairs.values(), key=lambda p: (p.kind, p.source, p.target_region, p.target))),
        backups=_backups(poller, now),
        alarms=_alarms(poller),
        unavailable=_unavailable(poller),
    )


def _value(points: tuple[Datapoint, ...]) -> float | None:
    last = newest(points)
    return last.value if last else None


def _source_statuses(states: dict[str, RegionState]) -> dict[tuple[str, str], str]:
    """(region, instance) -> DBInstanceStatus, from regions that answered this poll only: a status carried over
    from an unreachable region would say "available" about a primary nobody can see."""
    return {
        (st.name, inst.identifier): inst.status
        for st in states.values()
        if _live(st, "rds")
        for inst in (st.rds.value if st.rds else [])
    }


def _why_stale(st: RegionState | None, part: str) -> str | None:
    if st is None:
        return "region not polled"
    if st.unreachable is not None:
        return f"region {st.name} unreachable: {st.unreachable.message}"
    problem = st.problems.get(part)
    return problem.message if problem else None


def _region(st: RegionState) -> RegionHealth:
    return RegionHealth(
        name=st.name,
        reachable=st.reachable,
        error=st.unreachable.message if st.unreachable else None,
        last_ok_at=st.last_ok_at,
        checked_at=st.checked_at,
        latency_ms=st.latency_ms,
    )


def _backups(poller: AwsPoller, now: datetime) -> tuple[BackupStatus, ...]:
    states = poller.states
    snapshots: dict[str, list[SnapshotRecord]] = {r: st.snapshots.value for r, st in states.items() if st.snapshots}
    known = {inst.identifier for st in states.values() for inst in (st.rds.value if st.rds else [])}
    index = SnapshotIndex(snapshots, known)
    out: list[BackupStatus] = []
    for st in states.values():
        metrics = st.metrics.value if st.metrics else {}
        stale = st.unreachable is not None
        for inst in st.rds.value if st.rds else []:
            storage = newest(metrics.get(("AWS/RDS", "FreeStorageSpace", (("DBInstanceIdentifier", inst.identifier),))))
            b = rds_backup(inst, index, known, storage.value if storage else None)
            error = None
            if st.snapshots is None and "snapshots" in st.problems:
                error = st.problems["snapshots"].message
            out.append(
                _replace(b, error=error, stale=stale or (not _live(st, "snapshots") and st.snapshots is not None))
            )
        for bucket, v in (st.versioning.value if st.versioning else {}).items():
            out.append(_replace(s3_backup(bucket, st.name, v), stale=stale or not _live(st, "versioning")))
    return tuple(sorted(out, key=lambda b: (b.kind, b.region, b.resource)))


def _replace(b: BackupStatus, **changes: object) -> BackupStatus:
    from dataclasses import replace

    return replace(b, **changes)  # type: ignore[arg-type]


def _alarms(poller: AwsPoller) -> tuple[AlarmInfo, ...]:
    names: set[str] = set()
    for st in poller.states.values():
        for inst in st.rds.value if st.rds else []:
            names.add(inst.identifier)
        for rule in st.rules.value if st.rules else []:
            names.update((rule.source, rule.target))
        for sec in st.secrets.value if st.secrets else []:
            names.add(sec.name)
    out = [a for st in poller.states.values() for a in (st.alarms.value if st.alarms else []) if about(a, names)]
    return tuple(sorted(out, key=lambda a: (a.region, a.name)))


_PROGRESS = {
    "index": ("replication", "S3 replication discovery", "locating buckets"),
    "rules": ("replication", "S3 replication discovery", "buckets"),
    "secrets": ("replication", "Secrets Manager replication discovery", "secrets"),
    "snapshots": ("backups", "RDS snapshots", ""),
    "versioning": ("backups", "S3 versioning", "buckets"),
}


def _in_progress(poller: AwsPoller) -> list[Unavailable]:
    """First-time discovery still running in the background: the picture is partial, and says how partial."""
    out: list[Unavailable] = []
    running = poller.in_progress()
    indexing = any(part == "index" for (_, part), _ in running)
    for (region, part), progress in running:
        if part == "rules" and indexing:
            continue  # waiting for the bucket index, which has its own line
        if region is not None and poller.states[region].unreachable is not None:
            continue
        panel, what, unit = _PROGRESS.get(part, ("replication", part, ""))
        count = progress.count()
        if part == "index":
            detail = f"{unit} {count}" if count else "listing buckets"
        else:
            detail = f"{count} {unit}".strip() if count else ""
        out.append(Unavailable(panel, region, f"{what} ({detail})" if detail else what, "in progress"))  # type: ignore[arg-type]
    return out


def _unavailable(poller: AwsPoller) -> tuple[Unavailable, ...]:
    out: list[Unavailable] = []
    if poller.setup_error:
        out.append(Unavailable("regions", None, "AWS region", poller.setup_error))
    out += _in_progress(poller)
    for region in poller.regions:
        st = poller.states[region]
        if st.unreachable is not None:
            continue  # the region row already says it is down; one line, not one per service
        backing_off = sorted(p for p, problem in st.problems.items() if problem.kind in ("throttled", "server"))
        if backing_off:
            # A throttled or failing region is one line however many of its calls were refused.
            first = st.problems[backing_off[0]]
            until = max((st.retry_at[p] for p in backing_off if p in st.retry_at), default=None)
            when = f"; backing off until {until.strftime('%H:%M:%S')} UTC" if until else ""
            whats = ", ".join(_PARTS.get(p, ("replication", p))[1] for p in backing_off)
            out.append(Unavailable("replication", region, whats, f"{first.message}{when}"))
        for part, problem in sorted(st.problems.items()):
            if part in backing_off:
                continue
            panel, what = _PARTS.get(part, ("replication", part))
            out.append(Unavailable(panel, region, what, problem.message))  # type: ignore[arg-type]
    return tuple(out)
