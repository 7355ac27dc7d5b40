"""The dashboard screen driven through Pilot on fixed snapshots: what an incident commander sees and can do."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.help import HelpScreen
from nexus_tui.ui.widgets.command_bar import CommandBar
from nexus_tui.ui.widgets.header import INCIDENT_SLOT_ID
from nexus_tui.ui.widgets.panel import Panel
from nexus_tui.ui.widgets.regions import RegionsBar
from nexus_tui.ui.widgets.table import KeyedTable
from tests.ui.conftest import SIZE, wait_for
from tests.ui.sample_data import healthy_snapshot, outage_snapshot


def cells(app: NexusApp, panel: str, column: str) -> list[str]:
    table = app.screen.query_one(f"#{panel}-table", KeyedTable)
    return [table.get_cell(key, column).plain for key in table.shown_keys]


def static_text(app: NexusApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def started(app: NexusApp, pilot: object) -> None:
    await wait_for(lambda: app.snapshot is not None and not app.polling, pilot)


async def test_healthy_snapshot_fills_every_panel(make_app) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert cells(app, "replication", "kind") == ["RDS", "S3", "Secret"]
        assert cells(app, "replication", "state") == ["● ok"] * 3
        assert cells(app, "replication", "value")[:2] == ["0.4s", "42s"]
        spark = cells(app, "replication", "spark")
        assert spark[0] and set(spark[0]) <= set("▁▂▃▄▅▆▇█")
        assert cells(app, "replication", "detail")[1] == "12 ops · 3.4 MB"  # S3 pending ops and bytes
        assert cells(app, "replication", "age") == ["45s", "1m", "4s"]
        assert cells(app, "backups", "retention")[0] == "35d"
        assert cells(app, "backups", "window")[0] == "03:00-04:00"
        assert cells(app, "backups", "restorable")[0] == "4m"
        assert cells(app, "backups", "dr")[0].startswith("yes")
        assert cells(app, "backups", "versioning")[2] == "Enabled/MFA on"
        # No alarm firing, the plan's four alarms present and OK, both endpoints up.
        assert cells(app, "alarms", "state") == ["● ok"] * 4 + ["● up", "● up"]
        assert "✔" not in static_text(app, "#overall")
        assert "ok" in static_text(app, "#overall")
        assert "RPO 4m" in static_text(app, "#rpo") and "latest restorable time" in static_text(app, "#rpo")
        assert "RTO target 30m" in static_text(app, "#rto")
        assert static_text(app, "#clock") == "03:12:45 UTC"
        assert app.screen.query_one(f"#{INCIDENT_SLOT_ID}") is not None
        assert all(p.has_class("-ok") for p in app.screen.query(Panel))


async def test_outage_marks_region_unreachable_and_rows_stale(make_app) -> None:
    app = make_app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        regions = str(app.screen.query_one(RegionsBar).render())
        assert "us-east-1  UNREACHABLE" in regions
        assert "last healthy 3m ago" in regions
        assert "EndpointConnectionError" in regions
        assert "us-west-2  reachable" in regions
        states = cells(app, "replication", "state")
        assert states[0] == "STALE 3m"  # never shown as fresh
        assert states[1] == "✖ CRITICAL"  # S3 latency 940 s > 900 s
        table = app.screen.query_one("#replication-table", KeyedTable)
        stale_row = table.get_cell(table.shown_keys[0], "value")
        # The theme's stale colour, not `dim`: dimming blends it halfway into the background and undoes its AA contrast.
        assert stale_row.style == app.screen.palette.stale  # type: ignore[union-attr]
        assert "CRITICAL" in static_text(app, "#overall")
        backups_notes = static_text(app, "#backups .notes")
        assert "Backups: AWS Backup jobs unavailable in us-east-1 (API not implemented)" in backups_notes
        assert "Alarms: CloudWatch alarms unavailable in us-east-1" in static_text(app, "#alarms .notes")
        # us-east-1 is down: its plan alarms are unknown (not "missing"); then the two endpoints.
        assert cells(app, "alarms", "state") == ["✖ ALARM"] + ["? unknown"] * 3 + ["✖ DOWN", "? unknown"]
        assert app.screen.query_one("#alarms", Panel).has_class("-critical")


async def test_rows_turn_stale_as_the_clock_moves_without_new_data(make_app, clock) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert cells(app, "replication", "state")[0] == "● ok"
        clock.advance(400)  # past stale_after_seconds (300) for the RDS datapoint
        app.dashboard.render_all()
        assert cells(app, "replication", "state")[0] == "STALE 7m"
        assert static_text(app, "#clock") == "03:19:25 UTC"


async def test_new_snapshot_updates_cells_in_place(make_app) -> None:
    first = healthy_snapshot()
    rds = replace(first.replication[0], lag_seconds=45.0)
    second = replace(first, replication=(rds, *first.replication[1:]))
    app = make_app(first, second)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        table = app.screen.query_one("#replication-table", KeyedTable)
        await pilot.press("down")
        rebuilds = table.rebuilds
        await pilot.press("r")
        await wait_for(lambda: cells(app, "replication", "value")[0] == "45s", pilot)
        assert cells(app, "replication", "state")[0] == "▲ warning"
        assert table.rebuilds == rebuilds  # same rows: no clear-and-rebuild
        assert table.cursor_row == 1  # the cursor stayed where the user put it


async def test_filter_narrows_rows_and_escape_clears(make_app) -> None:
    app = make_app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("slash")
        bar = app.screen.query_one(CommandBar)
        assert bar.display and bar.has_focus
        await pilot.press(*"secret")
        assert cells(app, "replication", "kind") == ["Secret"]
        assert cells(app, "backups", "resource") == []
        assert "filter: 'secret' 1/3" in str(app.screen.query_one("#replication", Panel).border_subtitle)
        await pilot.press("enter")  # keeps the filter, back to the table
        assert not bar.display
        assert cells(app, "replication", "kind") == ["Secret"]
        await pilot.press("escape")  # esc on the dashboard clears a kept filter
        assert cells(app, "replication", "kind") == ["RDS", "S3", "Secret"]
        await pilot.press("slash", *"s3", "escape")
        assert not bar.display
        assert cells(app, "replication", "kind") == ["RDS", "S3", "Secret"]


async def test_jump_focuses_the_named_panel(make_app) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert app.focused is app.screen.query_one("#replication-table")
        await pilot.press("colon", "b", "enter")
        assert app.focused is app.screen.query_one("#backups-table")
        await pilot.press("colon", *"alarms", "enter")
        assert app.focused is app.screen.query_one("#alarms-table")
        await pilot.press("colon", *"nonsense", "enter")
        assert app.focused is app.screen.query_one("#alarms-table")


async def test_help_opens_and_escape_goes_back(make_app) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_t_cycles_shipped_themes_and_recolours_cells(make_app) -> None:
    app = make_app(outage_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert {"nexus-dark", "nexus-light", "war-room"} <= set(app.theme_names)
        table = app.screen.query_one("#replication-table", KeyedTable)
        before = table.get_cell(table.shown_keys[1], "state").style
        seen = [app.theme]
        for _ in app.theme_names:
            await pilot.press("t")
            seen.append(app.theme)
        assert seen[0] == seen[-1] == "nexus-dark"
        assert set(seen) == set(app.theme_names)
        await pilot.press("t")
        await pilot.pause()
        after = table.get_cell(table.shown_keys[1], "state").style
        assert app.theme != "nexus-dark" and before != after
        assert app.get_css_variables()["lag-crit"]


async def test_q_quits_cleanly(make_app) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_empty_source_data_shows_waiting_not_a_crash(make_app) -> None:
    app = make_app(DashboardSnapshot(generated_at=healthy_snapshot().generated_at))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert cells(app, "replication", "state") == []
        assert "waiting" in str(app.screen.query_one(RegionsBar).render())


async def test_alarms_grow_into_free_lines_and_shrink_on_a_short_screen(make_app) -> None:
    """Every alarm and health row shows while the screen has free lines below the panels (they were hidden
    behind a scrollbar above empty lines); on a short screen the table scrolls instead of pushing the panel
    off the screen."""
    base = healthy_snapshot()
    endpoints = tuple(replace(base.endpoints[0], name=f"probe-{i}") for i in range(10))
    app = make_app(replace(base, endpoints=endpoints))
    async with app.run_test(size=(140, 45)) as pilot:
        await started(app, pilot)
        table = app.screen.query_one("#alarms-table", KeyedTable)
        rows = len(table.shown_keys)
        assert rows == 14
        await wait_for(lambda: table.size.height >= rows + 1, pilot)
        await pilot.resize_terminal(140, 30)
        await wait_for(lambda: table.size.height < rows + 1, pilot)
        alarms = app.screen.query_one("#alarms")
        assert alarms.region.bottom <= app.screen.query_one("#panels").region.bottom
