"""The sections of the config file -> AppConfig. Each value is range-checked where it is read, so a mistake
is reported as `file:line: key: message` before anything runs with it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from nexus_tui.config.drill_sections import drills, platform
from nexus_tui.config.model import (
    MAX_ATTEMPTS,
    MAX_ESCALATION_MINUTES,
    MAX_TARGET_SECONDS,
    MAX_THRESHOLD,
    MAX_TIMEOUT_SECONDS,
    AppConfig,
    AwsConfig,
    HealthCheckConfig,
    SlackConfig,
    refresh_problem,
)
from nexus_tui.config.reader import Reader
from nexus_tui.domain.settings import (
    DEFAULT_ESCALATION,
    GIB,
    Band,
    EscalationLevel,
    Settings,
    Targets,
    Thresholds,
)

SLACK_KEYS = frozenset(
    {
        "channel",
        "stakeholder_channel",
        "drill_channel",
        "drill_in_production",
        "mention",
        "api_url",
        "base_url",
        "token_env",
    }
)
_REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def is_region(name: str) -> bool:
    """An AWS region name's shape (us-east-1, us-gov-west-1), as the config accepts it."""
    return bool(_REGION_RE.match(name))


_TOP = {
    "aws",
    "targets",
    "dashboard",
    "thresholds",
    "health",
    "resources",
    "escalation",
    "runbooks",
    "journal",
    "ui",
    "slack",
    "drill",  # [[drill]]: the drill calendar (config/drill_sections.py)
    "platform",  # the platform's drill API (config/drill_sections.py)
    "expect",  # the plan's controls and alarms: parsed by nexus_tui/expectations.py from the same file
}


def _aws(r: Reader) -> AwsConfig:
    aws_t = r.table("aws", {"regions", "endpoints", "profile", "connect_timeout", "read_timeout", "max_attempts"})
    regions = r.strings(aws_t, "aws", "regions")
    for region in regions:
        if not _REGION_RE.match(region):
            raise r.fail("aws.regions", f"{region!r} is not an AWS region name")
    if len(set(regions)) != len(regions):
        twice = next(region for region in regions if regions.count(region) > 1)
        raise r.fail("aws.regions", f"{twice!r} is listed twice")
    endpoints_t = r.table("aws.endpoints", set())
    endpoints: dict[str, str] = {}
    for region, url in endpoints_t.items():
        if not _REGION_RE.match(region):
            raise r.fail(f"aws.endpoints.{region}", f"{region!r} is not an AWS region name")
        endpoints[region] = r.url(url, f"aws.endpoints.{region}").rstrip("/")
    profile = r.string(aws_t, "aws", "profile", None)
    if profile is not None and not profile.strip():
        raise r.fail("aws.profile", "must not be empty (leave it out to use the environment)")
    return AwsConfig(
        regions=regions,
        endpoints=endpoints,
        profile=profile,
        connect_timeout=r.number(aws_t, "aws", "connect_timeout", 3.0, maximum=MAX_TIMEOUT_SECONDS),
        read_timeout=r.number(aws_t, "aws", "read_timeout", 5.0, maximum=MAX_TIMEOUT_SECONDS),
        max_attempts=r.integer(aws_t, "aws", "max_attempts", 2, minimum=1, maximum=MAX_ATTEMPTS),
    )


def _targets(r: Reader) -> Targets:
    tg = r.table("targets", {"rpo_seconds", "rto_seconds", "rpo_warning_ratio"})
    targets = Targets(
        rpo_seconds=r.number(tg, "targets", "rpo_seconds", 3600, maximum=MAX_TARGET_SECONDS),
        rto_seconds=r.number(tg, "targets", "rto_seconds", 1800, maximum=MAX_TARGET_SECONDS),
        rpo_warning_ratio=r.number(tg, "targets", "rpo_warning_ratio", 0.5, maximum=1.0),
    )
    return targets


def _band(r: Reader, t: dict[str, Any], name: str, default: Band, scale: float = 1.0) -> Band:
    top = MAX_THRESHOLD / scale
    warning = r.number(t, "thresholds", f"{name}_warning", default.warning / scale, maximum=top) * scale
    critical = r.number(t, "thresholds", f"{name}_critical", default.critical / scale, maximum=top) * scale
    bad = critical > warning if default.lower_is_worse else critical < warning
    if bad:
        order = "below" if default.lower_is_worse else "above"
        raise r.fail(f"thresholds.{name}_critical", f"must be {order} {name}_warning")
    return Band(warning, critical, default.lower_is_worse)


def _thresholds(r: Reader) -> Thresholds:
    d = Thresholds()
    bands = {
        "replica_lag_seconds": (d.replica_lag_seconds, 1.0),
        "s3_replication_latency_seconds": (d.s3_replication_latency_seconds, 1.0),
        "s3_operations_pending": (d.s3_operations_pending, 1.0),
        "free_storage_gb": (d.free_storage_bytes, float(GIB)),
        "snapshot_age_seconds": (d.snapshot_age_seconds, 1.0),
    }
    allowed = {f"{n}_{lvl}" for n in bands for lvl in ("warning", "critical")} | {"stale_after_seconds"}
    th = r.table("thresholds", allowed)
    parsed = {n: _band(r, th, n, b, s) for n, (b, s) in bands.items()}
    return Thresholds(
        replica_lag_seconds=parsed["replica_lag_seconds"],
        s3_replication_latency_seconds=parsed["s3_replication_latency_seconds"],
        s3_operations_pending=parsed["s3_operations_pending"],
        free_storage_bytes=parsed["free_storage_gb"],
        snapshot_age_seconds=parsed["snapshot_age_seconds"],
        stale_after_seconds=r.number(
            th, "thresholds", "stale_after_seconds", d.stale_after_seconds, maximum=MAX_TARGET_SECONDS
        ),
    )


def _escalation(r: Reader) -> tuple[EscalationLevel, ...]:
    if "escalation" not in r.data:
        return DEFAULT_ESCALATION
    items = r.tables("escalation", {"after_minutes", "who"})
    if not items:
        raise r.fail("escalation", "must list at least one [[escalation]] level")
    levels: list[EscalationLevel] = []
    for i, item in enumerate(items):
        if "after_minutes" not in item:
            raise r.fail("escalation.after_minutes", "missing (minutes since declaration, 0 for the first)", i)
        minutes = r.number(
            item, "escalation", "after_minutes", 0, maximum=MAX_ESCALATION_MINUTES, positive=False, index=i
        )
        who = (r.string(item, "escalation", "who", None, i) or "").strip()
        if not who:
            raise r.fail("escalation.who", "must be a non-empty string", i)
        if levels and minutes <= levels[-1].after_minutes:
            # Written out of order the list reads one way and escalates another; say so rather than sort.
            raise r.fail(
                "escalation.after_minutes",
                f"levels must be in increasing order; {minutes:g} follows {levels[-1].after_minutes:g}",
                i,
            )
        levels.append(EscalationLevel(minutes, who))
    return tuple(levels)


def _health(r: Reader) -> tuple[HealthCheckConfig, ...]:
    checks = []
    names: set[str] = set()
    for i, item in enumerate(r.tables("health", {"name", "url", "expected_status", "timeout_seconds"})):
        if "url" not in item:
            raise r.fail("health.url", "missing: each [[health]] needs a url", i)
        url = r.url(item["url"], "health.url", i)
        name = r.string(item, "health", "name", None, i) or url
        if name in names:
            raise r.fail("health.name", f"{name!r} is used by two [[health]] checks", i)
        names.add(name)
        checks.append(
            HealthCheckConfig(
                name=name,
                url=url,
                expected_status=r.integer(item, "health", "expected_status", 200, minimum=100, maximum=599, index=i),
                timeout_seconds=r.number(item, "health", "timeout_seconds", 5.0, maximum=MAX_TIMEOUT_SECONDS, index=i),
            )
        )
    return tuple(checks)


def parse_data(r: Reader) -> AppConfig:
    r.table("", _TOP)
    aws = _aws(r)
    targets = _targets(r)
    thresholds = _thresholds(r)
    escalation = _escalation(r)

    dash = r.table("dashboard", {"refresh_seconds"})
    refresh = r.number(dash, "dashboard", "refresh_seconds", 10.0, maximum=float("inf"))
    problem = refresh_problem(refresh)
    if problem is not None:
        raise r.fail("dashboard.refresh_seconds", problem)

    checks = _health(r)
    res = r.table("resources", {"include", "labels"})
    labels_t = r.table("resources.labels", set())
    if not all(isinstance(v, str) for v in labels_t.values()):
        raise r.fail("resources.labels", "labels must be strings")

    rb = r.table("runbooks", {"dirs"})
    jn = r.table("journal", {"path", "url"})
    ui = r.table("ui", {"theme"})
    # The [slack] values themselves are read and checked by sources/slack/settings.py (its KEYS); this layer
    # cannot import sources, so the names are listed here too (a test keeps the two lists equal).
    sl = r.table("slack", set(SLACK_KEYS))
    journal = r.string(jn, "journal", "path", None)
    journal_url = r.string(jn, "journal", "url", None)
    if journal_url is not None and not journal_url.lower().startswith(("postgresql://", "postgres://")):
        raise r.fail("journal.url", "must be a postgresql:// URL (a SQLite journal is set with journal.path)")
    base_url = r.string(sl, "slack", "base_url", None)
    base = r.path.parent
    return AppConfig(
        path=r.path,
        aws=aws,
        settings=Settings(targets=targets, thresholds=thresholds, escalation=escalation),
        refresh_seconds=refresh,
        health_checks=checks,
        include=r.strings(res, "resources", "include"),
        labels=dict(labels_t),
        runbook_dirs=tuple(_resolve(base, p) for p in r.strings(rb, "runbooks", "dirs")),
        journal_path=_resolve(base, journal) if journal else None,
        journal_url=journal_url,
        theme=r.string(ui, "ui", "theme", "nexus-dark") or "nexus-dark",
        slack=SlackConfig(
            channel=r.string(sl, "slack", "channel", "#incident-response") or "#incident-response",
            token_env=r.string(sl, "slack", "token_env", "SLACK_BOT_TOKEN") or "SLACK_BOT_TOKEN",
            base_url=r.url(base_url, "slack.base_url") if base_url is not None else None,
        ),
        drills=drills(r),
        platform=platform(r),
    )


def _resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base / p
