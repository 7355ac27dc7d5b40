"""`nexus-tui status --format nagios|prometheus|checkmk` against a moto server seeded with names unlike the demo's,
each output read back with a real parser (prometheus-client's; the monitoring-plugins grammar as a regex)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_world import DR, PRIMARY, fire_alarm, reset, seed, start_server
from prometheus_client.parser import text_string_to_metric_families


@pytest.fixture(scope="module")
def seeded() -> Iterator[str]:
    server, url = start_server()
    reset(url)
    seed(url, lag=4.0, latency=120.0)
    fire_alarm(url, DR, "orders-dr-lag", "orders-pg-dr")
    yield url
    server.stop()


def run_status(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"""
[aws]
regions = ["{PRIMARY}", "{DR}"]
connect_timeout = 2
read_timeout = 15

[aws.endpoints]
"{PRIMARY}" = "{url}"
"{DR}" = "{url}"
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    cmd = [sys.executable, "-m", "nexus_tui", "status", *args, "--config", str(cfg)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


# https://www.monitoring-plugins.org/doc/guidelines.html#AEN200: 'label'=value[UOM];[warn];[crit];[min];[max]
NUM = r"-?[0-9]+(?:\.[0-9]+)?"
PERF = rf"'[^'=]+'=(?:{NUM}(?:s|us|ms|%|B|KB|MB|GB|TB|c)?|U);(?:{NUM})?;(?:{NUM})?;(?:{NUM})?;(?:{NUM})?"
NAGIOS_FIRST = re.compile(rf"^NEXUS DR (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+) \| ((?:{PERF})(?: {PERF})*)$")


def test_nagios_line_perfdata_and_long_text(seeded: str, tmp_path: Path) -> None:
    proc = run_status(tmp_path, seeded, "--format", "nagios")
    assert proc.stderr == ""
    first, *long_text = proc.stdout.splitlines()
    m = NAGIOS_FIRST.match(first)
    assert m, first
    # The alarm in ALARM is critical; the exit code is the state in the line.
    assert m.group(1) == "CRITICAL" and proc.returncode == 2
    perf = dict(re.findall(r"'([^'=]+)'=([^;]*);", m.group(3)))
    assert perf["rds orders-pg -> orders-pg-dr"] == "4s"
    assert perf["s3 orders-assets -> orders-assets-dr"] == "120s"
    assert perf["rpo_exposure"].endswith("s")
    assert any("alarm orders-dr-lag" in line for line in long_text)
    # No MFA Delete on the source bucket and no plan alarms: readiness warnings naming resource and setting.
    assert any("plan: orders-assets (eu-west-1): MFA Delete is Disabled, plan Enabled" in line for line in long_text)
    assert any("alarm RDS free storage is missing" in line for line in long_text)
    # The plan's defaults (seed 000): 35 days in 03:00-04:00; this account keeps 14 days from 02:00.
    assert any("orders-pg (eu-west-1): backup retention is 14 days, plan 35 days" in line for line in long_text)


def test_prometheus_textfile_is_written_atomically_and_parses(seeded: str, tmp_path: Path) -> None:
    out = tmp_path / "nexus_dr.prom"
    proc = run_status(tmp_path, seeded, "--format", "prometheus", "--output", str(out))
    assert proc.stderr == "" and proc.stdout == "" and proc.returncode == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left behind
    families = {f.name: f for f in text_string_to_metric_families(out.read_text())}
    assert families["nexus_dr_state"].samples[0].value == 2
    lag = {s.labels["target"]: s for s in families["nexus_dr_replication_lag_seconds"].samples}
    assert lag["orders-pg-dr"].value == 4.0
    assert lag["orders-pg-dr"].labels == {
        "kind": "rds",
        "source": "orders-pg",
        "target": "orders-pg-dr",
        "source_region": PRIMARY,
        "target_region": DR,
    }
    assert {s.labels["region"]: s.value for s in families["nexus_dr_region_reachable"].samples} == {
        PRIMARY: 1.0,
        DR: 1.0,
    }
    for name in (
        "nexus_dr_rpo_exposure_seconds",
        "nexus_dr_rpo_target_seconds",
        "nexus_dr_replication_state",
        "nexus_dr_backup_age_seconds",
        "nexus_dr_plan_alarm_state",
        "nexus_dr_last_poll_timestamp_seconds",
    ):
        assert families[name].samples, name
    missing = [s for s in families["nexus_dr_plan_alarm_state"].samples if s.value == 3]
    assert any(s.labels["resource"] == "orders-pg" for s in missing)
    covered = [s for s in families["nexus_dr_plan_alarm_state"].samples if s.labels["alarm"] == "orders-dr-lag"]
    assert [s.value for s in covered] == [1.0]  # present, and in ALARM


CHECKMK = re.compile(r'^([0-3]) "([^"]+)" (-|[A-Za-z0-9_]+=[^ |]+(?:\|[A-Za-z0-9_]+=[^ |]+)*) (.+)$')


def test_checkmk_local_checks_one_service_per_pair_and_rpo(seeded: str, tmp_path: Path) -> None:
    proc = run_status(tmp_path, seeded, "--format", "checkmk")
    assert proc.stderr == "" and proc.returncode == 2
    lines = proc.stdout.splitlines()
    parsed = [CHECKMK.match(line) for line in lines]
    assert all(parsed), lines
    services = {m.group(2): m for m in parsed if m}
    assert services["NEXUS DR RPO"].group(3).startswith("rpo_exposure=")
    rds = services["NEXUS DR rds orders-pg -> orders-pg-dr"]
    assert rds.group(1) == "0" and rds.group(3) == "lag=4;30;60"
    assert "NEXUS DR secret orders/app -> eu-central-1" in services
    assert services["NEXUS DR plan"].group(1) == "1"


def test_json_alias_and_format_agree(seeded: str, tmp_path: Path) -> None:
    import json

    a = json.loads(run_status(tmp_path, seeded, "--json").stdout)
    b = json.loads(run_status(tmp_path, seeded, "--format", "json").stdout)
    assert a["state"] == b["state"] == "critical"
    assert {d["setting"] for d in a["plan_deviations"]} >= {"MFA Delete", "alarm RDS replication lag"} - {
        "alarm RDS replication lag"  # orders-dr-lag covers it
    }
