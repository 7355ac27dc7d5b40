"""Outbox messages as the front ends show them (the comms pane, `incident comms`, the wall's Slack line): each
message's state in words, what the operator may do with it, and the one-line delivery summary. The rules are
here once; the screens only render them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nexus_tui.domain.text import printable_line
from nexus_tui.engine.slack_sender import CHANNEL_PREFIX, DeliveryState
from nexus_tui.journal.base import OutboxMessage
from nexus_tui.sources.slack.settings import SlackSettings

WAITING = frozenset({"queued", "sending", "retrying", "not sent"})


@dataclass(frozen=True, slots=True)
class MessageView:
    """One outbox message as the comms pane and `incident comms` show it."""

    id: int
    incident_id: str
    seq: int
    key: str
    channel: str
    state: str  # queued | sending | sent | retrying | failed | dropped | not sent
    detail: str
    summary: str

    @property
    def waiting(self) -> bool:
        """Not delivered and not given up on: queued, being sent, between tries, or kept unsent while Slack is
        not configured here."""
        return self.state in WAITING

    @property
    def can_retry(self) -> bool:
        """Retry puts a failed message back in the queue, or a retrying one at its head (no backoff wait)."""
        return self.state in ("failed", "retrying")

    @property
    def can_drop(self) -> bool:
        """The operator may give up on a message that waits or failed, never on one being sent this moment
        (its answer would still land)."""
        return self.state in ("queued", "retrying", "not sent", "failed")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "seq": self.seq,
            "key": self.key,
            "channel": self.channel,
            "state": self.state,
            "detail": self.detail,
            "summary": self.summary,
        }


def _summary(m: OutboxMessage) -> str:
    p = m.payload
    if p.get("role") == "root":
        facts = p.get("facts") or {}
        return printable_line(f"root: {facts.get('severity', '')} {facts.get('runbook_title', '')}", 100)
    return printable_line(str(p.get("text", "")), 100)


def view_of(m: OutboxMessage, settings: SlackSettings, now: datetime) -> MessageView:
    err = printable_line(m.last_error or "", 200)
    if m.status == "sent":
        ts = (m.remote_id or "").split("/")[-1]
        state, detail = "sent", f"ts {ts}" if ts else "sent"
    elif m.status == "failed":
        state, detail = "failed", err
    elif m.status == "dropped":
        state, detail = "dropped", err or "dropped"
    elif settings.mode == "off":
        state, detail = "not sent", "Slack not configured"
    elif m.status == "sending":
        state, detail = "sending", f"attempt {m.attempts}"
    elif m.attempts > 0:
        nxt = m.next_attempt_at
        when = f", next try {nxt:%H:%M:%S}" if nxt is not None and nxt > now else ""
        state, detail = "retrying", f"attempt {m.attempts}{when}: {err.split(': ', 1)[-1]}"
    else:
        state, detail = "queued", ""
    channel = m.channel[len(CHANNEL_PREFIX) :] if m.channel.startswith(CHANNEL_PREFIX) else m.channel
    return MessageView(m.id, m.incident_id, m.event_seq, m.key, channel or "-", state, detail, _summary(m))


def header_line(views: Sequence[MessageView], delivery: DeliveryState | None, settings: SlackSettings) -> str | None:
    """The header's Slack note when delivery is stalled or off: "Slack: 3 queued, down since 14:02"."""
    waiting = sum(1 for v in views if v.waiting)
    failed = sum(1 for v in views if v.state == "failed")
    if settings.mode == "off":
        return f"Slack: not configured, {waiting} kept" if waiting else None
    parts = []
    if waiting:
        parts.append(f"{waiting} queued")
    if failed:
        parts.append(f"{failed} failed")
    if delivery is not None and delivery.stopped:
        parts.append(f"stopped: {delivery.stopped.split(':', 1)[0]}")
    elif delivery is not None and delivery.down_since is not None and waiting:
        parts.append(f"down since {delivery.down_since:%H:%M}")
    if settings.mode == "webhook":
        parts.append("webhook: no threads")
    return f"Slack: {', '.join(parts)}" if parts else None


def pane_title(views: Sequence[MessageView], delivery: DeliveryState | None, settings: SlackSettings) -> str:
    """The comms pane's title, delivery at a glance: "Slack: not configured", "Slack: 3 queued, down since
    14:02", "Slack: 12 sent"."""
    if settings.mode == "off":
        return "Slack: not configured"
    line = header_line(views, delivery, settings)
    if line:
        return line
    sent = sum(1 for v in views if v.state == "sent")
    return f"Slack: {sent} sent" if sent else "Slack: nothing to send yet"
