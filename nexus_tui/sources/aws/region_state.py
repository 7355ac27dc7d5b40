"""What the poller knows about one region: each part's last value with its time, and how the region answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from nexus_tui.domain.models import AlarmInfo, Datapoint
from nexus_tui.sources.aws.backups import SnapshotRecord, Versioning
from nexus_tui.sources.aws.discovery import BucketRule, RdsInstance, SecretReplica
from nexus_tui.sources.aws.errors import AwsProblem
from nexus_tui.sources.aws.metrics import MetricKey

T = TypeVar("T")

# Parts a mutating runbook step can change (a promoted replica, a new snapshot, a promoted secret).
DISCOVERED_PARTS = ("rds", "secrets", "rules", "snapshots", "versioning")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Cached(Generic[T]):
    value: T
    at: datetime


@dataclass
class Gate:
    """Backoff of one (region, part): skipped until retry_at after throttling, 5xx or a refusal."""

    failures: int = 0
    retry_at: datetime | None = None


@dataclass
class RegionState:
    name: str
    rds: Cached[list[RdsInstance]] | None = None
    secrets: Cached[list[SecretReplica]] | None = None
    rules: Cached[list[BucketRule]] | None = None
    alarms: Cached[list[AlarmInfo]] | None = None
    metrics: Cached[dict[MetricKey, tuple[Datapoint, ...]]] | None = None
    snapshots: Cached[list[SnapshotRecord]] | None = None
    versioning: Cached[dict[str, Versioning]] | None = None
    fresh: set[str] = field(default_factory=set)  # parts current as of this cycle
    problems: dict[str, AwsProblem] = field(default_factory=dict)
    retry_at: dict[str, datetime] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    unreachable: AwsProblem | None = None
    answered: bool = False  # at least one call got an answer this cycle
    reachable: bool | None = None
    last_ok_at: datetime | None = None
    checked_at: datetime | None = None
    latency_ms: float | None = None


def due(cached: Cached[Any] | None, every: timedelta, now: datetime) -> bool:
    return cached is None or now - cached.at >= every
