"""StepRunner's refusals and checks, against real parts: the simulator (moto), a local HTTP server that records
every request (proof that a refused step made no AWS call), the simulator's health server, a SQLite journal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from nexus_tui import cli
from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import (
    ActionError,
    ConfirmationError,
    IncidentSession,
    MutationNotAllowed,
    PreconditionBlocked,
    StepExecutor,
)
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sim.health_server import HealthServer
from tests.integration.step_runner_support import DENIED, REPLICA, RUNBOOK, make_service, recorder_config


def _s(svc: IncidentService, iid: str, executor: StepExecutor) -> IncidentSession:
    return IncidentSession(svc, iid, executor=executor)


@pytest.fixture
def runbook_dir(tmp_path: Path) -> Path:
    d = tmp_path / "runbooks"
    d.mkdir()
    (d / "steps-test.yaml").write_text(RUNBOOK)
    return d


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[str]]]:
    """An 'AWS endpoint' on loopback that records every request and denies it: any call shows up here.
    After a request whose body mentions `garbage`, it answers with something that is not AWS at all."""
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        body = await request.text()
        seen.append(f"{request.method} {request.path_qs} {body}")
        if "garbage" in body:
            return web.Response(status=200, text="not xml")
        return web.Response(status=403, text=DENIED, content_type="text/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


@pytest.fixture
def health() -> Iterator[HealthServer]:
    server = HealthServer().start()
    try:
        yield server
    finally:
        server.stop()


def _types(svc: IncidentService, iid: str) -> list[str]:
    return [e.type for e in svc.state(iid).events]


# -- refusals before any AWS call --------------------------------------------------------------------------


async def test_wrong_confirmation_is_refused_without_any_call(
    tmp_path: Path, runbook_dir: Path, recorder: tuple[str, list[str]]
) -> None:
    url, seen = recorder
    config = recorder_config(url)
    clock = ManualClock()
    with make_service(tmp_path, clock, runbook_dir) as svc:
        iid = svc.declare("steps-test")
        runner = StepExecutor(config, clock)
        with pytest.raises(ConfirmationError, match=REPLICA):
            await _s(svc, iid, runner).execute_aws("promote", "securenexus-db")
        assert seen == []
        assert _types(svc, iid) == ["declared"]
        # The refusal is one line and names what to type.
        with pytest.raises(ConfirmationError) as info:
            await _s(svc, iid, runner).execute_aws("promote", "")
        assert "\n" not in str(info.value)


async def test_missing_params_are_named_and_refused_then_supplied(
    tmp_path: Path, runbook_dir: Path, recorder: tuple[str, list[str]]
) -> None:
    url, seen = recorder
    clock = ManualClock()
    with make_service(tmp_path, clock, runbook_dir) as svc:
        iid = svc.declare("steps-test")
        runner = StepExecutor(recorder_config(url), clock)
        assert list((await _s(svc, iid, runner).plan("promote")).missing) == []
        assert list((await _s(svc, iid, runner).plan("restore")).missing) == ["restore_time"]
        assert list((await _s(svc, iid, runner).plan("health")).missing) == ["health_url"]
        svc.skip(iid, "promote", "replica already promoted by hand")
        with pytest.raises(ActionError, match=r"\$\{restore_time\}"):
            await _s(svc, iid, runner).execute_aws("restore", "restored-db")
        with pytest.raises(ActionError, match=r"\$\{restore_time\}"):
            await _s(svc, iid, runner).preview("restore")
        assert seen == []
        assert "step_started" not in _types(svc, iid)

        # Only open params may be supplied; a declare-time value is part of the record.
        with pytest.raises(IncidentError, match="replica_db"):
            svc.supply_params(iid, {"replica_db": "other-db"})
        svc.supply_params(iid, {"restore_time": "2026-01-01T00:00:00Z"})
        assert list((await _s(svc, iid, runner).plan("restore")).missing) == []
        preview = await _s(svc, iid, runner).preview("restore")
        assert preview is not None and dict(preview.parameters)["RestoreTime"].startswith("2026-01-01T00:00:00")
        # A supplied value can be corrected before the step runs; replay gives the same answer.
        svc.supply_params(iid, {"restore_time": "2026-01-01T00:05:00Z"})
        state = svc.state(iid)
        assert state.params["restore_time"] == "2026-01-01T00:05:00Z"
        assert state.runbook.step("restore").action.params["RestoreTime"] == "2026-01-01T00:05:00Z"  # type: ignore[union-attr]
    with make_service(tmp_path, clock, runbook_dir) as again:
        assert again.state(iid).supplied_params == {"restore_time": "2026-01-01T00:05:00Z"}
        assert again.report(iid).count("Supplied params restore_time=") == 2


async def test_step_must_be_current(tmp_path: Path, runbook_dir: Path, recorder: tuple[str, list[str]]) -> None:
    url, seen = recorder
    clock = ManualClock()
    with make_service(tmp_path, clock, runbook_dir) as svc:
        iid = svc.declare("steps-test", params={"health_url": "http://127.0.0.1:9/api/health"})
        runner = StepExecutor(recorder_config(url), clock)
        with pytest.raises(ActionError, match="not the current step"):
            await _s(svc, iid, runner).check_http("health")
        with pytest.raises(ActionError, match="is a http step"):
            await _s(svc, iid, runner).execute_aws("health", "")
        assert await _s(svc, iid, runner).preview("health") is None
        assert seen == [] and _types(svc, iid) == ["declared"]


# -- preconditions -----------------------------------------------------------------------------------------


async def test_failed_precondition_needs_an_override(
    sim_env: SimEnvironment, sim_clock: ManualClock, sim_boto: Any, tmp_path: Path
) -> None:
    config = sim_env.app_config()
    sim_env.set_replica_lag(REPLICA, 3 * 3600.0)  # far beyond the 15 min RPO
    sim_env.tick(60)
    dashboard = DashboardService(config, sim_clock)
    try:
        snapshot = await dashboard.refresh()
    finally:
        await dashboard.aclose()
    rds = sim_boto("rds", "us-west-2")
    svc = IncidentService(
        SqliteJournal(tmp_path / "j.sqlite3"),
        clock=sim_clock,
        runbook_loader=lambda rid: find_runbook(rid, config=config),
        settings=config.settings,
        actor="alice",
    )
    with svc:
        iid = svc.declare("rds-failover")
        svc.confirm(iid, "verify-primary-down")
        runner = StepExecutor(config, sim_clock, poll_interval=0.05, action_timeout=10)
        [(pre, res)] = [
            (c.pre, c.result) for c in (await _s(svc, iid, runner).plan("promote-replica", snapshot)).checks
        ]
        assert pre.check == "replica_lag_below_rpo" and res.ok is False and "RPO" in res.detail
        with pytest.raises(PreconditionBlocked, match="replica_lag_below_rpo"):
            await _s(svc, iid, runner).execute_aws("promote-replica", REPLICA, snapshot=snapshot)
        # No live data is not a pass either.
        with pytest.raises(PreconditionBlocked, match="no live data"):
            await _s(svc, iid, runner).execute_aws("promote-replica", REPLICA)
        # An override of another step, or of the whole incident, does not cover this one.
        svc.override(iid, "verify-primary-down", "unrelated")
        svc.override(iid, None, "incident-wide")
        with pytest.raises(PreconditionBlocked):
            await _s(svc, iid, runner).execute_aws("promote-replica", REPLICA, snapshot=snapshot)
        assert (
            "ReadReplicaSourceDBInstanceIdentifier"
            in rds.describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
        )
        assert "step_started" not in _types(svc, iid)

        reason = "primary is gone; the lag is the best we have"
        svc.override(iid, "promote-replica", reason, "replica_lag_below_rpo")
        assert list((await _s(svc, iid, runner).plan("promote-replica", snapshot)).blocking_checks) == []
        result = await _s(svc, iid, runner).execute_aws("promote-replica", REPLICA, snapshot=snapshot)
        assert result.ok and result.request_id
        state = svc.state(iid)
        assert state.step_state("promote-replica").status == "done"
        assert [o.reason for o in state.overrides if o.step_id == "promote-replica"] == [reason]
        assert _types(svc, iid)[-5:] == [
            "precondition_override",
            "step_claimed",
            "step_started",
            "aws_request",
            "step_confirmed",
        ]
        found = rds.describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
        assert "ReadReplicaSourceDBInstanceIdentifier" not in found


# -- drill guard -------------------------------------------------------------------------------------------


async def test_drill_never_touches_a_non_simulated_endpoint(
    tmp_path: Path, runbook_dir: Path, recorder: tuple[str, list[str]]
) -> None:
    url, seen = recorder
    clock = ManualClock()
    with make_service(tmp_path, clock, runbook_dir) as svc:
        drill = svc.declare("steps-test", drill=True)
        # Endpoints that are not the simulator (simulated=False: the engine knows better than the loopback rule).
        runner = StepExecutor(recorder_config(url), clock, simulated=False)
        with pytest.raises(MutationNotAllowed, match="drill"):
            await _s(svc, drill, runner).execute_aws("promote", REPLICA)
        # No endpoint override at all: real AWS. Refused before any client is made.
        real = StepExecutor(AppConfig(aws=AwsConfig(regions=("us-east-1", "us-west-2"))), clock)
        with pytest.raises(MutationNotAllowed):
            await _s(svc, drill, real).execute_aws("promote", REPLICA)
        # A runner started in drill mode treats every incident as a drill.
        real_incident = svc.declare("steps-test")
        forced = StepExecutor(recorder_config(url), clock, simulated=False, is_drill_default=True)
        with pytest.raises(MutationNotAllowed):
            await _s(svc, real_incident, forced).execute_aws("promote", REPLICA)
        assert seen == []
        assert _types(svc, drill) == ["declared"] and _types(svc, real_incident) == ["declared"]


async def test_aws_failure_is_journaled_and_the_step_stays_current(
    tmp_path: Path, runbook_dir: Path, recorder: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = recorder
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fake")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    clock = ManualClock()
    config = replace(recorder_config(url), aws=replace(recorder_config(url).aws, max_attempts=1))
    with make_service(tmp_path, clock, runbook_dir) as svc:
        iid = svc.declare("steps-test")
        runner = StepExecutor(config, clock, poll_interval=0.01, action_timeout=1)
        result = await _s(svc, iid, runner).execute_aws("promote", REPLICA)
        assert not result.ok and result.error and REPLICA in result.error
        assert seen  # the call was made (and failed)
        state = svc.state(iid)
        assert state.step_state("promote").status == "in_progress"
        assert state.aws_requests[-1].error == result.error
        # Retrying keeps the first start time: no second step_started.
        await _s(svc, iid, runner).execute_aws("promote", REPLICA)
        assert _types(svc, iid).count("step_started") == 1
        assert "AccessDenied" in (state.aws_requests[-1].error or "")
        # An answer that is not AWS at all is still a journaled one-line failure, not a traceback.
        other = svc.declare("steps-test", params={"replica_db": "garbage-db"})
        odd = await _s(svc, other, runner).execute_aws("promote", "garbage-db")
        assert not odd.ok and odd.error and "garbage-db" in odd.error and "\n" not in odd.error
        assert svc.state(other).aws_requests[-1].error == odd.error
        assert svc.state(other).step_state("promote").status == "in_progress"


# -- http checks -------------------------------------------------------------------------------------------


async def test_http_check_retries_until_healthy(tmp_path: Path, runbook_dir: Path, health: HealthServer) -> None:
    clock = ManualClock()
    health.set_up(False)
    with make_service(tmp_path, clock, runbook_dir) as svc:
        iid = svc.declare("steps-test", params={"health_url": health.url + "?token=do-not-journal"})
        svc.skip(iid, "promote", "done by hand")
        svc.skip(iid, "restore", "not needed")
        runner = StepExecutor(AppConfig(), clock)
        lines: list[str] = []

        def progress(line: str) -> None:
            lines.append(line)
            if len(lines) == 2:  # the app comes back after the second failed look
                health.set_up(True)

        result = await _s(svc, iid, runner).check_http("health", progress, deadline_seconds=10)
        assert result.ok and result.attempts == 3 and result.status == 200
        assert "HTTP 503" in lines[0] and "HTTP 200" in lines[-1]
        state = svc.state(iid)
        assert state.step_state("health").status == "done"
        assert any("healthy (HTTP 200) after 3 attempt(s)" in n.text for n in state.notes)
        # The check's own output (progress, notes) never repeats a query string: it may hold a token.
        assert not any("do-not-journal" in text for text in [*lines, *(n.text for n in state.notes)])


async def test_http_check_times_out_when_down(tmp_path: Path, runbook_dir: Path, health: HealthServer) -> None:
    clock = ManualClock()
    health.set_up(False)
    with make_service(tmp_path, clock, runbook_dir) as svc:
        iid = svc.declare("steps-test", params={"health_url": health.url})
        svc.skip(iid, "promote", "done by hand")
        svc.skip(iid, "restore", "not needed")
        runner = StepExecutor(AppConfig(), clock)
        result = await _s(svc, iid, runner).check_http("health", deadline_seconds=0.3)
        assert not result.ok and result.attempts >= 2 and result.status == 503
        assert result.error == "HTTP 503, expected 200"
        state = svc.state(iid)
        assert state.step_state("health").status == "in_progress"
        assert any("not healthy" in n.text for n in state.notes)
        # Nothing listening at all: a one-line error, not a traceback.
        health.stop()
        again = await _s(svc, iid, runner).check_http("health", deadline_seconds=0.1)
        assert not again.ok and again.status is None and again.error and "\n" not in again.error


# -- the CLI's --execute -----------------------------------------------------------------------------------


def test_cli_execute_runs_the_step(
    sim_env: SimEnvironment, sim_boto: Any, tmp_path: Path, runbook_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "config.toml"
    endpoints = "\n".join(f'"{r}" = "{sim_env.endpoint_url}"' for r in sim_env.regions)
    toml.write_text(f'[aws]\nregions = ["us-east-1", "us-west-2"]\n[aws.endpoints]\n{endpoints}\n')
    monkeypatch.setenv("NEXUS_TUI_CONFIG", str(toml))
    monkeypatch.setenv("NEXUS_TUI_NO_STS", "1")
    common = ["--journal", str(tmp_path / "j.sqlite3"), "--runbooks", str(runbook_dir)]
    assert cli.main(["incident", "declare", "--runbook", "steps-test", "--drill", *common]) == 0
    iid = svc_ids(tmp_path / "j.sqlite3")[0]
    step = ["incident", "step", iid, "promote", "done", "--execute", *common]
    assert cli.main([*step, "--confirm", "wrong"]) == 1
    assert cli.main([*step, "--confirm", REPLICA]) == 0
    found = sim_boto("rds", "us-west-2").describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
    assert "ReadReplicaSourceDBInstanceIdentifier" not in found


def svc_ids(path: Path) -> list[str]:
    with IncidentService(
        SqliteJournal(path), clock=ManualClock(), runbook_loader=lambda _: None, settings=Settings()
    ) as svc:  # type: ignore[arg-type,return-value]
        return [i.id for i in svc.list()]
