"""Batched CloudWatch reads: every metric of a region in ceil(N/500) GetMetricData calls, never one per metric."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from nexus_tui.domain.clock import utc
from nexus_tui.domain.models import Datapoint
from nexus_tui.sources.aws.discovery import BucketRule, RdsInstance
from nexus_tui.sources.aws.session import AwsClients

MAX_QUERIES_PER_CALL = 500  # the GetMetricData limit
PERIOD_SECONDS = 60
WINDOW = timedelta(hours=1)
# A metric already in the cache is re-read only this far back: the newest minute's maximum can still grow
# and CloudWatch publishes a few minutes late. Re-reading the whole hour every refresh made responses ~20x
# larger, and parsing them dominated a 1,000-resource refresh.
OVERLAP = timedelta(minutes=5)
# A series only ever shown as its newest value (free storage, pending operations and bytes) is read this far
# back when first seen, not the whole hour, in the calls holding only such series: at 1,000 resources these
# are two thirds of the first refresh's series. Long enough for a metric CloudWatch publishes minutes late.
LATEST_WINDOW = timedelta(minutes=15)

_AT = attrgetter("at")

Dims = tuple[tuple[str, str], ...]
MetricKey = tuple[str, str, Dims]  # (namespace, metric name, dimensions)


@dataclass(frozen=True, slots=True)
class MetricQuery:
    namespace: str
    metric: str
    dimensions: Dims
    history: bool = True  # its last hour is shown (a sparkline); else only its newest value

    @property
    def key(self) -> MetricKey:
        return (self.namespace, self.metric, self.dimensions)


def rds_queries(instances: list[RdsInstance]) -> list[MetricQuery]:
    """ReplicaLag for replicas; FreeStorageSpace for every instance (replica storage and primary backups)."""
    out = []
    for inst in instances:
        dims: Dims = (("DBInstanceIdentifier", inst.identifier),)
        if inst.source:
            out.append(MetricQuery("AWS/RDS", "ReplicaLag", dims))
        out.append(MetricQuery("AWS/RDS", "FreeStorageSpace", dims, history=False))
    return out


S3_METRICS = ("ReplicationLatency", "OperationsPendingReplication", "BytesPendingReplication")
_S3_HISTORY = {"ReplicationLatency"}


def s3_dims(rule: BucketRule) -> Dims:
    return (("SourceBucket", rule.source), ("DestinationBucket", rule.target), ("RuleId", rule.rule_id))


def s3_queries(rules: list[BucketRule]) -> list[MetricQuery]:
    return [MetricQuery("AWS/S3", m, s3_dims(r), history=m in _S3_HISTORY) for r in rules for m in S3_METRICS]


def _query(i: int, q: MetricQuery) -> dict[str, Any]:
    return {
        "Id": f"m{i}",
        "MetricStat": {
            "Metric": {
                "Namespace": q.namespace,
                "MetricName": q.metric,
                "Dimensions": [{"Name": n, "Value": v} for n, v in q.dimensions],
            },
            "Period": PERIOD_SECONDS,
            "Stat": "Maximum",
        },
        "ReturnData": True,
    }


async def fetch_metrics(
    clients: AwsClients,
    region: str,
    queries: list[MetricQuery],
    now: datetime,
    previous: dict[MetricKey, tuple[Datapoint, ...]] | None = None,
    *,
    per_call: int = MAX_QUERIES_PER_CALL,
) -> dict[MetricKey, tuple[Datapoint, ...]]:
    """The last hour of each metric, oldest first. Metrics present in `previous` are read from OVERLAP
    before their newest datapoint and merged; new ones get the whole hour, or LATEST_WINDOW when only their
    newest value is shown. Batches of `per_call` queries (GetMetricData takes 500)."""
    unique = list(dict.fromkeys(queries))
    previous = previous or {}
    end = utc(now) + timedelta(minutes=1)
    window_start = utc(now) - WINDOW
    known = [q for q in unique if q.key in previous]
    new = [q for q in unique if q.key not in previous and q.history]
    latest = [q for q in unique if q.key not in previous and not q.history]
    newest_known = max((pts[-1].at for q in known if (pts := previous[q.key])), default=None)
    recent_start = max(window_start, newest_known - OVERLAP) if newest_known else window_start
    fetched: dict[MetricKey, list[Datapoint]] = {q.key: [] for q in unique}

    async def batch(part: list[MetricQuery], start: datetime) -> None:
        by_id = {f"m{i}": q for i, q in enumerate(part)}
        params: dict[str, Any] = {
            "MetricDataQueries": [_query(i, q) for i, q in enumerate(part)],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampDescending",
        }
        while True:
            resp = await clients.call(region, "cloudwatch", "GetMetricData", **params)
            for result in resp.get("MetricDataResults") or []:
                q = by_id.get(result.get("Id", ""))
                if q is None:
                    continue
                points = fetched[q.key]
                for ts, value in zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False):
                    points.append(Datapoint(utc(ts), float(value)))
            token = resp.get("NextToken")
            if not token:
                return
            params = {**params, "NextToken": token}

    jobs = [batch(known[i : i + per_call], recent_start) for i in range(0, len(known), per_call)]
    # New series: the sparkline ones first, so the newest-only ones fill what room their last call has (read
    # for the hour there) and only calls of newest-only series get the short window: no call is added.
    first_read = new + latest
    for i in range(0, len(first_read), per_call):
        part = first_read[i : i + per_call]
        jobs.append(batch(part, window_start if part[0].history else utc(now) - LATEST_WINDOW))
    await asyncio.gather(*jobs)
    out: dict[MetricKey, tuple[Datapoint, ...]] = {}
    for key, fresh in fetched.items():
        # Answers come newest first: sorting that run is linear, and keyed in C.
        fresh.sort(key=_AT)
        old = previous.get(key)
        if old is not None:
            # The cached history is sorted: keep its part of the window before the re-read minutes.
            kept = old[bisect_left(old, window_start, key=_AT) : bisect_left(old, recent_start, key=_AT)]
            fresh = [*kept, *fresh[bisect_left(fresh, recent_start, key=_AT) :]]
        out[key] = tuple(fresh)
    return out


def newest(points: tuple[Datapoint, ...] | None) -> Datapoint | None:
    return points[-1] if points else None
