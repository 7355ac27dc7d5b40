"""The sender over real HTTP: slack-sdk's AsyncWebClient against the local Slack server."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.slack_messages import DRILL_PREFIX, Routing
from nexus_tui.sim.slack_server import SlackServer
from tests.slack.memory_store import MemoryJournal
from tests.slack.support import TOKEN, Driver, texts


def _keys(messages: list[dict]) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in messages]


async def test_root_on_declare_and_everything_else_in_its_thread(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    d.walk(2)
    d.note("replica lag is 4 s")
    d.note("private thought", share=False)
    result = await make_comms(store).flush(10)
    assert (result.queued, result.failed) == (0, 0)
    msgs = slack.messages("incident-response")
    root, replies = msgs[0], msgs[1:]
    assert "thread_ts" not in root or root["thread_ts"] == root["ts"]
    assert root["text"].startswith(f"SEV1 {d.id}: RDS failover")
    assert root["blocks"][0]["type"] == "header"
    assert [m["thread_ts"] for m in replies] == [root["ts"]] * 5
    assert "Step 1/5 Verify the primary is down started" in replies[0]["text"]
    assert "Step 2/5 Promote the replica done" in replies[3]["text"]
    assert "replica lag is 4 s" in replies[4]["text"]
    assert not any("private thought" in t for t in texts(msgs))
    # Every message carries its delivery key in metadata, the handle for finding it after a lost answer.
    assert _keys(msgs) == ["root", "ev:2", "ev:3", "ev:4", "ev:5", "ev:6"]
    sent = {m.key: m.remote_id for m in store.outbox_list(d.id)}
    assert sent["root"] == f"{slack.channels[next(iter(slack.channels))].id}/{root['ts']}"


async def test_drill_prefix_and_drill_channel(slack: SlackServer, store, make_comms) -> None:
    routing = Routing(drill_channel="#dr-drills")
    d = Driver(store, routing).declare(drill=True)
    d.walk(1)
    await make_comms(store, routing).flush(10)
    assert slack.messages("incident-response") == []
    drills = slack.messages("dr-drills")
    assert len(drills) == 3
    assert all(t.startswith(DRILL_PREFIX) or t.startswith(f"{d.id}: {DRILL_PREFIX}") for t in texts(drills))
    assert drills[0]["blocks"][0]["text"]["text"].startswith(DRILL_PREFIX)


async def test_drill_never_reaches_production_unless_allowed(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store, Routing()).declare(drill=True)
    d.walk(1)
    comms = make_comms(store, Routing())
    result = await comms.flush(10)
    assert slack.posts() == []
    assert result.queued == 0
    views = comms.views(d.id)
    assert {v.state for v in views} == {"dropped"}
    assert "drill_channel" in views[0].detail

    allowed = Routing(drill_in_production=True)
    store2 = MemoryJournal()
    Driver(store2, allowed).declare(drill=True)
    await make_comms(store2, allowed).flush(10)
    assert texts(slack.messages("incident-response"))[0].startswith(DRILL_PREFIX)


async def test_order_kept_under_500_429_and_timeouts(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    d.walk(2)
    slack.fault("error_500", 2, methods=("chat.postMessage",))
    slack.fault("rate_limit", 1, methods=("chat.postMessage",), retry_after=1)
    slack.fault("hang", 1, methods=("chat.postMessage",))
    slack.fault("error_500", 1, methods=("chat.postMessage",))
    result = await make_comms(store).flush(30)
    assert (result.queued, result.failed) == (0, 0)
    msgs = slack.messages("incident-response")
    assert _keys(msgs) == ["root", "ev:2", "ev:3", "ev:4", "ev:5"]


async def test_stored_but_unanswered_post_is_not_sent_twice(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    d.walk(1)
    # The root and the first reply are stored by Slack, but the connection drops before the answer.
    slack.fault("drop_after_store", 2, methods=("chat.postMessage",))
    comms = make_comms(store)
    result = await comms.flush(20)
    assert (result.queued, result.failed) == (0, 0)
    msgs = slack.messages("incident-response")
    assert _keys(msgs) == ["root", "ev:2", "ev:3"]
    assert comms.delivery is not None and comms.delivery.looked_up == 2
    lookups = [r[1] for r in slack.requests if r[1].startswith("conversations.")]
    assert "conversations.history" in lookups and "conversations.replies" in lookups
    # The found ts is recorded, so the thread hangs off the message Slack really has.
    root = store.outbox_list(d.id)[0]
    assert root.remote_id is not None and root.remote_id.endswith(msgs[0]["ts"])


async def test_down_for_a_while_then_drained(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    d.walk(2)
    slack.set_down(True)
    comms = make_comms(store)
    result = await comms.flush(0.5)
    assert result.queued == 5 and result.sent == 0
    assert comms.delivery is not None and comms.delivery.down_since is not None
    header = comms.header()
    assert header is not None and header.startswith("Slack: 5 queued, down since ")
    # The head of the incident's queue is retrying; the rest wait behind it, in order.
    assert [v.state for v in comms.views()] == ["retrying"] + ["queued"] * 4
    assert comms.views()[0].detail.startswith("attempt ")
    slack.set_down(False)
    result = await comms.flush(20)
    assert (result.queued, result.failed) == (0, 0)
    assert _keys(slack.messages("incident-response")) == ["root", "ev:2", "ev:3", "ev:4", "ev:5"]
    assert comms.header() is None


async def test_invalid_auth_stops_with_reason_and_fix(slack: SlackServer, store, make_comms) -> None:
    Driver(store).declare()
    slack.fault("invalid_auth", 100)
    comms = make_comms(store)
    result = await comms.flush(10)
    assert result.stopped is not None and result.stopped.startswith("invalid_auth: check SLACK_BOT_TOKEN")
    assert result.queued == 1
    assert len(slack.requests) == 1  # stopped at once, not hammering Slack message after message
    assert "stopped: invalid_auth" in (comms.header() or "")
    slack.clear_faults()
    result = await make_comms(store).flush(10)
    assert result.queued == 0 and len(slack.messages("incident-response")) == 1


async def test_archived_channel_fails_the_message_with_the_fix(slack: SlackServer, store, make_comms) -> None:
    slack.add_channel("old-incidents", archived=True)
    routing = Routing(channel="#old-incidents")
    Driver(store, routing).declare()
    comms = make_comms(store, routing)
    result = await comms.flush(10)
    assert result.failed == 1 and result.queued == 0
    (view,) = comms.views()
    assert view.state == "failed"
    assert view.detail.startswith("is_archived: unarchive the channel")


async def test_unknown_channel_fails_with_fix(slack: SlackServer, store, make_comms) -> None:
    routing = Routing(channel="#nope")
    Driver(store, routing).declare()
    comms = make_comms(store, routing)
    await comms.flush(10)
    (view,) = comms.views()
    assert view.state == "failed" and view.detail.startswith("channel_not_found: create the channel")


async def test_two_senders_on_one_journal_never_double_post(slack: SlackServer, store, make_comms) -> None:
    drivers = [Driver(store, incident_id=f"INC-20260101-0000-{i:04x}").declare() for i in range(4)]
    for d in drivers:
        d.walk(2)
        d.note("n")
    slack.fault("error_500", 3, methods=("chat.postMessage",))
    a, b = make_comms(store, holder="tui"), make_comms(store, holder="cli")
    ra, rb = await asyncio.gather(a.flush(30), b.flush(30))
    assert ra.queued == rb.queued == 0
    assert ra.sent > 0 and rb.sent > 0  # both really worked
    keys = [
        (m["metadata"]["event_payload"]["incident"], m["metadata"]["event_payload"]["key"])
        for m in slack.messages("incident-response")
    ]
    assert len(keys) == len(set(keys)) == 4 * 6


async def test_token_never_in_logs_journal_or_views(slack: SlackServer, store, make_comms, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    d = Driver(store).declare()
    d.walk(1)
    slack.fault("error_500", 1)
    slack.fault("drop_after_store", 1, methods=("chat.postMessage",))
    comms = make_comms(store)
    await comms.flush(10)
    assert any("slack_sdk" in r.name for r in caplog.records)  # slack-sdk did log at DEBUG
    assert TOKEN not in caplog.text
    journal = json.dumps([asdict(m) for m in store.outbox_list()], default=str)
    journal += json.dumps([dict(e.payload) for e in store.events_since(d.id, 0)], default=str)
    assert TOKEN not in journal
    shown = json.dumps([v.as_json() for v in comms.views()]) + str(comms.header()) + repr(comms.settings)
    assert TOKEN not in shown
    assert slack.auth_headers[0] == f"Bearer {TOKEN}"  # it was really sent, only to Slack


async def test_resolve_posts_the_journal_head_hash(slack: SlackServer, store, make_comms) -> None:
    d = Driver(store).declare()
    d.do(lambda s: tr.Draft("resolved", {"summary": "back on the DR region"}))
    await make_comms(store).flush(10)
    last = slack.messages("incident-response")[-1]
    head = store.verify(d.id).head_hash
    assert head is not None and head in last["text"]
    assert "resolved: back on the DR region" in last["text"]


async def test_webhook_fallback_posts_top_level_in_order(slack: SlackServer, store) -> None:
    from nexus_tui.engine.comms import Comms
    from nexus_tui.sources.slack.settings import Secret, SlackSettings
    from tests.slack.support import FAST, SystemUTC

    d = Driver(store).declare()
    d.walk(1)
    slack.fault("error_500", 1, methods=("webhook",))
    settings = SlackSettings(webhook_url=Secret(slack.webhook_url))
    comms = Comms(store, settings, clock=SystemUTC(), pacing=FAST)
    result = await comms.flush(10)
    await comms.stop()
    assert (result.queued, result.failed) == (0, 0)
    msgs = slack.messages("incident-response")
    assert [("thread_ts" in m) for m in msgs] == [False] * 3  # no threads without a bot
    assert "started" in msgs[1]["text"] and "done" in msgs[2]["text"]
    assert comms.header() == "Slack: webhook: no threads"
    assert "sim-webhook-secret" not in settings.describe() + repr(settings) + str(comms.header())


async def test_a_failed_lookup_is_retried_as_a_lookup_not_a_resend(slack: SlackServer, store, make_comms) -> None:
    Driver(store).declare()
    slack.fault("drop_after_store", 1, methods=("chat.postMessage",))
    slack.fault("error_500", 1, methods=("conversations.history",))
    comms = make_comms(store)
    result = await comms.flush(20)
    assert (result.queued, result.failed) == (0, 0)
    assert len(slack.messages("incident-response")) == 1
    assert [r[1] for r in slack.requests if r[1] != "conversations.list"][:3] == [
        "chat.postMessage",
        "conversations.history",
        "conversations.history",
    ]
