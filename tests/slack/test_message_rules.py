"""What the operator may do with an outbox message, decided once (engine.message_views) for the comms pane, the
wall's Slack line and the engine's own retry/drop: the pane offers exactly what the engine accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import Comms
from nexus_tui.engine.message_views import view_of
from nexus_tui.journal.base import OutboxMessage
from nexus_tui.sources.slack.settings import Secret, SlackSettings
from tests.slack.memory_store import MemoryJournal
from tests.slack.support import Driver, SystemUTC

NOW = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
BOT = SlackSettings(routing=Routing(), token=Secret("xoxb-test"))
OFF = SlackSettings(routing=Routing())


def _message(status: str, attempts: int = 0) -> OutboxMessage:
    return OutboxMessage(
        id=1,
        incident_id="INC-1",
        event_seq=1,
        channel="slack:#ir",
        key="k",
        kind="post",
        payload={"text": "hello"},
        status=status,  # type: ignore[arg-type]
        attempts=attempts,
        next_attempt_at=NOW + timedelta(seconds=30) if attempts else None,
        created_at=NOW,
    )


@pytest.mark.parametrize(
    ("status", "attempts", "settings", "state", "waiting", "retry", "drop"),
    [
        ("pending", 0, BOT, "queued", True, False, True),
        ("pending", 2, BOT, "retrying", True, True, True),
        ("sending", 1, BOT, "sending", True, False, False),  # its answer may still land
        ("failed", 3, BOT, "failed", False, True, True),
        ("sent", 1, BOT, "sent", False, False, False),
        ("dropped", 1, BOT, "dropped", False, False, False),
        ("pending", 0, OFF, "not sent", True, False, True),  # kept while Slack is not configured
    ],
)
def test_each_state_says_what_the_operator_may_do(
    status: str, attempts: int, settings: SlackSettings, state: str, waiting: bool, retry: bool, drop: bool
) -> None:
    view = view_of(_message(status, attempts), settings, NOW)
    assert (view.state, view.waiting, view.can_retry, view.can_drop) == (state, waiting, retry, drop)


def test_the_engine_refuses_what_the_pane_does_not_offer() -> None:
    store = MemoryJournal()
    d = Driver(store).declare()
    d.walk(1)
    comms = Comms(store, OFF, clock=SystemUTC())
    first, second, *_ = comms.views()
    assert first.state == "not sent" and not first.can_retry
    assert comms.retry(first.id) is False  # nothing would send it: retrying a kept message means nothing
    assert comms.drop(first.id) is True
    assert next(v for v in comms.views() if v.id == first.id).state == "dropped"
    assert store.outbox_update(second.id, "*", status="failed", error="channel_not_found") is True
    assert comms.retry(second.id) is True
