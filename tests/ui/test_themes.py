"""Themes are files; a broken one is named in one line and never stops the dashboard; every $variable of the
.tcss resolves in every theme, ours and Textual's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.theme import BUILTIN_THEMES, Theme

from nexus_tui.resources import shipped_themes_dir
from nexus_tui.ui.themes import (
    ALIASES,
    FALLBACK_THEME,
    SEMANTIC_DEFAULTS,
    STATES,
    Palette,
    ThemeFileError,
    load_themes,
    parse_theme,
)
from tests.ui.conftest import SIZE
from tests.ui.sample_data import healthy_snapshot

STYLES = Path(__file__).parents[2] / "nexus_tui" / "ui" / "styles"


def _css_variables(theme: Theme) -> dict[str, str]:
    """What App.get_css_variables() makes of a theme, with our defaults (NexusApp.get_theme_variable_defaults)."""
    return {**SEMANTIC_DEFAULTS, **theme.to_color_system().generate(), **theme.variables}


def test_shipped_themes_define_every_semantic_variable_and_the_old_names() -> None:
    themes, errors = load_themes([shipped_themes_dir()])
    assert errors == []
    by_name = {t.name: t for t in themes}
    assert {"nexus-dark", "nexus-light", "war-room", "high-contrast", "okabe-ito", "nexus-drill"} <= set(by_name)
    assert by_name["nexus-light"].dark is False
    for theme in themes:
        variables = _css_variables(theme)
        assert set(STATES) | set(ALIASES) <= set(variables)
        for old, new in ALIASES.items():
            assert variables[old].lower() == variables[new].lower(), (theme.name, old)


@pytest.mark.parametrize("tcss", sorted(STYLES.glob("*.tcss")), ids=lambda p: p.name)
def test_tcss_uses_theme_variables_not_hard_coded_colours(tcss: Path) -> None:
    text = tcss.read_text()
    # Remove id selectors (#header, #backups-table ...); what is left of '#' would be a hex colour.
    without_ids = re.sub(r"#[a-z][\w-]*", "", text)
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b", without_ids)
    assert not re.search(r"\b(rgb|hsl)a?\(", text)


def test_every_tcss_variable_resolves_in_every_theme() -> None:
    used = {m for tcss in STYLES.glob("*.tcss") for m in re.findall(r"\$([a-z][\w-]*)", tcss.read_text())}
    assert {"ok", "warning", "critical", "unknown"} <= used
    themes, _ = load_themes([shipped_themes_dir()])
    for theme in [*themes, *BUILTIN_THEMES.values()]:
        missing = used - set(_css_variables(theme))
        assert not missing, (theme.name, missing)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('name = "x"\nprimary = \n', "invalid TOML"),
        ('name = "x"\nprimary = "#123456"\ncolour = "red"\n', "unknown key 'colour'"),
        ('name = "x"\nprimary = "not-a-colour"\n', "primary: 'not-a-colour' is not a colour"),
        ('primary = "#123456"\n', "name: must be"),
        ('name = "a b\\nc"\nprimary = "#123456"\n', "name: must be"),
        ('name = "x"\nprimary = "#123456"\n[variables]\nlag-ok = 3\n', "variables.lag-ok: must be a colour"),
        ('name = "x"\nprimary = "#123456"\n[variables]\ncritcal = "red"\n', "variables.'critcal': unknown"),
        ('name = "x"\nprimary = "#123456"\n[variables]\nok = "red"\nlag-ok = "blue"\n', "ok is already given"),
        ('name = "x"\nprimary = "#123456"\nvariables = 3\n', "variables: must be a table"),
    ],
)
def test_broken_theme_file_gives_one_line_naming_the_file_and_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    with pytest.raises(ThemeFileError) as info:
        parse_theme(content, path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_old_variable_names_still_read_and_become_the_new_ones(tmp_path: Path) -> None:
    theme = parse_theme(
        'name = "old"\nprimary = "#336699"\n[variables]\nlag-ok = "#00ff00"\nlag-warn = "#ffff00"\n',
        tmp_path / "old.toml",
    )
    assert theme.variables["ok"] == theme.variables["lag-ok"] == "#00ff00"
    assert theme.warning == theme.variables["lag-warn"] == "#ffff00"
    assert theme.success == "#00ff00"  # Textual's own success/warning/error follow the states unless given


def test_first_release_files_with_two_warnings_still_load(tmp_path: Path) -> None:
    both = 'name = "x"\nprimary = "#123456"\nwarning = "#e0a030"\n[variables]\nlag-warn = "#e8b341"\n'
    theme = parse_theme(both, tmp_path / "x.toml")
    assert (theme.warning, theme.variables["warning"], theme.variables["lag-warn"]) == ("#e0a030", "#e8b341", "#e8b341")
    alone = parse_theme('name = "y"\nprimary = "#123456"\nwarning = "#e0a030"\n', tmp_path / "y.toml")
    assert alone.variables["warning"] == alone.warning == "#e0a030"


def test_missing_states_fall_back_to_the_default_of_the_same_brightness(tmp_path: Path) -> None:
    dark = parse_theme('name = "plain"\nprimary = "#336699"\n', tmp_path / "plain.toml")
    light = parse_theme('name = "pale"\nprimary = "#336699"\ndark = false\n', tmp_path / "pale.toml")
    dark_file = parse_theme((shipped_themes_dir() / "nexus-dark.toml").read_text(), Path("d"))
    light_file = parse_theme((shipped_themes_dir() / "nexus-light.toml").read_text(), Path("l"))
    for name in STATES:
        assert dark.variables[name] == dark_file.variables[name], name
        assert light.variables[name] == light_file.variables[name], name
    assert light.warning == light_file.warning
    fallback = {k: v for k, v in vars(FALLBACK_THEME).items() if k not in ("name", "variables")}
    assert fallback == {k: v for k, v in vars(dark_file).items() if k not in ("name", "variables")}
    assert FALLBACK_THEME.variables == dark_file.variables
    Palette.from_variables(dark.variables)


def test_palette_reads_new_names_then_old_names_then_defaults() -> None:
    assert Palette.from_variables({"ok": "#010203"}).ok.color.triplet.hex == "#010203"  # type: ignore[union-attr]
    assert Palette.from_variables({"lag-ok": "#040506"}).ok.color.triplet.hex == "#040506"  # type: ignore[union-attr]
    default = Palette.from_variables({})
    assert default.critical.color.triplet.hex == SEMANTIC_DEFAULTS["critical"]  # type: ignore[union-attr]
    assert not default.stale.dim  # dimming would undo the stale colour's checked contrast
    assert default.muted.color.triplet.hex == SEMANTIC_DEFAULTS["stale"]  # type: ignore[union-attr]
    themed = Palette.from_variables({"foreground-muted": "#ffffff80", "background": "#000000"})
    assert themed.muted.color.triplet.hex == "#808080"  # type: ignore[union-attr]


async def test_app_skips_a_broken_theme_and_falls_back_to_default(tmp_path: Path, make_app) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#5b9be0"\n')
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = "nope"\n')
    app = make_app(healthy_snapshot(), theme="bad", theme_dirs=[tmp_path])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nexus-dark"
        assert app.theme_names == ["nexus-dark", "good"]
        assert len(app.theme_errors) == 2
        assert app.theme_errors[0].startswith(f"{tmp_path / 'bad.toml'}: primary: ")
        assert "'bad'" in app.theme_errors[1] and "nexus-dark" in app.theme_errors[1]
        assert all("\n" not in e for e in app.theme_errors)


async def test_textual_builtin_theme_still_resolves_semantic_variables(make_app) -> None:
    app = make_app(healthy_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        variables = app.get_css_variables()
        assert variables["ok"] and variables["lag-ok"] and variables["drill"]


async def test_theme_picked_from_the_command_palette_recolours_the_dashboard(make_app) -> None:
    app = make_app(healthy_snapshot(), theme_dirs=[shipped_themes_dir()])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = app.dashboard.palette.ok
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"okabe")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "okabe-ito"
        assert app.dashboard.palette.ok != before
        assert app.dashboard.palette.ok.color.triplet.hex == "#56b4e9"  # type: ignore[union-attr]
