"""Which requests the domain refuses, each with a one-line reason."""

from __future__ import annotations

import pytest

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.incident import IncidentError
from tests.incident_fixtures import Log, sample_runbook


def refused(log: Log, decide, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IncidentError, match=match) as info:
        decide(log.state)
    assert "\n" not in str(info.value)


def test_confirming_out_of_order_is_refused_until_the_earlier_step_is_skipped() -> None:
    log = Log()
    refused(log, lambda s: tr.confirm(s, "dns", "app.example.com"), "not the current step: finish or skip verify")
    log.do(lambda s: tr.skip(s, "verify", "paged by AWS Health"))
    log.do(lambda s: tr.skip(s, "promote", "done by hand"))
    assert log.do(lambda s: tr.confirm(s, "dns", "app.example.com")).steps[2].status == "done"


def test_destructive_step_needs_the_typed_resource_name() -> None:
    log = Log()
    log.do(lambda s: tr.confirm(s, "verify"))
    refused(log, lambda s: tr.confirm(s, "promote"), "destructive.*'db-replica-west'")
    refused(log, lambda s: tr.confirm(s, "promote", "db-replica"), "destructive")
    assert log.do(lambda s: tr.confirm(s, "promote", "db-replica-west")).steps[1].status == "done"
    # An explicit `confirm:` in the runbook wins over the action's target.
    refused(log, lambda s: tr.confirm(s, "dns", "db-replica-west"), "'app.example.com'")


def test_skip_and_fail_need_a_reason() -> None:
    log = Log()
    refused(log, lambda s: tr.skip(s, "verify", "  "), "skipping step verify needs a reason")
    refused(log, lambda s: tr.fail(s, "verify", None), "failing step verify needs a reason")


def test_resolved_incident_refuses_step_changes_but_takes_notes() -> None:
    log = Log()
    log.do(lambda s: tr.resolve(s, force=True, reason="ended"))
    refused(log, lambda s: tr.confirm(s, "verify"), "is resolved")
    refused(log, lambda s: tr.resolve(s), "is resolved")
    refused(log, lambda s: tr.undo(s, log.clock.now()), "is resolved")
    assert log.do(lambda s: tr.note(s, "post-mortem on Friday")).notes[0].text == "post-mortem on Friday"


def test_undo_only_within_the_grace_period() -> None:
    log = Log()
    refused(log, lambda s: tr.undo(s, log.clock.now()), "nothing to undo")
    log.do(lambda s: tr.confirm(s, "verify"))
    log.clock.advance(61)
    refused(log, lambda s: tr.undo(s, log.clock.now()), "past the 60 s grace period")
    assert tr.undo(log.state, log.clock.now(), grace_seconds=120).payload["step_id"] == "verify"


def test_undo_takes_back_completions_newest_first() -> None:
    log = Log()
    log.do(lambda s: tr.confirm(s, "verify"))
    log.do(lambda s: tr.skip(s, "promote", "not needed"))
    s = log.do(lambda s: tr.undo(s, log.clock.now()))
    assert [st.status for st in s.steps[:2]] == ["done", "pending"]
    s = log.do(lambda s: tr.undo(s, log.clock.now()))
    assert s.steps[0].status == "pending"


def test_an_executed_aws_action_cannot_be_undone() -> None:
    log = Log()
    log.do(lambda s: tr.confirm(s, "verify"))
    log.do(lambda s: tr.aws_request(s, "promote", "rds.promote_read_replica", "us-west-2", "req-9", True))
    log.do(lambda s: tr.confirm(s, "promote", "db-replica-west"))
    refused(log, lambda s: tr.undo(s, log.clock.now()), "AWS action was executed; add a note")


def test_unknown_step_severity_and_double_start() -> None:
    log = Log()
    refused(log, lambda s: tr.confirm(s, "nope"), "unknown step 'nope'.*verify, promote")
    with pytest.raises(IncidentError, match="severity 'high'"):
        tr.declare(sample_runbook(), {}, "high", "alice", False)
    assert tr.normalize_severity("sev1") == "SEV1" and tr.normalize_severity("3") == "SEV3"
    log.do(lambda s: tr.start(s, "verify"))
    refused(log, lambda s: tr.start(s, "verify"), "already in progress")
    log.do(lambda s: tr.confirm(s, "verify"))
    refused(log, lambda s: tr.confirm(s, "verify"), "already done")


def test_claims_are_exclusive_and_released_by_the_outcome() -> None:
    from datetime import timedelta

    from nexus_tui.domain.settings import Settings
    from nexus_tui.domain.step_plan import plan_step

    log = Log()
    state = log.state
    first = state.current_step
    assert first is not None
    sid = first.id
    now = state.declared_at + timedelta(seconds=5)
    s = log.do(lambda s: tr.claim(s, sid, holder="alice", host="laptop", pid=1, now=now, deadline_seconds=60))
    assert s.claims[sid].holder == "alice"
    refused(
        log,
        lambda s: tr.claim(s, sid, holder="bob", host="desk", pid=2, now=now, deadline_seconds=60),
        "alice on laptop",
    )
    refused(log, lambda s: tr.resolve(s, force=True, reason="x"), "being executed")
    plan = plan_step(s, sid, None, Settings(), now)
    assert plan.next_action == "wait" and any("being executed by alice" in b for b in plan.blockers)
    later = now + timedelta(seconds=120)
    assert plan_step(s, sid, None, Settings(), later).next_action == "recheck"
    refused(
        log,
        lambda s: tr.claim(s, sid, holder="bob", host="desk", pid=2, now=later, deadline_seconds=60),
        "never reported back",
    )
    s = log.do(lambda s: tr.aws_request(s, sid, "x", "r", None, None, executed=True, error="lost", outcome="unknown"))
    assert not s.claims
    assert plan_step(s, sid, None, Settings(), later).next_action == "recheck"
    refused(
        log,
        lambda s: tr.claim(s, sid, holder="bob", host="desk", pid=2, now=later, deadline_seconds=60),
        "outcome unknown",
    )
    s = log.do(lambda s: tr.release_unknown(s, sid, reached=False, detail="still a replica"))
    assert plan_step(s, sid, None, Settings(), later).next_action in ("execute", "confirm")


def test_resolve_with_open_steps_needs_force_and_a_reason() -> None:
    log = Log()
    refused(log, lambda s: tr.resolve(s), "--force")
    refused(log, lambda s: tr.resolve(s, force=True), "needs a reason")
    s = log.do(lambda s: tr.resolve(s, force=True, reason="drill ended early"))
    assert s.resolved_forced and s.forced_reason == "drill ended early" and s.open_at_resolve


def test_preconditions_gate_only_starting_a_step() -> None:
    """A failing precondition blocks a step until it is claimed or finished: "BLOCKED" over a promotion
    already under way, or over a done step, would say something untrue."""
    from dataclasses import replace
    from datetime import timedelta

    from nexus_tui.domain.runbook import Precondition
    from nexus_tui.domain.settings import Settings
    from nexus_tui.domain.step_plan import plan_step

    base = sample_runbook()
    gated = replace(base.steps[1], preconditions=(Precondition("region_reachable", {"region": "us-west-2"}),))
    log = Log(replace(base, steps=(base.steps[0], gated, *base.steps[2:])))
    now = log.state.declared_at + timedelta(seconds=5)
    log.do(lambda s: tr.confirm(s, "verify"))
    plan = plan_step(log.state, "promote", None, Settings(), now)  # no snapshot: the check cannot tell
    assert plan.blocking_checks and plan.blocked
    s = log.do(lambda s: tr.claim(s, "promote", holder="alice", host="laptop", pid=1, now=now, deadline_seconds=60))
    plan = plan_step(s, "promote", None, Settings(), now)
    assert plan.blocking_checks and not plan.blocked
    s = log.do(lambda s: tr.aws_request(s, "promote", "x", "r", None, None, executed=True, error=None, outcome="done"))
    s = log.do(lambda s: tr.confirm(s, "promote", "db-replica-west"))
    assert s.step_state("promote").status == "done"
    assert not plan_step(s, "promote", None, Settings(), now).blocked
