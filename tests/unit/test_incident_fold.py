"""replay(events) -> state: what each event does to the incident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.fold import Replayer, replay
from nexus_tui.domain.incident import Event, IncidentError
from nexus_tui.domain.runbook_json import runbook_digest, runbook_from_data, runbook_to_data
from tests.incident_fixtures import Log, sample_runbook


def test_declaration_sets_up_pending_steps_with_the_first_one_current() -> None:
    s = Log(drill=True).state
    assert s.severity == "SEV2" and s.ic == "alice" and s.drill and not s.resolved
    assert [st.status for st in s.steps] == ["pending"] * 5
    assert s.current_step is not None and s.current_step.id == "verify"
    assert s.steps[0].became_current_at == s.declared_at
    assert s.runbook == sample_runbook()


def test_runbook_snapshot_round_trips_and_digest_is_stable() -> None:
    rb = sample_runbook()
    assert runbook_from_data(runbook_to_data(rb)) == rb
    assert runbook_digest(rb) == runbook_digest(runbook_from_data(runbook_to_data(rb)))


def test_confirm_skip_fail_and_the_current_step_moves_on() -> None:
    log = Log()
    log.clock.advance(90)
    s = log.do(lambda s: tr.confirm(s, "verify"))
    assert s.steps[0].status == "done" and s.steps[0].actual_seconds == 90
    assert s.steps[0].finished_by == "alice"
    assert s.current_step is not None and s.current_step.id == "promote"
    assert s.steps[1].became_current_at == s.steps[0].finished_at
    s = log.do(lambda s: tr.skip(s, "promote", "already promoted by AWS"))
    assert s.steps[1].status == "skipped" and s.steps[1].reason == "already promoted by AWS"
    s = log.do(lambda s: tr.fail(s, "dns", "zone locked"))
    assert s.steps[2].status == "failed"
    # A failed step stays current: retry it or skip it.
    assert s.current_step is not None and s.current_step.id == "dns"
    s = log.do(lambda s: tr.confirm(s, "dns", "app.example.com"))
    assert s.steps[2].status == "done" and s.current_step is not None and s.current_step.id == "health"


def test_explicit_start_sets_in_progress_and_its_own_clock() -> None:
    log = Log()
    log.clock.advance(30)
    s = log.do(lambda s: tr.start(s, "verify"))
    assert s.steps[0].status == "in_progress" and s.steps[0].clock_start == log.clock.now()
    log.clock.advance(45)
    s = log.do(lambda s: tr.confirm(s, "verify"))
    assert s.steps[0].actual_seconds == 45


def test_undo_restores_the_step_exactly() -> None:
    log = Log()
    log.do(lambda s: tr.start(s, "verify"))
    before = log.state.steps[0]
    log.clock.advance(10)
    log.do(lambda s: tr.confirm(s, "verify"))
    log.clock.advance(10)
    s = log.do(lambda s: tr.undo(s, log.clock.now()))
    assert s.steps[0] == before
    assert s.current_step is not None and s.current_step.id == "verify"
    assert s.completion_stack == ()


def test_notes_overrides_aws_requests_rpo_and_resolution_are_collected() -> None:
    log = Log()
    log.do(lambda s: tr.note(s, "TODO: file a ticket with AWS"))
    log.do(lambda s: tr.note(s, "replica looks healthy", step_id="promote"))
    log.do(lambda s: tr.override(s, "promote", "lag metric is stale", "replica_lag_below_rpo"))
    log.do(lambda s: tr.aws_request(s, "promote", "rds.promote_read_replica", "us-west-2", "req-1", True))
    log.do(lambda s: tr.record_rpo(s, 42.0, 3600.0))
    log.clock.advance(600)
    s = log.do(lambda s: tr.resolve(s, "back on the DR region", force=True, reason="drill cut short"))
    assert [n.todo for n in s.notes] == [True, False]
    assert s.overrides[0].reason == "lag metric is stale" and s.overrides[0].check == "replica_lag_below_rpo"
    assert s.aws_requests[0].request_id == "req-1" and s.aws_requests[0].reached_target is True
    assert s.rpo_exposure_seconds == 42.0 and s.rpo_target_seconds == 3600.0
    assert s.resolved and s.resolution == "back on the DR region"
    assert s.resolved_at == s.declared_at + timedelta(seconds=600)
    assert s.last_seq == 7


def test_replay_ignores_unknown_event_types_and_needs_a_declaration_first() -> None:
    log = Log()
    extra = Event(2, "INC-1", "from_the_future", log.clock.now(), "bob", None, {"x": 1})
    s = replay([*log.events, extra])
    assert s.last_seq == 2 and s.steps == log.state.steps
    with pytest.raises(IncidentError, match="does not start with a declaration"):
        replay([extra])
    with pytest.raises(IncidentError):
        replay([])


def test_incremental_replayer_matches_a_full_replay() -> None:
    log = Log()
    fold = Replayer(log.events[0])
    for decide in (
        lambda s: tr.confirm(s, "verify"),
        lambda s: tr.skip(s, "promote", "n/a"),
        lambda s: tr.undo(s, log.clock.now()),
        lambda s: tr.note(s, "x"),
    ):
        log.clock.advance(5)
        log.do(decide)
        fold.feed(log.events)  # overlapping reads are ignored
        assert fold.state() == replay(log.events)
