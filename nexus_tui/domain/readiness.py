"""Readiness against the plan: which of the plan's alarms exist per discovered resource and in which state,
and which of the plan's controls differ from what AWS reports. Each gap is one warning naming the resource,
the setting, the plan's value and the actual one."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from nexus_tui.domain.models import AlarmInfo, BackupStatus, DashboardSnapshot
from nexus_tui.domain.plan import AlarmRule, Plan

_RESOURCE_DIMENSION = {"rds-replica": "DBInstanceIdentifier", "rds-primary": "DBInstanceIdentifier"}
_COMPARISON = {">": ("GreaterThanThreshold",), "<": ("LessThanThreshold",)}


@dataclass(frozen=True, slots=True)
class AlarmCoverage:
    rule: str
    resource: str
    region: str
    state: str  # OK / ALARM / INSUFFICIENT_DATA; MISSING when no alarm matches; UNKNOWN when alarms were unreadable
    alarm: str | None = None  # the alarm's name
    expected: str = ""  # "ReplicaLag > 60"

    @property
    def missing(self) -> bool:
        return self.state == "MISSING"


@dataclass(frozen=True, slots=True)
class Deviation:
    resource: str
    region: str
    setting: str
    plan: str
    actual: str

    def line(self) -> str:
        return f"{self.resource} ({self.region}): {self.setting} is {self.actual}, plan {self.plan}"


@dataclass(frozen=True, slots=True)
class Readiness:
    coverage: tuple[AlarmCoverage, ...]
    deviations: tuple[Deviation, ...]  # missing alarms, alarm thresholds and controls differing from the plan


def _targets(snapshot: DashboardSnapshot, rule: AlarmRule) -> list[tuple[str, str, dict[str, str]]]:
    """(resource, region, dimensions an alarm must carry) for every discovered resource the rule applies to."""
    out: list[tuple[str, str, dict[str, str]]] = []
    seen: set[tuple[str, str]] = set()
    for p in snapshot.replication:
        if rule.applies_to == "rds-replica" and p.kind == "rds":
            item = (p.target, p.target_region, {"DBInstanceIdentifier": p.target})
        elif rule.applies_to == "rds-primary" and p.kind == "rds":
            item = (p.source, p.source_region, {"DBInstanceIdentifier": p.source})
        elif rule.applies_to == "s3-rule" and p.kind == "s3":
            item = (p.source, p.source_region, {"SourceBucket": p.source, "DestinationBucket": p.target})
        else:
            continue
        if (item[0], item[1]) not in seen:
            seen.add((item[0], item[1]))
            out.append(item)
    return out


def _matches(alarm: AlarmInfo, rule: AlarmRule, dims: dict[str, str]) -> bool:
    if alarm.namespace != rule.namespace or alarm.metric_name != rule.metric:
        return False
    have = dict(alarm.dimensions)
    return all(have.get(k) == v for k, v in dims.items() if k in have) and any(k in have for k in dims)


def _threshold_differs(alarm: AlarmInfo, rule: AlarmRule) -> str | None:
    if rule.comparison == "changes" or rule.threshold is None:
        return None
    ops = _COMPARISON.get(rule.comparison, ())
    if alarm.comparison is not None and alarm.comparison not in ops:
        return f"{alarm.comparison} {alarm.threshold:g}" if alarm.threshold is not None else alarm.comparison
    if alarm.threshold is not None and abs(alarm.threshold - rule.threshold) > 1e-6 * max(1.0, rule.threshold):
        return f"{rule.comparison} {alarm.threshold:g}"
    return None


def alarm_coverage(snapshot: DashboardSnapshot, plan: Plan) -> tuple[list[AlarmCoverage], list[Deviation]]:
    coverage: list[AlarmCoverage] = []
    deviations: list[Deviation] = []
    # Indexed by (namespace, metric, a dimension value): thousands of resources times thousands of alarms.
    index: dict[tuple[str | None, str | None, str], list[AlarmInfo]] = {}
    for a in snapshot.alarms:
        for _, value in a.dimensions:
            index.setdefault((a.namespace, a.metric_name, value), []).append(a)
    # Where the alarms could not be read (region down, DescribeAlarms refused), absence proves nothing.
    blind = {u.region for u in snapshot.unavailable if u.panel == "alarms"}
    blind |= {r.name for r in snapshot.regions if r.reachable is False}
    for rule in plan.alarms:
        for resource, region, dims in _targets(snapshot, rule):
            if None in blind or region in blind:
                coverage.append(AlarmCoverage(rule.name, resource, region, "UNKNOWN", None, rule.describe()))
                continue
            candidates = index.get((rule.namespace, rule.metric, resource), [])
            found = [a for a in candidates if _matches(a, rule, dims)]
            if not found:
                coverage.append(AlarmCoverage(rule.name, resource, region, "MISSING", None, rule.describe()))
                deviations.append(Deviation(resource, region, f"alarm {rule.name}", rule.describe(), "missing"))
                continue
            # The worst state wins when several alarms cover the same resource.
            order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
            alarm = min(found, key=lambda a: (order.get(a.state, 1), a.name))
            coverage.append(AlarmCoverage(rule.name, resource, region, alarm.state, alarm.name, rule.describe()))
            differs = _threshold_differs(alarm, rule)
            if differs:
                deviations.append(
                    Deviation(resource, region, f"alarm {rule.name} ({alarm.name})", rule.describe(), differs)
                )
    return coverage, deviations


def _sources(snapshot: DashboardSnapshot) -> set[str]:
    return {p.source for p in snapshot.replication if p.kind == "s3"}


def _needs_mfa(bucket: str, sources: set[str], plan: Plan) -> bool:
    return any(bucket in sources if p == "source" else fnmatchcase(bucket, p) for p in plan.mfa_delete)


def _rds_controls(b: BackupStatus, plan: Plan) -> list[Deviation]:
    out: list[Deviation] = []
    d = Deviation
    if b.role == "replica" or b.stale or b.error:
        return out
    retention = b.retention_days
    if plan.backup_retention_days is not None and retention is not None and retention != plan.backup_retention_days:
        want = f"{plan.backup_retention_days} days"
        out.append(d(b.resource, b.region, "backup retention", want, f"{retention} days"))
    if plan.backup_window and b.backup_window and b.backup_window != plan.backup_window:
        out.append(d(b.resource, b.region, "backup window", plan.backup_window, b.backup_window))
    if plan.manual_snapshots_copied and b.dr_copy_checked and b.newest_manual is not None:
        copy = b.dr_copy
        made = b.newest_manual.created_at
        if copy is None or (made is not None and copy.created_at is not None and copy.created_at < made):
            out.append(
                d(b.resource, b.region, "manual snapshot copied to DR", "copied", f"{b.newest_manual.identifier} not")
            )
    if plan.kms_at_rest and b.encrypted is False:
        out.append(d(b.resource, b.region, "encryption at rest", "KMS", "not encrypted"))
    return out


def _s3_controls(b: BackupStatus, sources: set[str], plan: Plan) -> list[Deviation]:
    out: list[Deviation] = []
    d = Deviation
    if b.stale or b.error or b.versioning is None:
        return out
    if plan.versioning and b.versioning.lower() != "enabled":
        out.append(d(b.resource, b.region, "versioning", "Enabled", b.versioning))
    if _needs_mfa(b.resource, sources, plan) and (b.mfa_delete or "Disabled").lower() != "enabled":
        out.append(d(b.resource, b.region, "MFA Delete", "Enabled", b.mfa_delete or "Disabled"))
    if b.lifecycle_read and b.resource in sources:
        if plan.noncurrent_transition_days is not None:
            want = f"{plan.noncurrent_transition_class or 'any class'} after {plan.noncurrent_transition_days} days"
            have = (
                f"{b.noncurrent_transition_class} after {b.noncurrent_transition_days} days"
                if b.noncurrent_transition_days is not None
                else "none"
            )
            wrong_class = (
                plan.noncurrent_transition_class and b.noncurrent_transition_class != plan.noncurrent_transition_class
            )
            if b.noncurrent_transition_days != plan.noncurrent_transition_days or wrong_class:
                out.append(d(b.resource, b.region, "noncurrent-version transition", want, have))
        if (
            plan.noncurrent_expiration_days is not None
            and b.noncurrent_expiration_days != plan.noncurrent_expiration_days
        ):
            have = f"{b.noncurrent_expiration_days} days" if b.noncurrent_expiration_days is not None else "none"
            out.append(
                d(b.resource, b.region, "noncurrent-version expiry", f"{plan.noncurrent_expiration_days} days", have)
            )
    if plan.kms_at_rest and b.encryption is not None and b.encryption != "aws:kms":
        out.append(d(b.resource, b.region, "encryption at rest", "aws:kms", b.encryption))
    return out


def controls(snapshot: DashboardSnapshot, plan: Plan) -> list[Deviation]:
    out: list[Deviation] = []
    sources = _sources(snapshot)
    for b in snapshot.backups:
        out += _rds_controls(b, plan) if b.kind == "rds" else _s3_controls(b, sources, plan)
    if plan.replicate_whole_bucket:
        for p in snapshot.replication:
            if p.kind == "s3" and p.scope:
                out.append(Deviation(p.source, p.source_region, "replication scope", "entire bucket", p.scope))
    return out


def readiness(snapshot: DashboardSnapshot, plan: Plan) -> Readiness:
    coverage, alarm_gaps = alarm_coverage(snapshot, plan)
    return Readiness(tuple(coverage), tuple(alarm_gaps + controls(snapshot, plan)))
