"""Colour legibility: WCAG contrast ratios, colour-vision-deficiency simulation and perceptual distance.

Pure functions over "#rrggbb" strings. The formulas come from coloraide (a maintained, dependency-free colour
library) rather than from code of ours:

- contrast: WCAG 2.1 relative luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio);
  AA asks 4.5:1 for normal text, AAA 7:1.
- colour vision deficiency: Machado, Oliveira & Fernandes, "A Physiologically-based Model for Simulation of
  Color Vision Deficiency", IEEE TVCG 15(6), 2009, at severity 1.0 (dichromacy: deuteranopia, protanopia),
  applied in linear sRGB and clipped back to the sRGB gamut.
- distance: CIEDE2000 (Sharma, Wu & Dalal 2005) in CIELAB D65.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from coloraide import Color

WCAG_AA = 4.5
WCAG_AAA = 7.0

Vision = Literal["normal", "deuteranopia", "protanopia"]
VISIONS: tuple[Vision, ...] = ("normal", "deuteranopia", "protanopia")
_FILTER = {"deuteranopia": "deutan", "protanopia": "protan"}


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio, 1.0 (none) to 21.0 (black on white); symmetric."""
    return float(Color(foreground).contrast(Color(background), method="wcag21"))


def simulate(colour: str, vision: Vision) -> str:
    """The colour as a dichromat sees it (Machado 2009, severity 1.0), as "#rrggbb"."""
    if vision == "normal":
        return Color(colour).convert("srgb").to_string(hex=True)
    seen = Color(colour).filter(_FILTER[vision], 1.0, method="machado").clip()
    return seen.convert("srgb").clip().to_string(hex=True)


def delta_e(a: str, b: str) -> float:
    """CIEDE2000 colour difference: about 1 is just noticeable side by side; tens are different colours."""
    return float(Color(a).delta_e(Color(b), method="2000"))


@dataclass(frozen=True, slots=True)
class Closest:
    """The two colours of a set that come closest for one kind of vision, and how far apart they stay."""

    vision: Vision
    first: str
    second: str
    distance: float


def closest_pair(colours: Mapping[str, str], vision: Vision) -> Closest:
    """Of the named colours (at least two), the pair that looks most alike to `vision`."""
    seen = {name: simulate(value, vision) for name, value in colours.items()}
    pairs = ((a, b, delta_e(seen[a], seen[b])) for a, b in combinations(seen, 2))
    a, b, distance = min(pairs, key=lambda p: p[2])
    return Closest(vision, a, b, distance)
