"""Who should be engaged now, from the escalation ladder in settings (on-call 0-15 min, team lead 15-30,
engineering manager 30-60, CTO 60+ by default), and who is next and when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from nexus_tui.domain.settings import EscalationLevel


@dataclass(frozen=True, slots=True)
class Escalation:
    current: EscalationLevel | None  # the highest level reached
    engaged: tuple[EscalationLevel, ...]  # everyone who should be in by now (levels add up, nobody leaves)
    next: EscalationLevel | None
    next_at: datetime | None
    next_in_seconds: float | None


def escalation_at(
    levels: Sequence[EscalationLevel], declared_at: datetime, now: datetime, resolved_at: datetime | None = None
) -> Escalation:
    """Escalation after the time since declaration. A resolved incident stops escalating at its resolution."""
    ladder = sorted(levels, key=lambda lv: lv.after_minutes)
    end = resolved_at or now
    elapsed = max((end - declared_at).total_seconds(), 0.0)
    engaged = tuple(lv for lv in ladder if lv.after_minutes * 60 <= elapsed)
    upcoming = [lv for lv in ladder if lv.after_minutes * 60 > elapsed]
    nxt = upcoming[0] if upcoming and resolved_at is None else None
    next_at = None if nxt is None else declared_at + timedelta(minutes=nxt.after_minutes)
    return Escalation(
        current=engaged[-1] if engaged else None,
        engaged=engaged,
        next=nxt,
        next_at=next_at,
        next_in_seconds=None if next_at is None else max((next_at - now).total_seconds(), 0.0),
    )
