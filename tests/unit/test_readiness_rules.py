"""Readiness against the plan (pure) and the [expect] table's parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nexus_tui.config import ConfigError
from nexus_tui.domain.models import AlarmInfo, BackupStatus, DashboardSnapshot, ReplicationPair
from nexus_tui.domain.plan import Plan
from nexus_tui.domain.readiness import readiness
from nexus_tui.expectations import parse_plan

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _snap(**kw: object) -> DashboardSnapshot:
    pairs = (
        ReplicationPair("rds", "ledger", "ledger-copy", "ap-south-1", "ap-southeast-2", "replicating", 1.0),
        ReplicationPair("s3", "media-raw", "media-raw-copy", "ap-south-1", "ap-southeast-2", "enabled", scope=""),
    )
    return DashboardSnapshot(NOW, replication=pairs, **kw)  # type: ignore[arg-type]


def _alarm(name: str, metric: str, dims: tuple[tuple[str, str], ...], state: str = "OK", **kw: object) -> AlarmInfo:
    ns = "AWS/S3" if metric == "ReplicationLatency" else "AWS/RDS"
    return AlarmInfo(name, "ap-south-1", state, namespace=ns, metric_name=metric, dimensions=dims, **kw)  # type: ignore[arg-type]


def test_every_plan_alarm_present_and_controls_met_is_clean() -> None:
    alarms = (
        _alarm("a", "ReplicaLag", (("DBInstanceIdentifier", "ledger-copy"),), threshold=60.0),
        _alarm("b", "FreeStorageSpace", (("DBInstanceIdentifier", "ledger"),), threshold=5.0 * 1024**3),
        _alarm("c", "ReplicationLatency", (("SourceBucket", "media-raw"), ("DestinationBucket", "media-raw-copy"))),
        _alarm("d", "BackupRetentionPeriodStorageAllocated", (("DBInstanceIdentifier", "ledger"),), "ALARM"),
    )
    backups = (
        BackupStatus("rds", "ledger", "ap-south-1", role="primary", retention_days=35, backup_window="03:00-04:00"),
        BackupStatus("s3", "media-raw-copy", "ap-southeast-2", versioning="Enabled", mfa_delete="Disabled"),
    )
    ready = readiness(_snap(alarms=alarms, backups=backups), Plan())
    assert ready.deviations == ()
    assert [c.state for c in ready.coverage] == ["OK", "OK", "OK", "ALARM"]


def test_each_gap_names_resource_setting_plan_and_actual() -> None:
    alarms = (_alarm("lag", "ReplicaLag", (("DBInstanceIdentifier", "ledger-copy"),), threshold=120.0),)
    backups = (
        BackupStatus("rds", "ledger", "ap-south-1", role="primary", retention_days=7, backup_window="05:00-05:30"),
        BackupStatus("s3", "media-raw", "ap-south-1", versioning="Suspended", mfa_delete="Disabled"),
    )
    pairs = (ReplicationPair("s3", "media-raw", "media-raw-copy", "ap-south-1", "ap-southeast-2", scope="prefix a/"),)
    snap = DashboardSnapshot(NOW, replication=pairs + _snap().replication[:1], alarms=alarms, backups=backups)
    lines = {d.line() for d in readiness(snap, Plan()).deviations}
    assert "ledger-copy (ap-southeast-2): alarm RDS replication lag (lag) is > 120, plan ReplicaLag > 60" in lines
    assert "ledger (ap-south-1): alarm RDS free storage is missing, plan FreeStorageSpace < 5 GiB" in lines
    assert "ledger (ap-south-1): backup retention is 7 days, plan 35 days" in lines
    assert "ledger (ap-south-1): backup window is 05:00-05:30, plan 03:00-04:00" in lines
    assert "media-raw (ap-south-1): versioning is Suspended, plan Enabled" in lines
    assert "media-raw (ap-south-1): MFA Delete is Disabled, plan Enabled" in lines
    assert "media-raw (ap-south-1): replication scope is prefix a/, plan entire bucket" in lines


def test_expect_table_overrides_defaults_and_rejects_mistakes_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = '[expect]\nbackup_retention_days = 14\nmfa_delete = ["prod-*"]\nkms_at_rest = false\n'
    plan = parse_plan({"backup_retention_days": 14, "mfa_delete": ["prod-*"], "kms_at_rest": False}, path, text)
    assert plan.backup_retention_days == 14 and plan.mfa_delete == ("prod-*",) and plan.kms_at_rest is False
    assert plan.alarms == Plan().alarms
    with pytest.raises(ConfigError, match=r"config.toml:2: expect.backup_retention_days: must be a whole number"):
        parse_plan({"backup_retention_days": "lots"}, path, '[expect]\nbackup_retention_days = "lots"\n')
    with pytest.raises(ConfigError, match=r"expect.colour: unknown key"):
        parse_plan({"colour": 1}, path, "[expect]\ncolour = 1\n")
    with pytest.raises(ConfigError, match=r"expect.alarm.applies_to: must be one of"):
        bad = {"name": "x", "applies_to": "ec2", "namespace": "n", "metric": "m", "comparison": ">", "threshold": 1}
        parse_plan({"alarm": [bad]}, path, "[expect]\n")
