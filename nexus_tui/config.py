"""Configuration: TOML read with tomllib, validated key by key, errors name the file, line and key.

Location: --config PATH, else $NEXUS_TUI_CONFIG, else <XDG config dir>/nexus-tui/config.toml (platformdirs).
A missing default file is fine (everything has a default); a missing --config file is an error.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from nexus_tui.domain.settings import (
    DEFAULT_ESCALATION,
    GIB,
    Band,
    EscalationLevel,
    Settings,
    Targets,
    Thresholds,
)

APP_NAME = "nexus-tui"


class ConfigError(Exception):
    """A user mistake in the config file; str() is the one line shown to the user."""


@dataclass(frozen=True, slots=True)
class HealthCheckConfig:
    name: str
    url: str
    expected_status: int = 200
    timeout_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class AwsConfig:
    regions: tuple[str, ...] = ()  # first one is the primary; empty: from the environment/profile
    endpoints: dict[str, str] = field(default_factory=dict)  # per-region endpoint override
    profile: str | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    max_attempts: int = 2


@dataclass(frozen=True, slots=True)
class SlackConfig:
    channel: str = "#incident-response"
    token_env: str = "SLACK_BOT_TOKEN"  # the token itself never lives in the config file
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class AppConfig:
    path: Path | None = None
    aws: AwsConfig = field(default_factory=AwsConfig)
    settings: Settings = field(default_factory=Settings)
    refresh_seconds: float = 10.0
    health_checks: tuple[HealthCheckConfig, ...] = ()
    include: tuple[str, ...] = ()  # glob patterns narrowing discovered resource names
    labels: dict[str, str] = field(default_factory=dict)
    runbook_dirs: tuple[Path, ...] = ()
    journal_path: Path | None = None
    theme: str = "nexus-dark"
    slack: SlackConfig = field(default_factory=SlackConfig)

    @property
    def primary_region(self) -> str | None:
        return self.aws.regions[0] if self.aws.regions else None


def default_config_path() -> Path:
    env = os.environ.get("NEXUS_TUI_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_journal_path() -> Path:
    return default_data_dir() / "journal.sqlite3"


def user_runbook_dir() -> Path:
    return default_data_dir() / "runbooks"


def _line_of(text: str, dotted: str) -> int | None:
    """Best-effort line of a key: tomllib keeps no positions, so find the table header, then the key."""
    parts = dotted.split(".")
    lines = text.splitlines()
    key = parts[-1]
    table = ".".join(parts[:-1])
    start = 0
    if table:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(table).replace(r"\.", r'\s*\.\s*"?') + r'"?\s*\]\]?')
        for i, line in enumerate(lines):
            if header.match(line.replace('"', "").replace("'", "")):
                start = i
                break
    key_re = re.compile(r"""^\s*["']?""" + re.escape(key) + r"""["']?\s*=""")
    for i in range(start, len(lines)):
        if key_re.match(lines[i]):
            return i + 1
    return start + 1 if table else None


class _Reader:
    """Walks the parsed TOML, collecting values and raising ConfigError with file:line: key: message."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.text, self.data = path, text, data

    def fail(self, dotted: str, message: str) -> ConfigError:
        line = _line_of(self.text, dotted)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {dotted}: {message}")

    def table(self, dotted: str, allowed: set[str]) -> dict[str, Any]:
        node: Any = self.data
        for part in dotted.split(".") if dotted else []:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if not isinstance(node, dict):
            raise self.fail(dotted, "must be a table")
        for key in node:
            if allowed and key not in allowed:
                full = f"{dotted}.{key}" if dotted else key
                raise self.fail(full, f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return node

    def number(self, table: dict[str, Any], prefix: str, key: str, default: float, *, positive: bool = True) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{prefix}.{key}", f"must be a number, got {value!r}")
        if positive and value <= 0:
            raise self.fail(f"{prefix}.{key}", f"must be greater than 0, got {value!r}")
        return float(value)

    def string(self, table: dict[str, Any], prefix: str, key: str, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{prefix}.{key}", f"must be a string, got {value!r}")
        return value

    def strings(self, table: dict[str, Any], prefix: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{prefix}.{key}", f"must be a list of non-empty strings, got {value!r}")
        return tuple(value)


_REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
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
}


def _band(r: _Reader, t: dict[str, Any], name: str, default: Band, scale: float = 1.0) -> Band:
    warning = r.number(t, "thresholds", f"{name}_warning", default.warning / scale) * scale
    critical = r.number(t, "thresholds", f"{name}_critical", default.critical / scale) * scale
    bad = critical > warning if default.lower_is_worse else critical < warning
    if bad:
        order = "below" if default.lower_is_worse else "above"
        raise r.fail(f"thresholds.{name}_critical", f"must be {order} {name}_warning")
    return Band(warning, critical, default.lower_is_worse)


def _parse(r: _Reader) -> AppConfig:
    r.table("", _TOP)
    aws_t = r.table("aws", {"regions", "endpoints", "profile", "connect_timeout", "read_timeout", "max_attempts"})
    regions = r.strings(aws_t, "aws", "regions")
    for region in regions:
        if not _REGION_RE.match(region):
            raise r.fail("aws.regions", f"{region!r} is not an AWS region name")
    endpoints_t = r.table("aws.endpoints", set())
    endpoints: dict[str, str] = {}
    for region, url in endpoints_t.items():
        if not isinstance(url, str) or not re.match(r"^https?://", url):
            raise r.fail(f"aws.endpoints.{region}", f"must be an http(s) URL, got {url!r}")
        endpoints[region] = url.rstrip("/")
    aws = AwsConfig(
        regions=regions,
        endpoints=endpoints,
        profile=r.string(aws_t, "aws", "profile", None),
        connect_timeout=r.number(aws_t, "aws", "connect_timeout", 3.0),
        read_timeout=r.number(aws_t, "aws", "read_timeout", 5.0),
        max_attempts=int(r.number(aws_t, "aws", "max_attempts", 2)),
    )

    tg = r.table("targets", {"rpo_seconds", "rto_seconds", "rpo_warning_ratio"})
    targets = Targets(
        rpo_seconds=r.number(tg, "targets", "rpo_seconds", 3600),
        rto_seconds=r.number(tg, "targets", "rto_seconds", 1800),
        rpo_warning_ratio=r.number(tg, "targets", "rpo_warning_ratio", 0.5),
    )
    if not 0 < targets.rpo_warning_ratio <= 1:
        raise r.fail("targets.rpo_warning_ratio", "must be between 0 and 1")

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
    thresholds = Thresholds(
        replica_lag_seconds=parsed["replica_lag_seconds"],
        s3_replication_latency_seconds=parsed["s3_replication_latency_seconds"],
        s3_operations_pending=parsed["s3_operations_pending"],
        free_storage_bytes=parsed["free_storage_gb"],
        snapshot_age_seconds=parsed["snapshot_age_seconds"],
        stale_after_seconds=r.number(th, "thresholds", "stale_after_seconds", d.stale_after_seconds),
    )

    escalation = DEFAULT_ESCALATION
    raw_esc = r.data.get("escalation")
    if raw_esc is not None:
        if not isinstance(raw_esc, list) or not raw_esc:
            raise r.fail("escalation", "must be a list of [[escalation]] tables")
        levels = []
        for item in raw_esc:
            if not isinstance(item, dict) or set(item) - {"after_minutes", "who"}:
                raise r.fail("escalation.who", "each [[escalation]] takes after_minutes and who")
            levels.append(
                EscalationLevel(
                    r.number(item, "escalation", "after_minutes", 0, positive=False),
                    r.string(item, "escalation", "who", None) or "",
                )
            )
        if any(not lv.who for lv in levels):
            raise r.fail("escalation.who", "must be a non-empty string")
        escalation = tuple(sorted(levels, key=lambda lv: lv.after_minutes))

    dash = r.table("dashboard", {"refresh_seconds"})
    refresh = r.number(dash, "dashboard", "refresh_seconds", 10.0)

    checks = []
    raw_health = r.data.get("health", [])
    if not isinstance(raw_health, list):
        raise r.fail("health", "must be a list of [[health]] tables")
    for item in raw_health:
        if not isinstance(item, dict) or set(item) - {"name", "url", "expected_status", "timeout_seconds"}:
            raise r.fail("health.url", "each [[health]] takes name, url, expected_status, timeout_seconds")
        url = r.string(item, "health", "url", None)
        if not url or not re.match(r"^https?://", url):
            raise r.fail("health.url", f"must be an http(s) URL, got {url!r}")
        checks.append(
            HealthCheckConfig(
                name=r.string(item, "health", "name", None) or url,
                url=url,
                expected_status=int(r.number(item, "health", "expected_status", 200)),
                timeout_seconds=r.number(item, "health", "timeout_seconds", 5.0),
            )
        )

    res = r.table("resources", {"include", "labels"})
    labels_t = r.table("resources.labels", set())
    if not all(isinstance(v, str) for v in labels_t.values()):
        raise r.fail("resources.labels", "labels must be strings")

    rb = r.table("runbooks", {"dirs"})
    jn = r.table("journal", {"path"})
    ui = r.table("ui", {"theme"})
    sl = r.table("slack", {"channel", "token_env", "base_url"})
    journal = r.string(jn, "journal", "path", None)
    base = r.path.parent
    return AppConfig(
        path=r.path,
        aws=aws,
        settings=Settings(targets=targets, thresholds=thresholds, escalation=escalation),
        refresh_seconds=refresh,
        health_checks=tuple(checks),
        include=r.strings(res, "resources", "include"),
        labels=dict(labels_t),
        runbook_dirs=tuple(_resolve(base, p) for p in r.strings(rb, "runbooks", "dirs")),
        journal_path=_resolve(base, journal) if journal else None,
        theme=r.string(ui, "ui", "theme", "nexus-dark") or "nexus-dark",
        slack=SlackConfig(
            channel=r.string(sl, "slack", "channel", "#incident-response") or "#incident-response",
            token_env=r.string(sl, "slack", "token_env", "SLACK_BOT_TOKEN") or "SLACK_BOT_TOKEN",
            base_url=r.string(sl, "slack", "base_url", None),
        ),
    )


def _resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base / p


def parse_config(text: str, path: Path) -> AppConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib messages end with "(at line N, column M)"; keep it on one line with the file name.
        m = re.search(r"at line (\d+)", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        raise ConfigError(f"{where}: invalid TOML: {str(exc).split(' (at line')[0]}") from None
    return _parse(_Reader(path, text, data))


def load_config(path: Path | None = None, *, required: bool | None = None) -> AppConfig:
    """Load and validate. `required` defaults to True when a path is given explicitly."""
    explicit = path is not None
    target = path or default_config_path()
    must_exist = explicit if required is None else required
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"{target}: config file not found") from None
        return AppConfig()
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read config: {exc.strerror}") from None
    return parse_config(text, target)


def with_overrides(config: AppConfig, **changes: Any) -> AppConfig:
    """dataclasses.replace, re-exported so callers need not import dataclasses for one call."""
    from dataclasses import replace

    return replace(config, **changes)


Loader = Callable[[Path | None], AppConfig]
