"""Replication pair names: full when they fit, never longer than the column, and cut where the two names
repeat each other so the part that tells them apart stays visible."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.ui.widgets.replication import _pair_name

NAME = st.text(alphabet="abcdr0123456789-", min_size=1, max_size=60)


@settings(max_examples=500, deadline=None)
@given(NAME, NAME, st.integers(min_value=20, max_value=130))
def test_never_wider_than_the_column(source: str, target: str, width: int) -> None:
    shown = _pair_name(source, target, width)
    assert len(shown) <= width
    if len(source) + len(target) + 3 <= width and source != target:
        assert shown == f"{source} → {target}"


def test_the_distinguishing_part_survives_the_cut() -> None:
    source, target = "securenexus-platform-557845624595", "securenexus-platform-dr-557845624595"
    for width in (54, 60, 65):
        shown = _pair_name(source, target, width)
        assert len(shown) == width and "dr-557845624595" in shown and shown.startswith("securenexus-platform")


def test_a_narrow_column_shows_what_the_target_adds() -> None:
    source, target = "securenexus-platform-557845624595", "securenexus-platform-dr-557845624595"
    for width in (30, 36, 42):
        shown = _pair_name(source, target, width)
        assert len(shown) <= width and shown.endswith("→ …-dr-…"), shown
