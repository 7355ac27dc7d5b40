"""Checks of single YAML values shared by the runbook and step parsers; each reports and returns None."""

from __future__ import annotations

import math
import re

from yaml.nodes import Node, ScalarNode

from nexus_tui.runbook.issues import did_you_mean
from nexus_tui.runbook.yamlfile import Collector, kind_name, plain

Fields = dict[str, tuple[ScalarNode, Node]]
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_keys(
    fields: Fields,
    where: Node,
    what: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    out: Collector,
) -> None:
    allowed = (*required, *optional)
    for name, (key, _) in fields.items():
        if name not in allowed:
            out.add(key, f"{what}: unknown key {name!r}{did_you_mean(name, allowed)}")
    for name in required:
        if name not in fields:
            out.add(where, f"{what}: missing required key {name!r}")


def text(fields: Fields, name: str, what: str, out: Collector) -> str | None:
    """A non-empty string value, or None (absent or reported)."""
    if name not in fields:
        return None
    node = fields[name][1]
    if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        out.add(node, f"{what}: {name} must be a string, got {kind_name(node)}")
        return None
    value = str(node.value).strip()
    if not value:
        out.add(node, f"{what}: {name} must not be empty")
        return None
    return value


def number(
    fields: Fields,
    name: str,
    what: str,
    out: Collector,
    *,
    minimum: float = 0.0,
    maximum: float,
    strict: bool = False,
) -> float | None:
    """A finite number >= minimum (> minimum when strict) and <= maximum, or None (absent or reported).
    Every number has a maximum: .inf, .nan and 1e300 would otherwise reach clocks, JSON and int()."""
    if name not in fields:
        return None
    node = fields[name][1]
    value = plain(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.add(node, f"{what}: {name} must be a number, got {shown(node)}")
        return None
    try:
        number_ = float(value)
    except OverflowError:  # an int too large for a float
        number_ = math.inf
    if not math.isfinite(number_):
        out.add(node, f"{what}: {name} must be a finite number, got {shown(node)}")
        return None
    if number_ < minimum or (strict and number_ == minimum):
        word = "greater than" if strict else "at least"
        out.add(node, f"{what}: {name} must be {word} {minimum:g}, got {number_:g}")
        return None
    if number_ > maximum:
        out.add(node, f"{what}: {name} must be at most {maximum:g}, got {number_:g}")
        return None
    return number_


def shown(node: Node, limit: int = 40) -> str:
    """A value as written, cut short: messages are one line even when the value is a large structure."""
    text_ = repr(node.value) if isinstance(node, ScalarNode) else kind_name(node)
    return text_ if len(text_) <= limit else text_[: limit - 1] + "…"


def ident(fields: Fields, what: str, out: Collector) -> str | None:
    value = text(fields, "id", what, out)
    if value is not None and not ID_RE.match(value):
        out.add(fields["id"][1], f"{what}: id {value!r} may hold only letters, digits, '-', '_' and '.'")
        return None
    return value
