"""Realistic durations for a drill: AWS actions take the time they take in AWS, on the simulated clock.

moto finishes everything at once. In a drill an action's resource moves through its real intermediate
states instead, and the product polls through them (sources/aws/action_calls.py waits for `available`).
The schedule is read lazily: every describe of a scheduled instance or snapshot sets its status from the
simulated clock, so `--speed N` (a faster clock) scales every duration and nothing runs in the background.

Figures (simulated seconds) and where they come from:

- rds promote_read_replica, 300 s: modifying 240, backing-up 60. RDS User Guide, "Promoting a read replica
  to be a standalone DB instance": the replica reboots, then a backup is taken; "a few minutes" depending
  on size. Seed 000 Runbook 1 plans 5 min for the step.
- rds restore_db_instance_to_point_in_time, 900 s: creating 720, backing-up 180. RDS User Guide,
  "Restoring a DB instance to a specified time": a new instance from the snapshot plus log replay; AWS
  gives no figure (size-dependent); seed 000 plans 15 min for the PITR step.
- rds create_db_snapshot, 180 s: creating. Seed 000's forensic snapshot step (3 min); the first snapshot
  of an instance is full, later ones incremental (RDS User Guide, "Creating a DB snapshot").
- rds copy_db_snapshot, 600 s: pending 60, copying 540. RDS User Guide, "Copying a DB snapshot":
  cross-region copies take minutes to hours with size.
- route53 change_resource_record_sets, 60 s: PENDING -> INSYNC. Route 53 API Reference,
  ChangeResourceRecordSets: changes generally propagate to all Route 53 name servers within 60 seconds.
  Not modelled yet: moto answers INSYNC at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.rds.models import RDSBackend

from nexus_tui.domain.clock import Clock, utc

Stage = tuple[str, float]  # (status, seconds in it)

PROMOTE: tuple[Stage, ...] = (("modifying", 240.0), ("backing-up", 60.0))
PITR_RESTORE: tuple[Stage, ...] = (("creating", 720.0), ("backing-up", 180.0))
CREATE_SNAPSHOT: tuple[Stage, ...] = (("creating", 180.0),)
COPY_SNAPSHOT: tuple[Stage, ...] = (("pending", 60.0), ("copying", 540.0))
DNS_CHANGE_SECONDS = 60.0


def total(stages: tuple[Stage, ...]) -> float:
    return sum(s for _, s in stages)


@dataclass
class _Schedule:
    started: datetime
    stages: tuple[Stage, ...]
    final: str

    def status(self, now: datetime) -> tuple[str, bool]:
        elapsed = (utc(now) - self.started).total_seconds()
        for status, seconds in self.stages:
            if elapsed < seconds:
                return status, False
            elapsed -= seconds
        return self.final, True


@dataclass
class Durations:
    """Per account: the resources whose status follows a schedule (keyed by moto model identity)."""

    clock: Clock
    scale: float = 1.0  # 0 turns durations off (a plain test world); 1 is AWS's time on the simulated clock
    _schedules: dict[int, _Schedule] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    on_promote: Callable[[str], object] | None = None  # (identifier), after moto promoted it
    on_restore: Callable[[str, datetime], object] | None = None  # (new identifier, restore time)

    def schedule(self, model: Any, stages: tuple[Stage, ...], final: str = "available") -> None:
        if self.scale <= 0:
            return
        scaled = tuple((s, secs * self.scale) for s, secs in stages)
        with self._lock:
            self._schedules[id(model)] = _Schedule(self.clock.now(), scaled, final)
        model.status = scaled[0][0]

    def apply(self, model: Any) -> None:
        with self._lock:
            sched = self._schedules.get(id(model))
            if sched is None:
                return
            status, settled = sched.status(self.clock.now())
            if settled:
                del self._schedules[id(model)]
        model.status = status

    def busy_until(self, model: Any) -> datetime | None:
        with self._lock:
            sched = self._schedules.get(id(model))
        if sched is None:
            return None
        return sched.started + timedelta(seconds=sum(s for _, s in sched.stages))


_ACTIVE: dict[str, Durations] = {}
_installed = False
_LOCK = threading.Lock()


def register(account_id: str, durations: Durations) -> None:
    install()
    _ACTIVE[account_id] = durations


def unregister(account_id: str) -> None:
    _ACTIVE.pop(account_id, None)


def for_account(account_id: str) -> Durations | None:
    return _ACTIVE.get(account_id)


def install() -> None:
    global _installed
    from nexus_tui.sim import hooks

    hooks.install()  # wraps hooks' patched promote/restore, so theirs must be in place first
    with _LOCK:
        if _installed:
            return
        _installed = True
        promote = RDSBackend.promote_read_replica
        restore = RDSBackend.restore_db_instance_to_point_in_time
        create_snapshot = RDSBackend.create_db_snapshot
        copy_snapshot = RDSBackend.copy_db_snapshot

        def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
            db = promote(self, db_kwargs)
            durations = _ACTIVE.get(self.account_id)
            if durations is not None:
                durations.schedule(db, PROMOTE)
                if durations.on_promote is not None:
                    durations.on_promote(db.db_instance_identifier)
            return db

        def restore_to_time(self: RDSBackend, source: str, target: str, overrides: Any) -> Any:
            db = restore(self, source, target, overrides)
            durations = _ACTIVE.get(self.account_id)
            if durations is not None:
                durations.schedule(db, PITR_RESTORE)
                at = getattr(db, "sim_restore_time", None)
                if durations.on_restore is not None and isinstance(at, datetime):
                    durations.on_restore(db.db_instance_identifier, at)
            return db

        def create_db_snapshot(self: RDSBackend, *args: Any, **kwargs: Any) -> Any:
            snap = create_snapshot(self, *args, **kwargs)
            durations = _ACTIVE.get(self.account_id)
            if durations is not None and getattr(snap, "snapshot_type", "manual") == "manual":
                durations.schedule(snap, CREATE_SNAPSHOT)
            return snap

        def copy_db_snapshot(self: RDSBackend, *args: Any, **kwargs: Any) -> Any:
            snap = copy_snapshot(self, *args, **kwargs)
            durations = _ACTIVE.get(self.account_id)
            if durations is not None:
                durations.schedule(snap, COPY_SNAPSHOT)
            return snap

        RDSBackend.promote_read_replica = promote_read_replica  # type: ignore[method-assign]
        RDSBackend.restore_db_instance_to_point_in_time = restore_to_time  # type: ignore[method-assign,assignment]
        RDSBackend.create_db_snapshot = create_db_snapshot  # type: ignore[method-assign]
        RDSBackend.copy_db_snapshot = copy_db_snapshot  # type: ignore[method-assign]
        describe_instances = RDSBackend.describe_db_instances
        describe_snapshots = RDSBackend.describe_db_snapshots

        def describe_db_instances(self: RDSBackend, *args: Any, **kwargs: Any) -> Any:
            found = describe_instances(self, *args, **kwargs)
            durations = _ACTIVE.get(self.account_id)
            if durations is not None:
                for db in found:
                    durations.apply(db)
            return found

        def describe_db_snapshots(self: RDSBackend, *args: Any, **kwargs: Any) -> Any:
            found = describe_snapshots(self, *args, **kwargs)
            durations = _ACTIVE.get(self.account_id)
            if durations is not None:
                for snap in found:
                    durations.apply(snap)
            return found

        RDSBackend.describe_db_instances = describe_db_instances  # type: ignore[method-assign]
        RDSBackend.describe_db_snapshots = describe_db_snapshots  # type: ignore[method-assign]
