from __future__ import annotations

from pathlib import Path

import pytest

from nexus_tui.config import ConfigError, load_config, parse_config
from nexus_tui.domain.settings import GIB


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_seed_plans(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "absent.toml", required=False)
    assert cfg.settings.targets.rpo_seconds == 3600
    assert cfg.settings.targets.rto_seconds == 1800
    assert cfg.settings.thresholds.replica_lag_seconds.critical == 60
    assert cfg.settings.thresholds.s3_replication_latency_seconds.critical == 900
    assert cfg.settings.thresholds.free_storage_bytes.critical == 5 * GIB
    assert [lv.after_minutes for lv in cfg.settings.escalation] == [0, 15, 30, 60]


def test_documented_keys_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[aws]
regions = ["eu-west-1", "eu-central-1"]

[aws.endpoints]
"eu-west-1" = "http://127.0.0.1:5000/"

[targets]
rpo_seconds = 900
rto_seconds = 600

[dashboard]
refresh_seconds = 5

[thresholds]
free_storage_gb_warning = 20
free_storage_gb_critical = 8

[[health]]
name = "api"
url = "https://example.test/api/health"

[[escalation]]
after_minutes = 0
who = "SRE on call"

[[escalation]]
after_minutes = 10
who = "Director"
""",
    )
    cfg = load_config(path)
    assert cfg.aws.regions == ("eu-west-1", "eu-central-1")
    assert cfg.primary_region == "eu-west-1"
    assert cfg.aws.endpoints == {"eu-west-1": "http://127.0.0.1:5000"}
    assert cfg.settings.targets.rpo_seconds == 900
    assert cfg.refresh_seconds == 5
    assert cfg.settings.thresholds.free_storage_bytes.critical == 8 * GIB
    assert cfg.health_checks[0].url.endswith("/api/health")
    assert [lv.who for lv in cfg.settings.escalation] == ["SRE on call", "Director"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[targets]\nrpo_seconds = 'one hour'\n", ":2: targets.rpo_seconds: must be a number"),
        ("[targets]\n\nrto_seconds = -5\n", ":3: targets.rto_seconds: must be greater than 0"),
        ("[aws]\nregions = ['us-east-1', 'mars-1']\n", ":2: aws.regions: 'mars-1' is not an AWS region name"),
        ("[aws]\nregion = 'us-east-1'\n", ":2: aws.region: unknown key"),
        ("[aws.endpoints]\n'us-east-1' = 'localhost:4566'\n", ":2: aws.endpoints.us-east-1: must be an http(s) URL"),
        ("[thresholds]\nreplica_lag_seconds_warning = 90\n", "replica_lag_seconds_critical: must be above"),
        ("[targets\nrpo_seconds = 1\n", ":1: invalid TOML"),
        ("colour = 'red'\n", ":1: colour: unknown key"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    cfg = parse_config('[journal]\npath = "j.sqlite3"\n[runbooks]\ndirs = ["rb"]\n', tmp_path / "c.toml")
    assert cfg.journal_path == tmp_path / "j.sqlite3"
    assert cfg.runbook_dirs == (tmp_path / "rb",)
