"""Where nexus-tui keeps its files: the config file, the journal, the user's runbooks (XDG via platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "nexus-tui"


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
