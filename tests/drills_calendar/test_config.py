"""[[drill]] and [platform] in the config file: seed defaults, overrides, one-line errors with file:line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nexus_tui.config import AppConfig, ConfigError, parse_config
from nexus_tui.domain.drill_calendar import SEED_DRILLS

CFG = Path("/etc/nexus/config.toml")


def parse(text: str) -> AppConfig:
    return parse_config(text, CFG)


def error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(CFG))
    return message


def test_defaults_are_the_seeds_schedule() -> None:
    assert parse("").drills == SEED_DRILLS
    assert AppConfig().drills == SEED_DRILLS
    assert parse("").platform.base_url is None
    names = [d.name for d in SEED_DRILLS]
    assert len(names) == len(set(names)) == 10


def test_a_drill_table_changes_a_seed_drill_adds_one_and_drops_one() -> None:
    cfg = parse(
        """
[[drill]]
name = "s3-object-recovery"
owner = "Storage Team"
anchor = 2026-01-05

[[drill]]
name = "lag-storm-practice"
title = "Replica lag storm"
frequency = "P6W"
scenarios = ["lag-storm"]

[[drill]]
name = "data-center-loss"
disabled = true
"""
    )
    by_name = {d.name: d for d in cfg.drills}
    s3 = by_name["s3-object-recovery"]
    assert s3.owner == "Storage Team" and s3.frequency == "monthly"
    assert s3.anchor == datetime(2026, 1, 5, tzinfo=UTC)
    assert s3.scenarios == ("s3-deletion",)  # kept from the seed
    assert str(CFG) in s3.source
    new = by_name["lag-storm-practice"]
    assert new.frequency == "P6W" and new.owner == "unassigned" and new.scenarios == ("lag-storm",)
    assert "data-center-loss" not in by_name
    assert len(cfg.drills) == len(SEED_DRILLS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[drill]]\nname = "x"\nfrequency = "fortnightly"\n', ":3: drill.frequency: 'fortnightly' is not a frequency"),
        ('[[drill]]\nname = "x"\n', ":1: drill.frequency: missing: the new drill 'x' needs a frequency"),
        ('[[drill]]\nfrequency = "monthly"\n', "drill.name: missing"),
        ('[[drill]]\nname = "a"\nfrequency = "monthly"\ncolour = 1\n', ":4: drill.colour: unknown key"),
        ('[[drill]]\nname = "a b"\nfrequency = "monthly"\n', ":2: drill.name: 'a b' is not a name"),
        (
            '[[drill]]\nname = "a"\nfrequency = "monthly"\nscenarios = "lag-storm"\n',
            ":4: drill.scenarios: must be a list",
        ),
        (
            '[[drill]]\nname = "a"\nfrequency = "monthly"\nanchor = "2026-01-01"\n',
            ":4: drill.anchor: must be a TOML date",
        ),
        (
            '[[drill]]\nname = "a"\nfrequency = "monthly"\nanchor = 2026-01-01T10:00:00\n',
            ":4: drill.anchor: give a UTC offset",
        ),
        (
            '[[drill]]\nname = "a"\nfrequency = "monthly"\n[[drill]]\nname = "a"\nfrequency = "weekly"\n',
            ":5: drill.name: 'a' is given by two",
        ),
        ('[[drill]]\nname = "full-dr-drill"\nowner = ""\n', ":3: drill.owner: must be a non-empty string"),
        ('[[drill]]\nname = "full-dr-drill"\ndisabled = "yes"\n', ":3: drill.disabled: must be true or false"),
        ("drill = 3\n", "drill: must be a list of [[drill]] tables"),
        ('[platform]\nbase_url = "ftp://x"\n', ":2: platform.base_url: must be an http(s) URL"),
        ('[platform]\ncookie_env = "NOT A NAME"\n', ":2: platform.cookie_env: 'NOT A NAME' is not an environment"),
        ('[platform]\ncookie_name = "a;b"\n', ":2: platform.cookie_name: 'a;b' is not a cookie name"),
        ("[platform]\ntimeout_seconds = 0\n", ":2: platform.timeout_seconds: must be greater than 0"),
        ("[platform]\nbase = 1\n", ":2: platform.base: unknown key"),
    ],
)
def test_bad_values_are_one_line_errors_naming_line_and_key(text: str, expected: str) -> None:
    assert expected in error(text)


def test_a_cookie_in_the_config_file_is_refused_without_echoing_it() -> None:
    message = error('[platform]\nbase_url = "https://p.example"\ncookie = "s%3Asecret-session-value"\n')
    assert ":3: platform.cookie:" in message and "environment" in message
    assert "secret-session-value" not in message


def test_platform_table() -> None:
    cfg = parse('[platform]\nbase_url = "https://nexus.example/"\ncookie_env = "MY_COOKIE"\ntimeout_seconds = 5\n')
    assert cfg.platform.base_url == "https://nexus.example"
    assert cfg.platform.cookie_env == "MY_COOKIE"
    assert cfg.platform.cookie_name == "connect.sid"
    assert cfg.platform.timeout_seconds == 5.0
