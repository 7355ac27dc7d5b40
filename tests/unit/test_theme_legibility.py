"""Every shipped theme is legible: text and states at WCAG AA on every ground (AAA for the wall's high-contrast
theme), and ok / warning / critical stay apart for the two common red-green colour blindnesses.

Distance threshold: CIEDE2000 ΔE ≥ 20 between every two of ok, warning and critical, for normal vision and under
Machado et al. (2009) deuteranopia and protanopia at severity 1.0 (the full dichromacy, the worst case). ΔE00 ≈ 1
is a just-noticeable difference between large patches seen side by side; the states are small glyphs and thin
borders, seen apart, often across a room, where Stone, Szafir & Setlur ("An Engineering Model for Color
Difference as a Function of Size", 2014) find differences several times larger are needed; 20 is twice the ~10
that palette tools (e.g. Viz Palette) treat as "hard to tell apart" for small marks. Before this change
nexus-dark's ok/critical were 9.5 apart for a deuteranope and nexus-light's warning/critical 7.2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.theme import Theme

from nexus_tui.domain.contrast import VISIONS, WCAG_AA, WCAG_AAA, closest_pair
from nexus_tui.resources import shipped_themes_dir
from nexus_tui.ui.themes import contrast_table, load_themes, parse_theme

MIN_STATE_DISTANCE = 20.0
SHIPPED = sorted(shipped_themes_dir().glob("*.toml"))


def _theme(path: Path) -> Theme:
    return parse_theme(path.read_text(encoding="utf-8"), path)


def _worst(theme: Theme) -> dict[str, tuple[str, float]]:
    return {text: min(ratios.items(), key=lambda i: i[1]) for text, ratios in contrast_table(theme).items()}


def test_the_issue_asks_for_six_themes_at_least() -> None:
    names = {_theme(p).name for p in SHIPPED}
    assert {"nexus-dark", "nexus-light", "war-room", "high-contrast", "okabe-ito", "nexus-drill"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_text_and_every_state_reach_wcag_aa_on_every_ground(path: Path) -> None:
    low = {text: worst for text, worst in _worst(_theme(path)).items() if worst[1] < WCAG_AA}
    assert not low, f"{path.name}: below {WCAG_AA}:1: {low}"


def test_the_wall_high_contrast_theme_reaches_wcag_aaa() -> None:
    low = {t: w for t, w in _worst(_theme(shipped_themes_dir() / "high-contrast.toml")).items() if w[1] < WCAG_AAA}
    assert not low, f"below {WCAG_AAA}:1: {low}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
@pytest.mark.parametrize("vision", VISIONS)
def test_ok_warning_and_critical_stay_apart(path: Path, vision) -> None:  # type: ignore[no-untyped-def]
    theme = _theme(path)
    states = {name: theme.variables[name] for name in ("ok", "warning", "critical")}
    closest = closest_pair(states, vision)
    assert closest.distance >= MIN_STATE_DISTANCE, f"{path.name}, {vision}: {closest}"


def test_okabe_ito_theme_uses_the_palette_unchanged() -> None:
    """Okabe & Ito, "Color Universal Design" (2002): sky blue, yellow, vermillion, reddish purple."""
    theme = _theme(shipped_themes_dir() / "okabe-ito.toml")
    assert {k: theme.variables[k].lower() for k in ("ok", "warning", "critical", "drill")} == {
        "ok": "#56b4e9",
        "warning": "#f0e442",
        "critical": "#d55e00",
        "drill": "#cc79a7",
    }


def test_drill_theme_does_not_look_like_the_default() -> None:
    drill, dark = _theme(shipped_themes_dir() / "nexus-drill.toml"), _theme(shipped_themes_dir() / "nexus-dark.toml")
    for ground in ("background", "surface", "panel", "primary"):
        assert getattr(drill, ground) != getattr(dark, ground), ground


def test_a_user_theme_below_aa_loads_with_a_one_line_warning(tmp_path: Path) -> None:
    (tmp_path / "faint.toml").write_text(
        'name = "faint"\nprimary = "#336699"\nbackground = "#101010"\n[variables]\nstale = "#333333"\n'
    )
    themes, errors = load_themes([tmp_path])
    assert "faint" in [t.name for t in themes]
    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path / 'faint.toml'}: theme 'faint' is below WCAG AA 4.5:1: ")
    assert "stale 1.10:1 on panel" in errors[0]
    assert "\n" not in errors[0]


def test_a_user_theme_at_aa_loads_silently(tmp_path: Path) -> None:
    text = (shipped_themes_dir() / "okabe-ito.toml").read_text()
    (tmp_path / "mine.toml").write_text(text.replace("okabe-ito", "mine"))
    themes, errors = load_themes([tmp_path])
    assert errors == []
    assert [t.name for t in themes] == ["nexus-dark", "mine"]
