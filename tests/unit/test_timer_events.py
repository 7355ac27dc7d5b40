"""Timer events: what time alone causes (escalation stages, the RTO projection crossing its target, an overdue
step) is due once, and the fold remembers what fired."""

from __future__ import annotations

from dataclasses import replace

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.report import describe
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import Routing, messages_for
from nexus_tui.domain.timer_events import due_timer_events, next_timer_at
from tests.incident_fixtures import Log, sample_runbook

SETTINGS = Settings()


def fire(log: Log) -> list[str]:
    """Append what is due now, the way the engine does; the types appended."""
    out = []
    for draft in due_timer_events(log.state, SETTINGS, log.clock.now()):
        log.add(draft)
        out.append(draft.type)
    return out


def test_nothing_is_due_at_declaration_and_the_on_call_is_not_announced() -> None:
    log = Log()
    assert due_timer_events(log.state, SETTINGS, log.clock.now()) == []
    # The next thing that can happen: the first step (2 min) overdue at 4 min.
    assert next_timer_at(log.state, SETTINGS, log.clock.now()) == 240.0


def test_each_fires_once() -> None:
    log = Log()
    log.clock.advance(241)
    assert fire(log) == ["step_overdue"]
    assert fire(log) == []
    log.clock.advance(15 * 60)
    assert fire(log) == ["escalated"]
    assert log.state.events[-1].payload["who"] == "Team lead"
    assert fire(log) == []
    # 31 min: the engineering manager; the projection (elapsed + 10 min of steps) is now past the 30 min RTO.
    log.clock.advance(15 * 60)
    assert fire(log) == ["escalated", "rto_projection_exceeded"]
    assert fire(log) == []
    assert log.state.fired == {"step_overdue:verify", "escalated:15", "escalated:30", "rto_projection_exceeded"}


def test_missed_stages_all_fire_in_order_and_a_new_step_can_be_overdue_again() -> None:
    log = Log()
    log.clock.advance(61 * 60)
    types = fire(log)
    assert types == ["escalated", "escalated", "escalated", "rto_projection_exceeded", "step_overdue"]
    assert [e.payload.get("who") for e in log.state.events if e.type == "escalated"] == [
        "Team lead",
        "Engineering manager",
        "CTO",
    ]
    log.do(lambda s: tr.confirm(s, "verify"))
    log.clock.advance(601)  # promote: 5 min expected
    assert fire(log) == ["step_overdue"]
    assert log.state.events[-1].payload["step_id"] == "promote"
    assert next_timer_at(log.state, SETTINGS, log.clock.now()) is None or fire(log) == []


def test_resolved_incidents_do_not_fire() -> None:
    log = Log()
    log.do(lambda s: tr.resolve(s, force=True, reason="test"))
    log.clock.advance(3600)
    assert due_timer_events(log.state, SETTINGS, log.clock.now()) == []
    assert next_timer_at(log.state, SETTINGS, log.clock.now()) is None


def test_a_runbook_longer_than_its_rto_fires_the_projection_at_once() -> None:
    log = Log(replace(sample_runbook(), rto_seconds=600.0))
    assert fire(log) == ["rto_projection_exceeded"]
    p = log.state.events[-1].payload
    assert (p["projected_seconds"], p["target_seconds"]) == (720.0, 600.0)


def test_timer_events_become_thread_messages_and_timeline_lines() -> None:
    log = Log()
    log.clock.advance(16 * 60)
    for draft in due_timer_events(log.state, SETTINGS, log.clock.now()):
        specs = messages_for(log.state, draft.type, draft.payload, log.state.last_seq + 1, Routing(mention="@ops"))
        assert [s.payload["role"] for s in specs] == ["thread"]
        log.add(draft)
    texts = [describe(e) for e in log.state.events[1:]]
    assert texts[0].startswith("Escalation: engage Team lead")
    assert texts[1].startswith("Step verify overdue: 16:00")
    specs = messages_for(log.state, "escalated", {"who": "CTO", "after_minutes": 60}, 9, Routing(mention="@ops"))
    assert specs[0].payload["text"] == ":rotating_light: escalation: engage CTO now @ops"


def test_damaged_timer_payloads_still_fold_and_describe() -> None:
    log = Log()
    log.add(tr.Draft("step_overdue", {"elapsed_seconds": "x", "expected_seconds": None}))
    log.add(tr.Draft("escalated", {"after_minutes": "soon"}))
    assert "Step None overdue: -" in describe(log.state.events[1])
    assert log.state.fired == {"step_overdue:None", "escalated:soon"}
