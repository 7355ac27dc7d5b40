"""Runbook files -> domain objects, and every mistake reported as file:line: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_tui.runbook.loader import load_runbook_file, parse_runbook

DATA = Path(__file__).resolve().parents[1] / "data"
BROKEN = DATA / "runbooks_broken"

# (file, line, fragment of the message)
CASES = [
    ("bad_yaml.yaml", 6, "invalid YAML: found unexpected end of stream (while scanning a quoted scalar"),
    ("tabs.yaml", 6, "tab character in indentation"),
    ("not_utf8.yaml", 2, "not valid UTF-8 (byte 0xe9)"),
    ("not_mapping.yaml", 1, "runbook must be a mapping, got a list"),
    ("unknown_key.yaml", 8, "step a: unknown key 'ownr' (did you mean 'owner'?)"),
    ("missing_keys.yaml", 1, "runbook: missing required key 'trigger'"),
    ("missing_keys.yaml", 4, "step a: missing required key 'title'"),
    ("duplicate_step.yaml", 8, "duplicate step id 'a' (first at line 5)"),
    ("bad_minutes.yaml", 7, "step negative: expected_minutes must be at least 0, got -3"),
    ("bad_minutes.yaml", 10, "step words: expected_minutes must be a number, got 'five'"),
    ("bad_minutes.yaml", 11, "step missing: missing required key 'expected_minutes'"),
    ("unknown_kind.yaml", 8, "unknown kind 'manaul' (did you mean 'manual'?)"),
    ("unsupported_action.yaml", 10, "unsupported aws action 'rds.delete_db_instance'"),
    ("action_missing_param.yaml", 12, "route53.change_resource_record_sets needs parameter(s) Value"),
    ("unknown_precondition.yaml", 9, "unknown precondition check 'replica_lag_below_rp' (did you mean"),
    ("http_no_url.yaml", 10, "step a: http: missing required key 'url'"),
    ("undeclared_param.yaml", 11, "unknown param ${replica}: declare it under params (did you mean 'replica_db'?)"),
    ("empty_steps.yaml", 4, "steps must list at least one step"),
    ("not_destructive.yaml", 9, "rds.promote_read_replica is destructive; the step cannot say destructive: false"),
    ("owner_not_role.yaml", 9, "owner 'Database Admin' is not one of the runbook's roles"),
    ("duplicate_key.yaml", 4, "runbook: duplicate key 'title' (first at line 2)"),
]


@pytest.mark.parametrize(("name", "line", "fragment"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_broken_file_reports_line_and_message(name: str, line: int, fragment: str) -> None:
    runbook, issues = load_runbook_file(BROKEN / name)
    assert runbook is None
    rendered = [str(i) for i in issues if i.is_error]
    assert any(r.startswith(f"{BROKEN / name}:{line}: ") and fragment in r for r in rendered), rendered


def test_every_broken_file_is_covered() -> None:
    assert {p.name for p in BROKEN.glob("*.yaml")} == {c[0] for c in CASES}


def test_all_problems_of_a_file_not_just_the_first() -> None:
    _, issues = load_runbook_file(BROKEN / "bad_minutes.yaml")
    assert [i.line for i in issues] == [7, 10, 11]


def test_ok_file_builds_domain_objects() -> None:
    runbook, issues = load_runbook_file(DATA / "runbooks_ok" / "minimal.yaml")
    assert issues == []
    assert runbook is not None
    assert runbook.rto_seconds == 600
    assert runbook.params == {"bucket": "demo-bucket"}  # `version: null` has no default
    look, restore, check = runbook.steps
    assert (look.kind, look.line, look.destructive) == ("manual", 10, False)
    assert restore.kind == "aws" and restore.expected_seconds == 150
    # The action's spec is destructive, so the step is, and it is confirmed by the object key.
    assert restore.destructive and restore.confirm_text == "report.csv"
    assert restore.action is not None and restore.action.params["VersionId"] == "${version}"
    assert check.kind == "http" and check.http is not None and check.http.expected_status == 200
    assert check.preconditions[0].check == "endpoint_up" and check.preconditions[0].args == {"name": "api"}


def _runbook(steps: str, head: str = "") -> str:
    return f"id: t\ntitle: T\ntrigger: x\n{head}steps:\n{steps}"


def test_rto_exceeded_is_a_warning_and_the_runbook_still_loads() -> None:
    text = _runbook(
        "  - {id: a, title: A, expected_minutes: 20}\n  - {id: b, title: B, expected_minutes: 15}\n",
        "rto_minutes: 30\n",
    )
    runbook, issues = parse_runbook(text, "t.yaml")
    assert runbook is not None
    assert [str(i) for i in issues] == ["t.yaml:4: warning: steps add up to 35 min, more than rto_minutes 30"]


def test_payload_of_another_kind_and_kind_needing_payload() -> None:
    text = _runbook("  - id: a\n    title: A\n    expected_minutes: 1\n    kind: http\n    command: ls\n")
    _, issues = parse_runbook(text, "t.yaml")
    messages = [str(i) for i in issues]
    assert "t.yaml:9: step a: command belongs to kind: command steps, this step is kind: http" in messages
    assert "t.yaml:5: step a: a kind: http step needs http" in messages


def test_unknown_action_parameter_and_bad_region() -> None:
    text = _runbook(
        "  - id: a\n    title: A\n    expected_minutes: 1\n    action:\n      name: rds.create_db_snapshot\n"
        "      region: us-east\n      params: {DBInstanceIdentifier: d, DBSnapshotId: s}\n"
    )
    _, issues = parse_runbook(text, "t.yaml")
    messages = [str(i) for i in issues]
    assert "t.yaml:10: step a: action region 'us-east' is not an AWS region name" in messages
    assert any(
        m.startswith("t.yaml:11: step a: rds.create_db_snapshot has no parameter 'DBSnapshotId'") for m in messages
    )


def test_precondition_arguments_are_checked() -> None:
    text = _runbook(
        "  - id: a\n    title: A\n    expected_minutes: 1\n    preconditions:\n"
        "      - {check: replica_lag_below, resource: r, max_seconds: soon, regoin: x}\n"
    )
    _, issues = parse_runbook(text, "t.yaml")
    messages = [str(i) for i in issues]
    assert any("unknown key 'regoin'" in m and m.startswith("t.yaml:9:") for m in messages)
    assert any("max_seconds must be a number" in m for m in messages)


def test_restore_time_stays_the_string_written() -> None:
    text = _runbook(
        "  - id: a\n    title: A\n    expected_minutes: 1\n    action:\n"
        "      name: rds.restore_db_instance_to_point_in_time\n"
        "      params: {SourceDBInstanceIdentifier: s, TargetDBInstanceIdentifier: t, "
        "RestoreTime: 2024-01-06T10:00:00Z}\n"
    )
    runbook, issues = parse_runbook(text, "t.yaml")
    assert runbook is not None, issues
    assert runbook.steps[0].action is not None
    assert runbook.steps[0].action.params["RestoreTime"] == "2024-01-06T10:00:00Z"


def test_empty_file_and_scalar_file() -> None:
    assert str(parse_runbook("", "e.yaml")[1][0]).startswith("e.yaml:1: empty file")
    assert "must be a mapping" in str(parse_runbook("just text\n", "s.yaml")[1][0])


def test_unreadable_path_is_an_issue_not_an_exception(tmp_path: Path) -> None:
    runbook, issues = load_runbook_file(tmp_path / "missing.yaml")
    assert runbook is None and "cannot read file" in str(issues[0])
