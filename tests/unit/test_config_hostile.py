"""Issue 7, config: bytes that are not UTF-8, and every value range-checked with `file:line: key: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_tui.config import AppConfig, ConfigError, load_config


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message[len(str(path)) :]


def test_non_utf8_config_byte_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"[ui]\ntheme = 'nexus-dark'\n# caf\xe9\n")
    assert error_of(path) == ":3: not UTF-8 (byte 0xe9); save the file as UTF-8"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[aws]\nread_timeout = 1e9\n", ":2: aws.read_timeout: must be at most 300, got 1000000000.0"),
        ("[aws]\nconnect_timeout = nan\n", ":2: aws.connect_timeout: must be a finite number, got nan"),
        ("[aws]\nconnect_timeout = -1\n", ":2: aws.connect_timeout: must be greater than 0, got -1"),
        ("[aws]\nmax_attempts = 0.5\n", ":2: aws.max_attempts: must be a whole number, got 0.5"),
        ("[aws]\nmax_attempts = 0\n", ":2: aws.max_attempts: must be between 1 and 10, got 0"),
        ("[aws]\nmax_attempts = 1000\n", ":2: aws.max_attempts: must be between 1 and 10, got 1000"),
    ],
)
def test_timeouts_and_attempts_are_range_checked(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(write(tmp_path, text)) == expected


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "0.01", "1e9"])
def test_refresh_seconds_is_range_checked(tmp_path: Path, value: str) -> None:
    message = error_of(write(tmp_path, f"[dashboard]\n\nrefresh_seconds = {value}\n"))
    assert message.startswith(":3: dashboard.refresh_seconds: must be")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[thresholds]\nreplica_lag_seconds_warning = inf\n", ":2: thresholds.replica_lag_seconds_warning: must be"),
        ("[thresholds]\nstale_after_seconds = nan\n", ":2: thresholds.stale_after_seconds: must be a finite"),
        ("[targets]\nrpo_seconds = inf\n", ":2: targets.rpo_seconds: must be a finite number"),
        ("[targets]\nrpo_warning_ratio = 2\n", ":2: targets.rpo_warning_ratio: must be at most 1"),
    ],
)
def test_thresholds_and_targets_are_range_checked(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(write(tmp_path, text)).startswith(expected)


ESCALATION = "[[escalation]]\nafter_minutes = {a}\nwho = 'A'\n\n[[escalation]]\nafter_minutes = {b}\nwho = 'B'\n"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("0", "-5", ":6: escalation.after_minutes: must not be negative, got -5"),
        ("30", "15", ":6: escalation.after_minutes: levels must be in increasing order; 15 follows 30"),
        ("0", "nan", ":6: escalation.after_minutes: must be a finite number, got nan"),
        ("0", "1e9", ":6: escalation.after_minutes: must be at most 10080"),
    ],
)
def test_escalation_minutes_are_non_negative_and_ordered(tmp_path: Path, a: str, b: str, expected: str) -> None:
    assert error_of(write(tmp_path, ESCALATION.format(a=a, b=b))).startswith(expected)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("99999", "must be between 100 and 599, got 99999"),
        ("99", "must be between 100 and 599, got 99"),
        ("200.5", "must be a whole number, got 200.5"),
    ],
)
def test_http_status_codes_are_100_to_599(tmp_path: Path, status: str, expected: str) -> None:
    text = f"[[health]]\nname = 'a'\nurl = 'http://h/'\n\n[[health]]\nurl = 'http://h/b'\nexpected_status = {status}\n"
    assert error_of(write(tmp_path, text)) == f":7: health.expected_status: {expected}"


@pytest.mark.parametrize(
    "url", ["http://", "http://127.0.0.1:99999", "http://[::1", "ftp://host/", "http://host:0/", "localhost:4566"]
)
def test_endpoint_urls_are_refused(tmp_path: Path, url: str) -> None:
    message = error_of(write(tmp_path, f"[aws.endpoints]\n'eu-west-1' = '{url}'\n"))
    assert message.startswith(":2: aws.endpoints.eu-west-1: ")


def test_health_and_slack_urls_are_checked_too(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "[[health]]\nurl = 'http://[::1'\n")).startswith(":2: health.url: ")
    assert error_of(write(tmp_path, "[slack]\nbase_url = 'http://'\n")).startswith(":2: slack.base_url: ")


def test_duplicate_regions_are_refused(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[aws]\nregions = ['eu-west-1', 'eu-central-1', 'eu-west-1']\n"))
    assert message == ":2: aws.regions: 'eu-west-1' is listed twice"


def test_aws_profile_that_does_not_exist_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws = tmp_path / "aws-config"
    aws.write_text("[default]\nregion = eu-west-1\n\n[profile prod]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    message = error_of(write(tmp_path, "[aws]\nregions = ['eu-west-1']\nprofile = 'prdo'\n"))
    assert message == ":3: aws.profile: no AWS profile 'prdo' in the AWS config or credentials files " + (
        "(profiles: default, prod)"
    )
    assert load_config(write(tmp_path, "[aws]\nprofile = 'prod'\n")).aws.profile == "prod"
    assert load_config(write(tmp_path, "[aws]\nprofile = 'prdo'\n"), check_profile=False).aws.profile == "prdo"


def test_errors_in_the_second_array_table_point_at_its_line(tmp_path: Path) -> None:
    text = "[[health]]\nurl = 'http://a/'\n\n[[health]]\nurl = 'http://b/'\ncolour = 1\n"
    assert error_of(write(tmp_path, text)).startswith(":6: health.colour: unknown key")


def test_config_package_keeps_the_old_imports() -> None:
    from nexus_tui.config import (  # noqa: F401
        AwsConfig,
        HealthCheckConfig,
        SlackConfig,
        default_data_dir,
        default_journal_path,
        parse_config,
        user_runbook_dir,
        with_overrides,
    )

    assert with_overrides(AppConfig(), theme="x").theme == "x"
