"""The runbook, journal and endpoints test_step_runner works with: a small runbook of our own (open params, an http
step with sub-second retries), an IncidentService over a SQLite journal, and the recorder's denial."""

from __future__ import annotations

from pathlib import Path

from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook

REPLICA = "securenexus-db-replica-west"

RUNBOOK = """\
id: steps-test
title: Step runner test
trigger: a test says so
rto_minutes: 30
params:
  replica_db: securenexus-db-replica-west
  health_url: null
  restore_time: null
steps:
  - id: promote
    title: Promote the replica
    expected_minutes: 5
    kind: aws
    action:
      name: rds.promote_read_replica
      region: us-west-2
      params: {DBInstanceIdentifier: "${replica_db}"}
  - id: restore
    title: Restore to a point in time
    expected_minutes: 10
    kind: aws
    action:
      name: rds.restore_db_instance_to_point_in_time
      region: us-west-2
      params:
        SourceDBInstanceIdentifier: ${replica_db}
        TargetDBInstanceIdentifier: restored-db
        RestoreTime: ${restore_time}
  - id: health
    title: Check /api/health
    expected_minutes: 1
    kind: http
    http:
      url: ${health_url}
      expected_status: 200
      timeout_seconds: 1
      retry_interval_seconds: 0.05
"""


def make_service(
    tmp_path: Path, clock: ManualClock, runbook_dir: Path, config: AppConfig | None = None
) -> IncidentService:
    def load(runbook_id: str) -> Runbook:
        return find_runbook(runbook_id, extra_dirs=[runbook_dir], config=config)

    return IncidentService(
        SqliteJournal(tmp_path / "journal.sqlite3"),
        clock=clock,
        runbook_loader=load,
        settings=Settings(),
        actor="alice",
    )


DENIED = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed here</Message>"
    "</Error><RequestId>rec-denied-1</RequestId></ErrorResponse>"
)


def recorder_config(url: str) -> AppConfig:
    return AppConfig(aws=AwsConfig(regions=("us-east-1", "us-west-2"), endpoints={"us-east-1": url, "us-west-2": url}))
