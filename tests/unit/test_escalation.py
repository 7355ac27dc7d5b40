"""Escalation ladder: on-call 0-15 min, team lead 15-30, engineering manager 30-60, CTO 60+."""

from __future__ import annotations

from datetime import timedelta

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.escalation import escalation_at
from nexus_tui.domain.settings import DEFAULT_ESCALATION, EscalationLevel


def at(minutes: float):  # type: ignore[no-untyped-def]
    clock = ManualClock()
    declared = clock.now()
    return escalation_at(DEFAULT_ESCALATION, declared, declared + timedelta(minutes=minutes)), declared


def test_ladder_over_time() -> None:
    e, declared = at(0)
    assert e.current is not None and e.current.who == "On-call engineer"
    assert e.next is not None and e.next.who == "Team lead"
    assert e.next_at == declared + timedelta(minutes=15) and e.next_in_seconds == 900
    e, _ = at(14.99)
    assert e.current.who == "On-call engineer"  # type: ignore[union-attr]
    e, _ = at(15)
    assert e.current.who == "Team lead" and [lv.who for lv in e.engaged] == ["On-call engineer", "Team lead"]  # type: ignore[union-attr]
    e, _ = at(45)
    assert e.current.who == "Engineering manager" and e.next.who == "CTO" and e.next_in_seconds == 900  # type: ignore[union-attr]
    e, _ = at(200)
    assert e.current.who == "CTO" and e.next is None and e.next_at is None  # type: ignore[union-attr]


def test_resolution_stops_escalation_and_levels_are_sorted() -> None:
    clock = ManualClock()
    declared = clock.now()
    levels = (EscalationLevel(10, "B"), EscalationLevel(0, "A"))
    e = escalation_at(levels, declared, declared + timedelta(minutes=30), resolved_at=declared + timedelta(minutes=5))
    assert e.current is not None and e.current.who == "A" and e.next is None
    assert escalation_at((), declared, declared).current is None
