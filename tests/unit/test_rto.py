"""Incident clocks: elapsed vs RTO, step amber/red, projected finish and the moment it crosses the target."""

from __future__ import annotations

from datetime import timedelta

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.rto import compute_timers, step_timing
from tests.incident_fixtures import Log, sample_runbook

DEFAULT_RTO = 1800.0


def test_fresh_incident_projects_the_runbook_estimate() -> None:
    log = Log()
    t = compute_timers(log.state, log.clock.now(), DEFAULT_RTO)
    assert t.elapsed_seconds == 0 and t.rto_target_seconds == 1800 and t.rto_remaining_seconds == 1800
    assert t.current_step_id == "verify" and t.step_expected_seconds == 120 and t.step_timing == "ok"
    assert t.remaining_expected_seconds == 720 and t.projected_finish_seconds == 720
    assert t.projected_finish_at == log.state.declared_at + timedelta(seconds=720)
    assert not t.projection_exceeds_rto and not t.rto_breached


def test_step_goes_amber_past_expected_and_red_past_twice() -> None:
    log = Log()
    log.clock.advance(120)
    assert compute_timers(log.state, log.clock.now(), DEFAULT_RTO).step_timing == "ok"
    log.clock.advance(1)
    t = compute_timers(log.state, log.clock.now(), DEFAULT_RTO)
    assert t.step_timing == "amber" and t.projected_finish_seconds == 121 + 600
    log.clock.advance(120)
    assert compute_timers(log.state, log.clock.now(), DEFAULT_RTO).step_timing == "red"
    assert [step_timing(e, 10) for e in (10, 10.5, 20, 20.5)] == ["ok", "amber", "amber", "red"]


def test_projection_counts_only_what_is_left_and_the_current_steps_rest() -> None:
    log = Log()
    log.clock.advance(60)
    log.do(lambda s: tr.confirm(s, "verify"))
    log.do(lambda s: tr.skip(s, "promote", "done by AWS"))
    log.clock.advance(30)  # 30 s into dns (120 s expected)
    t = compute_timers(log.state, log.clock.now(), DEFAULT_RTO)
    assert t.current_step_id == "dns" and t.step_elapsed_seconds == 30
    assert t.remaining_expected_seconds == 90 + 120 + 60
    assert t.projected_finish_seconds == 90 + 270


def test_projection_exceeds_rto_the_moment_it_crosses() -> None:
    log = Log(runbook=sample_runbook(rto_seconds=800))
    t = compute_timers(log.state, log.clock.now(), DEFAULT_RTO)
    assert t.rto_target_seconds == 800
    # 720 s planned, 80 s of slack: verify can overrun its 120 s by 80 s.
    assert t.projection_crosses_rto_at == log.clock.now() + timedelta(seconds=200)
    log.clock.advance(200)
    t = compute_timers(log.state, log.clock.now(), DEFAULT_RTO)
    assert t.projected_finish_seconds == 800 and not t.projection_exceeds_rto
    log.clock.advance(1)
    t = compute_timers(log.state, log.clock.now(), DEFAULT_RTO)
    assert t.projection_exceeds_rto and t.projection_crosses_rto_at is None
    assert not t.rto_breached


def test_rto_falls_back_to_settings_and_resolution_freezes_the_clock() -> None:
    log = Log(runbook=sample_runbook(rto_seconds=None))
    log.clock.advance(1900)
    t = compute_timers(log.state, log.clock.now(), 600)
    assert t.rto_target_seconds == 600 and t.rto_breached and t.rto_remaining_seconds == -1300
    log.do(lambda s: tr.resolve(s, force=True, reason="ended"))
    log.clock.advance(5000)
    t = compute_timers(log.state, log.clock.now(), 600)
    assert t.elapsed_seconds == 1900 and t.current_step_id is None and t.remaining_expected_seconds == 0
