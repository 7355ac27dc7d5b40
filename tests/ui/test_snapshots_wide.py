"""The replication table at 160 columns: the other columns size to their content and names use the room the
row has left (full where they fit; one space between columns rather than two before a name is cut; cut only
when the row has no more room, where the two names repeat each other).

Update after an intended visual change: pytest tests/ui/test_snapshots_wide.py --snapshot-update"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.ui.conftest import wait_for
from tests.ui.sample_data import healthy_snapshot


async def _loaded(pilot: Pilot) -> None:
    app = pilot.app
    await wait_for(lambda: getattr(app, "snapshot", None) is not None and not getattr(app, "polling", True), pilot)
    await pilot.pause()


def test_healthy_dashboard_at_160_columns(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(healthy_snapshot()), terminal_size=(160, 45), run_before=_loaded)


async def test_names_are_full_when_the_row_has_room(make_app) -> None:  # type: ignore[no-untyped-def]
    from nexus_tui.ui.widgets.backups import BackupsPanel
    from nexus_tui.ui.widgets.replication import ReplicationPanel

    app = make_app(healthy_snapshot())
    async with app.run_test(size=(160, 45)) as pilot:
        await _loaded(pilot)
        panel = app.query_one(ReplicationPanel)
        names = [str(r.cells[2].plain) for r in (panel.table._rows[k] for k in panel.table.shown_keys)]
        assert "securenexus-db → securenexus-db-replica-west" in names
        assert "securenexus/secrets" in names  # a secret replica has its primary's name: shown once
        # The S3 pair (72 characters) does not fit beside the other columns, sized to their content, with two
        # spaces between columns (65 left): the spacing gives way first, and with one space it is whole.
        assert "securenexus-platform-557845624595 → securenexus-platform-dr-557845624595" in names
        assert panel.table.compact
        assert panel.table.virtual_size.width <= panel.table.size.width  # nothing hidden off the right edge
        # The backups panel has the room for its names too.
        backups = app.query_one(BackupsPanel)
        shown = {r.cells[1].plain for r in backups.table._rows.values()}
        assert "s3:securenexus-platform-557845624595" in shown
        assert "rds:securenexus-db-replica-west (replica)" in shown


async def test_spacing_returns_when_the_names_fit(make_app) -> None:  # type: ignore[no-untyped-def]
    """Compact only while it is needed: at 200 columns the row has room for the names with two spaces apart, and
    at 120 the names would be cut even with one, so the row keeps two (the cut keeps what tells them apart)."""
    from nexus_tui.ui.widgets.replication import ReplicationPanel

    app = make_app(healthy_snapshot())
    async with app.run_test(size=(200, 45)) as pilot:
        await _loaded(pilot)
        panel = app.query_one(ReplicationPanel)
        assert not panel.table.compact
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        assert panel.table.compact
        paddings: list[int] = []
        panel.table.watch_cell_padding = lambda old, new: paddings.append(new)  # type: ignore[method-assign]
        for _ in range(3):  # the 1 s tick shows the same snapshot again: the spacing must not flip back and forth
            panel.show(*panel._last)  # type: ignore[misc]
            await pilot.pause()
        assert paddings == [] and panel.table.compact
        await pilot.resize_terminal(120, 45)
        await pilot.pause()
        assert not panel.table.compact
        names = [str(r.cells[2].plain) for r in (panel.table._rows[k] for k in panel.table.shown_keys)]
        s3 = next(n for n in names if "557845624595" in n)
        assert "…" in s3 and "-dr-" in s3
        await pilot.resize_terminal(200, 45)
        await pilot.pause()
        assert not panel.table.compact


async def test_a_long_title_shortens_the_header_but_keeps_the_overall_state(make_app) -> None:  # type: ignore[no-untyped-def]
    """A drill's title takes half the header at 120 columns: the RPO reason in brackets gives way first, then
    the RTO target, then the title's "(fault ...)" hint, so that the overall state never runs under the
    refresh status docked on the right."""
    from textual.widgets import Static

    from nexus_tui.ui.screens.dashboard import DashboardScreen

    suffix = " · DRILL primary-db-failure x10 (fault ~2 min after start)"
    cases = ((85, False, False, False), (100, False, False, False), (150, False, True, True), (220, True, True, True))
    for width, reason, rto_shown, hint in cases:
        app = make_app(healthy_snapshot(), title_suffix=suffix)
        async with app.run_test(size=(width, 45)) as pilot:
            await _loaded(pilot)
            assert isinstance(app.screen, DashboardScreen)
            app.screen.render_all()  # the 1 s tick's render, once the header has its layout
            await pilot.pause()
            rpo, rto = app.query_one("#rpo", Static), app.query_one("#rto", Static)
            overall, status = app.query_one("#overall", Static), app.query_one("#refresh-status", Static)
            text = str(rpo.render())
            assert text.startswith("RPO 4m / 1h")
            assert ("(rds:securenexus-db latest restorable time)" in text) is reason, (width, text)
            assert rto.has_class("-squeezed") is not rto_shown, width
            assert str(overall.render()) == "● ok"
            brand = str(app.query_one("#brand", Static).render())
            assert brand.startswith("NEXUS DR · DRILL") and ("(fault" in brand) is hint
            assert ("primary-db-failure" in brand) is (width > 85)
            assert overall.region.right <= status.region.x, width  # nothing laid out under the docked status
