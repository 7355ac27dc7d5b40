"""The alarms panel checks readiness against the plan the config's [expect] table states, as `status` does,
not against the built-in defaults; a bad [expect] table is one error line and the defaults apply."""

from __future__ import annotations

from pathlib import Path

from nexus_tui.config import load_config
from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.widgets.alarms import AlarmsPanel
from tests.ui.conftest import SIZE, wait_for
from tests.ui.sample_data import healthy_snapshot

PLAN = """
[expect]
backup_retention_days = 14

[[expect.alarm]]
name = "Team replica lag rule"
applies_to = "rds-replica"
namespace = "AWS/RDS"
metric = "ReplicaLag"
comparison = ">"
threshold = 120
"""


def _rows(app: NexusApp) -> dict[str, str]:
    table = app.query_one(AlarmsPanel).table
    return {k: " | ".join(c.plain for c in table._rows[k].cells) for k in table.shown_keys}


async def _run(app: NexusApp) -> dict[str, str]:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None and not app.polling, pilot)
        await pilot.pause()
        return _rows(app)


def _app(path: Path, clock: ManualClock) -> NexusApp:
    return NexusApp(load_config(path), StaticDashboardSource([healthy_snapshot()]), clock=clock)


async def test_the_panel_shows_the_configured_plan(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "nexus.toml"
    path.write_text(PLAN, encoding="utf-8")
    rows = await _run(_app(path, clock))
    plan_rows = [r for k, r in rows.items() if k.startswith("plan:")]
    # Only the configured alarm rule is checked (it replaces the default list), for the one RDS replica.
    assert plan_rows and all("Team replica lag rule" in r for r in plan_rows)
    assert any("securenexus-db-replica-west-replica-lag" in r for r in plan_rows)
    controls = [r for k, r in rows.items() if k.startswith("control:")]
    assert any("retention" in r and "35" in r and "plan 14" in r for r in controls)


async def test_without_expect_the_defaults_apply(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "nexus.toml"
    path.write_text("", encoding="utf-8")
    rows = await _run(_app(path, clock))
    assert not any("Team replica lag rule" in r for r in rows.values())
    assert not any("plan 14" in r for r in rows.values())
    assert any(k.startswith("plan:") for k in rows)  # seed 000's alarms


async def test_a_bad_expect_table_is_one_line_and_the_defaults_apply(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "nexus.toml"
    path.write_text("[expect]\nbackup_retention_days = 'a month'\n", encoding="utf-8")
    app = _app(path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.snapshot is not None and not app.polling, pilot)
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        rows = _rows(app)
    assert any(f"{path}:2: expect.backup_retention_days" in m and "\n" not in m for m in messages), messages
    assert any(k.startswith("plan:") for k in rows)
