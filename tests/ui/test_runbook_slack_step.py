"""A `slack` step in the TUI: the step detail previews the message (channel and text) before anything is sent,
confirming shows it once more and journals the step done with the message in the outbox; and the incident
controller journals timer events (escalation) from its interval, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Static

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import Comms, MessageView, make_outbox_policy, pane_title
from nexus_tui.engine.incidents import IdFactory, IncidentService
from nexus_tui.engine.slack_sender import DeliveryState
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import load_library
from nexus_tui.sources.slack.settings import SlackSettings
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.confirm import ConfirmScreen
from nexus_tui.ui.widgets.comms import CommsPane
from nexus_tui.ui.widgets.header import INCIDENT_SLOT_ID
from tests.slack.support import settings_for
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import on_runbook, step_states, text_of
from tests.ui.sample_data import healthy_snapshot

RUNBOOK = """\
id: tell-them
title: Tell them
trigger: a test
rto_minutes: 30
params:
  app: checkout
steps:
  - id: fix
    title: Fix it
    expected_minutes: 2
  - id: tell
    title: Tell stakeholders
    expected_minutes: 1
    slack:
      channel: stakeholder
      message: "${incident.severity} ${incident.id}: ${app} is back after ${incident.elapsed}"
"""


def setup(
    tmp: Path, clock: ManualClock, *, configured: bool = True, id_factory: IdFactory | None = None
) -> tuple[AppConfig, IncidentService]:
    books = tmp / "runbooks"
    books.mkdir()
    (books / "tell-them.yaml").write_text(RUNBOOK)
    config = replace(AppConfig(), runbook_dirs=(books,), refresh_seconds=3600.0)
    library = load_library(config=config)
    routing = Routing(stakeholder_channel="#stakeholders", drill_channel="#dr-drills")
    service = IncidentService(
        SqliteJournal(tmp / "journal.sqlite3"),
        clock=clock,
        runbook_loader=library.get,
        settings=config.settings,
        actor="alice",
        outbox_policy=make_outbox_policy(routing, clock, configured=configured),
        id_factory=id_factory,
    )
    return config, service


async def test_slack_step_previews_then_posts_on_confirm(tmp_path: Path, clock: ManualClock) -> None:
    config, service = setup(tmp_path, clock)
    iid = service.declare("tell-them", "SEV1", "alice", False, {})
    service.confirm(iid, "fix")
    clock.advance(150)
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service)
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        expected = f"SEV1 {iid}: checkout is back after 2m30s"
        await wait_for(lambda: "#stakeholders" in text_of(app, "#sd-command"), pilot)
        assert expected in text_of(app, "#sd-command")
        assert "post the message and confirm" in text_of(app, "#sd-keys")
        assert service.journal.outbox_list(iid)[-1].key != f"stakeholders:{service.state(iid).last_seq + 1}"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("escape")  # cancelled: nothing journaled, nothing queued
        await pilot.pause()
        assert service.state(iid).step_state("tell").status == "pending"
        assert not [m for m in service.journal.outbox_list(iid) if m.key.startswith("stakeholders:")]
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await wait_for(lambda: step_states(app)[-1].startswith("✔"), pilot)
        state = service.state(iid)
        (msg,) = [m for m in service.journal.outbox_list(iid) if m.key.startswith("stakeholders:")]
        assert msg.event_seq == state.last_seq and state.events[-1].type == "step_confirmed"
        assert (msg.channel, msg.payload["text"]) == ("slack:#stakeholders", expected)
    service.close()


async def test_without_slack_the_preview_says_not_sent(tmp_path: Path, clock: ManualClock) -> None:
    config, service = setup(tmp_path, clock, configured=False)
    iid = service.declare("tell-them", "SEV2", "alice", False, {})
    service.confirm(iid, "fix")
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service)
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        await wait_for(lambda: "not sent: Slack not configured" in text_of(app, "#sd-command"), pilot)
    service.close()


async def test_the_controller_journals_escalation_once(tmp_path: Path, clock: ManualClock) -> None:
    config, service = setup(tmp_path, clock)
    iid = service.declare("tell-them", "SEV1", "alice", False, {})
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service)
    async with app.run_test(size=SIZE) as pilot:
        await on_runbook(app, pilot)
        controller = app.incident_ui
        assert controller is not None
        assert controller.check_timers() is False  # nothing due: no journal write at all
        clock.advance(16 * 60)
        assert controller.check_timers() is True
        assert controller.check_timers() is False  # one write at a time
        await wait_for(lambda: "escalated" in [e.type for e in controller.state.events], pilot)  # type: ignore[union-attr]
        await wait_for(lambda: not controller._firing, pilot)
        assert controller.check_timers() is False  # fired, and the fold remembers it
    types = [e.type for e in service.journal.events_since(iid, 0)]
    assert types.count("escalated") == 1 and types.count("step_overdue") == 1
    service.close()


async def test_header_and_pane_title_say_slack_is_not_configured(tmp_path: Path, clock: ManualClock) -> None:
    config, service = setup(tmp_path, clock, configured=False)
    iid = service.declare("tell-them", "SEV1", "alice", False, {})
    comms = Comms(service.journal, SlackSettings(), clock=clock)
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service, comms=comms)
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_runbook(app, pilot)
        pane = screen.query_one(CommsPane)
        await wait_for(lambda: pane.border_title == "Slack: not configured", pilot)
        header = app.dashboard.query_one(f"#{INCIDENT_SLOT_ID}")
        await wait_for(lambda: bool(header.query("#header-slack")), pilot)
        assert "Slack: not configured, 1 kept" in str(header.query_one("#header-slack", Static).render())
        assert [v.state for v in comms.views(iid)] == ["not sent"]
    service.close()


def test_pane_title_at_a_glance() -> None:
    settings = settings_for("http://127.0.0.1:9/")
    view = MessageView(1, "INC-1", 1, "root", "#ir", "queued", "", "root")
    sent = replace(view, state="sent")
    down = DeliveryState(down_since=datetime(2026, 1, 1, 14, 2, tzinfo=UTC))
    assert pane_title([view], down, settings) == "Slack: 1 queued, down since 14:02"
    assert pane_title([sent, sent], None, settings) == "Slack: 2 sent"
    assert pane_title([], None, settings) == "Slack: nothing to send yet"
    assert pane_title([view], None, SlackSettings()) == "Slack: not configured"
