"""The colour math the theme checks rely on, pinned to published values."""

from __future__ import annotations

import pytest

from nexus_tui.domain.contrast import closest_pair, contrast_ratio, delta_e, simulate

# Machado, Oliveira & Fernandes (2009), Table 1, severity 1.0; rows map linear RGB to simulated linear RGB.
MACHADO_DEUTERANOPIA = (
    (0.367322, 0.860646, -0.227968),
    (0.280085, 0.672501, 0.047413),
    (-0.011820, 0.042940, 0.968881),
)
MACHADO_PROTANOPIA = (
    (0.152286, 1.052583, -0.204868),
    (0.114503, 0.786281, 0.099216),
    (-0.003882, -0.048116, 1.051998),
)


def _to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _to_srgb(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _by_the_paper(hex_colour: str, matrix: tuple[tuple[float, float, float], ...]) -> tuple[int, int, int]:
    rgb = [_to_linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    out = [sum(m * c for m, c in zip(row, rgb, strict=True)) for row in matrix]
    r, g, b = (round(_to_srgb(c) * 255) for c in out)
    return r, g, b


def test_wcag_contrast_matches_the_definition() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # The well-known AA boundary greys on white: #767676 passes (4.54), #777777 does not (4.48).
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("colour", ["#ff0000", "#00ff00", "#2fd8e0", "#f36e8c", "#8f5a00", "#56b4e9"])
@pytest.mark.parametrize(
    ("vision", "matrix"), [("deuteranopia", MACHADO_DEUTERANOPIA), ("protanopia", MACHADO_PROTANOPIA)]
)
def test_simulation_is_machado_2009_at_full_severity(colour: str, vision, matrix) -> None:  # type: ignore[no-untyped-def]
    seen = simulate(colour, vision)
    got = tuple(int(seen[i : i + 2], 16) for i in (1, 3, 5))
    assert all(abs(a - b) <= 1 for a, b in zip(got, _by_the_paper(colour, matrix), strict=True)), (got, colour)


def test_normal_vision_leaves_colours_alone() -> None:
    assert simulate("#12abef", "normal") == "#12abef"


def test_delta_e_2000() -> None:
    assert delta_e("#336699", "#336699") == pytest.approx(0.0)
    assert delta_e("#000000", "#ffffff") == pytest.approx(100.0, abs=0.01)
    assert 0 < delta_e("#336699", "#336698") < 1  # one unit of blue: below a just-noticeable difference


def test_the_old_nexus_dark_states_collapse_for_deuteranopes() -> None:
    """The measurement behind issue 12: old nexus-dark ok (#3fb98a) and critical (#ff5370) look alike."""
    closest = closest_pair({"ok": "#3fb98a", "warning": "#e8b341", "critical": "#ff5370"}, "deuteranopia")
    assert (closest.first, closest.second) == ("ok", "critical")
    assert closest.distance < 10
