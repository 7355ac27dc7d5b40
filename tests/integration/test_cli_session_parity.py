"""The same rules through both front ends: `nexus-tui incident ...` in a subprocess and the TUI's
IncidentSession in process, on ONE journal file. Each request is made by the CLI on incident A and by the
session on incident B (and, where it changes nothing, by the session on A too); the answers must be equal:
accepted by both, or refused by both with the same one-line reason. Preconditions are judged on live data
(a health endpoint that answers 503) fetched by each front end itself."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Awaitable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from incident_harness import IncidentCli

from nexus_tui.config import AppConfig, load_config
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.engine.actions import ActionError
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import IncidentSession
from nexus_tui.engine.views import plan_json, view_json
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook

RUNBOOK = """\
id: parity
title: Parity between front ends
trigger: a test says so
rto_minutes: 30
params:
  dns_name: app.example.com
steps:
  - id: drain
    title: Drain traffic while the app still answers
    expected_minutes: 2
    kind: manual
    preconditions:
      - check: endpoint_up
        name: app
  - id: restart
    title: Restart the application
    expected_minutes: 5
    kind: manual
  - id: dns
    title: Point DNS at the DR region
    expected_minutes: 2
    kind: manual
    destructive: true
    confirm: ${dns_name}
  - id: notify
    title: Tell stakeholders
    expected_minutes: 1
    kind: manual
"""


class _Down(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET


@pytest.fixture
def down_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Both:
    """The CLI on incident A, the session on incident B, with their answers normalised for comparison."""

    def __init__(self, tmp: Path, url: str) -> None:
        books = tmp / "runbooks"
        books.mkdir()
        (books / "parity.yaml").write_text(RUNBOOK)
        config_file = tmp / "config.toml"
        config_file.write_text(
            '[aws]\nregions = ["us-east-1"]\nconnect_timeout = 1\nread_timeout = 1\nmax_attempts = 1\n'
            f'[aws.endpoints]\nus-east-1 = "{url}"\n'
            f'[[health]]\nname = "app"\nurl = "{url}/health"\ntimeout_seconds = 15\n'
        )
        self.cli = IncidentCli(tmp, books, config_file)
        self.config: AppConfig = load_config(config_file)
        self.clock = ManualClock(datetime.now(UTC))
        self.service = self.make_service(self.clock)
        self.a = self.cli.ok("declare", "--runbook", "parity").strip()
        self.b = self.service.declare("parity", ic="alice")

    def make_service(self, clock: ManualClock) -> IncidentService:
        return IncidentService(
            SqliteJournal(self.cli.journal),
            clock=clock,
            runbook_loader=lambda rid: find_runbook(rid, extra_dirs=[self.cli.runbooks], config=self.config),
            settings=self.config.settings,
            actor="alice",
        )

    async def live(self) -> DashboardSnapshot | None:
        """What the CLI fetches for a step with preconditions: one dashboard refresh with the same config."""
        dashboard = DashboardService(self.config, self.clock)
        try:
            return await dashboard.refresh()
        finally:
            await dashboard.aclose()

    def session(self, iid: str, service: IncidentService | None = None) -> IncidentSession:
        return IncidentSession(service or self.service, iid, snapshot=self.live)

    def norm(self, text: str) -> str:
        text = text.replace(self.a, "<ID>").replace(self.b, "<ID>")
        return re.sub(r"finished \d+ s ago", "finished N s ago", text)

    def by_cli(self, *args: str, iid: str | None = None) -> str:
        run = self.cli.run(args[0], iid or self.a, *args[1:])
        if run.code == 0:
            return "ok"
        assert run.code == 1, run
        return self.norm(run.line)

    async def by_session(self, call: Awaitable[Any]) -> str:
        try:
            await call
        except (IncidentError, ActionError) as exc:
            return self.norm(str(exc))
        return "ok"

    async def same(self, cli_args: tuple[str, ...], on_b: Any, on_a: Any = None) -> str:
        """One request by both front ends; `on_a` (a refusal only) is asked of the session on A as well."""
        by_cli = self.by_cli(*cli_args)
        by_session = await self.by_session(on_b(self.session(self.b)))
        assert by_cli == by_session, (cli_args, by_cli, by_session)
        if on_a is not None:
            assert by_cli != "ok"
            assert await self.by_session(on_a(self.session(self.a))) == by_cli
        return by_cli

    async def same_plan(self, step: str) -> dict[str, Any]:
        """`incident preview --json` (CLI) and the session's plan, for A and for B: one shape."""
        keep = ("step", "kind", "status", "current", "destructive", "confirm", "missing_params", "blockers", "next")

        def cut(plan: dict[str, Any]) -> dict[str, Any]:
            out = {k: plan[k] for k in keep}
            out["blockers"] = [self.norm(b) for b in out["blockers"]]
            out["preconditions"] = [
                {k: c[k] for k in ("check", "ok", "detail", "blocking")}
                | {"override": (c["override"] or {}).get("reason")}
                for c in plan["preconditions"]
            ]
            return out

        by_cli = cut(json.loads(self.cli.ok("preview", self.a, step, "--json")))
        for iid in (self.a, self.b):
            assert cut(plan_json(await self.session(iid).plan(step), None)) == by_cli, iid
        return by_cli


@pytest.fixture
def both(tmp_path: Path, down_server: str) -> Iterator[Both]:
    rig = Both(tmp_path, down_server)
    try:
        yield rig
    finally:
        rig.service.close()


def _show(view: dict[str, Any]) -> dict[str, Any]:
    steps = [{k: s[k] for k in ("id", "status", "reason", "manual", "finished_by")} for s in view["steps"]]
    keys = ("severity", "ic", "drill", "steps_done", "current_step", "resolved_forced", "forced_reason")
    return {k: view[k] for k in keys} | {"steps": steps, "open_at_resolve": view["open_at_resolve"]}


@pytest.mark.timeout(900)  # some thirty CLI processes, each a Python start-up on a loaded machine
async def test_cli_and_session_give_the_same_answers(both: Both) -> None:
    s = both.same
    not_current = await s(("step", "restart", "done"), lambda x: x.confirm("restart"), lambda x: x.confirm("restart"))
    assert not_current == "step restart is not the current step: finish or skip drain first"

    # Preconditions on live data: the app answers 503, so drain is blocked for both, with the same reason.
    plan = await both.same_plan("drain")
    assert plan["next"] == "confirm" and plan["preconditions"][0]["ok"] is False
    assert plan["preconditions"][0]["blocking"] and "app is down (HTTP 503" in plan["preconditions"][0]["detail"]
    blocked = await s(("step", "drain", "done"), lambda x: x.confirm("drain"), lambda x: x.confirm("drain"))
    assert blocked.startswith("step drain: precondition endpoint_up not met: app is down (HTTP 503")
    # An incident-wide override does not cover a step; a reason is required; a step override does.
    assert await s(("override", "--reason", "whole incident"), lambda x: x.override(None, "whole incident")) == "ok"
    assert await s(("step", "drain", "done"), lambda x: x.confirm("drain"), lambda x: x.confirm("drain")) == blocked
    no_reason = await s(
        ("override", "--step", "drain", "--reason", " "),
        lambda x: x.override("drain", " "),
        lambda x: x.override("drain", " "),
    )
    assert no_reason == "overriding a precondition needs a reason"
    why = "LB drains on its own; the 503 is the maintenance page"
    assert (
        await s(
            ("override", "--step", "drain", "--check", "endpoint_up", "--reason", why),
            lambda x: x.override("drain", why, "endpoint_up"),
        )
        == "ok"
    )
    plan = await both.same_plan("drain")
    assert plan["preconditions"][0]["override"] == why and not plan["preconditions"][0]["blocking"]
    assert plan["blockers"] == []
    assert await s(("step", "drain", "done"), lambda x: x.confirm("drain")) == "ok"

    # Reasons, the undo window (inside it), out-of-order steps.
    skip = await s(("step", "restart", "skip"), lambda x: x.skip("restart", None), lambda x: x.skip("restart", None))
    assert skip == "skipping step restart needs a reason"
    assert await s(("step", "restart", "done"), lambda x: x.confirm("restart")) == "ok"
    both.clock.advance(30)
    assert await s(("undo",), lambda x: x.undo()) == "ok"
    early = ("step", "dns", "done", "--confirm", "app.example.com")
    out_of_order = await s(early, lambda x: x.confirm("dns", "app.example.com"), lambda x: x.confirm("dns"))
    assert out_of_order == "step dns is not the current step: finish or skip restart first"
    assert await s(("step", "restart", "done"), lambda x: x.confirm("restart")) == "ok"

    # Typed confirmation of a destructive step: missing or wrong text is refused the same way.
    typed = "step dns is destructive: confirm it by typing the resource name 'app.example.com'"
    assert await s(("step", "dns", "done"), lambda x: x.confirm("dns"), lambda x: x.confirm("dns")) == typed
    wrong = ("step", "dns", "done", "--confirm", "app.example.org")
    assert await s(wrong, lambda x: x.confirm("dns", "app.example.org"), lambda x: x.confirm("dns", "x")) == typed
    assert await s(early, lambda x: x.confirm("dns", "app.example.com")) == "ok"

    # Resolve gating: open steps need --force and a reason; can_resolve() is the same rule.
    for iid in (both.a, both.b):
        session = both.session(iid)
        await session.refresh()
        check = session.can_resolve()
        assert not check.ok and check.pending == ("notify",)
    gated = await s(("resolve",), lambda x: x.resolve(), lambda x: x.resolve())
    assert gated.startswith("1 step(s) neither done nor skipped (notify)") and "--force" in gated
    no_why = await s(("resolve", "--force"), lambda x: x.resolve(force=True), lambda x: x.resolve(force=True))
    assert no_why == "resolving with open steps needs a reason"
    forced = ("resolve", "--force", "--reason", "notified by phone")
    assert await s(forced, lambda x: x.resolve(force=True, reason="notified by phone")) == "ok"
    closed = await s(("step", "notify", "done"), lambda x: x.confirm("notify"), lambda x: x.confirm("notify"))
    assert closed == "incident <ID> is resolved; it can only take notes"
    assert await s(("note", "postmortem on Monday"), lambda x: x.note("postmortem on Monday")) == "ok"

    # The end state is the same, read by either front end, for either incident.
    by_cli = _show(json.loads(both.cli.ok("show", both.a, "--json")))
    assert by_cli["resolved_forced"] and by_cli["open_at_resolve"] == ["notify"]
    assert by_cli["forced_reason"] == "notified by phone"
    assert [st["status"] for st in by_cli["steps"]] == ["done", "done", "done", "pending"]
    assert _show(view_json(both.service.get(both.a))) == by_cli
    assert _show(view_json(both.service.get(both.b))) == by_cli
    assert _show(json.loads(both.cli.ok("show", both.b, "--json"))) == by_cli


async def test_the_undo_window_is_the_same_past_its_end(both: Both) -> None:
    """The CLI has no injectable clock: the confirmation is written 5 minutes in the past instead, and both
    front ends refuse to undo it; a session whose clock is inside the window may."""
    then = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    past = ManualClock(then)
    with both.make_service(past) as writer:
        iid = writer.declare("parity", ic="alice")
        writer.override(iid, "drain", "set up by the test")
        past.advance(10)
        writer.confirm(iid, "drain")
    refusal = both.by_cli("undo", iid=iid)
    assert re.fullmatch(
        r"cannot undo step drain: finished N s ago, past the 60 s grace period; add a note instead", refusal
    )
    assert await both.by_session(both.session(iid).undo()) == refusal
    inside = ManualClock(then + timedelta(seconds=40))
    with both.make_service(inside) as early:
        assert await both.by_session(IncidentSession(early, iid).undo()) == "ok"
    nothing = both.by_cli("undo", iid=iid)
    assert nothing == await both.by_session(both.session(iid).undo())
    assert "nothing to undo" in nothing
