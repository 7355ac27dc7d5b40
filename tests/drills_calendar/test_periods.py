"""Period arithmetic of the drill calendar: month ends, leap years, anchored series without drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.domain.drill_calendar import (
    NAMED_FREQUENCIES,
    SEED_DRILLS,
    FrequencyError,
    Period,
    add_periods,
    next_due,
    overdue,
    parse_frequency,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("monthly", Period(months=1)),
        ("Quarterly", Period(months=3)),
        ("semi-annually", Period(months=6)),
        ("semiannually", Period(months=6)),
        ("annually", Period(years=1)),
        ("yearly", Period(years=1)),
        ("weekly", Period(weeks=1)),
        ("P2M", Period(months=2)),
        ("p6w", Period(weeks=6)),
        ("P1Y6M", Period(years=1, months=6)),
        ("P10D", Period(days=10)),
    ],
)
def test_frequencies_parse(text: str, period: Period) -> None:
    assert parse_frequency(text) == period


@pytest.mark.parametrize("text", ["", "P", "P0D", "PT1H", "fortnightly", "P1.5M", "-P1M", "P1M2Y", "1M"])
def test_bad_frequencies_say_what_is_allowed(text: str) -> None:
    with pytest.raises(FrequencyError) as info:
        parse_frequency(text)
    assert "ISO 8601" in str(info.value) and "\n" not in str(info.value)


def test_month_end_clamps_and_leap_years() -> None:
    assert add_periods(utc(2026, 1, 31), Period(months=1)) == utc(2026, 2, 28)
    assert add_periods(utc(2028, 1, 31), Period(months=1)) == utc(2028, 2, 29)
    assert add_periods(utc(2028, 2, 29), Period(years=1)) == utc(2029, 2, 28)
    assert add_periods(utc(2028, 2, 29), Period(years=1), 4) == utc(2032, 2, 29)
    assert add_periods(utc(2026, 8, 31), Period(months=6)) == utc(2027, 2, 28)
    # Anchored in one step: the third month after Jan 31 is Apr 30, not a drifted Apr 28.
    assert add_periods(utc(2026, 1, 31), Period(months=1), 3) == utc(2026, 4, 30)


def test_next_due_rolling_and_anchored() -> None:
    monthly = Period(months=1)
    assert next_due(None, monthly) is None
    assert next_due(utc(2026, 3, 15, 10), monthly) == utc(2026, 4, 15, 10)
    anchor = utc(2026, 1, 31)
    assert next_due(None, monthly, anchor) == anchor
    assert next_due(utc(2025, 12, 1), monthly, anchor) == anchor  # ran before the calendar started
    assert next_due(utc(2026, 3, 5), monthly, anchor) == utc(2026, 3, 31)
    assert next_due(utc(2026, 3, 31), monthly, anchor) == utc(2026, 4, 30)  # on the day: the next one
    assert next_due(utc(2026, 2, 28), monthly, anchor) == utc(2026, 3, 31)


def test_overdue() -> None:
    assert overdue(None, utc(2026, 1, 1))  # never run: due now
    assert overdue(utc(2026, 1, 1), utc(2026, 1, 1, 0, 0, 1))
    assert not overdue(utc(2026, 1, 1), utc(2026, 1, 1))


def test_seed_drills_parse_and_cite_their_lines() -> None:
    assert {e.frequency for e in SEED_DRILLS} <= set(NAMED_FREQUENCIES)
    for entry in SEED_DRILLS:
        assert entry.period.approx_days >= 7
        assert "(000:" in entry.source or "(003:" in entry.source
        assert entry.scenarios or entry.runbooks


instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
periods = st.builds(
    Period,
    years=st.integers(0, 3),
    months=st.integers(0, 24),
    weeks=st.integers(0, 10),
    days=st.integers(0, 40),
).filter(lambda p: p.approx_days >= 1)


@settings(max_examples=300, deadline=None)
@given(instants, periods)
def test_rolling_next_due_is_after_the_run_by_about_a_period(last: datetime, period: Period) -> None:
    due = next_due(last, period)
    assert due is not None and due > last
    gap = due - last
    if period.years == period.months == 0:
        assert gap == timedelta(weeks=period.weeks, days=period.days)
    else:
        # Calendar months and years differ from their mean length (leap days, 28..31-day months, clamping
        # to a month's end) by a few days, never more.
        assert abs(gap - timedelta(days=period.approx_days)) <= timedelta(days=7)


@settings(max_examples=300, deadline=None)
@given(instants, instants, periods)
def test_anchored_next_due_is_the_first_anchor_date_after_the_run(
    last: datetime, anchor: datetime, period: Period
) -> None:
    due = next_due(last, period, anchor)
    assert due is not None
    if last < anchor:
        assert due == anchor
        return
    assert due > last
    # it is on the anchor's series, and the slot before it is not after the run
    k = 0
    while add_periods(anchor, period, k) < due:
        k += 1
        assert k < 100_000
    assert add_periods(anchor, period, k) == due
    assert k >= 1 and add_periods(anchor, period, k - 1) <= last


@settings(max_examples=200, deadline=None)
@given(st.integers(1990, 2200), st.integers(1, 12), st.integers(1, 120))
def test_month_steps_land_on_the_clamped_day(year: int, month: int, n: int) -> None:
    start = utc(year, month, 31) if month in (1, 3, 5, 7, 8, 10, 12) else utc(year, month, 28)
    got = add_periods(start, Period(months=1), n)
    if start.day == 31:
        nxt = (got.replace(day=1) + timedelta(days=32)).replace(day=1)
        assert got == nxt - timedelta(days=1) or got.day == 31  # the month's last day
    else:
        assert got.day == 28


@settings(max_examples=300, deadline=None)
@given(periods)
def test_iso_periods_round_trip(period: Period) -> None:
    text = "P" + "".join(
        f"{n}{u}" for n, u in zip((period.years, period.months, period.weeks, period.days), "YMWD", strict=True) if n
    )
    assert parse_frequency(text) == period


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_a_frequency_or_a_one_line_frequency_error(text: str) -> None:
    try:
        parse_frequency(text)
    except FrequencyError as exc:
        assert "\n" not in str(exc).replace(repr(text), "")
