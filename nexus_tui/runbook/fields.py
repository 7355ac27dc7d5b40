"""Checks of single YAML values shared by the runbook and step parsers; each reports and returns None."""

from __future__ import annotations

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
    strict: bool = False,
) -> float | None:
    """A number >= minimum (> minimum when strict), or None (absent or reported)."""
    if name not in fields:
        return None
    node = fields[name][1]
    value = plain(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.add(node, f"{what}: {name} must be a number, got {plain(node)!r}")
        return None
    if value < minimum or (strict and value == minimum):
        word = "greater than" if strict else "at least"
        out.add(node, f"{what}: {name} must be {word} {minimum:g}, got {value:g}")
        return None
    return float(value)


def ident(fields: Fields, what: str, out: Collector) -> str | None:
    value = text(fields, "id", what, out)
    if value is not None and not ID_RE.match(value):
        out.add(fields["id"][1], f"{what}: id {value!r} may hold only letters, digits, '-', '_' and '.'")
        return None
    return value
