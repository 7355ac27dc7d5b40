"""`nexus-tui status`: one poll of every region, printed as a table or JSON; the exit code is the overall state
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
from nexus_tui.domain.health import age_seconds, backup_state, overall_state, replication_state, rpo_exposure
from nexus_tui.domain.models import DashboardSnapshot, State


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="poll once and print DR readiness; exit code 0/1/2/3")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    # Also accepted after the subcommand; SUPPRESS keeps a global --config given before it.
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML config file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return State.UNKNOWN.exit_code
    snapshot = asyncio.run(_poll(config))
    report = to_report(snapshot, config)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)
    return State(report["state"]).exit_code


async def _poll(config: AppConfig) -> DashboardSnapshot:
    from nexus_tui.engine.dashboard import DashboardService

    service = DashboardService(config)
    try:
        return await service.refresh(complete=True)  # a report must not be a partial picture
    finally:
        await service.aclose()


def to_report(snap: DashboardSnapshot, config: AppConfig) -> dict[str, Any]:
    settings, now = config.settings, snap.generated_at
    th = settings.thresholds
    rpo = rpo_exposure(snap, settings, now)
    return {
        "generated_at": iso(now),
        "state": overall_state(snap, settings, now).value,
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
            {"name": a.name, "region": a.region, "resource": a.resource, "reason": a.reason} for a in snap.alarms
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
    for e in report["endpoints"]:
        console.print(f"endpoint {escape(e['name'])}: {e['status']} {escape(e['error'] or '')}")
    for u in report["unavailable"]:
        console.print(f"[yellow]unavailable[/] {u['region'] or '-'} {escape(u['what'])}: {escape(u['reason'])}")
