"""The scenario catalogue and the verdict rules (pure)."""

from __future__ import annotations

import json

import pytest

from nexus_tui.domain.drill import (
    SCENARIOS,
    BlockedBy,
    DataLoss,
    DrillError,
    DrillScore,
    StepScore,
    judge,
    scenario,
    summary_line,
)
from nexus_tui.runbook.library import find_runbook

ISSUE_IDS = ["primary-db-failure", "region-outage", "data-corruption", "s3-deletion", "ransomware", "lag-storm"]


def test_catalogue_has_the_six_scenarios_and_their_runbooks_exist() -> None:
    assert [s.id for s in SCENARIOS] == ISSUE_IDS
    for s in SCENARIOS:
        assert s.fault and s.detection and s.seed_lines
        for rid in (s.runbook, *s.alt_runbooks):
            assert find_runbook(rid).id == rid


def test_unknown_scenario_is_one_line() -> None:
    with pytest.raises(DrillError, match="unknown drill scenario 'nope' \\(known: primary-db-failure"):
        scenario("nope")


def test_lag_sanction_needs_the_lag_before_the_fault_under_the_rpo() -> None:
    s = scenario("primary-db-failure")
    lag = s.sanctioned_for("promote-replica", "replica_lag_below_rpo")
    assert lag is not None
    assert lag.applies(2.0, 3600.0)
    assert not lag.applies(7200.0, 3600.0)
    assert not lag.applies(None, 3600.0)
    assert not lag.applies(-1.0, 3600.0)
    # lag-storm: nothing may override the lag check.
    assert scenario("lag-storm").sanctioned_for("promote-replica", "replica_lag_below_rpo") is None


STEPS = (StepScore("a", 60.0, 55.0, "done"), StepScore("b", 300.0, 310.0, "done", ("x: because",)))


def test_pass_fail_blocked() -> None:
    ok = judge(
        rto_seconds=900.0,
        rto_target_seconds=1800.0,
        data_loss=DataLoss(10, 1.0),
        rpo_target_seconds=3600.0,
        steps=STEPS,
        blocked_by=None,
    )
    assert ok == ("pass", ())
    slow, reasons = judge(
        rto_seconds=1900.0,
        rto_target_seconds=1800.0,
        data_loss=DataLoss(10, 4000.0),
        rpo_target_seconds=3600.0,
        steps=STEPS,
        blocked_by=None,
    )
    assert slow == "fail" and len(reasons) == 2 and "exceeds the target 30.0 min" in reasons[0]
    blocked, why = judge(
        rto_seconds=None,
        rto_target_seconds=1800.0,
        data_loss=DataLoss(),
        rpo_target_seconds=3600.0,
        steps=(StepScore("a", 60.0, None, "pending"),),
        blocked_by=BlockedBy("a", "replica_lag_below_rpo", "lag 2.0 h >= RPO 60 min"),
    )
    assert blocked == "blocked" and "replica_lag_below_rpo" in why[0]
    unfinished, why = judge(
        rto_seconds=None,
        rto_target_seconds=1800.0,
        data_loss=DataLoss(),
        rpo_target_seconds=3600.0,
        steps=(StepScore("a", 60.0, None, "failed"),),
        blocked_by=None,
        extra_failures=("step a failed: boom",),
    )
    assert unfinished == "fail" and why[0] == "step a failed: boom"


def test_json_shape() -> None:
    score = DrillScore(
        scenario="lag-storm",
        runbook="rds-failover",
        verdict="blocked",
        rto_seconds=None,
        rto_target_seconds=1800.0,
        detection_seconds=None,
        data_loss=DataLoss(transactions=0, seconds=0.0),
        rpo_target_seconds=3600.0,
        steps=STEPS,
        blocked_by=BlockedBy("b", "replica_lag_below_rpo", "lag 2 h"),
    )
    data = json.loads(json.dumps(score.to_dict()))
    assert set(data) >= {
        "scenario",
        "runbook",
        "verdict",
        "rto_seconds",
        "rto_target_seconds",
        "detection_seconds",
        "data_loss",
        "rpo_target_seconds",
        "steps",
        "blocked_by",
    }
    assert data["data_loss"] == {"transactions": 0, "seconds": 0.0, "objects": None, "bytes": None}
    assert data["steps"][1] == {
        "id": "b",
        "expected": 300.0,
        "actual": 310.0,
        "state": "done",
        "overrides": ["x: because"],
    }
    assert data["blocked_by"] == {"step": "b", "precondition": "replica_lag_below_rpo", "live_value": "lag 2 h"}
    assert summary_line(score).startswith("lag-storm: BLOCKED")


def test_data_loss_adds_kinds_independently() -> None:
    total = DataLoss(transactions=3, seconds=1.5) + DataLoss(objects=2, bytes=10)
    assert total == DataLoss(3, 1.5, 2, 10)
