"""The wall's model: every state has a word and a symbol, and events read as an IC would say them."""

from __future__ import annotations

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.models import State
from nexus_tui.domain.rto import compute_timers
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.wall_view import STATE_MARK, event_text, incident_wall, readiness, wall_model
from tests.incident_fixtures import Log
from tests.ui.sample_data import NOW, outage_snapshot


def test_every_state_has_a_word_and_a_symbol() -> None:
    for state in State:
        symbol, word = STATE_MARK[state].split(" ")
        assert symbol and not symbol.isalnum() and word.isalpha()


def test_no_snapshot_is_unknown_not_ok() -> None:
    r = readiness(None, Settings(), NOW)
    assert r.overall is State.UNKNOWN and r.rpo_seconds is None


def test_outage_is_critical_with_counts() -> None:
    r = readiness(outage_snapshot(NOW), Settings(), NOW)
    assert r.overall is State.CRITICAL
    assert r.alarms_firing >= 1 and any(reg.word == "UNREACHABLE" for reg in r.regions)


def test_incident_model_and_timeline_words() -> None:
    log = Log(clock=ManualClock(NOW), drill=True)
    log.clock.advance(30)
    log.do(lambda s: tr.confirm(s, "verify"))
    log.do(lambda s: tr.note(s, "lag is fine"))
    state = log.state
    from nexus_tui.domain.escalation import escalation_at

    timers = compute_timers(state, log.clock.now(), 1800)
    view = IncidentView(state, timers, escalation_at((), state.declared_at, log.clock.now(), None))
    inc = incident_wall(view)
    assert inc.drill and inc.step_number == 2 and inc.steps_done == 1 and inc.steps_total == 5
    assert inc.step_title == "Promote the replica"
    lines = [line.text for line in inc.timeline]
    assert lines == ["declared DRILL SEV2: RDS failover", "✔ done: Verify the primary is down", "note: lag is fine"]
    assert event_text(state.events[1], state).startswith("✔ done")
    assert wall_model(None, None, Settings(), NOW).incident is None


def test_stopped_replication_is_a_word_not_a_negative_lag() -> None:
    """ReplicaLag -1 means replication is not running: the wall says "stopped", as the dashboard does."""
    from dataclasses import replace

    from nexus_tui.ui.themes import Palette
    from nexus_tui.ui.wall.widgets import pairs_text

    snap = outage_snapshot()
    rds = next(i for i, p in enumerate(snap.replication) if p.kind == "rds")
    pairs = list(snap.replication)
    pairs[rds] = replace(pairs[rds], lag_seconds=-1.0, stale=False)
    r = readiness(replace(snap, replication=tuple(pairs)), Settings(), NOW)
    line = r.pairs[rds]
    assert line.stopped and line.state is State.CRITICAL
    assert "stopped" in pairs_text(r, Palette.from_variables({}), NOW, 120).plain
