"""Themes are files; a broken one is named in one line and never stops the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nexus_tui.resources import shipped_themes_dir
from nexus_tui.ui.themes import SEMANTIC_VARIABLES, Palette, ThemeFileError, load_themes, parse_theme
from tests.ui.conftest import SIZE
from tests.ui.sample_data import healthy_snapshot


def test_shipped_themes_define_every_semantic_variable() -> None:
    themes, errors = load_themes([shipped_themes_dir()])
    assert errors == []
    by_name = {t.name: t for t in themes}
    assert {"nexus-dark", "nexus-light", "war-room"} <= set(by_name)
    assert by_name["nexus-light"].dark is False
    for theme in themes:
        assert set(SEMANTIC_VARIABLES) <= set(theme.variables)


def test_tcss_uses_theme_variables_not_hard_coded_colours() -> None:
    text = (Path(__file__).parents[2] / "nexus_tui" / "ui" / "styles" / "app.tcss").read_text()
    # Remove id selectors (#header, #backups-table ...); what is left of '#' would be a hex colour.
    without_ids = re.sub(r"#[a-z][\w-]*", "", text)
    assert not re.search(r"#[0-9a-fA-F]{3,8}", without_ids)
    assert not re.search(r"\brgb\(", text)
    for variable in SEMANTIC_VARIABLES[:4]:
        assert f"${variable}" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('name = "x"\nprimary = \n', "invalid TOML"),
        ('name = "x"\nprimary = "#123456"\ncolour = "red"\n', "unknown key 'colour'"),
        ('name = "x"\nprimary = "not-a-colour"\n', "'not-a-colour' is not a colour"),
        ('primary = "#123456"\n', "'name' must be a non-empty string"),
        ('name = "x"\nprimary = "#123456"\n[variables]\nlag-ok = 3\n', "variables.lag-ok: must be a colour"),
    ],
)
def test_broken_theme_file_gives_one_line_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    with pytest.raises(ThemeFileError) as info:
        parse_theme(content, path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_missing_semantic_variables_fall_back_to_defaults(tmp_path: Path) -> None:
    theme = parse_theme('name = "plain"\nprimary = "#336699"\n', tmp_path / "plain.toml")
    assert set(SEMANTIC_VARIABLES) <= set(theme.variables)
    Palette.from_variables(theme.variables)


async def test_app_skips_a_broken_theme_and_falls_back_to_default(tmp_path: Path, make_app) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#336699"\n')
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = "nope"\n')
    app = make_app(healthy_snapshot(), theme="bad", theme_dirs=[tmp_path])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nexus-dark"
        assert app.theme_names == ["nexus-dark", "good"]
        assert len(app.theme_errors) == 2
        assert app.theme_errors[0].startswith(f"{tmp_path / 'bad.toml'}: ")
        assert "theme 'bad' not found" in app.theme_errors[1]
        assert all("\n" not in e for e in app.theme_errors)


async def test_textual_builtin_theme_still_resolves_semantic_variables(make_app) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        assert app.get_css_variables()["lag-ok"]
