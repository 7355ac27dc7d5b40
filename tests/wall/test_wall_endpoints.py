"""The wall opened from a demo or a drill reads that session's simulator, never the account a config file on
the machine names; --aws-endpoint says where, and a bad value is one line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from nexus_tui.commands.wall import endpoints_from
from nexus_tui.config import AppConfig
from nexus_tui.config.model import AwsConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui.app import NexusApp
from tests.ui.sample_data import healthy_snapshot


def test_endpoints_in_order_and_checked() -> None:
    assert endpoints_from(["us-east-1=http://127.0.0.1:5000/", "us-west-2=http://127.0.0.1:5000"]) == {
        "us-east-1": "http://127.0.0.1:5000",
        "us-west-2": "http://127.0.0.1:5000",
    }
    for bad, words in (
        ("http://127.0.0.1:5000", "expected REGION=URL"),
        ("mars-1=http://127.0.0.1:5000", "expected REGION=URL"),
        ("us-east-1=ftp://h", "http(s) URL"),
        ("us-east-1=http://h:99999", "not a valid URL"),
    ):
        with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")) as info:
            endpoints_from([bad])
        assert "\n" not in str(info.value)


def test_a_bad_endpoint_is_one_line_and_hides_a_password() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "nexus_tui.commands.wall", "--aws-endpoint", "http://admin:hunter2@127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "expected REGION=URL" in run.stderr
    assert "hunter2" not in run.stderr + run.stdout


def test_the_demo_wall_reads_the_demo_simulator() -> None:
    sim = {"us-east-1": "http://127.0.0.1:41000", "us-west-2": "http://127.0.0.1:41000"}
    config = replace(AppConfig(), aws=AwsConfig(regions=tuple(sim), endpoints=sim))
    source = StaticDashboardSource([healthy_snapshot()])
    app = NexusApp(config, source, clock=ManualClock(), title_suffix=" · DRILL x")
    argv = app.wall_argv()
    assert "--aws-endpoint=us-east-1=http://127.0.0.1:41000" in argv
    assert "--aws-endpoint=us-west-2=http://127.0.0.1:41000" in argv
    assert "--config" not in argv and "--no-aws" not in argv
    # No config file and no endpoints (real AWS from the environment): the wall loads the same defaults.
    bare = NexusApp(AppConfig(), source, clock=ManualClock()).wall_argv()
    assert not [a for a in bare if a.startswith("--aws-endpoint") or a in ("--no-aws", "--config")]


def test_a_drill_wall_runs_on_the_drill_clock() -> None:
    """At --speed 10 the drill's world is ahead of the wall clock: a wall on the system clock would read old
    lag datapoints as fresh and tick its incident clock ten times too slowly."""
    from datetime import UTC, datetime, timedelta

    from nexus_tui.commands.wall import clock_from
    from nexus_tui.domain.clock import SystemClock
    from nexus_tui.sim.clock import ScaledClock

    start = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    drill_clock = ScaledClock(start + timedelta(minutes=40), speed=10)
    app = NexusApp(AppConfig(), StaticDashboardSource([healthy_snapshot()]), clock=drill_clock)
    argv = app.wall_argv()
    at = argv[argv.index("--sim-time") + 1]
    assert datetime.fromisoformat(at) >= start + timedelta(minutes=40)
    assert argv[argv.index("--sim-speed") + 1] == "10"
    clock = clock_from(at, 10.0)
    assert isinstance(clock, ScaledClock) and clock.speed == 10.0
    assert abs((clock.now() - drill_clock.now()).total_seconds()) < 600  # 10x: a minute of a slow machine
    assert isinstance(clock_from(None, 1.0), SystemClock)
    for sim_time, speed, words in (
        ("yesterday", 1.0, "not an ISO 8601 time"),
        ("2026-12-02T03:00:00", 1.0, "time zone"),
        ("2026-12-02T03:00:00+00:00", 0.0, "above 0"),
        ("2026-12-02T03:00:00+00:00", float("nan"), "above 0"),
    ):
        with pytest.raises(ValueError, match=words):
            clock_from(sim_time, speed)
