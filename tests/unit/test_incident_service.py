"""IncidentService over a real journal file: the API the TUI and the CLI share."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.sqlite import SqliteJournal
from tests.incident_fixtures import sample_runbook

ARN = "arn:aws:iam::123456789012:user/alice"


def loader(runbook_id: str) -> Runbook:
    if runbook_id != "rds-failover":
        raise IncidentError(f"unknown runbook {runbook_id!r}")
    return sample_runbook()


def service(path: Path, clock: ManualClock, actor: str = "alice", calls: list[int] | None = None) -> IncidentService:
    async def identity() -> str | None:
        if calls is not None:
            calls.append(1)
        return ARN

    return IncidentService(
        SqliteJournal(path), clock=clock, runbook_loader=loader, identity=identity, settings=Settings(), actor=actor
    )


def test_declare_run_and_resolve(tmp_path: Path) -> None:
    clock, calls = ManualClock(), []
    with service(tmp_path / "j.sqlite3", clock, calls=calls) as svc:
        iid = svc.declare("rds-failover", severity="sev1", ic="carol", drill=True)
        assert re.fullmatch(r"INC-20260101-0000-[0-9a-f]{4}", iid)
        clock.advance(100)
        v = svc.confirm(iid, "verify")
        assert v.state.steps[0].status == "done" and v.timers.current_step_id == "promote"
        assert v.escalation.current is not None and v.escalation.current.who == "On-call engineer"
        with pytest.raises(IncidentError, match="destructive"):
            svc.confirm(iid, "promote")
        svc.record_aws_request(iid, "promote", "rds.promote_read_replica", "us-west-2", "req-1", True)
        svc.confirm(iid, "promote", "db-replica-west")
        svc.note(iid, "todo: write up", todo=True)
        svc.record_rpo(iid, 30)
        assert svc.open_incident() is not None
        svc.drill_scenario = "primary-db-failure"  # a drill session starts on a new world: nothing is reopened
        assert svc.open_incident() is None
        svc.drill_scenario = None
        clock.advance(1000)
        v = svc.resolve(iid, "done", force=True, reason="test ends early")
        assert v.timers.elapsed_seconds == 1100 and v.state.severity == "SEV1" and v.state.ic == "carol"
        assert svc.open_incident() is None
        assert all(e.aws_identity == ARN for e in v.state.events) and calls == [1]
        assert svc.verify(iid).ok
        report = svc.report(iid)
        assert "req-1" in report and "| RPO exposure | 00:30 vs target 1:00:00 (within target) |" in report
        [summary] = svc.list()
        assert (summary.id, summary.steps_done, summary.steps_total, summary.drill) == (iid, 2, 5, True)
        with pytest.raises(IncidentError, match="unknown report format"):
            svc.report(iid, "pdf")
        with pytest.raises(IncidentError, match="no incident 'INC-nope'"):
            svc.get("INC-nope")


def test_two_operators_cannot_both_confirm_the_same_step(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "j.sqlite3"
    with service(path, clock, "alice") as tui, service(path, clock, "bob") as cli:
        iid = tui.declare("rds-failover")
        heads = tui.journal.heads()
        cli.confirm(iid, "verify")
        assert tui.journal.heads() != heads and [e.type for e in tui.events_since(iid, 1)] == ["step_confirmed"]
        with pytest.raises(IncidentError, match="already done"):
            tui.confirm(iid, "verify")
        assert tui.get(iid).state.steps[0].finished_by == "bob"


def test_undo_uses_the_injected_clock(tmp_path: Path) -> None:
    clock = ManualClock()
    with service(tmp_path / "j.sqlite3", clock) as svc:
        iid = svc.declare("rds-failover")
        svc.confirm(iid, "verify")
        clock.advance(59)
        assert svc.undo(iid).state.steps[0].status == "pending"
        svc.confirm(iid, "verify")
        clock.advance(61)
        with pytest.raises(IncidentError, match="grace period"):
            svc.undo(iid)


def test_params_are_applied_to_the_snapshot(tmp_path: Path) -> None:
    rb = sample_runbook()
    templated = Runbook(rb.id, rb.title, rb.trigger, rb.rto_seconds, rb.steps, params={"db": "x"})

    def resolver(runbook: Runbook, params: object) -> Runbook:
        return Runbook(runbook.id, "resolved", runbook.trigger, runbook.rto_seconds, runbook.steps)

    svc = IncidentService(
        SqliteJournal(tmp_path / "j.sqlite3"),
        clock=ManualClock(),
        runbook_loader=lambda _: templated,
        settings=Settings(),
        actor="a",
        param_resolver=resolver,
    )
    with svc:
        iid = svc.declare("rds-failover", params={"db": "y"})
        s = svc.get(iid).state
        assert s.runbook.title == "resolved" and s.params == {"db": "y"} and s.events[0].aws_identity is None


async def test_identity_lookup_works_from_inside_an_event_loop(tmp_path: Path) -> None:
    with service(tmp_path / "j.sqlite3", ManualClock()) as svc:
        iid = svc.declare("rds-failover")
        assert svc.get(iid).state.events[0].aws_identity == ARN
