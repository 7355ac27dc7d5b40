"""The drill calendar over a real journal: last run from finished drills (scenario or runbook), real incidents
and open drills never count; `nexus-tui drill schedule [--json]`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nexus_tui.cli import main
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.drill_calendar import SEED_DRILLS
from nexus_tui.engine.drill_calendar import drill_runs, drill_schedule
from nexus_tui.journal.sqlite import SqliteJournal
from tests.drills_calendar.support import finished_drill, service

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def by_name(statuses: list) -> dict:  # type: ignore[type-arg]
    return {s.entry.name: s for s in statuses}


def test_last_run_from_scenario_or_runbook_and_real_incidents_do_not_count(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    journal = tmp_path / "j.sqlite3"
    with service(journal, clock) as svc:
        finished_drill(svc, clock, "rds-failover", T0)  # matched by runbook id
        tagged = finished_drill(svc, clock, "some-other-book", T0 + timedelta(days=3), scenario="s3-deletion")
        finished_drill(svc, clock, "regional-outage", T0 + timedelta(days=5), drill=False)  # a real incident
        finished_drill(svc, clock, "data-center-loss", T0 + timedelta(days=6), resolve=False)  # still open
        runs = drill_runs(svc.journal)
        statuses = by_name(drill_schedule(svc.journal, SEED_DRILLS, T0 + timedelta(days=20)))
    assert sorted(r.runbook_id for r in runs) == ["rds-failover", "some-other-book"]
    failover = statuses["cross-region-failover"]
    assert failover.last_run is not None and failover.last_run.at == T0 + timedelta(seconds=60)
    assert failover.next_due == T0 + timedelta(seconds=60) + timedelta(days=92)  # quarterly: Mar 10 -> Jun 10
    assert not failover.overdue
    s3 = statuses["s3-object-recovery"]
    assert s3.last_run is not None and s3.last_run.incident_id == tagged and s3.last_run.scenario == "s3-deletion"
    assert not s3.overdue
    for name in ("regional-failover", "data-center-loss"):  # the real incident and the open drill
        assert statuses[name].last_run is None and statuses[name].overdue
    # 40 days later the monthly ones are late, the quarterly one is not
    later = by_name(drill_schedule(SqliteJournal(journal, read_only=True), SEED_DRILLS, T0 + timedelta(days=40)))
    assert later["s3-object-recovery"].overdue and not later["cross-region-failover"].overdue


def _config(tmp_path: Path, extra: str = "") -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(extra)
    return cfg


def test_cli_schedule_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    clock = ManualClock(now - timedelta(days=10))
    journal = tmp_path / "j.sqlite3"
    with service(journal, clock) as svc:
        incident = finished_drill(svc, clock, "rds-failover", now - timedelta(days=10))
    cfg = _config(tmp_path, '[[drill]]\nname = "full-dr-drill"\ndisabled = true\n')
    assert main(["drill", "schedule", "--json", "--journal", str(journal), "--config", str(cfg)]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert "full-dr-drill" not in rows and len(rows) == len(SEED_DRILLS) - 1
    fo = rows["failover-simulation"]
    assert fo["frequency"] == "monthly" and fo["owner"] == "Infrastructure Team"
    assert fo["last_incident"] == incident and fo["overdue"] is False
    assert fo["last_run"].endswith("Z") and fo["next_due"] > fo["last_run"]
    assert rows["data-center-loss"] == {**rows["data-center-loss"], "last_run": None, "next_due": None, "overdue": True}

    assert main(["drill", "schedule", "--journal", str(journal), "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    header, *lines = out.strip().splitlines()
    assert header.split() == ["DRILL", "FREQUENCY", "LAST", "RUN", "NEXT", "DUE", "OVERDUE", "OWNER"]
    line = next(ln for ln in lines if ln.startswith("failover-simulation"))
    assert "monthly" in line and "Infrastructure Team" in line and "OVERDUE" not in line
    assert "never" in next(ln for ln in lines if ln.startswith("data-center-loss"))
    assert lines[-1].startswith(f"{len(SEED_DRILLS) - 3} of {len(SEED_DRILLS) - 1} drills overdue")


def test_cli_schedule_without_a_journal_creates_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = tmp_path / "none" / "j.sqlite3"
    assert main(["drill", "schedule", "--json", "--journal", str(journal), "--config", str(_config(tmp_path))]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(r["overdue"] and r["last_run"] is None for r in rows)
    assert not journal.parent.exists()


def test_cli_schedule_bad_config_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, '[[drill]]\nname = "x"\nfrequency = "every now and then"\n')
    assert main(["drill", "schedule", "--config", str(cfg), "--journal", str(tmp_path / "j")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"nexus-tui drill: {cfg}:3: drill.frequency:") and "\n" not in err


def test_cli_schedule_damaged_journal_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = tmp_path / "j.sqlite3"
    journal.write_bytes(b"this is not a database" * 100)
    assert main(["drill", "schedule", "--journal", str(journal), "--config", str(_config(tmp_path))]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nexus-tui drill:") and "\n" not in err and "Traceback" not in err
