"""The world's heartbeat: what real AWS does on its own and moto never does.

Every minute of simulated time it publishes CloudWatch datapoints (RDS ReplicaLag and FreeStorageSpace;
S3 ReplicationLatency / OperationsPendingReplication / BytesPendingReplication), copies new object
versions across replicated buckets, takes automated snapshots in each instance's backup window, moves
LatestRestorableTime and evaluates the world's alarms. Values come from a seeded Random and the injected
clock, so two runs with the same seed and clock produce the same numbers.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
from moto.rds.exceptions import RDSClientError
from moto.rds.models import rds_backends
from moto.s3.models import FakeDeleteMarker, s3_backends

from nexus_tui.domain.clock import Clock
from nexus_tui.sim.alarm_eval import SeriesKey, evaluate_alarms
from nexus_tui.sim.hooks import AccountHooks, naive_utc, set_extra
from nexus_tui.sim.seed import last_backup_windows
from nexus_tui.sim.world import GIB, BucketPairSpec, DatabaseSpec, ReplicaSpec, WorldSpec

MINUTE = timedelta(minutes=1)
MAX_CATCH_UP_MINUTES = 180  # a long jump of the clock publishes only the most recent minutes
KEEP_METRICS = timedelta(hours=3)


def floor_minute(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass
class _Replica:
    db: DatabaseSpec
    spec: ReplicaSpec
    rng: random.Random
    spike_left: int = 0
    spike_value: float = 0.0
    override: float | None = None
    stopped: bool = False
    promoted: bool = False


@dataclass
class _Pair:
    spec: BucketPairSpec
    rng: random.Random
    copied: set[tuple[str, str]] = field(default_factory=set)
    stopped_since: datetime | None = None
    backlog_ops: float = 0.0


class WorldTicker:
    def __init__(self, world: WorldSpec, clock: Clock, hooks: AccountHooks, seed: int = 7) -> None:
        self.world, self.clock, self.hooks = world, clock, hooks
        self._acct = world.account_id
        self._seed = seed
        self._lock = threading.RLock()
        self.replicas = {r.identifier: _Replica(db, r, self._rng("lag", r.identifier)) for db, r in world.replicas}
        self.pairs = {p.source: _Pair(p, self._rng("s3", p.source)) for p in world.buckets}
        self.free_override: dict[str, float] = {}
        self._storage_rng = self._rng("storage")
        self._series: dict[SeriesKey, deque[tuple[datetime, float]]] = {}
        self.last: datetime | None = None
        self._pruned_at: datetime | None = None
        self._cw: dict[str, Any] = {}
        self._backup_metric = any(a.metric == "BackupRetentionPeriodStorageAllocated" for a in world.alarms)
        hooks.on_promoted = self._promoted

    def _rng(self, *parts: str) -> random.Random:
        return random.Random(":".join((str(self._seed), self.world.name, *parts)))

    # -- driving -------------------------------------------------------------------------------------

    def backfill(self, minutes: int = 60) -> None:
        """Publish the last `minutes` so sparklines are full the moment the dashboard opens."""
        with self._lock:
            now = floor_minute(self.clock.now())
            self.last = now - timedelta(minutes=minutes)
            self.advance()

    def advance(self) -> int:
        """Catch up to the clock: every whole minute since the last call. Returns minutes published."""
        with self._lock:
            now = floor_minute(self.clock.now())
            if self.last is None:
                self.last = now - MINUTE
            if now <= self.last:
                return 0
            first = max(self.last + MINUTE, now - timedelta(minutes=MAX_CATCH_UP_MINUTES - 1))
            self._automated_snapshots(self.last, now)
            self._replicate_s3()
            minutes = 0
            t = first
            while t <= now:
                self._publish_minute(t)
                minutes += 1
                t += MINUTE
            self.last = now
            evaluate_alarms(self._acct, self.world.alarms, self._series, now)
            self._move_restorable_time()
            self._prune(now)
            return minutes

    # -- knobs ---------------------------------------------------------------------------------------

    def set_replica_lag(self, replica_id: str, seconds: float | None) -> None:
        with self._lock:
            rep = self._replica(replica_id)
            rep.override = seconds
            if seconds is not None and not rep.stopped:
                self._emit_lag(rep, self.clock.now(), seconds)

    def stop_replication(self, resource_id: str) -> None:
        with self._lock:
            pair = self._pair(resource_id)
            if pair is not None:
                pair.stopped_since = pair.stopped_since or self.clock.now()
                return
            rep = self._replica(resource_id)
            rep.stopped = True
            self._set_status(rep, False, "error", "Replication has stopped (simulated).")
            self._emit_lag(rep, self.clock.now(), -1.0)

    def resume_replication(self, resource_id: str) -> None:
        with self._lock:
            pair = self._pair(resource_id)
            if pair is not None:
                pair.stopped_since = None
                return
            rep = self._replica(resource_id)
            rep.stopped = False
            self._set_status(rep, True, "replicating", None)

    def set_free_storage(self, db_id: str, free_bytes: float | None) -> None:
        with self._lock:
            if free_bytes is None:
                self.free_override.pop(db_id, None)
            else:
                self.free_override[db_id] = free_bytes

    def current_lag(self, replica_id: str) -> float:
        """The replica's lag as last published (-1: replication broken; 0 before the first minute)."""
        with self._lock:
            rep = self._replica(replica_id)
            key = (rep.spec.region, "AWS/RDS", "ReplicaLag", frozenset([("DBInstanceIdentifier", replica_id)]))
            series = self._series.get(key)
            return series[-1][1] if series else 0.0

    def current_s3_latency(self, source_bucket: str) -> float:
        """The bucket pair's ReplicationLatency as last published (0 before the first minute)."""
        with self._lock:
            pair = self._pair(source_bucket)
            if pair is None:
                raise KeyError(f"no replicated bucket named {source_bucket!r} in the simulated world")
            spec = pair.spec
            dims = frozenset(
                [("SourceBucket", spec.source), ("DestinationBucket", spec.destination), ("RuleId", spec.rule_id)]
            )
            series = self._series.get((spec.source_region, "AWS/S3", "ReplicationLatency", dims))
            return series[-1][1] if series else 0.0

    def _replica(self, replica_id: str) -> _Replica:
        try:
            return self.replicas[replica_id]
        except KeyError:
            raise KeyError(
                f"no replicated RDS instance or bucket named {replica_id!r} in the simulated world"
            ) from None

    def _pair(self, name: str) -> _Pair | None:
        return next((p for p in self.pairs.values() if name in (p.spec.source, p.spec.destination)), None)

    def _set_status(self, rep: _Replica, normal: bool, status: str, message: str | None) -> None:
        db = rds_backends[self._acct][rep.spec.region].databases.get(rep.spec.identifier)
        if db is None or rep.promoted:
            return
        info = {"StatusType": "read replication", "Normal": normal, "Status": status}
        if message:
            info["Message"] = message
        set_extra(db, "status_infos", [info])

    def _promoted(self, region: str, identifier: str) -> None:
        # Called from a moto request thread; the ticker thread may be mid-minute, hence the lock.
        with self._lock:
            rep = self.replicas.get(identifier)
            if rep is not None and rep.spec.region == region:
                rep.promoted = True

    # -- metrics -------------------------------------------------------------------------------------

    def _put(
        self,
        region: str,
        namespace: str,
        metric: str,
        dims: list[tuple[str, str]],
        at: datetime,
        value: float,
        unit: str,
    ) -> None:
        datum = MetricDatum(
            namespace, metric, float(value), [{"Name": k, "Value": v} for k, v in dims], naive_utc(at), unit
        )
        backend = self._cw.get(region)
        if backend is None:  # moto's account/region lookup takes a lock; hundreds of thousands of puts add up
            backend = self._cw[region] = cloudwatch_backends[self._acct][region]
        backend.metric_data.append(datum)
        key = (region, namespace, metric, frozenset(dims))
        self._series.setdefault(key, deque(maxlen=120)).append((floor_minute(at), float(value)))

    def _emit_lag(self, rep: _Replica, at: datetime, value: float) -> None:
        self._put(
            rep.spec.region,
            "AWS/RDS",
            "ReplicaLag",
            [("DBInstanceIdentifier", rep.spec.identifier)],
            at,
            value,
            "Seconds",
        )

    def _lag_value(self, rep: _Replica) -> float:
        rng = rep.rng
        noise = round(rng.uniform(0.2, 2.0), 2)  # drawn every minute so knobs never shift later values
        if rep.stopped:
            return -1.0
        if rep.override is not None:
            return rep.override
        if rep.spike_left > 0:
            rep.spike_left -= 1
            return round(rep.spike_value * rng.uniform(0.8, 1.1), 1)
        if rng.random() < 0.015:
            rep.spike_left, rep.spike_value = rng.randint(0, 3), rng.uniform(20.0, 90.0)
            return round(rep.spike_value, 1)
        return noise

    def _free_bytes(self, db_id: str, base: float, at: datetime) -> float:
        if db_id in self.free_override:
            return self.free_override[db_id]
        # Slow growth of used space (about 1 GiB a week) plus a little churn.
        drift = (at.timestamp() % (7 * 86400)) / (7 * 86400) * GIB
        return max(0.0, base - drift + self._storage_rng.uniform(-0.05, 0.05) * GIB)

    def _publish_minute(self, t: datetime) -> None:
        for db in self.world.databases:
            base = db.allocated_gb * GIB * (1.0 - db.used_fraction)
            dims = [("DBInstanceIdentifier", db.identifier)]
            self._put(
                db.region, "AWS/RDS", "FreeStorageSpace", dims, t, self._free_bytes(db.identifier, base, t), "Bytes"
            )
            if self._backup_metric:
                # Backup storage roughly follows the data kept over the retention period.
                kept = db.allocated_gb * GIB * db.used_fraction * max(1, db.retention_days) / 7
                self._put(db.region, "AWS/RDS", "BackupRetentionPeriodStorageAllocated", dims, t, kept, "Bytes")
        for rep in self.replicas.values():
            lag = self._lag_value(rep)
            if not rep.promoted:
                self._emit_lag(rep, t, lag)
            base = rep.db.allocated_gb * GIB * (1.0 - rep.db.used_fraction)
            self._put(
                rep.spec.region,
                "AWS/RDS",
                "FreeStorageSpace",
                [("DBInstanceIdentifier", rep.spec.identifier)],
                t,
                self._free_bytes(rep.spec.identifier, base, t),
                "Bytes",
            )
        for pair in self.pairs.values():
            self._publish_pair(pair, t)

    def _publish_pair(self, pair: _Pair, t: datetime) -> None:
        rng, spec = pair.rng, pair.spec
        latency, ops = rng.uniform(4.0, 40.0), float(rng.randint(0, 3))
        if rng.random() < 0.01:
            latency = rng.uniform(120.0, 600.0)  # busy spells stay under the 900 s alarm
        unreplicated = self._unreplicated(spec)
        if pair.stopped_since is not None:
            latency = max(latency, (t - pair.stopped_since).total_seconds())
            pair.backlog_ops += rng.randint(3, 12)
            ops += pair.backlog_ops
        ops += len(unreplicated)
        size = sum(len(v.value) for v in unreplicated) + ops * rng.uniform(40_000, 400_000)
        dims = [("SourceBucket", spec.source), ("DestinationBucket", spec.destination), ("RuleId", spec.rule_id)]
        region = spec.source_region
        self._put(region, "AWS/S3", "ReplicationLatency", dims, t, round(latency, 1), "Seconds")
        self._put(region, "AWS/S3", "OperationsPendingReplication", dims, t, ops, "Count")
        self._put(region, "AWS/S3", "BytesPendingReplication", dims, t, round(size), "Bytes")

    # -- S3 replication ------------------------------------------------------------------------------

    def _unreplicated(self, spec: BucketPairSpec) -> list[Any]:
        pair = self.pairs[spec.source]
        bucket = s3_backends[self._acct]["aws"].buckets.get(spec.source)
        if bucket is None:
            return []
        out = []
        for key, versions in bucket.keys.iterlists():
            for v in versions:
                if not isinstance(v, FakeDeleteMarker) and (key, v.version_id) not in pair.copied:
                    out.append(v)
        return out

    def _replicate_s3(self) -> None:
        backend = s3_backends[self._acct]["aws"]
        for pair in self.pairs.values():
            if pair.stopped_since is not None or pair.spec.destination not in backend.buckets:
                continue
            for version in sorted(self._unreplicated(pair.spec), key=lambda v: v.last_modified):
                backend.put_object(pair.spec.destination, version.name, version.value, disable_notification=True)
                pair.copied.add((version.name, version.version_id))
            pair.backlog_ops = 0.0

    # -- snapshots, restorable time ------------------------------------------------------------------

    def _automated_snapshots(self, since: datetime, now: datetime) -> None:
        days = (now - since).days + 2
        for region in self.world.regions:
            backend = rds_backends[self._acct][region]
            for db in list(backend.databases.values()):
                retention = int(db.backup_retention_period or 0)
                if db.is_replica or retention <= 0 or db.status != "available":
                    continue
                window = db.preferred_backup_window or "03:00-03:30"
                for start in last_backup_windows(now, window, days):
                    if since < start <= now:
                        self._snapshot(backend, db.db_instance_identifier, start)
                self._expire(backend, db.db_instance_identifier, now - timedelta(days=retention))

    def _snapshot(self, backend: object, db_id: str, start: datetime) -> None:
        snap_id = f"rds:{db_id}-{start:%Y-%m-%d-%H-%M}"
        try:
            snap = backend.create_auto_snapshot(db_id, snap_id)  # type: ignore[attr-defined]
        except RDSClientError:
            return  # already taken, or the region's snapshot quota is full
        snap.created = snap.original_snapshot_create_time = naive_utc(start + timedelta(minutes=7))

    def _expire(self, backend: object, db_id: str, cutoff: datetime) -> None:
        snaps = backend.database_snapshots  # type: ignore[attr-defined]
        for sid, snap in list(snaps.items()):
            ours = snap.snapshot_type == "automated" and snap.db_instance_identifier == db_id
            if ours and snap.created < naive_utc(cutoff):
                snaps.pop(sid, None)

    def _move_restorable_time(self) -> None:
        # Transaction logs ship about every five minutes, so the restorable point trails now by 4-6 min.
        rng = self._rng("lrt", (self.last or self.clock.now()).isoformat())
        for db in self.world.databases:
            self.hooks.lrt_lag[db.identifier] = round(rng.uniform(240.0, 360.0), 1)

    def _prune(self, now: datetime) -> None:
        if self._pruned_at and now - self._pruned_at < timedelta(hours=1):
            return
        self._pruned_at = now
        cutoff = naive_utc(now - KEEP_METRICS)
        for region in self.world.regions:
            backend = cloudwatch_backends[self._acct][region]
            if backend.metric_data and backend.metric_data[0].timestamp < cutoff:
                backend.metric_data = [d for d in backend.metric_data if d.timestamp >= cutoff]
