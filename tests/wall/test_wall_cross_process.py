"""A step recorded by the CLI in another process shows on a running wall, through the change feed alone
(no key, no journal polling by the wall). The 1 s goal is measured by benchmarks/wall_followers.py; here the
limit is generous so a loaded machine cannot fail the test."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from nexus_tui.engine.incidents import IncidentService
from nexus_tui.ui.wall.widgets import Line
from tests.ui.conftest import wait_for
from tests.wall.conftest import WALL_SIZE, MakeWall


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data"), NEXUS_TUI_NO_STS="1")
    return env


@pytest.mark.timeout(300)
async def test_cli_step_in_another_process_shows_on_the_wall(
    make_wall: MakeWall, service: IncidentService, journal: Path, tmp_path: Path
) -> None:
    iid = service.declare("rds-failover", "SEV1")
    app = make_wall()
    async with app.run_test(size=WALL_SIZE) as pilot:
        await wait_for(lambda: app.showing_incident, pilot)
        step_title = app.screen.query_one("#wall-step-title", Line)
        assert "STEP 1 of 5" in step_title.last_text
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "nexus_tui",
            "incident",
            "step",
            "--journal",
            str(journal),
            iid,
            "verify",
            "done",
            env=cli_env(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        await wait_for(lambda: "STEP 2 of 5" in step_title.last_text, pilot, limit=30.0)
        timeline = app.screen.query_one("#wall-timeline", Line).last_text
        assert "done: Verify the primary is down" in timeline
