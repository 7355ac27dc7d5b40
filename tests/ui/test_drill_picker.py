"""`D` on the dashboard: pick a drill scenario and a speed; the app closes and hands the choice over."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nexus_tui.domain.drill import SCENARIOS
from nexus_tui.ui.screens.drill_picker import MAX_SPEED, DrillChoice, DrillPickerScreen, parse_speed
from tests.ui.sample_data import healthy_snapshot


async def test_picking_a_scenario_and_speed_closes_the_app_with_the_choice(make_app: Any) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
        await pilot.press("down")  # the second scenario
        await pilot.press("enter")  # focus moves to the speed
        await pilot.press("backspace", "6", "0", "enter")
        await pilot.pause()
    assert app.drill_choice == DrillChoice(SCENARIOS[1].id, 60.0)


async def test_a_bad_speed_is_one_warning_and_the_picker_stays(make_app: Any) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.press("backspace", "x", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
        assert app.drill_choice is None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DrillPickerScreen) and app.drill_choice is None


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "1e9", "abc", "601"])
def test_speeds_out_of_range_are_refused(text: str) -> None:
    assert isinstance(parse_speed(text), str)


@given(st.text(max_size=20))
def test_parse_speed_never_raises_and_stays_in_range(text: str) -> None:
    speed = parse_speed(text)
    assert isinstance(speed, str) or 0 < speed <= MAX_SPEED
