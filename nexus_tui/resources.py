"""Where the shipped runbooks and themes are: inside the package for a wheel install
(hatch force-include puts them under nexus_tui/_shipped), at the repo root for an editable checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / "_shipped" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def shipped_runbooks_dir() -> Path:
    return _shipped("runbooks")


def shipped_themes_dir() -> Path:
    return _shipped("themes")
