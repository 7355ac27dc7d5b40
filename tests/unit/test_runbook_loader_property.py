"""Property test of the runbook loader (issue 7): 10,000 generated documents, each either a Runbook that is
plain, finite data or one-line ValidationIssues; never an exception, never a recursion or expansion blow-up.

A document is built from one drawn list of integers (cheap to generate and to shrink) rather than nested
strategies, so 10,000 examples stay around a minute even on a busy machine."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.domain.runbook_json import runbook_to_data
from nexus_tui.runbook.loader import parse_runbook

KEYS = [
    "id", "title", "trigger", "steps", "rto_minutes", "roles", "params", "description", "source", "extra",
    "expected_minutes", "kind", "command", "action", "http", "url", "timeout_seconds", "expected_status",
    "retry_interval_seconds", "preconditions", "check", "max_seconds", "resource", "destructive", "confirm",
    "owner", "name", "region", "<<", "? [a]", "slack", "message", "channel",
]  # fmt: skip
SCALARS = [
    "a", "x y", "1", "-1", "0", "1.0e+300", "9" * 40, ".nan", ".inf", "-.inf", "null", "~", "true", "no", "''",
    "'${p}'", "${x}", "rds.promote_read_replica", "http://h/", "eu-west-1", "2026-01-01T00:00:00Z", "0x1f",
    "'${incident.id}'", "'${incident.x}'", "stakeholder", "'#exec'", "slack",
    "'\\x1b[2J'", "\"\\u202e\"", "!!binary aGk=", "!!python/object:os.system x", "!custom x", "manual", "aws",
    "replica_lag_below", "200", "599.5", "'\t'", "|\n  block", "&", "*", "[", "{", "'", '"', "- x", ": :",
]  # fmt: skip
TOP_KEYS = ["rto_minutes", "roles", "params", "description", "source", "extra", "title", "<<"]
NUMBERS = ["1", "0", "2.5", ".nan", ".inf", "-.inf", "-1", "1.0e+300", "10080", "10081", "9" * 40, "x", "*a", "[]"]
DAMAGE = ["\x00", "\x1f", "\t", "\ufeff", "\ud7ff", "\n", "\n  ", "#", "%YAML 1.1\n", "---\n", "...\n", "\x85"]


def _value(nums: Iterator[int], depth: int) -> str:
    """A small YAML flow value, sometimes anchored, sometimes an alias to an anchor that may still be open."""
    pick = next(nums) % (10 if depth < 3 else 4)
    if pick <= 2:
        return SCALARS[next(nums) % len(SCALARS)]
    if pick == 3:
        return "*" + "abc"[next(nums) % 3]
    anchor = f"&{'abc'[next(nums) % 3]} " if next(nums) % 2 else ""
    items = [_value(nums, depth + 1) for _ in range(next(nums) % 4)]
    if pick <= 6:
        return anchor + "[" + ", ".join(items) + "]"
    return anchor + "{" + ", ".join(f"{KEYS[next(nums) % len(KEYS)]}: {v}" for v in items) + "}"


def document(choices: list[int]) -> str:
    nums = iter([*choices, *[0] * 400])  # past the drawn choices: the simplest value each time
    lines = [f"{TOP_KEYS[next(nums) % len(TOP_KEYS)]}: {_value(nums, 0)}" for _ in range(next(nums) % 3)]
    if next(nums) % 4:
        steps = []
        for n in range(1 + next(nums) % 3):
            fields = [f"id: s{n}", "title: S", f"expected_minutes: {NUMBERS[next(nums) % len(NUMBERS)]}"]
            fields += [f"{KEYS[next(nums) % len(KEYS)]}: {_value(nums, 1)}" for _ in range(next(nums) % 3)]
            steps.append("  - {" + ", ".join(fields) + "}")
        lines = ["id: p", "title: T", "trigger: x", *lines, "steps:", *steps]
    text = "\n".join(lines)
    for _ in range(next(nums) % 4 // 2):  # damage, now and then: a character YAML treats specially
        at = next(nums) % (len(text) + 1)
        text = text[:at] + DAMAGE[next(nums) % len(DAMAGE)] + text[at:]
    return text


# 10,000 examples take about a minute on a loaded machine; the suite's 120 s timeout is meant for hangs.
@pytest.mark.timeout(1200)
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 255), max_size=60))
def test_runbook_loader_never_raises_and_loads_only_finite_plain_data(choices: list[int]) -> None:
    text = document(choices)
    runbook, issues = parse_runbook(text, "gen.yaml")
    for issue in issues:
        line = str(issue)
        assert line.startswith("gen.yaml") and "\n" not in line
    if runbook is None:
        assert any(i.is_error for i in issues)
        return
    assert not any(i.is_error for i in issues)
    assert all(math.isfinite(s.expected_seconds) for s in runbook.steps)
    assert runbook.rto_seconds is None or math.isfinite(runbook.rto_seconds)
    json.dumps(runbook_to_data(runbook), allow_nan=False)  # what the journal stores must be strict JSON


def test_generated_documents_reach_every_part_of_the_loader() -> None:
    """The generator is not vacuous: among simple choice lists some documents load, others are refused."""
    outcomes = [parse_runbook(document([a, b, 1, 0, 2]), "g.yaml") for a in range(16) for b in range(16)]
    assert any(rb is not None for rb, _ in outcomes)
    assert any(rb is None for rb, _ in outcomes)
