"""`nexus-tui drill list|run`: the catalogue, one-line refusals, the simulator-only guard, and the hook the
calendar could have used to add `drill schedule` (it registers through commands/drill_schedule.py now)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from nexus_tui import cli
from nexus_tui.commands import drill as drill_cmd
from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.domain.drill import DrillError
from nexus_tui.engine.drill import DrillRunner, ensure_simulated


def test_list_json_names_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows][:2] == ["primary-db-failure", "region-outage"]
    assert {"fault", "detection", "runbook", "seed_lines"} <= set(rows[0])


def test_unknown_scenario_and_missing_auto_are_one_line_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", "run", "meteor", "--auto"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown drill scenario 'meteor'" in err
    assert cli.main(["drill", "run", "lag-storm"]) == 2
    assert "needs --auto" in capsys.readouterr().err


def test_bad_speed_is_refused_by_argparse() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["drill", "run", "lag-storm", "--auto", "--speed", "0"])
    assert exc.value.code == 2


def test_another_module_can_add_a_drill_verb() -> None:
    def register(subs: Any) -> None:
        p = subs.add_parser("rehearse-all", help="a verb another module adds")
        p.set_defaults(func=lambda _args: 7)

    drill_cmd.add_drill_command("rehearse-all", register)
    try:
        assert cli.main(["drill", "rehearse-all"]) == 7
        assert isinstance(drill_cmd.DRILL_SUBPARSERS, argparse._SubParsersAction)
    finally:
        drill_cmd.DRILL_HOOKS.remove(register)


def _config(endpoint: str | None) -> AppConfig:
    regions = ("us-east-1", "us-west-2")
    endpoints = {r: endpoint for r in regions} if endpoint else {}
    return AppConfig(aws=AwsConfig(regions=regions, endpoints=endpoints))


def test_a_drill_refuses_anything_but_the_simulator() -> None:
    ensure_simulated(_config("http://127.0.0.1:5000"))
    for endpoint in (None, "https://rds.us-east-1.amazonaws.com", "http://10.0.0.5:4566"):
        with pytest.raises(DrillError, match="refusing to run a drill: us-east-1, us-west-2 is not served"):
            ensure_simulated(_config(endpoint))


class _RealAccountWorld:
    """A world whose config points at real AWS: the runner must stop before calm, fault or declare."""

    def __init__(self) -> None:
        from nexus_tui.domain.drill import scenario

        self.scenario = scenario("primary-db-failure")
        self.touched: list[str] = []

    @property
    def clock(self) -> Any:
        raise AssertionError("the clock must not be read")

    def app_config(self) -> AppConfig:
        return _config(None)

    def __getattr__(self, name: str) -> Any:
        def touched(*_a: Any, **_k: Any) -> Any:
            self.touched.append(name)

        return touched


async def test_runner_refuses_before_touching_anything() -> None:
    world = _RealAccountWorld()

    def incidents(*_a: Any) -> Any:
        raise AssertionError("no incident may be declared")

    with pytest.raises(DrillError, match="not served by the simulator"):
        await DrillRunner(world, incidents).run_auto()  # type: ignore[arg-type]
    assert world.touched == []
