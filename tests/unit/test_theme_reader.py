"""The theme file reader never raises anything but its one-line ThemeFileError, whatever the file holds;
and a theme name from --theme, $TEXTUAL_THEME or the config is chosen, or named with the known ones."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.ui.themes import (
    ThemeFileError,
    choose_theme,
    default_theme_dirs,
    load_themes,
    parse_theme,
    user_themes_dir,
)

PATH = Path("/home/u/.local/share/nexus-tui/themes/fuzz.toml")
KEYS = ["name", "dark", "primary", "secondary", "accent", "warning", "error", "success", "foreground", "background"]
KEYS += ["surface", "panel", "variables", "colour", "ok", "critical", "lag-ok", "stale", "drill", "foreground-muted"]

toml_values = st.one_of(
    st.sampled_from(['"#123456"', '"#fff"', '"red"', '"rgb(1,2,3)"', '"hsl(10, 50%, 50%)"', '"#12345678"']),
    st.sampled_from(['"ansi_red"', '"transparent"', '"#zzzzzz"', '""', '"rgb(1e999,0,0)"', '"hsl(nan,0,0)"']),
    st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.sampled_from(["true", "false", "3", "-1.5", "[]", '["#fff"]', "{}", '{ ok = "#fff" }', "1979-05-27"]),
)
toml_lines = st.one_of(
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS), toml_values),
    st.sampled_from(["[variables]", "[ui]", "[[variables]]", "name = ", "= 3", "[variables", "\x00", "\ufeff"]),
    st.text(max_size=30),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(toml_lines, max_size=12))
def test_reader_raises_only_its_one_line_error_on_toml_like_input(lines: list[str]) -> None:
    _parse_or_one_line_error("\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_reader_raises_only_its_one_line_error_on_any_text(text: str) -> None:
    _parse_or_one_line_error(text)


def _parse_or_one_line_error(text: str) -> None:
    try:
        theme = parse_theme(text, PATH)
    except ThemeFileError as exc:
        message = str(exc)
        assert message.startswith(f"{PATH}: ")
        assert "\n" not in message and "\r" not in message
        assert message.isprintable()
    else:
        theme.to_color_system().generate()  # the app can apply it


def test_a_file_that_is_not_utf8_or_unreadable_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes(b'name = "caf\xe9"\nprimary = "#fff"\n')
    (tmp_path / "dir.toml").mkdir()
    _, errors = load_themes([tmp_path])
    assert errors[1] == f"{tmp_path / 'latin1.toml'}: not UTF-8 text"
    assert errors[0].startswith(f"{tmp_path / 'dir.toml'}: cannot read theme: ")
    assert len(errors) == 2


def test_user_themes_live_in_the_xdg_data_dir(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if os.name == "posix":
        assert user_themes_dir() == tmp_path / "nexus-tui" / "themes"
    assert default_theme_dirs()[-1] == user_themes_dir()


def test_a_user_theme_replaces_a_shipped_one_of_the_same_name(tmp_path: Path) -> None:
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    shipped.mkdir(), user.mkdir()
    (shipped / "a.toml").write_text('name = "room"\nprimary = "#111111"\n')
    (user / "b.toml").write_text('name = "room"\nprimary = "#222222"\n')
    themes, _ = load_themes([shipped, user])
    assert [t.primary for t in themes if t.name == "room"] == ["#222222"]


KNOWN = ["nexus-dark", "nexus-light", "war-room", "textual-dark"]


def test_choose_precedence_is_cli_then_env_then_config() -> None:
    env = {"TEXTUAL_THEME": "nexus-light"}
    assert choose_theme("war-room", env, "textual-dark", KNOWN) == ("war-room", [])
    assert choose_theme(None, env, "textual-dark", KNOWN) == ("nexus-light", [])
    assert choose_theme(None, {}, "textual-dark", KNOWN) == ("textual-dark", [])
    assert choose_theme(None, {}, None, KNOWN) == ("nexus-dark", [])


def test_an_unknown_name_is_one_line_listing_the_known_ones_and_the_next_source_is_used() -> None:
    name, warnings = choose_theme("war-rom", {"TEXTUAL_THEME": "nope"}, "nexus-light", KNOWN)
    assert name == "nexus-light"
    assert warnings == [
        "--theme: unknown theme 'war-rom' (known: nexus-dark, nexus-light, war-room, textual-dark)",
        "TEXTUAL_THEME: unknown theme 'nope' (known: nexus-dark, nexus-light, war-room, textual-dark)",
    ]
    name, warnings = choose_theme(None, {}, "gone\nrm -rf", KNOWN)
    assert name == "nexus-dark"
    assert warnings[0].startswith("config [ui] theme: unknown theme 'gone\\nrm -rf' (known: ")
    _, warnings = choose_theme(None, {}, "nope", KNOWN, config_source="/etc/nexus.toml: [ui] theme")
    assert warnings[0].startswith("/etc/nexus.toml: [ui] theme: unknown theme 'nope' (known: ")
