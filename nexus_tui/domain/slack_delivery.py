"""Delivery rules that need no Slack client: the metadata that carries a message's delivery key (Slack has no
idempotency key; the sender finds its own message by this after a lost answer), and the debounce of root
updates (at most one per DEBOUNCE_SECONDS per incident, newest wins)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DEBOUNCE_SECONDS = 5.0
# Slack's metadata event type: how the sender recognises its own messages when it looks for a lost answer.
METADATA_EVENT_TYPE = "nexus_tui_message"


def metadata(incident_id: str, key: str) -> dict[str, Any]:
    """Slack message metadata carrying the delivery key: Slack has no idempotency key, so after a lost answer
    the sender finds its own message by this before it sends again."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"incident": incident_id, "key": key}}


def matches(message: Mapping[str, Any], incident_id: str, key: str) -> bool:
    meta = message.get("metadata")
    if not isinstance(meta, Mapping) or meta.get("event_type") != METADATA_EVENT_TYPE:
        return False
    p = meta.get("event_payload")
    return isinstance(p, Mapping) and p.get("incident") == incident_id and p.get("key") == key


class Debounce:
    """At most one root update per `interval` seconds per incident, newest wins: a change inside the window
    is held until the window ends and then sent as the state at that moment (never dropped, never doubled).
    Times are plain seconds from any monotonic clock the caller injects."""

    def __init__(self, interval: float = DEBOUNCE_SECONDS) -> None:
        self.interval = interval
        self._last_sent: dict[str, float] = {}
        self._dirty: set[str] = set()

    def changed(self, incident_id: str) -> None:
        self._dirty.add(incident_id)

    def due(self, now: float) -> list[str]:
        """Incidents whose update may go now."""
        return sorted(i for i in self._dirty if now - self._last_sent.get(i, float("-inf")) >= self.interval - 1e-9)

    def next_due(self, now: float) -> float | None:
        """Seconds until the next held update may go (None: nothing held)."""
        waits = [max(self._last_sent.get(i, float("-inf")) + self.interval - now, 0.0) for i in self._dirty]
        return min(waits) if waits else None

    def sent(self, incident_id: str, now: float) -> None:
        self._last_sent[incident_id] = now
        self._dirty.discard(incident_id)

    def pending(self) -> Sequence[str]:
        return sorted(self._dirty)
