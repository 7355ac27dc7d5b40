"""The engine's timer events and the `slack` step on a real SQLite journal: timers fire once across two
processes' services (a lost race re-reads and finds nothing left), their messages land in the incident's
thread, and confirming a slack step journals it done with its message in the same append."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.runbook import Runbook, SlackPost, Step
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import DRILL_PREFIX, Routing
from nexus_tui.engine.comms import Comms, make_outbox_policy
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import IncidentSession
from nexus_tui.journal.base import OutboxDraft
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.sim.slack_server import SlackServer
from nexus_tui.sources.slack.api import WebApi
from tests.incident_fixtures import sample_runbook
from tests.slack.support import FAST, TOKEN, SystemUTC, settings_for

ROUTING = Routing(stakeholder_channel="#stakeholders", drill_channel="#dr-drills", mention="<!subteam^S1>")


def service(path: Path, clock: ManualClock, runbook: Runbook | None = None, **kw: Any) -> IncidentService:
    return IncidentService(
        SqliteJournal(path),
        clock=clock,
        runbook_loader=lambda _: runbook or sample_runbook(),
        settings=Settings(),
        actor=kw.pop("actor", "alice"),
        outbox_policy=make_outbox_policy(kw.pop("routing", ROUTING), clock, configured=kw.pop("configured", True)),
    )


class RacingJournal(SqliteJournal):
    """Lets another process append just before this one's first append: the lost race, made certain."""

    def __init__(self, path: Path, before_first_append: Any) -> None:
        super().__init__(path)
        self._before = before_first_append

    def append(self, *args: Any, **kwargs: Any) -> Any:
        before, self._before = self._before, None
        if before is not None:
            before()
        return super().append(*args, **kwargs)


def test_timers_fire_once_across_two_services(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    clock = ManualClock()
    a, b = service(path, clock), service(path, clock, actor="bob")
    iid = a.declare("rds-failover", severity="SEV1")
    assert a.fire_timers(iid) == [] and b.fire_timers(iid) == []
    clock.advance(16 * 60)
    # b decides on the same state as a, but a appends first: b's append conflicts, b re-reads, nothing left.
    b.journal.close()
    b.journal = RacingJournal(path, lambda: a.fire_timers(iid))
    assert b.fire_timers(iid) == []
    assert b.fire_timers(iid) == [] and a.fire_timers(iid) == []
    types = [e.type for e in a.journal.events_since(iid, 0)]
    assert types == ["declared", "escalated", "step_overdue"]
    clock.advance(15 * 60)
    fired = b.fire_all_timers()
    assert [e.type for e in fired] == ["escalated", "rto_projection_exceeded"]
    assert a.fire_all_timers() == []
    # Each with its thread message, in the same append as its event.
    keys = [(m.key, m.event_seq) for m in a.journal.outbox_list(iid)]
    assert keys == [("root", 1), ("ev:2", 2), ("ev:3", 3), ("ev:4", 4), ("ev:5", 5)]
    a.close()
    b.close()


async def test_timer_messages_reach_the_thread(slack: SlackServer, tmp_path: Path) -> None:
    clock = ManualClock()
    svc = service(tmp_path / "j.sqlite3", clock)
    iid = svc.declare("rds-failover", severity="SEV1")
    clock.advance(16 * 60)
    session = IncidentSession(svc, iid)
    assert [e.type for e in await session.tick()] == ["escalated", "step_overdue"]
    assert await session.tick() == []
    comms = Comms(svc.journal, settings_for(slack.url, ROUTING), clock=SystemUTC(), api=_api(slack), pacing=FAST)
    result = await comms.flush(20)
    await comms.stop()
    assert (result.queued, result.failed) == (0, 0)
    root, *thread = slack.messages("incident-response")
    assert [m.get("thread_ts") for m in thread] == [root["ts"], root["ts"]]
    assert "escalation: engage Team lead now <!subteam^S1>" in thread[0]["text"]
    assert "over twice its 2m00s" in thread[1]["text"]
    svc.close()


def _api(slack: SlackServer) -> WebApi:
    return WebApi(TOKEN, base_url=slack.url, timeout=FAST.timeout)


def slack_runbook() -> Runbook:
    rb = sample_runbook()
    tell = Step(
        "tell",
        "Tell stakeholders",
        "slack",
        60.0,
        slack=SlackPost(
            "${incident.severity} ${incident.id}: failed over after ${incident.elapsed} (RTO ${incident.rto})"
        ),
    )
    return replace(rb, steps=(tell, *rb.steps[1:]))


async def test_slack_step_preview_then_confirm_posts_to_stakeholders(slack: SlackServer, tmp_path: Path) -> None:
    clock = ManualClock()
    svc = service(tmp_path / "j.sqlite3", clock, slack_runbook())
    iid = svc.declare("rds-failover", severity="SEV1")
    clock.advance(90)
    session = IncidentSession(svc, iid)
    plan = await session.plan("tell")
    assert plan.next_action == "confirm" and plan.slack is not None
    text = f"SEV1 {iid}: failed over after 1m30s (RTO 30m00s)"
    assert (plan.slack.channel, plan.slack.text, plan.slack.status) == ("#stakeholders", text, "posted on confirm")
    view = await session.confirm("tell")
    assert view.state.step_state("tell").status == "done"
    confirmed = view.state.events[-1]
    assert confirmed.type == "step_confirmed"
    # The confirmation and its messages are one append: same event seq.
    mine = [(m.key, m.channel) for m in svc.journal.outbox_list(iid) if m.event_seq == confirmed.seq]
    assert mine == [
        (f"ev:{confirmed.seq}", "slack:#incident-response"),
        (f"stakeholders:{confirmed.seq}", "slack:#stakeholders"),
    ]
    comms = Comms(svc.journal, settings_for(slack.url, ROUTING), clock=SystemUTC(), api=_api(slack), pacing=FAST)
    result = await comms.flush(20)
    await comms.stop()
    assert (result.queued, result.failed) == (0, 0)
    (posted,) = slack.messages("stakeholders")
    assert posted["text"] == f"{iid}: {text}" and "thread_ts" not in posted
    svc.close()


async def test_slack_step_in_a_drill_and_without_slack(slack: SlackServer, tmp_path: Path) -> None:
    clock = ManualClock()
    svc = service(tmp_path / "j.sqlite3", clock, slack_runbook())
    iid = svc.declare("rds-failover", severity="SEV2", drill=True)
    session = IncidentSession(svc, iid)
    plan = await session.plan("tell")
    assert plan.slack is not None and plan.slack.channel == "#dr-drills"
    assert plan.slack.text.startswith(DRILL_PREFIX)
    await session.confirm("tell")
    comms = Comms(svc.journal, settings_for(slack.url, ROUTING), clock=SystemUTC(), api=_api(slack), pacing=FAST)
    await comms.flush(20)
    await comms.stop()
    assert slack.messages("stakeholders") == []  # a drill never reaches the real stakeholders
    assert any(m["text"].startswith(f"{iid}: {DRILL_PREFIX}SEV2") for m in slack.messages("dr-drills"))
    svc.close()

    off = service(tmp_path / "k.sqlite3", clock, slack_runbook(), configured=False)
    iid = off.declare("rds-failover")
    plan = await IncidentSession(off, iid).plan("tell")
    assert plan.slack is not None and plan.slack.status == "not sent: Slack not configured"
    off.close()


def test_sending_keeps_the_claim(tmp_path: Path) -> None:
    store = SqliteJournal(tmp_path / "j.sqlite3")
    clock = ManualClock()
    store.append(
        "INC-1",
        "note",
        {"text": "x"},
        at=clock.now(),
        actor="a",
        aws_identity=None,
        expect_seq=0,
        outbox=[OutboxDraft(channel="slack:#x", key="k", payload={"text": "x"})],
    )
    (m,) = store.outbox_claim("me", clock.now(), 60)
    assert store.outbox_update(m.id, "me", status="sending", attempts=1, error="outcome unknown: in flight")
    (now,) = store.outbox_list()
    assert (now.status, now.claimed_by) == ("sending", "me")
    assert not store.outbox_update(m.id, "other", status="sent", remote_id="C1/1")
    assert store.outbox_update(m.id, "me", status="sent", remote_id="C1/1", error="")
    (done,) = store.outbox_list()
    assert (done.status, done.claimed_by, done.claimed_until) == ("sent", None, None)
    store.close()
