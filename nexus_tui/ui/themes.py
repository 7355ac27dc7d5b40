"""Themes are data: one TOML file per theme (themes/*.toml), turned into Textual Theme objects.

Each theme carries the dashboard's semantic colours as Theme variables (lag-ok, lag-warn, lag-crit,
lag-unknown, stale) so the .tcss and the table cells never hard-code a colour.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.theme import Theme

from nexus_tui.domain.models import State

DEFAULT_THEME = "nexus-dark"
SEMANTIC_VARIABLES = ("lag-ok", "lag-warn", "lag-crit", "lag-unknown", "stale")

# Used when a variable is missing from a theme file, and by Textual's own themes (picked from the command
# palette), so $lag-ok always resolves. Kept equal to themes/nexus-dark.toml.
SEMANTIC_DEFAULTS: dict[str, str] = {
    "lag-ok": "#3fb98a",
    "lag-warn": "#e8b341",
    "lag-crit": "#ff5370",
    "lag-unknown": "#9aa5b4",
    "stale": "#6b7684",
}

# The app must start even if every theme file is broken or the package lost its data files.
FALLBACK_THEME = Theme(
    name=DEFAULT_THEME,
    primary="#4f8fd6",
    secondary="#6c8ba8",
    accent="#e0a030",
    warning="#e0a030",
    error="#ef4f6a",
    success="#3fb98a",
    foreground="#d8dee9",
    background="#12161c",
    surface="#1a2029",
    panel="#232b36",
    dark=True,
    variables=dict(SEMANTIC_DEFAULTS),
)

_COLOUR_KEYS: tuple[str, ...] = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
)
_ALLOWED = {"name", "dark", "variables", *_COLOUR_KEYS}


class ThemeFileError(Exception):
    """str() is the one line shown to the user, starting with the file name."""


def parse_theme(text: str, path: Path) -> Theme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ThemeFileError(f"{path}: unknown key {unknown[0]!r} (expected: {', '.join(sorted(_ALLOWED))})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(f"{path}: 'name' must be a non-empty string")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{path}: 'dark' must be true or false")
    if "primary" not in data:
        raise ThemeFileError(f"{path}: 'primary' colour is required")
    colours = {key: _colour(path, key, data[key]) for key in _COLOUR_KEYS if key in data}
    raw_vars = data.get("variables", {})
    if not isinstance(raw_vars, dict):
        raise ThemeFileError(f"{path}: [variables] must be a table")
    variables = dict(SEMANTIC_DEFAULTS)
    for key, value in raw_vars.items():
        variables[key] = _colour(path, f"variables.{key}", value)
    primary = colours.pop("primary")
    return Theme(name.strip(), primary, dark=dark, variables=variables, **colours)  # type: ignore[arg-type]


def _colour(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f"{path}: {key}: must be a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(f"{path}: {key}: {value!r} is not a colour") from None
    return value


def load_themes(directories: Iterable[Path]) -> tuple[list[Theme], list[str]]:
    """Every theme found, in file-name order, and one error line per broken file.

    The fallback nexus-dark is always first unless a file of that name replaces it."""
    themes: dict[str, Theme] = {FALLBACK_THEME.name: FALLBACK_THEME}
    errors: list[str] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), path)
            except ThemeFileError as exc:
                errors.append(str(exc).replace("\n", " "))
                continue
            except OSError as exc:
                errors.append(f"{path}: cannot read theme: {exc.strerror}")
                continue
            themes[theme.name] = theme
    return list(themes.values()), errors


@dataclass(frozen=True, slots=True)
class Palette:
    """Concrete Rich styles for the current theme: DataTable cells are Rich renderables, which cannot
    resolve $variables themselves, so the screen rebuilds its cells from a new Palette on theme change."""

    ok: Style
    warning: Style
    critical: Style
    unknown: Style
    stale: Style

    @classmethod
    def from_variables(cls, variables: dict[str, str]) -> Palette:
        def style(name: str, *, bold: bool = False, dim: bool = False) -> Style:
            colour = Color.parse(variables.get(name, SEMANTIC_DEFAULTS[name]))
            return Style(color=colour.rich_color, bold=bold, dim=dim)

        return cls(
            ok=style("lag-ok"),
            warning=style("lag-warn", bold=True),
            critical=style("lag-crit", bold=True),
            unknown=style("lag-unknown"),
            stale=style("stale", dim=True),
        )

    def state(self, state: State) -> Style:
        return {
            State.OK: self.ok,
            State.WARNING: self.warning,
            State.CRITICAL: self.critical,
            State.UNKNOWN: self.unknown,
        }[state]
