"""The configuration as plain data, and the ranges its values must lie in."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from nexus_tui.domain.drill_calendar import SEED_DRILLS, DrillEntry
from nexus_tui.domain.settings import Settings

# Ranges of the values a config file (or a flag) may set. Upper bounds catch typos and the values that hang
# or crash far away: read_timeout = 1e9 never returns, refresh = inf never refreshes, nan compares false.
MIN_REFRESH_SECONDS = 0.5
MAX_REFRESH_SECONDS = 3600.0
MAX_TIMEOUT_SECONDS = 300.0
MAX_ATTEMPTS = 10
MAX_ESCALATION_MINUTES = 7 * 24 * 60.0
MAX_TARGET_SECONDS = 30 * 24 * 3600.0
MAX_THRESHOLD = 1e12  # the largest band value of any kind (seconds, operations, GB)


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
class PlatformConfig:
    """The platform's own DR API (seed 000, "Drill Execution via API"). The session cookie is a secret: only
    the name of the environment variable holding it lives here."""

    base_url: str | None = None
    cookie_env: str = "NEXUS_TUI_PLATFORM_COOKIE"
    cookie_name: str = "connect.sid"
    timeout_seconds: float = 30.0


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
    journal_url: str | None = None  # postgresql://... : the shared journal (password never shown)
    theme: str = "nexus-dark"
    slack: SlackConfig = field(default_factory=SlackConfig)
    drills: tuple[DrillEntry, ...] = SEED_DRILLS  # the seeds' schedule, changed by [[drill]] tables
    platform: PlatformConfig = field(default_factory=PlatformConfig)

    @property
    def primary_region(self) -> str | None:
        return self.aws.regions[0] if self.aws.regions else None


def refresh_problem(value: float) -> str | None:
    """Why `value` is no refresh interval, or None. Shared by [dashboard] refresh_seconds and --refresh."""
    if not math.isfinite(value) or not MIN_REFRESH_SECONDS <= value <= MAX_REFRESH_SECONDS:
        return f"must be between {MIN_REFRESH_SECONDS:g} and {MAX_REFRESH_SECONDS:g} seconds, got {value!r}"
    return None
