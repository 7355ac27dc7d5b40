"""The write ledger: what the simulated application acknowledged, so a drill can measure data loss.

The application commits database transactions every second and writes an S3 object every few seconds,
on the simulated clock. Nothing is stored per write: counts and sizes are a pure function of (seed,
second), so the ledger can answer "how many acknowledged writes fall in (a, b]" for any interval, the
same way every run. The replica applies transactions up to `now - lag` (the lag the ticker publishes);
S3 replication copies objects older than the pair's current latency. When replication breaks or the
application stops writing, those positions freeze. At promotion or restore the ledger records exactly
which acknowledged writes the recovered system lacks: that is the drill's measured data loss.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from nexus_tui.domain.clock import Clock, utc
from nexus_tui.domain.drill import DataLoss

_MASK = (1 << 64) - 1


def _mix(*parts: int) -> int:
    """splitmix64 over the parts: a stateless, seeded draw (random.Random per second would be 100x slower)."""
    z = 0x9E3779B97F4A7C15
    for p in parts:
        z = (z + (p & _MASK) + 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        z ^= z >> 31
    return z


@dataclass(frozen=True, slots=True)
class LossRecord:
    """One recovery the simulator saw: what was promoted or restored, up to when, and what it lacks."""

    kind: str  # "promote" | "restore" | "s3-failover" | "s3-state"
    resource: str
    at: datetime
    recovered_upto: datetime | None
    loss: DataLoss
    detail: str = ""


@dataclass
class WriteLedger:
    clock: Clock
    seed: int = 7
    tx_min: int = 8  # transactions committed per second, drawn in [tx_min, tx_max]
    tx_max: int = 24
    object_interval_seconds: int = 15
    object_min_bytes: int = 2_048
    object_max_bytes: int = 262_144
    epoch: datetime = datetime(2020, 1, 1, tzinfo=UTC)
    writes_stopped_at: datetime | None = None
    records: list[LossRecord] = field(default_factory=list)
    # replica id -> the position (commit time) it had applied when its replication broke
    frozen: dict[str, datetime] = field(default_factory=dict)
    lag_of: Callable[[str], float] | None = None  # the replica's current lag (the ticker's last value)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what was written ---------------------------------------------------------------------------

    def _second(self, at: datetime) -> int:
        return math.floor((utc(at) - self.epoch).total_seconds())

    def tx_in_second(self, second: int) -> int:
        return self.tx_min + _mix(self.seed, 1, second) % (self.tx_max - self.tx_min + 1)

    def last_write(self, now: datetime | None = None) -> datetime:
        now = utc(now or self.clock.now())
        return min(now, self.writes_stopped_at) if self.writes_stopped_at is not None else now

    def transactions(self, after: datetime, upto: datetime) -> int:
        """Transactions acknowledged with a commit time in (after, upto] (second resolution)."""
        upto = min(utc(upto), self.last_write(upto))
        first, last = self._second(after) + 1, self._second(upto)
        return sum(self.tx_in_second(s) for s in range(first, last + 1)) if last >= first else 0

    def object_size(self, index: int) -> int:
        span = self.object_max_bytes - self.object_min_bytes + 1
        return self.object_min_bytes + _mix(self.seed, 2, index) % span

    def object_key(self, index: int) -> str:
        return f"ledger/{index:09d}.json"

    def objects(self, after: datetime, upto: datetime) -> list[int]:
        """Indexes of objects written in (after, upto]: object i is written at epoch + i * interval."""
        upto = min(utc(upto), self.last_write(upto))
        step = self.object_interval_seconds
        first = math.floor((utc(after) - self.epoch).total_seconds() / step) + 1
        last = math.floor((upto - self.epoch).total_seconds() / step)
        return list(range(first, last + 1)) if last >= first else []

    def object_time(self, index: int) -> datetime:
        return self.epoch + timedelta(seconds=index * self.object_interval_seconds)

    # -- faults -------------------------------------------------------------------------------------

    def stop_writes(self, at: datetime | None = None) -> None:
        """The application stops acknowledging writes (its database failed, its region went dark)."""
        with self._lock:
            if self.writes_stopped_at is None:
                self.writes_stopped_at = utc(at or self.clock.now())

    def break_replication(self, replica: str, at: datetime | None = None) -> None:
        """Freeze what the replica has applied: `at - lag` with the lag it had then."""
        at = utc(at or self.clock.now())
        with self._lock:
            self.frozen.setdefault(replica, at - timedelta(seconds=self._lag(replica)))

    def _lag(self, replica: str) -> float:
        lag = self.lag_of(replica) if self.lag_of is not None else 0.0
        return max(lag, 0.0)

    def applied_upto(self, replica: str, now: datetime | None = None) -> datetime:
        now = utc(now or self.clock.now())
        if replica in self.frozen:
            return self.frozen[replica]
        return now - timedelta(seconds=self._lag(replica))

    # -- recoveries ---------------------------------------------------------------------------------

    def db_loss_after(self, position: datetime, now: datetime | None = None) -> DataLoss:
        end = self.last_write(now)
        position = min(utc(position), end)
        return DataLoss(transactions=self.transactions(position, end), seconds=(end - position).total_seconds())

    def on_promoted(self, replica: str, now: datetime | None = None) -> LossRecord:
        """A replica became the primary: every acknowledged transaction it had not applied is lost."""
        now = utc(now or self.clock.now())
        with self._lock:
            upto = self.applied_upto(replica, now)
            self.frozen[replica] = upto
            rec = LossRecord("promote", replica, now, upto, self.db_loss_after(upto, now))
            self.records.append(rec)
        return rec

    def on_restored(self, target: str, restore_time: datetime, now: datetime | None = None) -> LossRecord:
        """A point-in-time restore: the new instance holds commits up to restore_time, nothing after."""
        now = utc(now or self.clock.now())
        with self._lock:
            rec = LossRecord("restore", target, now, utc(restore_time), self.db_loss_after(restore_time, now))
            self.records.append(rec)
        return rec

    def s3_failover(self, bucket: str, latency_seconds: float, now: datetime | None = None) -> LossRecord:
        """Serving from the replica bucket: objects younger than the replication latency never arrived."""
        now = utc(now or self.clock.now())
        end = self.last_write(now)
        lost = self.objects(end - timedelta(seconds=max(latency_seconds, 0.0)), end)
        loss = DataLoss(objects=len(lost), bytes=sum(self.object_size(i) for i in lost))
        rec = LossRecord("s3-failover", bucket, now, end - timedelta(seconds=latency_seconds), loss)
        with self._lock:
            self.records.append(rec)
        return rec

    def record(self, rec: LossRecord) -> None:
        with self._lock:
            self.records.append(rec)

    def loss(self, kinds: tuple[str, ...] | None = None) -> DataLoss:
        """The loss of the latest recovery of each resource (a second restore replaces the first)."""
        latest: dict[tuple[str, str], LossRecord] = {}
        with self._lock:
            for rec in self.records:
                if kinds is None or rec.kind in kinds:
                    latest[(rec.kind, rec.resource)] = rec
        total = DataLoss()
        for rec in latest.values():
            total = total + rec.loss
        return total
