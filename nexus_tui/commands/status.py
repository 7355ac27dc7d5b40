"""`nexus-tui status`: one poll of every region, printed as a table, JSON, or a monitoring system's own format
(nagios, prometheus, checkmk; see engine/status_formats.py); the exit code is the overall state
(0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so cron and monitoring systems can run it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from nexus_tui.config import AppConfig, ConfigError, load_config
from nexus_tui.domain.clock import iso
from nexus_tui.domain.health import age_seconds, backup_state, replication_state, rpo_exposure
from nexus_tui.domain.models import DashboardSnapshot, State
from nexus_tui.engine import status_formats
from nexus_tui.engine.status_formats import FORMATS, Evaluated, evaluate
from nexus_tui.expectations import load_plan


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="poll once and print DR readiness; exit code 0/1/2/3")
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="table (default), json, nagios, prometheus or checkmk"
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="write to FILE atomically instead of stdout (e.g. node_exporter's textfile directory)",
    )
    # Also accepted after the subcommand; SUPPRESS keeps a global --config given before it.
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML config file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or ("json" if args.json else "table")
    try:
        config = load_config(getattr(args, "config", None))
        plan = load_plan(config)
    except ConfigError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return State.UNKNOWN.exit_code
    snapshot = asyncio.run(_poll(config))
    ev = evaluate(snapshot, config.settings, plan)
    if fmt == "prometheus" and args.output is not None:
        try:
            status_formats.write_prometheus(ev, args.output)
        except OSError as exc:
            print(f"nexus-tui: {args.output}: cannot write: {exc.strerror}", file=sys.stderr)
            return State.UNKNOWN.exit_code
        return ev.state.exit_code
    if fmt == "table" and args.output is None:
        _print_table(to_report(snapshot, config, ev))
        return ev.state.exit_code
    text = {
        "json": lambda: json.dumps(to_report(snapshot, config, ev), indent=2) + "\n",
        "nagios": lambda: status_formats.nagios(ev),
        "prometheus": lambda: status_formats.prometheus(ev),
        "checkmk": lambda: status_formats.checkmk(ev),
    }.get(fmt, lambda: json.dumps(to_report(snapshot, config, ev), indent=2) + "\n")()
    if args.output is None:
        sys.stdout.write(text)
        return ev.state.exit_code
    try:
        _write_atomically(args.output, text)
    except OSError as exc:
        print(f"nexus-tui: {args.output}: cannot write: {exc.strerror}", file=sys.stderr)
        return State.UNKNOWN.exit_code
    return ev.state.exit_code


def _write_atomically(path: Path, text: str) -> None:
    """Temporary file in the same directory, then rename: a reader never sees half a file."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def _poll(config: AppConfig) -> DashboardSnapshot:
    from nexus_tui.engine.dashboard import DashboardService

    service = DashboardService(config)
    try:
        return await service.refresh(complete=True)  # a report must not be a partial picture
    finally:
        await service.aclose()


def to_report(snap: DashboardSnapshot, config: AppConfig, ev: Evaluated | None = None) -> dict[str, Any]:
    settings, now = config.settings, snap.generated_at
    th = settings.thresholds
    ev = ev or evaluate(snap, settings, load_plan(config))
    rpo = rpo_exposure(snap, settings, now)
    return {
        "generated_at": iso(now),
        "state": ev.state.value,
        "regions": [
            {"name": r.name, "reachable": r.reachable, "error": r.error, "last_ok_at": iso(r.last_ok_at)}
            for r in snap.regions
        ],
        "replication": [
            {
                "kind": p.kind,
                "source": p.source,
                "target": p.target,
                "source_region": p.source_region,
                "target_region": p.target_region,
                "lag_seconds": p.lag_seconds,
                "state": replication_state(p, now, th).value,
                "observed_at": iso(p.observed_at),
                "stale": p.stale,
                "status": p.status,
                "label": p.label,
                "error": p.error,
            }
            for p in snap.replication
        ],
        "backups": [
            {
                "resource": b.resource,
                "kind": b.kind,
                "region": b.region,
                "latest_restorable_time": iso(b.latest_restorable_time),
                "newest_snapshot_at": iso(b.newest_snapshot.created_at if b.newest_snapshot else None),
                "age_seconds": age_seconds(b.newest_snapshot.created_at if b.newest_snapshot else None, now),
                "dr_copy": b.dr_copy.identifier if b.dr_copy else None,
                "versioning": b.versioning,
                "naming_violations": list(b.naming_violations),
                "stale": b.stale,
                "state": backup_state(b, now, th).value,
            }
            for b in snap.backups
        ],
        "rpo": {
            "target_seconds": rpo.target_seconds,
            "exposure_seconds": rpo.exposure_seconds,
            "state": rpo.state.value,
            "worst": rpo.worst_source.what if rpo.worst_source else None,
        },
        "alarms": [
            {"name": a.name, "region": a.region, "resource": a.resource, "reason": a.reason}
            for a in snap.alarms
            if a.state == "ALARM"
        ],
        "plan_alarms": [
            {
                "rule": c.rule,
                "resource": c.resource,
                "region": c.region,
                "state": c.state,
                "alarm": c.alarm,
                "expected": c.expected,
            }
            for c in ev.plan.coverage
        ],
        "plan_deviations": [
            {"resource": d.resource, "region": d.region, "setting": d.setting, "plan": d.plan, "actual": d.actual}
            for d in ev.plan.deviations
        ],
        "endpoints": [
            {"name": e.name, "url": e.url, "status": e.status, "latency_ms": e.latency_ms, "error": e.error}
            for e in snap.endpoints
        ],
        "unavailable": [
            {"panel": u.panel, "region": u.region, "what": u.what, "reason": u.reason} for u in snap.unavailable
        ],
    }


_STYLE = {"ok": "green", "warning": "yellow", "critical": "bold red", "unknown": "magenta"}


def _cell(state: str) -> str:
    return f"[{_STYLE.get(state, '')}]{state.upper()}[/]"


def _secs(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}s" if v < 120 else f"{v / 60:.0f}m" if v < 7200 else f"{v / 3600:.1f}h"


def _print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    console.print(f"DR readiness {_cell(report['state'])}  at {report['generated_at']}")
    regions = Table("Region", "Reachable", "Error", title="Regions", title_justify="left")
    for r in report["regions"]:
        ok = {True: "[green]yes[/]", False: "[bold red]no[/]", None: "-"}[r["reachable"]]
        regions.add_row(r["name"], ok, escape(r["error"] or ""))
    console.print(regions)
    rep = Table("Kind", "Source", "Target", "Status", "Lag", "State", title="Replication", title_justify="left")
    for p in report["replication"]:
        src = f"{p['source']} ({p['source_region']})"
        dst = f"{p['target']} ({p['target_region']})"
        state = _cell(p["state"]) + (" [dim]stale[/]" if p["stale"] else "")
        rep.add_row(p["kind"], src, dst, p["status"], _secs(p["lag_seconds"]), state)
    console.print(rep)
    bk = Table(
        "Resource", "Region", "Newest snapshot", "Age", "DR copy", "State", title="Backups", title_justify="left"
    )
    for b in report["backups"]:
        newest = b["newest_snapshot_at"] or (f"versioning {b['versioning']}" if b["kind"] == "s3" else "-")
        bk.add_row(b["resource"], b["region"], newest, _secs(b["age_seconds"]), b["dr_copy"] or "-", _cell(b["state"]))
    console.print(bk)
    rpo = report["rpo"]
    console.print(
        f"RPO exposure {_secs(rpo['exposure_seconds'])} of {_secs(rpo['target_seconds'])} target: "
        f"{_cell(rpo['state'])}" + (f"  (worst: {rpo['worst']})" if rpo["worst"] else "")
    )
    for a in report["alarms"]:
        console.print(f"[bold red]ALARM[/] {escape(a['name'])} ({a['region']}): {escape(a['reason'] or '')}")
    for c in report["plan_alarms"]:
        style = {"OK": "green", "ALARM": "bold red", "MISSING": "yellow"}.get(c["state"], "magenta")
        name = f" {escape(c['alarm'])}" if c["alarm"] else ""
        console.print(
            f"plan alarm [{style}]{c['state']}[/] {escape(c['rule'])} for {escape(c['resource'])} ({c['region']}){name}"
        )
    for d in report["plan_deviations"]:
        console.print(
            f"[yellow]plan[/] {escape(d['resource'])} ({d['region']}): {escape(d['setting'])} is "
            f"{escape(d['actual'])}, plan {escape(d['plan'])}"
        )
    for e in report["endpoints"]:
        console.print(f"endpoint {escape(e['name'])}: {e['status']} {escape(e['error'] or '')}")
    for u in report["unavailable"]:
        console.print(f"[yellow]unavailable[/] {u['region'] or '-'} {escape(u['what'])}: {escape(u['reason'])}")
