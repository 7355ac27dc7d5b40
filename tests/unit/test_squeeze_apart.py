"""Names cut for a column: never wider than it, whole when they fit, and cut where they repeat their
neighbours so what tells two rows apart stays on screen. Flexible columns give way widest first."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.ui.format import fit_widths, repeated_ends, shared_prefix, squeeze_apart

NAME = st.text(alphabet="abcdr0123456789-", min_size=1, max_size=60)


@settings(max_examples=500, deadline=None)
@given(NAME, st.lists(NAME, max_size=4), st.integers(min_value=3, max_value=80))
def test_never_wider_than_the_column(name: str, others: list[str], limit: int) -> None:
    shown = squeeze_apart(name, limit, repeated_ends([name, *others])[name])
    assert len(shown) <= limit
    if len(name) <= limit:
        assert shown == name


def test_two_buckets_stay_apart() -> None:
    names = ["securenexus-platform-557845624595", "securenexus-platform-dr-557845624595", "securenexus-db"]
    for limit in (20, 23, 26):
        ends = repeated_ends(names)
        a, b = (squeeze_apart(n, limit, ends[n]) for n in names[:2])
        assert a != b and "dr-" in b and len(a) <= limit and len(b) <= limit, (a, b)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcde"), st.integers(min_value=0, max_value=90), min_size=1),
    st.integers(min_value=0, max_value=200),
)
def test_fit_widths_fill_the_room_and_respect_the_least(longest: dict[str, int], room: int) -> None:
    least = dict.fromkeys(longest, 8)
    widths = fit_widths(longest, room, least)
    assert set(widths) == set(longest)
    assert all(w >= 8 for w in widths.values())
    floor = sum(max(v, 8) for v in longest.values())
    if floor <= room:
        assert widths == {k: max(v, 8) for k, v in longest.items()}
    else:
        assert sum(widths.values()) <= max(room, sum(least.values()))
        for k, w in widths.items():  # a column is only cut when it is among the widest left
            if w < max(longest[k], 8):
                assert all(widths[j] <= w + 1 for j in widths)


def test_a_short_column_is_not_cut_to_spare_a_long_one() -> None:
    assert fit_widths({"name": 60, "where": 12, "detail": 40}, 80, dict.fromkeys(("name", "where", "detail"), 8)) == {
        "name": 34,
        "where": 12,
        "detail": 34,
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, min_size=1, max_size=12))
def test_repeated_ends_match_every_pair(names: list[str]) -> None:
    ends = repeated_ends(names)
    for n in set(names):
        rivals = [o for o in set(names) if o != n]
        head = max((shared_prefix(n, o) for o in rivals), default=0)
        tail = max((shared_prefix(n[::-1], o[::-1]) for o in rivals), default=0)
        assert ends[n] == (head, tail)


def test_prose_gives_way_before_names() -> None:
    least = {"name": 16, "where": 12, "detail": 24}
    widths = fit_widths({"name": 38, "where": 34, "detail": 50}, 98, least, yield_first=("detail",))
    assert widths == {"name": 38, "where": 34, "detail": 26}
    widths = fit_widths({"name": 38, "where": 34, "detail": 50}, 80, least, yield_first=("detail",))
    assert widths["detail"] == 24 and sum(widths.values()) == 80 and widths["name"] >= widths["where"]
