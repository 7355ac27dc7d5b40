"""An incident's Slack delivery in one line, for a front end that only reads the journal (the war-room wall):
the comms pane's own rule (pane_title) over the outbox, with "down since" taken from the outbox because such
a front end runs no sender of its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from nexus_tui.domain.models import State
from nexus_tui.engine.message_views import MessageView, pane_title, view_of
from nexus_tui.engine.slack_sender import DeliveryState
from nexus_tui.journal.base import JournalStore, OutboxMessage
from nexus_tui.sources.slack.settings import SlackSettings


@dataclass(frozen=True, slots=True)
class SlackStatus:
    """Delivery at a glance for a front end that shows one line (the wall): the comms pane's title and how
    bad it is. `state` is WARNING while messages wait, CRITICAL once one failed or delivery stopped, UNKNOWN
    when Slack is not configured here (nothing is sent, which is not an outage)."""

    text: str
    state: State


def slack_status(views: Sequence[MessageView], delivery: DeliveryState | None, settings: SlackSettings) -> SlackStatus:
    text = pane_title(views, delivery, settings)
    if settings.mode == "off":
        return SlackStatus(text, State.UNKNOWN)
    if any(v.state == "failed" for v in views) or (delivery is not None and delivery.stopped):
        return SlackStatus(text, State.CRITICAL)
    if any(v.waiting for v in views):
        return SlackStatus(text, State.WARNING)
    return SlackStatus(text, State.OK)


def journal_delivery(messages: Sequence[OutboxMessage]) -> DeliveryState:
    """Delivery as the outbox in the journal shows it, for a process that does not deliver itself (the wall
    follows a journal another process sends from, and has no sender's memory). Down since: when the oldest
    message that is still waiting after a failed try was queued; a sender tries a message as soon as it is
    queued, so that is when Slack first refused it."""
    retried = [m for m in messages if m.status in ("pending", "sending") and m.attempts > 0]
    if not retried:
        return DeliveryState()
    oldest = min(retried, key=lambda m: m.created_at)
    return DeliveryState(down_since=oldest.created_at, last_error=oldest.last_error)


def outbox_status(messages: Sequence[OutboxMessage], settings: SlackSettings, now: datetime) -> SlackStatus:
    """The one-line Slack state of an incident's messages read from the journal (the wall)."""
    views = [view_of(m, settings, now) for m in messages]
    return slack_status(views, journal_delivery(messages), settings)


@dataclass(frozen=True, slots=True)
class SlackWatch:
    """An incident's Slack delivery for a front end that only reads (the wall): from the journal's outbox,
    with this deployment's settings (only their mode is used; nothing is sent). `read` does I/O: call it in
    a thread."""

    store: JournalStore
    settings: SlackSettings

    def read(self, incident_id: str, now: datetime) -> SlackStatus:
        return outbox_status(self.store.outbox_list(incident_id), self.settings, now)
