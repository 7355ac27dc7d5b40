"""Configuration: TOML read with tomllib, validated key by key, errors name the file, line and key.

paths: where the files live; model: the dataclasses and value ranges; reader: bytes -> TOML -> checked
values; sections: each section of the file -> AppConfig; load: finding and loading the file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from nexus_tui.config.load import load_config, parse_config, profile_problem
from nexus_tui.config.model import (
    AppConfig,
    AwsConfig,
    ConfigError,
    HealthCheckConfig,
    SlackConfig,
    refresh_problem,
)
from nexus_tui.config.paths import (
    APP_NAME,
    default_config_path,
    default_data_dir,
    default_journal_path,
    user_runbook_dir,
)

__all__ = [
    "APP_NAME",
    "AppConfig",
    "AwsConfig",
    "ConfigError",
    "HealthCheckConfig",
    "Loader",
    "SlackConfig",
    "default_config_path",
    "default_data_dir",
    "default_journal_path",
    "load_config",
    "parse_config",
    "profile_problem",
    "refresh_problem",
    "user_runbook_dir",
    "with_overrides",
]


def with_overrides(config: AppConfig, **changes: Any) -> AppConfig:
    """dataclasses.replace, re-exported so callers need not import dataclasses for one call."""
    return replace(config, **changes)


Loader = Callable[[Path | None], AppConfig]
