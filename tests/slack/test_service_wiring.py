"""The hook as the integrator wires it: IncidentService(store, outbox_policy=make_outbox_policy(...)) on a
SqliteJournal; every change it appends carries its messages, and the sender delivers them."""

from __future__ import annotations

from pathlib import Path

from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import Comms, make_outbox_policy
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.sim.slack_server import SlackServer
from nexus_tui.sources.slack.api import WebApi
from tests.incident_fixtures import sample_runbook
from tests.slack.support import FAST, TOKEN, SystemUTC, settings_for


async def test_incident_service_with_the_policy(slack: SlackServer, tmp_path: Path) -> None:
    routing = Routing(drill_channel="#dr-drills")
    clock = SystemUTC()
    store = SqliteJournal(tmp_path / "j.sqlite3")
    svc = IncidentService(
        store,
        clock=clock,
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        actor="alice",
        outbox_policy=make_outbox_policy(routing, clock),
    )
    iid = svc.declare("rds-failover", severity="SEV1", drill=True)
    svc.start(iid, "verify")
    svc.confirm(iid, "verify")
    svc.note(iid, "lag is fine", share=True)
    svc.note(iid, "my own scribble")
    svc.resolve(iid, "drill over", force=True, reason="drill stops here")
    assert [m.key for m in store.outbox_list(iid)] == ["root", "ev:2", "ev:3", "ev:4", "ev:6"]

    api = WebApi(TOKEN, base_url=slack.url, timeout=FAST.timeout)
    comms = Comms(store, settings_for(slack.url, routing), clock=clock, api=api, pacing=FAST)
    result = await comms.flush(20)
    await comms.stop()
    assert (result.queued, result.failed) == (0, 0)
    msgs = slack.messages("dr-drills")
    assert slack.messages("incident-response") == []
    assert len(msgs) == 5 and all("[DRILL]" in m["text"] for m in msgs)
    assert "forced: drill stops here" in msgs[-1]["text"]
    head = store.verify(iid).head_hash
    assert head is not None and head in msgs[-1]["text"]
    # The root was brought up to date after the flush: resolved.
    assert "resolved after" in msgs[0]["text"]
    svc.close()
