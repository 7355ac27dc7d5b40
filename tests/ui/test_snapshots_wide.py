"""The replication table at 160 columns: the other columns size to their content and names use the room the
row has left (full where they fit, cut only when the row has no more room, where the two names repeat each other).

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
        # The S3 pair (72 characters) does not fit beside the other columns, sized to their content (65 left):
        # the cut is where the two names repeat each other, so the source stays whole and "dr" stays visible.
        s3 = next(n for n in names if "…" in n)
        assert s3.startswith("securenexus-platform-557845624595 → securenexus-") and s3.endswith("…dr-557845624595")
        assert panel.table.virtual_size.width <= panel.table.size.width  # nothing hidden off the right edge
        # The backups panel has the room for its names too.
        backups = app.query_one(BackupsPanel)
        shown = {r.cells[1].plain for r in backups.table._rows.values()}
        assert "s3:securenexus-platform-557845624595" in shown
        assert "rds:securenexus-db-replica-west (replica)" in shown
