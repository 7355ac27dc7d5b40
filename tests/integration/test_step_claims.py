"""Claims across processes: two `nexus-tui incident step ... --execute` of the same aws step at once make
exactly one AWS call, and a claim whose holder died blocks until `incident recheck` decides what happened.
The 'AWS endpoint' is a loopback recorder that counts the mutating requests and holds each one until the test
lets it go, so the race is decided by the journal and not by who happens to be faster."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from incident_harness import IncidentCli, finished

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook

REPLICA = "db-replica-west"
RUNBOOK = f"""\
id: claims-test
title: Claims test
trigger: a test says so
rto_minutes: 30
steps:
  - id: promote
    title: Promote the replica
    expected_minutes: 5
    kind: aws
    action:
      name: rds.promote_read_replica
      region: us-west-2
      params: {{DBInstanceIdentifier: {REPLICA}}}
  - id: notify
    title: Notify stakeholders
    expected_minutes: 1
"""
DENIED = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed here</Message>"
    "</Error><RequestId>rec-denied-1</RequestId></ErrorResponse>"
)


@dataclass
class Recorder:
    url: str = ""
    mutating: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """Counts PromoteReadReplica requests; holds each until `release` (a slow AWS), then denies it."""
    rec = Recorder()

    async def handle(request: web.Request) -> web.Response:
        body = await request.text()
        if "Action=PromoteReadReplica" in body:
            rec.mutating.append(body)
            rec.arrived.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rec.release.wait(), 100)
        return web.Response(status=403, text=DENIED, content_type="text/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        yield rec
    finally:
        rec.release.set()
        await runner.cleanup()


@pytest.fixture
def cli(tmp_path: Path, recorder: Recorder) -> IncidentCli:
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "claims-test.yaml").write_text(RUNBOOK)
    config = tmp_path / "config.toml"
    # A read timeout far beyond the hold: the winner's call is answered, never timed out and retried.
    config.write_text(
        '[aws]\nregions = ["us-east-1", "us-west-2"]\nread_timeout = 120\nmax_attempts = 1\n'
        f'[aws.endpoints]\nus-east-1 = "{recorder.url}"\nus-west-2 = "{recorder.url}"\n'
    )
    return IncidentCli(tmp_path, books, config)


def _events(cli: IncidentCli, iid: str) -> list[tuple[str, dict[str, object]]]:
    with SqliteJournal(cli.journal) as journal:
        return [(e.type, dict(e.payload)) for e in journal.events_since(iid, 0)]


async def _arrival(rec: Recorder) -> None:
    await asyncio.wait_for(rec.arrived.wait(), 90)


async def test_two_processes_executing_the_same_step_make_one_call(cli: IncidentCli, recorder: Recorder) -> None:
    iid = cli.ok("declare", "--runbook", "claims-test").strip()
    execute = ("step", iid, "promote", "done", "--execute", "--confirm", REPLICA)
    procs = [await cli.start(*execute), await cli.start(*execute)]
    runs = [asyncio.ensure_future(finished(p)) for p in procs]
    # The winner is held inside its AWS call, so the first process to end is the one the journal refused.
    done, pending = await asyncio.wait(runs, timeout=90, return_when=asyncio.FIRST_COMPLETED)
    assert done, "neither process finished"
    loser = done.pop().result()
    assert loser.code == 1 and "step promote is being executed by alice on " in loser.line, loser
    await _arrival(recorder)
    recorder.release.set()
    winner = await asyncio.wait_for(pending.pop(), 90)
    assert winner.code == 1 and "AccessDenied" in winner.err and "Traceback" not in winner.err, winner

    assert len(recorder.mutating) == 1
    events = _events(cli, iid)
    assert [t for t, _ in events].count("step_claimed") == 1
    assert [t for t, _ in events].count("aws_request") == 1
    # The claim is released by the call's outcome, so the step may be retried.
    shown = json.loads(cli.ok("show", iid, "--json"))
    assert shown["executing"] == [] and shown["current_step"] == "promote"


async def test_a_killed_executor_keeps_its_claim_and_nothing_is_sent_twice(
    cli: IncidentCli, recorder: Recorder
) -> None:
    iid = cli.ok("declare", "--runbook", "claims-test").strip()
    execute = ("step", iid, "promote", "done", "--execute", "--confirm", REPLICA)
    victim = await cli.start(*execute)
    await _arrival(recorder)
    victim.send_signal(signal.SIGKILL)  # dies mid-call: the request left, the answer is never read
    await victim.wait()

    second = await cli.arun(*execute)
    assert second.code == 1 and "step promote is being executed by alice" in second.line, second
    assert len(recorder.mutating) == 1
    shown = json.loads(cli.ok("show", iid, "--json"))
    assert [e["step"] for e in shown["executing"]] == ["promote"]
    assert "being executed by alice" in cli.refused("resolve", iid, "--force", "--reason", "giving up")
    # Within its deadline the claim cannot be waved away either: its holder may still be running the call.
    assert "wait for its outcome" in cli.refused("recheck", iid, "promote", "--not-done", "--reason", "gone?")
    assert len(recorder.mutating) == 1


async def test_an_abandoned_claim_blocks_until_recheck(cli: IncidentCli, recorder: Recorder) -> None:
    iid = cli.ok("declare", "--runbook", "claims-test").strip()
    # A claim written two hours ago by a process that never reported back (its deadline long past).
    then = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    with IncidentService(
        SqliteJournal(cli.journal),
        clock=then,
        runbook_loader=lambda rid: find_runbook(rid, extra_dirs=[cli.runbooks]),
        settings=Settings(),
        actor="bob",
    ) as svc:
        svc.claim(iid, "promote", host="gone-host", pid=4242, deadline_seconds=960.0)

    execute = ("step", iid, "promote", "done", "--execute", "--confirm", REPLICA)
    refusal = cli.refused(*execute)
    assert "claimed by bob on gone-host" in refusal and "never reported back" in refusal and "re-check" in refusal
    assert "bob on gone-host" in cli.refused("step", iid, "promote", "done", "--confirm", REPLICA)
    plan = json.loads(cli.ok("preview", iid, "promote", "--json"))
    assert plan["next"] == "recheck" and plan["executing"]["holder"] == "bob"
    assert any("never reported back" in b for b in plan["blockers"])
    assert recorder.mutating == []

    assert "a verdict on an unknown outcome needs a reason" in cli.refused("recheck", iid, "promote", "--not-done")
    # Nothing else can be re-checked: a verdict must never confirm a step that was never sent.
    assert "nothing to re-check" in cli.refused("recheck", iid, "notify", "--done", "--reason", "it is fine")
    assert "not done" in cli.ok("recheck", iid, "promote", "--not-done", "--reason", "console: still a replica")
    recorder.release.set()
    retry = await cli.arun(*execute)
    assert retry.code == 1 and "AccessDenied" in retry.err, retry
    assert len(recorder.mutating) == 1
    types = [t for t, _ in _events(cli, iid)]
    assert types == ["declared", "step_claimed", "aws_request", "step_claimed", "step_started", "aws_request"]


async def test_a_refused_call_keeps_its_request_id(cli: IncidentCli, recorder: Recorder) -> None:
    recorder.release.set()
    iid = cli.ok("declare", "--runbook", "claims-test").strip()
    run = await cli.arun("step", iid, "promote", "done", "--execute", "--confirm", REPLICA)
    assert run.code == 1 and "AccessDenied" in run.err, run
    [request] = [p for t, p in _events(cli, iid) if t == "aws_request"]
    assert request["outcome"] == "failed" and request["request_id"] == "rec-denied-1"
