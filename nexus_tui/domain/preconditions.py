"""Evaluating a step's preconditions against the live dashboard snapshot.

ok is True (holds), False (does not hold) or None (cannot tell: no live data, stale data, resource not seen).
None is never turned into True: the operator decides, and an override is journaled by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nexus_tui.domain.health import age_seconds, is_stale
from nexus_tui.domain.models import DashboardSnapshot, ReplicationPair
from nexus_tui.domain.runbook import PRECONDITION_ARGS, Precondition
from nexus_tui.domain.settings import Settings

# DBInstanceStatus values of an instance that takes no writes (RDS User Guide, "Viewing Amazon RDS DB instance
# status"); "incompatible-*" are matched by prefix.
DOWN_STATES = frozenset(
    {"failed", "inaccessible-encryption-credentials", "storage-full", "stopped", "stopping", "deleting", "deleted"}
)


def _is_down(status: str | None) -> bool:
    return status is not None and (status.lower() in DOWN_STATES or status.lower().startswith("incompatible"))


@dataclass(frozen=True, slots=True)
class PreconditionResult:
    ok: bool | None
    detail: str


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _find_replica(snapshot: DashboardSnapshot, resource: str) -> ReplicationPair | None:
    # The lag belongs to the replica, but a runbook may name the pair by its primary.
    rds = [p for p in snapshot.replication if p.kind == "rds"]
    return next((p for p in rds if p.target == resource), None) or next((p for p in rds if p.source == resource), None)


def _lag_below(
    snapshot: DashboardSnapshot, settings: Settings, now: datetime, resource: str, limit: float, limit_name: str
) -> PreconditionResult:
    pair = _find_replica(snapshot, resource)
    if pair is None:
        return PreconditionResult(None, f"no replication data for {resource}")
    if pair.error:
        return PreconditionResult(None, f"{resource}: replica lag unavailable ({pair.error})")
    if is_stale(pair, now, settings.thresholds):
        age = age_seconds(pair.observed_at, now)
        since = f" (last datapoint {_duration(age)} old)" if age is not None else ""
        return PreconditionResult(None, f"{resource}: replica lag data is stale{since}")
    if pair.lag_seconds is None:
        return PreconditionResult(None, f"{resource}: no replica lag datapoint")
    if pair.replication_stopped:
        return _lag_at_break(snapshot, pair, now, resource, limit, limit_name)
    lag = pair.lag_seconds
    if lag < limit:
        return PreconditionResult(True, f"{resource}: replica lag {_duration(lag)} < {limit_name} {_duration(limit)}")
    return PreconditionResult(False, f"{resource}: replica lag {_duration(lag)} >= {limit_name} {_duration(limit)}")


def _lag_at_break(
    snapshot: DashboardSnapshot, pair: ReplicationPair, now: datetime, resource: str, limit: float, limit_name: str
) -> PreconditionResult:
    """ReplicaLag -1: replication stopped. What the replica lacks is the lag it had when it stopped plus whatever
    the source accepted afterwards. A source that is down (or whose region is) accepted nothing after the
    break, which lies between the last good datapoint and the first -1; otherwise it may still be writing,
    so everything since the last good datapoint counts. Never better than that bound."""
    good = [i for i, d in enumerate(pair.history) if d.value >= 0]
    if not good:
        return PreconditionResult(
            None, f"{resource}: replication stopped and no lag reading from before the break (ReplicaLag -1)"
        )
    last = pair.history[good[-1]]
    broken = pair.history[good[-1] + 1] if good[-1] + 1 < len(pair.history) else None
    region = next((r for r in snapshot.regions if r.name == pair.source_region), None)
    source_down = _is_down(pair.source_status) or (region is not None and region.reachable is False)
    if source_down and broken is not None:
        missing = last.value + (age_seconds(last.at, broken.at) or 0.0)
        why = f"{pair.source} is down; replication stopped after {last.at:%H:%M} with lag {_duration(last.value)}"
    else:
        missing = last.value + (age_seconds(last.at, now) or 0.0)
        why = f"replication stopped after {last.at:%H:%M} while {pair.source} may still take writes"
    verdict = "<" if missing < limit else ">="
    detail = (
        f"{resource}: {why}: at most {_duration(missing)} of writes missing {verdict} {limit_name} {_duration(limit)}"
    )
    return PreconditionResult(missing < limit, detail)


def _primary_unavailable(snapshot: DashboardSnapshot, resource: str, region: str) -> PreconditionResult:
    """Holds when the primary's region does not answer or the primary itself reports a down state."""
    health = next((r for r in snapshot.regions if r.name == region), None)
    if health is not None and health.reachable is False:
        return PreconditionResult(True, f"{region} does not answer" + (f" ({health.error})" if health.error else ""))
    pair = next((p for p in snapshot.replication if p.kind == "rds" and p.source == resource), None)
    status = pair.source_status if pair is not None else None
    if status is None:
        return PreconditionResult(None, f"{resource}: status not seen in {region}")
    if _is_down(status):
        return PreconditionResult(True, f"{resource} is {status}")
    if status.lower() == "available":
        return PreconditionResult(False, f"{resource} is available and {region} answers")
    return PreconditionResult(None, f"{resource} is {status}: check it by hand")


def _region(snapshot: DashboardSnapshot, region: str, want_reachable: bool) -> PreconditionResult:
    health = next((r for r in snapshot.regions if r.name == region), None)
    if health is None or health.reachable is None:
        return PreconditionResult(None, f"{region}: not polled yet")
    if health.reachable:
        state = f"{region} answers"
    else:
        state = f"{region} does not answer" + (f" ({health.error})" if health.error else "")
    return PreconditionResult(health.reachable == want_reachable, state)


def _endpoint(snapshot: DashboardSnapshot, name: str) -> PreconditionResult:
    ep = next((e for e in snapshot.endpoints if name in (e.name, e.url)), None)
    if ep is None:
        return PreconditionResult(None, f"no health check named {name!r}")
    if ep.status == "unknown":
        return PreconditionResult(None, f"{ep.name}: not checked yet")
    code = f" (HTTP {ep.http_status})" if ep.http_status is not None else ""
    if ep.status == "up":
        return PreconditionResult(True, f"{ep.name} is up{code}")
    why = f" ({ep.error})" if ep.error else code
    return PreconditionResult(False, f"{ep.name} is down{why}")


def _number(args: Any, key: str) -> float | None:
    value = args.get(key)
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def evaluate(
    pre: Precondition, snapshot: DashboardSnapshot | None, settings: Settings, now: datetime
) -> PreconditionResult:
    """Pure: the same snapshot and time always give the same answer."""
    if pre.check not in PRECONDITION_ARGS:
        return PreconditionResult(None, f"unknown check {pre.check!r}")
    if snapshot is None:
        return PreconditionResult(None, "no live data")
    args = pre.args
    if pre.check == "replica_lag_below_rpo":
        return _lag_below(snapshot, settings, now, str(args.get("resource", "")), settings.targets.rpo_seconds, "RPO")
    if pre.check == "replica_lag_below":
        limit = _number(args, "max_seconds")
        if limit is None:
            return PreconditionResult(None, f"max_seconds is not a number: {args.get('max_seconds')!r}")
        return _lag_below(snapshot, settings, now, str(args.get("resource", "")), limit, "limit")
    if pre.check in ("region_reachable", "region_unreachable"):
        return _region(snapshot, str(args.get("region", "")), pre.check == "region_reachable")
    if pre.check == "primary_unavailable":
        return _primary_unavailable(snapshot, str(args.get("resource", "")), str(args.get("region", "")))
    return _endpoint(snapshot, str(args.get("name", "")))
