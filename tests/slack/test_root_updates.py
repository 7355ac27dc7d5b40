"""Root `chat.update`s: at most one per 5 s per incident, newest state wins; the clock is injected."""

from __future__ import annotations

import asyncio

from nexus_tui.domain import transitions as tr
from nexus_tui.sim.slack_server import SlackServer
from tests.slack.support import Driver


class Mono:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _updates(slack: SlackServer) -> list[dict]:
    return [r[2] for r in slack.requests if r[1] == "chat.update"]


async def test_debounced_newest_wins(slack: SlackServer, store, make_comms) -> None:
    mono = Mono()
    d = Driver(store).declare()
    comms = make_comms(store, monotonic=mono)
    assert comms.sender is not None
    await comms.sender.step()  # the root is posted
    root_ts = slack.messages("incident-response")[0]["ts"]

    comms.debounce.changed(d.id)  # what the change feed does for every new event
    assert await comms.update_roots() == 1  # leading edge: the first change goes at once

    mono.t += 1
    d.do(lambda s: tr.start(s, "verify"))
    comms.debounce.changed(d.id)
    assert await comms.update_roots() == 0  # held: inside the 5 s window
    mono.t += 2
    d.add(tr.Draft("step_confirmed", {"step_id": "verify"}))
    d.do(lambda s: tr.start(s, "promote"))
    comms.debounce.changed(d.id)
    assert await comms.update_roots() == 0
    assert comms.debounce.next_due(mono()) == 2.0

    mono.t += 2  # 5 s after the first update
    assert await comms.update_roots() == 1
    mono.t += 0.5
    assert await comms.update_roots() == 0  # nothing new

    updates = _updates(slack)
    assert len(updates) == 2
    assert all(u["ts"] == root_ts for u in updates)
    assert "step 1 of 5" in updates[0]["text"]
    assert "step 2 of 5" in updates[1]["text"] and "last: step started" in updates[1]["text"]
    # In Slack the root now shows the newest state.
    assert "step 2 of 5" in slack.messages("incident-response")[0]["text"]


async def test_each_incident_has_its_own_window(slack: SlackServer, store, make_comms) -> None:
    mono = Mono()
    a = Driver(store, incident_id="INC-A").declare()
    b = Driver(store, incident_id="INC-B").declare()
    comms = make_comms(store, monotonic=mono)
    assert comms.sender is not None
    await comms.sender.step()
    comms.debounce.changed(a.id)
    assert await comms.update_roots() == 1
    mono.t += 1
    comms.debounce.changed(a.id)
    comms.debounce.changed(b.id)
    assert await comms.update_roots() == 1  # b goes, a waits for its own window


async def test_root_updates_follow_the_change_feed(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    comms = make_comms(store, debounce_seconds=0.05)
    comms.start()
    for _ in range(3000):  # a ceiling against a hang, not a timing check
        if slack.messages("incident-response"):
            break
        await asyncio.sleep(0.01)
    d.do(lambda s: tr.start(s, "verify"))
    for _ in range(3000):  # a ceiling against a hang, not a timing check
        msgs = slack.messages("incident-response")
        if "step 1 of 5" in msgs[0]["text"] and len(msgs) == 2:
            break
        await asyncio.sleep(0.01)
    msgs = slack.messages("incident-response")
    assert "last: step started" in msgs[0]["text"]
    assert msgs[1]["thread_ts"] == msgs[0]["ts"]
