"""Themes are data: one TOML file per theme (themes/*.toml, and the user's own in the XDG data dir), turned
into Textual Theme objects. The format is documented in themes/README.md.

Each theme carries the dashboard's semantic state colours as Theme variables ($ok $warning $critical $unknown
$stale $drill), so the .tcss and the table cells never hard-code a colour. $warning is Textual's own warning
colour, set to the state colour, so toasts and our warnings agree. The names of the first release
($lag-ok $lag-warn $lag-crit $lag-unknown) stay defined as aliases, in theme files and in the .tcss.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.theme import Theme

from nexus_tui.domain.models import State
from nexus_tui.resources import shipped_themes_dir

DEFAULT_THEME = "nexus-dark"
STATES = ("ok", "warning", "critical", "unknown", "stale", "drill")
SEMANTIC_VARIABLES = STATES
# Textual variables a theme may also set, for text that must stay legible (checked like the states).
TEXT_VARIABLES = ("foreground-muted", "block-cursor-foreground", "block-cursor-background")
# First-release name -> current name. Accepted in theme files and still defined for the .tcss.
ALIASES = {"lag-ok": "ok", "lag-warn": "warning", "lag-crit": "critical", "lag-unknown": "unknown"}

# Missing states in a theme file fall back to the shipped default of the same brightness, so a light theme
# never inherits state colours made for a black background. Kept equal to themes/nexus-dark.toml and
# themes/nexus-light.toml (a test checks).
DARK_STATES: dict[str, str] = {
    "ok": "#2fd8e0",
    "warning": "#f4cb37",
    "critical": "#f36e8c",
    "unknown": "#a3adbb",
    "stale": "#99a2ae",
    "drill": "#c792ff",
}
LIGHT_STATES: dict[str, str] = {
    "ok": "#026996",
    "warning": "#8f5a00",
    "critical": "#7a0d33",
    "unknown": "#4f5966",
    "stale": "#5c6570",
    "drill": "#7a2fb8",
}


def with_aliases(states: Mapping[str, str]) -> dict[str, str]:
    return {**states, **{old: states[new] for old, new in ALIASES.items()}}


# For Textual's own themes (picked from the command palette), so every $variable of the .tcss resolves.
SEMANTIC_DEFAULTS: dict[str, str] = with_aliases(DARK_STATES)

# The app must start even if every theme file is broken or the package lost its data files.
FALLBACK_THEME = Theme(
    name=DEFAULT_THEME,
    primary="#5b9be0",
    secondary="#7f9cb8",
    accent="#f4cb37",
    warning=DARK_STATES["warning"],
    error=DARK_STATES["critical"],
    success=DARK_STATES["ok"],
    foreground="#d8dee9",
    background="#12161c",
    surface="#1a2029",
    panel="#232b36",
    dark=True,
    variables=with_aliases(DARK_STATES),
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
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Where the dashboard paints text: the screen, the tables and region bar, the header and detail boxes.
GROUNDS = ("background", "surface", "panel")


class ThemeFileError(Exception):
    """str() is the one line shown to the user, starting with the file name."""


def parse_theme(text: str, path: Path) -> Theme:
    """The Theme in a file's text, or ThemeFileError naming the file and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{path}: invalid TOML: {_one_line(str(exc))}") from None
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ThemeFileError(f"{path}: unknown key {_shown(unknown[0])} (expected: {', '.join(sorted(_ALLOWED))})")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name.strip()):
        raise ThemeFileError(f"{path}: name: must be letters, digits, '.', '_' or '-' (at most 64)")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{path}: dark: must be true or false")
    if "primary" not in data:
        raise ThemeFileError(f"{path}: primary: a colour is required")
    colours = {key: _colour(path, key, data[key]) for key in _COLOUR_KEYS if key in data}
    raw_variables = data.get("variables", {})
    states = _states(path, raw_variables, dark)
    # The state colour is [variables] warning; a top-level `warning` alone (first-release files set both, a
    # little apart) is taken as the state colour too, and otherwise only seeds Textual's warning shades.
    if "warning" in colours and not any(ALIASES.get(k, k) == "warning" for k in raw_variables):
        states["warning"] = colours["warning"]
    colours.setdefault("warning", states["warning"])
    colours.setdefault("error", states["critical"])
    colours.setdefault("success", states["ok"])
    colours.setdefault("accent", states["warning"])  # footer keys: Textual would reuse primary, often too dim
    # $warning is set as a variable too: Textual's own comes back through HSL a unit off, and the contrast
    # checks measure the exact colour.
    variables = with_aliases(states)
    primary = colours.pop("primary")
    theme = Theme(name.strip(), primary, dark=dark, variables=variables, **colours)  # type: ignore[arg-type]
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # a colour combination Textual cannot derive shades from
        raise ThemeFileError(f"{path}: cannot build the theme: {_one_line(str(exc))}") from None
    return theme


def _states(path: Path, raw: object, dark: bool) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ThemeFileError(f"{path}: variables: must be a table ([variables])")
    states = dict(DARK_STATES if dark else LIGHT_STATES)
    given: dict[str, str] = {}
    for key, value in raw.items():
        name = ALIASES.get(key, key)
        if name not in STATES and name not in TEXT_VARIABLES:
            expected = ", ".join((*STATES, *TEXT_VARIABLES))
            raise ThemeFileError(f"{path}: variables.{_shown(key)}: unknown (expected: {expected})")
        if name in given:
            raise ThemeFileError(f"{path}: variables.{key}: {name} is already given")
        given[name] = _colour(path, f"variables.{key}", value)
    return {**states, **given}


def _colour(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f"{path}: {key}: must be a colour string, got {_shown(value)}")
    try:
        Color.parse(value)
    except (ColorParseError, ValueError, ArithmeticError):
        raise ThemeFileError(f"{path}: {key}: {_shown(value)} is not a colour") from None
    return value


def _shown(value: object) -> str:
    """A user's value inside our one-line message: quoted, escaped (no control characters), not too long."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Contrast -----------------------------------------------------------------------------------------------


def contrast_table(theme: Theme) -> dict[str, dict[str, float]]:
    """WCAG contrast of each text colour on each ground it is painted on, as Textual resolves the theme
    (defaults filled in, translucent colours blended over their ground, "auto" text picked as Textual does).

    Rows: foreground, foreground-muted, accent (footer keys) and the states on background, surface and panel;
    the highlighted table row (block-cursor-foreground on block-cursor-background); the title badge
    (background on primary)."""
    from nexus_tui.domain.contrast import contrast_ratio  # coloraide takes ~0.3 s to import: only when asked

    variables = {**SEMANTIC_DEFAULTS, **theme.to_color_system().generate(), **theme.variables}
    pairs = [(text, ground) for ground in GROUNDS for text in ("foreground", "foreground-muted", "accent", *STATES)]
    pairs += [("block-cursor-foreground", "block-cursor-background"), ("background", "primary")]
    table: dict[str, dict[str, float]] = {}
    for text, ground_name in pairs:
        ground = _seen(variables[ground_name], Color.parse(variables["surface"]))
        seen = _seen(variables[text], ground)
        table.setdefault(text, {})[ground_name] = contrast_ratio(seen.hex6, ground.hex6)
    return table


def _seen(value: str, ground: Color) -> Color:
    """The opaque colour a (possibly translucent or "auto") Textual colour value shows over `ground`."""
    if value.startswith("auto"):
        percent = value.removeprefix("auto").strip().rstrip("%")
        colour = ground.get_contrast_text(float(percent) / 100 if percent else 1.0)
    else:
        colour = Color.parse(value)
    return ground.blend(colour.with_alpha(1.0), colour.a) if colour.a < 1 else colour


def contrast_warning(theme: Theme, source: Path | str, minimum: float = 4.5) -> str | None:
    """One line naming every text or state colour below `minimum` on some ground (its worst), or None."""
    low = []
    for text, ratios in contrast_table(theme).items():
        ground, ratio = min(ratios.items(), key=lambda item: item[1])
        if ratio < minimum:
            low.append(f"{text} {ratio:.2f}:1 on {ground}")
    if not low:
        return None
    return f"{source}: theme {theme.name!r} is below WCAG AA {minimum:g}:1: {', '.join(low)}"


# Loading and choosing -----------------------------------------------------------------------------------


def user_themes_dir() -> Path:
    from nexus_tui.config import default_data_dir

    return default_data_dir() / "themes"


def default_theme_dirs() -> list[Path]:
    """Shipped themes, then the user's: a user file with a shipped theme's name replaces it."""
    return [shipped_themes_dir(), user_themes_dir()]


def load_themes(directories: Iterable[Path]) -> tuple[list[Theme], list[str]]:
    """Every theme found, in file-name order, and one line per broken file or per theme below WCAG AA.

    A theme below AA is still loaded (the user chose it); the fallback nexus-dark is always first unless a
    file of that name replaces it. Shipped themes are not re-checked here: their tests hold them to AA."""
    themes: dict[str, Theme] = {FALLBACK_THEME.name: FALLBACK_THEME}
    errors: list[str] = []
    shipped = shipped_themes_dir().resolve()
    for directory in directories:
        check = directory.resolve() != shipped
        try:
            paths = sorted(directory.glob("*.toml")) if directory.is_dir() else []
        except OSError as exc:
            errors.append(f"{directory}: cannot list themes: {exc.strerror}")
            continue
        for path in paths:
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), path)
            except ThemeFileError as exc:
                errors.append(str(exc))
                continue
            except UnicodeDecodeError:
                errors.append(f"{path}: not UTF-8 text")
                continue
            except OSError as exc:
                errors.append(f"{path}: cannot read theme: {exc.strerror}")
                continue
            themes[theme.name] = theme
            warning = contrast_warning(theme, path) if check else None
            if warning is not None:
                errors.append(warning)
    return list(themes.values()), errors


def choose_theme(
    cli: str | None,
    env: Mapping[str, str],
    config: str | None,
    known: Sequence[str],
    config_source: str = "config [ui] theme",
) -> tuple[str, list[str]]:
    """The theme to start with and a warning line per unknown name asked for.

    Precedence: --theme, then $TEXTUAL_THEME, then the config file's [ui] theme, then nexus-dark. An unknown
    name is named with the known ones and the next source is tried, so a typo never leaves a blank screen."""
    warnings: list[str] = []
    asked = ((cli, "--theme"), (env.get("TEXTUAL_THEME"), "TEXTUAL_THEME"), (config, config_source))
    for value, source in asked:
        if not value:
            continue
        if value in known:
            return value, warnings
        warnings.append(f"{source}: unknown theme {_shown(value)} (known: {', '.join(known)})")
    return (DEFAULT_THEME if DEFAULT_THEME in known else known[0]), warnings


def _muted(variables: Mapping[str, str]) -> Color:
    """$foreground-muted as an opaque colour over the background (Rich styles have no alpha); else $stale."""
    try:
        muted = Color.parse(variables["foreground-muted"])
        return Color.parse(variables["background"]).blend(muted.with_alpha(1.0), muted.a)
    except (KeyError, ColorParseError):
        return Color.parse(variables.get("stale") or SEMANTIC_DEFAULTS["stale"])


# Rich styles --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Palette:
    """Concrete Rich styles for the current theme: DataTable cells are Rich renderables, which cannot
    resolve $variables themselves, so the screen rebuilds its cells from a new Palette on theme change.

    No state is dimmed: `dim` would halve a colour's contrast in some terminals, and the theme's stale
    colour is already chosen to be quiet yet legible (WCAG AA)."""

    ok: Style
    warning: Style
    critical: Style
    unknown: Style
    stale: Style
    drill: Style
    muted: Style  # secondary text; use instead of `dim`, which halves contrast in some terminals

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Palette:
        def style(name: str, *, bold: bool = False, reverse: bool = False) -> Style:
            old = next((o for o, new in ALIASES.items() if new == name), None)
            value = variables.get(name) or (variables.get(old) if old else None) or SEMANTIC_DEFAULTS[name]
            try:
                colour = Color.parse(value)
            except ColorParseError:
                colour = Color.parse(SEMANTIC_DEFAULTS[name])
            return Style(color=colour.rich_color, bold=bold, reverse=reverse)

        return cls(
            ok=style("ok"),
            warning=style("warning", bold=True),
            critical=style("critical", bold=True),
            unknown=style("unknown"),
            stale=style("stale", bold=False),
            drill=style("drill", bold=True, reverse=True),
            muted=Style(color=_muted(variables).rich_color),
        )

    def state(self, state: State) -> Style:
        return {
            State.OK: self.ok,
            State.WARNING: self.warning,
            State.CRITICAL: self.critical,
            State.UNKNOWN: self.unknown,
        }[state]
