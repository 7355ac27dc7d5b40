"""DR readiness in the monitoring systems' own formats, for any front end (the `status` command, a UI export).

- nagios: the monitoring-plugins line `NEXUS DR <STATE> - <summary> | 'label'=value[UOM];warn;crit;min;max ...`
  then long text, one line per problem (https://www.monitoring-plugins.org/doc/guidelines.html).
- prometheus: the text exposition format via prometheus-client (node_exporter textfile collector).
- checkmk: local-check lines `<status> "<service>" <metrics> <text>`, one service per pair, one for RPO and
  one for readiness against the plan.
All three are derived from one `Evaluated` so they never disagree with each other or with the exit code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest, write_to_textfile

from nexus_tui.domain.health import (
    RpoExposure,
    age_seconds,
    backup_state,
    overall_state,
    replication_state,
    rpo_exposure,
)
from nexus_tui.domain.models import BackupStatus, DashboardSnapshot, ReplicationPair, State
from nexus_tui.domain.plan import Plan
from nexus_tui.domain.readiness import Readiness, readiness
from nexus_tui.domain.settings import Band, Settings

FORMATS = ("table", "json", "nagios", "prometheus", "checkmk")


@dataclass(frozen=True, slots=True)
class Evaluated:
    snapshot: DashboardSnapshot
    settings: Settings
    now: datetime
    state: State
    rpo: RpoExposure
    pairs: tuple[tuple[ReplicationPair, State], ...]
    backups: tuple[tuple[BackupStatus, State], ...]
    plan: Readiness


def evaluate(snapshot: DashboardSnapshot, settings: Settings, plan: Plan) -> Evaluated:
    now = snapshot.generated_at
    ready = readiness(snapshot, plan)
    return Evaluated(
        snapshot=snapshot,
        settings=settings,
        now=now,
        state=overall_state(snapshot, settings, now, ready),
        rpo=rpo_exposure(snapshot, settings, now),
        pairs=tuple((p, replication_state(p, now, settings.thresholds)) for p in snapshot.replication),
        backups=tuple((b, backup_state(b, now, settings.thresholds)) for b in snapshot.backups),
        plan=ready,
    )


def pair_name(p: ReplicationPair) -> str:
    return f"{p.kind} {p.source} -> {p.target}" if p.source != p.target else f"{p.kind} {p.source} -> {p.target_region}"


def _lag_band(p: ReplicationPair, settings: Settings) -> Band | None:
    th = settings.thresholds
    return {"rds": th.replica_lag_seconds, "s3": th.s3_replication_latency_seconds}.get(p.kind)


def problems(ev: Evaluated) -> list[str]:
    """One line per problem, worst first: what a long text or an alert body lists."""
    out: list[tuple[int, str]] = []
    for r in ev.snapshot.regions:
        if r.reachable is False:
            out.append((3, f"CRITICAL region {r.name} unreachable: {r.error or 'no answer'}"))
    if ev.rpo.state is not State.OK:
        worst = f" ({ev.rpo.worst_source.what})" if ev.rpo.worst_source else ""
        out.append((ev.rpo.state.severity, f"{ev.rpo.state.name} RPO exposure {_secs(ev.rpo.exposure_seconds)}{worst}"))
    for p, st in ev.pairs:
        if st is not State.OK:
            why = p.error or (f"lag {_secs(p.lag_seconds)}" if p.lag_seconds is not None else p.status)
            out.append((st.severity, f"{st.name} {pair_name(p)} ({p.source_region} -> {p.target_region}): {why}"))
    for b, st in ev.backups:
        if st is not State.OK:
            out.append(
                (st.severity, f"{st.name} backup {b.resource} ({b.region})" + (f": {b.error}" if b.error else ""))
            )
    for a in ev.snapshot.alarms:
        if a.state == "ALARM":
            out.append((3, f"CRITICAL alarm {a.name} ({a.region}) in ALARM"))
    for d in ev.plan.deviations:
        out.append((1, f"WARNING plan: {d.line()}"))
    return [line for _, line in sorted(out, key=lambda x: -x[0])]


def summary(ev: Evaluated) -> str:
    bad = sum(1 for _, st in ev.pairs if st is not State.OK)
    parts = [
        f"{len(ev.pairs)} replicated, {bad} not OK",
        f"RPO exposure {_secs(ev.rpo.exposure_seconds)} of {_secs(ev.rpo.target_seconds)}",
    ]
    missing = sum(1 for c in ev.plan.coverage if c.missing)
    parts.append(f"plan alarms {len(ev.plan.coverage) - missing}/{len(ev.plan.coverage)}")
    if ev.plan.deviations:
        parts.append(f"{len(ev.plan.deviations)} plan deviations")
    return ", ".join(parts)


def _secs(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.0f}s" if v < 120 else f"{v / 60:.0f}m" if v < 7200 else f"{v / 3600:.1f}h"


# -- nagios -----------------------------------------------------------------------------------------------


def _num(v: float | None) -> str:
    """LC_NUMERIC=C style: a dot, no grouping, no exponent."""
    if v is None:
        return ""
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _label(text: str) -> str:
    # Quoted labels may hold spaces but never a quote or an equals sign.
    return "'" + re.sub(r"['=]", "_", text) + "'"


def _perf(label: str, value: float | None, uom: str, warn: float | None, crit: float | None, lo: float | None) -> str:
    # An unknown value is "U" per the guidelines.
    shown = "U" if value is None else _num(value) + uom
    return f"{_label(label)}={shown};{_num(warn)};{_num(crit)};{_num(lo)};"


def nagios(ev: Evaluated) -> str:
    target = ev.rpo.target_seconds
    perf = [
        _perf(
            "rpo_exposure",
            ev.rpo.exposure_seconds,
            "s",
            target * ev.settings.targets.rpo_warning_ratio,
            target,
            0,
        )
    ]
    for p, _ in ev.pairs:
        band = _lag_band(p, ev.settings)
        if band is None:
            continue
        lag = p.lag_seconds if p.lag_seconds is None or p.lag_seconds >= 0 else None
        perf.append(_perf(pair_name(p), lag, "s", band.warning, band.critical, 0))
    perf.append(_perf("plan_deviations", float(len(ev.plan.deviations)), "", 0.5, None, 0))
    first = f"NEXUS DR {ev.state.name} - {summary(ev)} | {' '.join(perf)}"
    return "\n".join([first, *problems(ev)]) + "\n"


# -- checkmk ----------------------------------------------------------------------------------------------


def _metric_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _service(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def checkmk(ev: Evaluated) -> str:
    lines = []
    rpo = ev.rpo
    warn = rpo.target_seconds * ev.settings.targets.rpo_warning_ratio
    metric = (
        f"rpo_exposure={_num(rpo.exposure_seconds)};{_num(warn)};{_num(rpo.target_seconds)}"
        if rpo.exposure_seconds is not None
        else "-"
    )
    text = f"RPO exposure {_secs(rpo.exposure_seconds)} of {_secs(rpo.target_seconds)}"
    lines.append(f'{rpo.state.exit_code} "NEXUS DR RPO" {metric} {text}')
    for p, st in ev.pairs:
        band = _lag_band(p, ev.settings)
        metric = "-"
        if band is not None and p.lag_seconds is not None and p.lag_seconds >= 0:
            metric = f"lag={_num(p.lag_seconds)};{_num(band.warning)};{_num(band.critical)}"
        text = f"{p.status}, {p.source_region} -> {p.target_region}" + (f", {p.error}" if p.error else "")
        if p.stale:
            text += ", stale"
        lines.append(f'{st.exit_code} "{_service("NEXUS DR " + pair_name(p))}" {metric} {" ".join(text.split())}')
    devs = ev.plan.deviations
    text = "; ".join(d.line() for d in devs[:5]) + (f"; and {len(devs) - 5} more" if len(devs) > 5 else "")
    state = State.WARNING if devs else State.OK
    lines.append(
        f'{state.exit_code} "NEXUS DR plan" deviations={len(devs)};1 '
        + (" ".join(text.split()) if devs else "alarms and controls as the plan expects")
    )
    return "\n".join(lines) + "\n"


# -- prometheus -------------------------------------------------------------------------------------------

_ALARM_CODE = {"OK": 0, "ALARM": 1, "INSUFFICIENT_DATA": 2, "MISSING": 3, "UNKNOWN": 4}


def prometheus_registry(ev: Evaluated) -> CollectorRegistry:

    reg = CollectorRegistry()
    pair_labels = ["kind", "source", "target", "source_region", "target_region"]

    def gauge(name: str, doc: str, labels: list[str] | None = None) -> Gauge:
        return Gauge(name, doc, labels or [], registry=reg)

    gauge("nexus_dr_state", "Overall DR readiness: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN").set(ev.state.exit_code)
    if ev.rpo.exposure_seconds is not None:
        gauge("nexus_dr_rpo_exposure_seconds", "Data that would be lost now (worst resource)").set(
            ev.rpo.exposure_seconds
        )
    gauge("nexus_dr_rpo_target_seconds", "RPO target of the plan").set(ev.rpo.target_seconds)
    lag = gauge("nexus_dr_replication_lag_seconds", "Replication lag per pair", pair_labels)
    state = gauge("nexus_dr_replication_state", "Pair state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN", pair_labels)
    for p, st in ev.pairs:
        values = [p.kind, p.source, p.target, p.source_region, p.target_region]
        state.labels(*values).set(st.exit_code)
        if p.lag_seconds is not None:
            lag.labels(*values).set(p.lag_seconds)
    reach = gauge("nexus_dr_region_reachable", "1 when the region answered this poll, 0 when not", ["region"])
    for r in ev.snapshot.regions:
        if r.reachable is not None:
            reach.labels(r.name).set(1 if r.reachable else 0)
    age = gauge("nexus_dr_backup_age_seconds", "Age of the newest snapshot", ["kind", "resource", "region"])
    for b, _ in ev.backups:
        newest = b.newest_snapshot
        seconds = age_seconds(newest.created_at if newest else None, ev.now)
        if seconds is not None:
            age.labels(b.kind, b.resource, b.region).set(seconds)
    alarm = gauge(
        "nexus_dr_plan_alarm_state",
        "The plan's alarms per resource: 0 OK, 1 ALARM, 2 INSUFFICIENT_DATA, 3 MISSING, 4 not readable",
        ["rule", "resource", "region", "alarm"],
    )
    for c in ev.plan.coverage:
        alarm.labels(c.rule, c.resource, c.region, c.alarm or "").set(_ALARM_CODE.get(c.state, 2))
    gauge("nexus_dr_plan_deviations", "Alarms and controls that differ from the plan").set(len(ev.plan.deviations))
    gauge("nexus_dr_last_poll_timestamp_seconds", "When the poll behind these figures ran").set(ev.now.timestamp())
    return reg


def prometheus(ev: Evaluated) -> str:
    return str(generate_latest(prometheus_registry(ev)).decode("utf-8"))


def write_prometheus(ev: Evaluated, path: Path) -> None:
    """Atomically (temporary file + rename, done by prometheus-client) for the textfile collector."""
    write_to_textfile(str(path), prometheus_registry(ev))
