"""Helpers for the Slack tests: an incident driver that appends like the incident service (with the outbox
policy in the same append), fast pacing, and a recognisable fake token to search for in logs and output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.fold import replay
from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import make_outbox_policy
from nexus_tui.engine.slack_sender import Pacing
from nexus_tui.journal.base import JournalStore
from nexus_tui.sources.slack.settings import Secret, SlackSettings
from tests.incident_fixtures import sample_runbook

TOKEN = "xoxb-000-TEST-SECRET-TOKEN-4711"
# Scaled so a test runs in well under a second per message; the ratios between the figures are Slack's.
FAST = Pacing(interval=0.01, backoff_factor=0.01, backoff_cap=0.2, jitter=0.01, timeout=1.0, poll=0.02, lease_extra=1.0)


class SystemUTC:
    def now(self) -> datetime:
        return datetime.now(UTC)


def settings_for(url: str, routing: Routing | None = None, *, token: str = TOKEN) -> SlackSettings:
    return SlackSettings(routing=routing or Routing(), api_url=url, token=Secret(token))


class Driver:
    """Appends incident events the way IncidentService does: decide, build the outbox drafts, one append."""

    def __init__(
        self,
        store: JournalStore,
        routing: Routing | None = None,
        clock: Clock | None = None,
        incident_id: str = "INC-20260101-0000-abcd",
    ) -> None:
        self.store = store
        self.clock = clock or SystemUTC()
        self.policy = make_outbox_policy(routing or Routing(), self.clock)
        self.id = incident_id

    def state(self) -> IncidentState:
        return replay(self.store.events_since(self.id, 0))

    def add(self, draft: tr.Draft) -> None:
        events = self.store.events_since(self.id, 0)
        state = replay(events) if events else None
        seq = len(events) + 1
        self.store.append(
            self.id,
            draft.type,
            draft.payload,
            at=self.clock.now(),
            actor="alice",
            aws_identity=None,
            expect_seq=seq - 1,
            outbox=self.policy(state, draft, self.id),
        )

    def declare(self, drill: bool = False) -> Driver:
        self.add(tr.declare(sample_runbook(), {}, "SEV1", "alice", drill))
        return self

    def do(self, decide: Callable[[IncidentState], tr.Draft]) -> None:
        self.add(decide(self.state()))

    def note(self, text: str, share: bool = True) -> None:
        self.add(tr.Draft("note", {"text": text, "share": share}))

    def walk(self, steps: int) -> None:
        """Start and confirm the first `steps` steps: two thread messages each."""
        for step in sample_runbook().steps[:steps]:
            self.do(lambda s, sid=step.id: tr.start(s, sid))
            self.add(tr.Draft("step_confirmed", {"step_id": step.id}))


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text", "")) for m in messages]
