"""The wall shows the followed incident's Slack delivery, read from the journal's outbox (the wall never sends):
queued / down since / failed / sent in words and symbols, a quiet line when Slack is not configured, and
nothing when the wall was given no Slack settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.models import State
from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import make_outbox_policy
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.slack_status import SlackWatch, journal_delivery, outbox_status
from nexus_tui.journal.base import OutboxMessage
from nexus_tui.sources.slack.settings import Secret, SlackSettings
from nexus_tui.ui.wall.app import WallApp
from nexus_tui.ui.wall.widgets import Line
from tests.ui.conftest import wait_for
from tests.wall.conftest import LIMIT, SMALL_SIZE, WALL_SIZE, MakeWall, make_service
from tests.wall.test_wall_snapshots import settled

BOT = SlackSettings(token=Secret("xoxb-wall-test"))
OFF = SlackSettings()


@pytest.fixture
def slack_service(journal: Path, clock: ManualClock) -> Iterator[IncidentService]:
    svc = make_service(journal, clock, outbox_policy=make_outbox_policy(Routing(), clock))
    try:
        yield svc
    finally:
        svc.close()


def slack_line(app: WallApp) -> str:
    line = app.screen.query_one("#wall-slack", Line)
    return line.last_text if line.display else ""


def message(status: str, attempts: int, minute: int) -> OutboxMessage:
    at = datetime(2026, 1, 1, 3, minute, tzinfo=UTC)
    return OutboxMessage(1, "INC-1", 1, "slack:#ir", "k", "post", {}, status, attempts, None, at)  # type: ignore[arg-type]


def test_down_since_is_when_the_oldest_message_still_waiting_after_a_failed_try_was_queued() -> None:
    msgs = [message("sent", 1, 1), message("pending", 2, 12), message("pending", 1, 20), message("pending", 0, 21)]
    assert journal_delivery(msgs).down_since == datetime(2026, 1, 1, 3, 12, tzinfo=UTC)
    status = outbox_status(msgs, BOT, datetime(2026, 1, 1, 3, 30, tzinfo=UTC))
    assert (status.text, status.state) == ("Slack: 3 queued, down since 03:12", State.WARNING)
    assert journal_delivery([message("pending", 0, 5)]).down_since is None  # never tried: queued, not down


def test_one_rule_for_every_state() -> None:
    now = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)
    assert outbox_status([message("sent", 1, 1)] * 12, BOT, now).text == "Slack: 12 sent"
    assert outbox_status([message("sent", 1, 1)], BOT, now).state is State.OK
    failed = outbox_status([message("failed", 3, 1)], BOT, now)
    assert (failed.text, failed.state) == ("Slack: 1 failed", State.CRITICAL)
    off = outbox_status([message("pending", 0, 1)], OFF, now)
    assert (off.text, off.state) == ("Slack: not configured", State.UNKNOWN)


async def test_wall_shows_queued_then_down_then_sent(make_wall: MakeWall, slack_service: IncidentService) -> None:
    iid = slack_service.declare("rds-failover", "SEV1")
    app = make_wall(incidents=slack_service, slack=SlackWatch(slack_service.journal, BOT), outbox_poll_seconds=0.02)
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: slack_line(app).startswith("▲ Slack: "), pilot, limit=LIMIT)
        assert "queued" in slack_line(app) and "down since" not in slack_line(app)
        store = slack_service.journal
        msgs = store.outbox_list(iid)
        first = msgs[0]
        store.outbox_update(first.id, "*", status="pending", attempts=1, error="transient: HTTP 503")
        since = f"down since {first.created_at:%H:%M}"
        await wait_for(lambda: since in slack_line(app), pilot, limit=LIMIT)
        assert slack_line(app).startswith("▲ Slack: ")
        for m in msgs:
            store.outbox_update(m.id, "*", status="sent", attempts=1, remote_id="C1/1700000000.000100")
        await wait_for(lambda: slack_line(app) == f"✔ Slack: {len(msgs)} sent", pilot, limit=LIMIT)
        store.outbox_update(first.id, "*", status="failed", error="permanent: channel_not_found")
        await wait_for(lambda: slack_line(app).startswith("✖ Slack: 1 failed"), pilot, limit=LIMIT)


async def test_not_configured_is_a_quiet_line(make_wall: MakeWall, slack_service: IncidentService) -> None:
    slack_service.declare("rds-failover", "SEV1")
    app = make_wall(incidents=slack_service, slack=SlackWatch(slack_service.journal, OFF))
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        await wait_for(lambda: slack_line(app) != "", pilot, limit=LIMIT)
        assert slack_line(app) == "· Slack: not configured"


async def test_no_slack_line_without_slack_settings_or_incident(
    make_wall: MakeWall, slack_service: IncidentService
) -> None:
    app = make_wall(incidents=slack_service, slack=SlackWatch(slack_service.journal, BOT))
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None and app.model is not None, pilot, limit=LIMIT)
        assert app.model is not None and app.model.slack is None  # readiness: no incident, no Slack line
    slack_service.declare("rds-failover", "SEV1")
    app = make_wall(incidents=slack_service)
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot, limit=LIMIT)
        assert slack_line(app) == ""


def test_wall_incident_slack_down(
    snap_compare, make_wall: MakeWall, slack_service: IncidentService, clock: ManualClock
) -> None:
    iid = slack_service.declare("rds-failover", "SEV1", ic="carol")
    clock.advance(100)
    slack_service.confirm(iid, "verify")
    clock.advance(200)
    first = slack_service.journal.outbox_list(iid)[0]
    slack_service.journal.outbox_update(first.id, "*", status="pending", attempts=2, error="transient: HTTP 503")
    app = make_wall(incidents=slack_service, slack=SlackWatch(slack_service.journal, BOT), tick=False)
    assert snap_compare(app, terminal_size=WALL_SIZE, run_before=settled(True))


async def test_slack_line_fits_at_80x24(make_wall: MakeWall, slack_service: IncidentService) -> None:
    slack_service.declare("rds-failover", "SEV1")
    app = make_wall(incidents=slack_service, slack=SlackWatch(slack_service.journal, BOT))
    async with app.run_test(size=SMALL_SIZE) as pilot:
        await wait_for(lambda: slack_line(app).startswith("▲ Slack: "), pilot, limit=LIMIT)
        await pilot.pause()
        for selector in ("#wall-banner", "#wall-step-title", "#wall-slack", "#wall-regions"):
            widget = app.screen.query_one(selector)
            assert widget.region.height >= 1 and widget.region.bottom <= 24, selector
        assert app.screen.query_one("#wall-rto").region.height >= 4
