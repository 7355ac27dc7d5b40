"""Property test of the config reader (issue 7): 10,000 generated config files, each either an AppConfig of
finite values or a one-line ConfigError naming the file; never any other exception."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.config import AppConfig, ConfigError, parse_config
from nexus_tui.config.reader import decode

PATH = Path("/etc/nexus/config.toml")
TABLES = [
    "aws", "aws.endpoints", "targets", "dashboard", "thresholds", "[health]", "[escalation]", "resources",
    "resources.labels", "runbooks", "journal", "ui", "slack", "bogus",
]  # fmt: skip
KEYS = [
    "regions", "profile", "connect_timeout", "read_timeout", "max_attempts", "eu-west-1", "rpo_seconds",
    "rto_seconds", "rpo_warning_ratio", "refresh_seconds", "replica_lag_seconds_warning",
    "replica_lag_seconds_critical", "free_storage_gb_warning", "stale_after_seconds", "name", "url",
    "expected_status", "timeout_seconds", "after_minutes", "who", "include", "dirs", "path", "theme",
    "channel", "base_url", "colour",
]  # fmt: skip
VALUES = [
    "1", "0", "-1", "0.5", "2.0", "nan", "inf", "-inf", "1e9", "1e308", "99999", "200", "true", "'x'", "''",
    "'http://'", "'http://127.0.0.1:99999'", "'http://[::1'", "'https://h/p'", "'eu-west-1'", "'mars-1'",
    "['eu-west-1', 'eu-west-1']", "['eu-west-1']", "[1, 2]", "[]", "{a = 1}", "1979-05-27T07:32:00Z",
    "'\\u0000'", "'~/x'", "9" * 30,
]  # fmt: skip


def config_bytes(choices: list[int], damage: bytes) -> bytes:
    """A config file built from drawn integers (cheap to generate and shrink), then maybe damaged bytes."""
    nums = iter([*choices, *[0] * 200])
    lines = [f"{KEYS[next(nums) % len(KEYS)]} = {VALUES[next(nums) % len(VALUES)]}" for _ in range(next(nums) % 2)]
    for _ in range(next(nums) % 5):
        lines.append(f"[{TABLES[next(nums) % len(TABLES)]}]")
        lines += [f"{KEYS[next(nums) % len(KEYS)]} = {VALUES[next(nums) % len(VALUES)]}" for _ in range(next(nums) % 4)]
    raw = "\n".join(lines).encode("utf-8")
    if damage:
        at = next(nums) % (len(raw) + 1)
        raw = raw[:at] + damage + raw[at:]
    return raw


def _finite(config: AppConfig) -> bool:
    s = config.settings
    numbers = [
        config.refresh_seconds,
        config.aws.connect_timeout,
        config.aws.read_timeout,
        s.targets.rpo_seconds,
        s.targets.rto_seconds,
        s.thresholds.stale_after_seconds,
        s.thresholds.replica_lag_seconds.warning,
        s.thresholds.free_storage_bytes.critical,
        *(lv.after_minutes for lv in s.escalation),
        *(h.timeout_seconds for h in config.health_checks),
    ]
    return all(math.isfinite(n) and n >= 0 for n in numbers)


# 10,000 examples take about a minute on a loaded machine; the suite's 120 s timeout is meant for hangs.
@pytest.mark.timeout(1200)
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 255), max_size=40), st.binary(max_size=3) | st.just(b""))
def test_config_reader_never_raises_anything_but_a_one_line_config_error(choices: list[int], damage: bytes) -> None:
    raw = config_bytes(choices, damage)
    try:
        config = parse_config(decode(raw, PATH), PATH)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(str(PATH)) and "\n" not in message
        return
    assert _finite(config)
    assert 1 <= config.aws.max_attempts <= 10
    assert len(set(config.aws.regions)) == len(config.aws.regions)
    assert all(100 <= h.expected_status <= 599 for h in config.health_checks)


def test_generated_configs_reach_both_outcomes() -> None:
    results = []
    for a in range(40):
        try:
            results.append(parse_config(decode(config_bytes([a, a, 1, a, 2, a, a], b""), PATH), PATH))
        except ConfigError as exc:
            results.append(exc)
    assert any(isinstance(r, AppConfig) for r in results) and any(isinstance(r, ConfigError) for r in results)
