"""`nexus-tui status` as a user runs it: a subprocess, a config file, fake credentials, a moto server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_world import DR, PRIMARY, reset, seed, start_server


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_server()
    yield url
    server.stop()


def run_status(tmp_path: Path, toml: str, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    cmd = [sys.executable, "-m", "nexus_tui", "status", *args, "--config", str(cfg)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def world_toml(url: str, rpo: int = 3600) -> str:
    return f"""
[aws]
regions = ["{PRIMARY}", "{DR}"]
connect_timeout = 1
read_timeout = 2

[aws.endpoints]
"{PRIMARY}" = "{url}"
"{DR}" = "{url}"

[targets]
rpo_seconds = {rpo}
"""


def test_status_json_reports_the_seeded_account(moto_url: str, tmp_path: Path) -> None:
    reset(moto_url)
    seed(moto_url, lag=4.0, latency=120.0)
    proc = run_status(tmp_path, world_toml(moto_url), "--json")
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert report["generated_at"].endswith("Z")
    assert [(r["name"], r["reachable"], r["error"]) for r in report["regions"]] == [
        (PRIMARY, True, None),
        (DR, True, None),
    ]
    rds = next(p for p in report["replication"] if p["kind"] == "rds")
    assert rds["source"] == "orders-pg" and rds["target"] == "orders-pg-dr" and rds["lag_seconds"] == 4.0
    assert rds["state"] == "ok" and rds["observed_at"].endswith("Z") and rds["stale"] is False
    s3 = next(p for p in report["replication"] if p["kind"] == "s3")
    assert s3["target_region"] == DR and s3["lag_seconds"] == 120.0 and s3["state"] == "ok"
    backup = next(b for b in report["backups"] if b["resource"] == "orders-pg")
    assert backup["dr_copy"] == "orders-pg-20260101-1200-pre-mig-dr" and backup["latest_restorable_time"]
    # The ad-hoc manual snapshot breaks the naming convention: a warning, so the whole run exits 1.
    assert backup["naming_violations"] == ["orders-adhoc"] and backup["state"] == "warning"
    assert report["rpo"]["target_seconds"] == 3600 and report["rpo"]["state"] == "ok"
    assert report["state"] == "warning" and proc.returncode == 1


def test_status_table_and_critical_exit(moto_url: str, tmp_path: Path) -> None:
    reset(moto_url)
    seed(moto_url, lag=95.0)  # above the 60 s critical threshold of the DR plan
    proc = run_status(tmp_path, world_toml(moto_url))
    assert proc.returncode == 2, proc.stderr
    assert "orders-pg-dr" in proc.stdout and "CRITICAL" in proc.stdout


def test_status_config_error_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    proc = run_status(tmp_path, '[aws]\nregions = ["eu-west-1"]\nread_timeout = "slow"\n', "--json")
    assert proc.returncode == 3 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "config.toml:3: aws.read_timeout" in lines[0]
