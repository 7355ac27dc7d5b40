"""An indexed GetMetricData for simulator accounts.

moto scans every stored datapoint for every query and every period (queries x periods x datapoints); at the
benchmark's scale (hundreds of thousands of datapoints, 500 queries a call) one call would take minutes.
This keeps moto's datapoint list as the truth and indexes it per exact metric identity, as CloudWatch
itself matches metrics (namespace, name and the full dimension set).
"""

from __future__ import annotations

import bisect
import statistics
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum

_STATS: dict[str, Callable[[list[float]], float]] = {
    "Average": statistics.fmean,
    "Maximum": max,
    "Minimum": min,
    "Sum": sum,
    "SampleCount": lambda v: float(len(v)),
}

SeriesKey = tuple[str, str, frozenset[tuple[str, str]]]


class _Index:
    def __init__(self) -> None:
        self.upto = 0
        self.source_id = 0
        self.series: dict[SeriesKey, tuple[list[datetime], list[float]]] = {}
        self.aggregated = False
        self.lock = threading.Lock()

    def refresh(self, data: list[Any]) -> None:
        if id(data) != self.source_id or len(data) < self.upto:
            self.series.clear()
            self.upto, self.source_id, self.aggregated = 0, id(data), False
        for datum in data[self.upto :]:
            if isinstance(datum, MetricAggregatedDatum) or not isinstance(datum, MetricDatum):
                self.aggregated = True
                continue
            key = (datum.namespace, datum.name, frozenset((str(d.name), str(d.value)) for d in datum.dimensions))
            times, values = self.series.setdefault(key, ([], []))
            ts = _naive(datum.timestamp)
            if times and ts < times[-1]:
                at = bisect.bisect_right(times, ts)
                times.insert(at, ts)
                values.insert(at, float(datum.value))
            else:
                times.append(ts)
                values.append(float(datum.value))
        self.upto = len(data)


_INDEXES: weakref.WeakKeyDictionary[CloudWatchBackend, _Index] = weakref.WeakKeyDictionary()
_installed = False
_enabled_accounts: set[str] = set()


def _naive(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def enable(account_id: str) -> None:
    install()
    _enabled_accounts.add(account_id)


def disable(account_id: str) -> None:
    _enabled_accounts.discard(account_id)


def warm(account_id: str, regions: tuple[str, ...]) -> None:
    """Index what is already stored (the seeded, backfilled hour) now, at start, rather than inside the first
    GetMetricData, which a dashboard's first refresh waits for."""
    from moto.cloudwatch.models import cloudwatch_backends

    if account_id not in _enabled_accounts:
        return
    for region in regions:
        backend = cloudwatch_backends[account_id][region]
        index = _INDEXES.setdefault(backend, _Index())
        with index.lock:
            index.refresh(backend.metric_data)


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    stock = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: CloudWatchBackend,
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        usable = self.account_id in _enabled_accounts and all(
            "MetricStat" in q and q["MetricStat"].get("Stat") in _STATS and not q["MetricStat"].get("Unit")
            for q in queries
        )
        if usable:
            index = _INDEXES.setdefault(self, _Index())
            with index.lock:
                index.refresh(self.metric_data)
                if not index.aggregated:
                    return _answer(index, queries, start_time, end_time, scan_by, stock, self)
        return stock(self, queries, start_time, end_time, scan_by)

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]


def _answer(
    index: _Index,
    queries: list[dict[str, Any]],
    start_time: datetime,
    end_time: datetime,
    scan_by: str,
    stock: Any,
    backend: CloudWatchBackend,
) -> list[dict[str, Any]]:
    start = _naive(start_time).replace(microsecond=0)
    end = _naive(end_time).replace(microsecond=0)
    if start >= end:
        # moto's own validation produces the right error message.
        return stock(backend, queries, start_time, end_time, scan_by)
    out = []
    for q in queries:
        stat = q["MetricStat"]
        metric = stat["Metric"]
        key = (
            metric["Namespace"],
            metric["MetricName"],
            frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])),
        )
        period = int(stat["Period"])
        times, values = index.series.get(key, ([], []))
        lo = bisect.bisect_left(times, start)
        hi = bisect.bisect_left(times, end)
        buckets: dict[int, list[float]] = {}
        for i in range(lo, hi):
            slot = int((times[i] - start).total_seconds()) // period
            buckets.setdefault(slot, []).append(values[i])
        fn = _STATS[stat["Stat"]]
        slots = sorted(buckets, reverse=scan_by == "TimestampDescending")
        if q.get("ReturnData", True):
            out.append(
                {
                    "id": q["Id"],
                    "label": q.get("Label") or f"{metric['MetricName']} {stat['Stat']}",
                    "values": [fn(buckets[s]) for s in slots],
                    "timestamps": [start + timedelta(seconds=s * period) for s in slots],
                    "status_code": "Complete",
                }
            )
    return out
