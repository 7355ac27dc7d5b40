"""The dashboard in every shipped theme, on the outage snapshot (ok, warning, critical, unknown and stale all
on screen), at the fixed size, clock and data of test_snapshots.py.

Update after an intended visual change: pytest tests/ui/test_theme_snapshots.py --snapshot-update."""

from __future__ import annotations

import pytest

from nexus_tui.resources import shipped_themes_dir
from tests.ui.conftest import SIZE
from tests.ui.sample_data import outage_snapshot
from tests.ui.test_snapshots import _loaded

SHIPPED = sorted(p.stem for p in shipped_themes_dir().glob("*.toml"))


def test_every_shipped_theme_is_named_like_its_file() -> None:
    from nexus_tui.ui.themes import load_themes

    themes, _ = load_themes([shipped_themes_dir()])
    assert sorted(t.name for t in themes) == SHIPPED


@pytest.mark.parametrize("theme", SHIPPED)
def test_outage_dashboard_in_theme(snap_compare, make_app, theme: str) -> None:
    app = make_app(outage_snapshot(), theme=theme, theme_dirs=[shipped_themes_dir()])
    assert snap_compare(app, terminal_size=SIZE, run_before=_loaded)
