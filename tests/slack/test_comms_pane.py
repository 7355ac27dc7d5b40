"""The comms pane in an App (Pilot): it fills as the sender delivers, shows a failure with its fix, and retries."""

from __future__ import annotations

from textual.app import App, ComposeResult

from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import Comms
from nexus_tui.sim.slack_server import SlackServer
from nexus_tui.ui.widgets.comms import CommsPane
from tests.slack.support import TOKEN, Driver


class PaneApp(App[None]):
    """Mounts the pane the way the TUI will: start the sender, refresh the pane on delivery changes."""

    def __init__(self, comms: Comms) -> None:
        super().__init__()
        self.comms = comms

    def compose(self) -> ComposeResult:
        yield CommsPane(id="comms")

    def on_mount(self) -> None:
        self.comms.start()
        self.comms.subscribe(self.refresh_pane)
        self.set_interval(0.05, self.refresh_pane)

    def refresh_pane(self) -> None:
        panes = self.query(CommsPane)
        if not panes:  # the app is closing
            return
        panes.first().show(self.comms.views(), self.comms.header(), self.comms.settings.describe())

    def on_comms_pane_retry_requested(self, event: CommsPane.RetryRequested) -> None:
        self.comms.retry(event.message_id)


async def _until(pilot, cond, tries: int = 3000) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.02)


async def test_pane_fills_as_messages_go_out(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    d.walk(2)
    app = PaneApp(make_comms(store))
    async with app.run_test(size=(140, 20)) as pilot:
        pane = app.query_one(CommsPane)
        await _until(pilot, lambda: len(pane.views) == 5 and all(v.state == "sent" for v in pane.views))
        assert [v.state for v in pane.views] == ["sent"] * 5
        assert pane.views[0].detail.startswith("ts ")
        assert "Slack bot via http://127.0.0.1" in pane.status
        d.note("replica caught up")
        await _until(pilot, lambda: len(pane.views) == 6 and pane.views[-1].state == "sent")
        assert pane.views[-1].summary.endswith("replica caught up")
        assert "replica" in app.export_screenshot()  # the screen as the terminal shows it...
        assert TOKEN not in app.export_screenshot()  # ...never shows the token


async def test_failed_message_shows_fix_and_retries(slack: SlackServer, store, make_comms) -> None:
    archived = slack.add_channel("ops", archived=True)
    routing = Routing(channel="#ops")
    Driver(store, routing).declare()
    app = PaneApp(make_comms(store, routing))
    async with app.run_test(size=(140, 20)) as pilot:
        pane = app.query_one(CommsPane)
        await _until(pilot, lambda: bool(pane.views) and pane.views[0].state == "failed")
        assert pane.views[0].detail.startswith("is_archived: unarchive")
        assert pane.status == "Slack: 1 failed"
        archived.archived = False  # the operator unarchives the channel, then retries
        pane.query_one("#comms-table").focus()
        await pilot.press("r")
        await _until(pilot, lambda: pane.views[0].state == "sent")
        assert pane.views[0].state == "sent"
        assert len(slack.messages("ops")) == 1


async def test_not_configured_says_so(store) -> None:
    from nexus_tui.sources.slack.settings import SlackSettings
    from tests.slack.support import SystemUTC

    Driver(store).declare()
    comms = Comms(store, SlackSettings(), clock=SystemUTC())
    app = PaneApp(comms)
    async with app.run_test(size=(140, 20)) as pilot:
        pane = app.query_one(CommsPane)
        await _until(pilot, lambda: bool(pane.views))
        assert pane.views[0].state == "not sent" and pane.views[0].detail == "Slack not configured"
        assert pane.status == "Slack: not configured, 1 kept"
