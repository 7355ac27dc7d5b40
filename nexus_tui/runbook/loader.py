"""Runbook YAML -> domain Runbook, collecting every problem of a file with its line (the format is documented
in runbooks/README.md). A file with any error yields no Runbook: a half-understood runbook must not run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node, ScalarNode, SequenceNode

from nexus_tui.domain.runbook import MAX_MINUTES, Runbook, Step, placeholders
from nexus_tui.runbook.fields import Fields, check_keys, ident, number, text
from nexus_tui.runbook.issues import ValidationIssue, did_you_mean
from nexus_tui.runbook.steps import build_step
from nexus_tui.runbook.yamlfile import Collector, compose, kind_name, line_of, mapping, plain, read_text, scalars

RUNBOOK_REQUIRED = ("id", "title", "trigger", "steps")
RUNBOOK_OPTIONAL = ("rto_minutes", "roles", "description", "source", "params")
PARAM_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _roles(node: Node, out: Collector) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        out.add(node, f"roles must be a list of names, got {kind_name(node)}")
        return ()
    roles = []
    for item in node.value:
        if not isinstance(item, ScalarNode) or not str(item.value).strip():
            out.add(item, "roles: each role must be a non-empty name")
        else:
            roles.append(str(item.value).strip())
    return tuple(roles)


def _params(node: Node, out: Collector) -> tuple[dict[str, str], set[str]]:
    """(defaults, every declared name). `name: null` declares a param without a default."""
    fields = mapping(node, "params", out)
    if fields is None:
        return {}, set()
    defaults: dict[str, str] = {}
    for name, (key, value) in fields.items():
        if not PARAM_NAME_RE.match(name):
            out.add(key, f"params: {name!r} is not a valid param name (letters, digits, '_')")
            continue
        if not isinstance(value, ScalarNode):
            out.add(value, f"params: {name} must be a plain value, got {kind_name(value)}")
            continue
        raw = plain(value)
        if raw is not None:
            defaults[name] = str(value.value)
    return defaults, set(fields)


def _check_placeholders(root: Node, params_node: Node | None, declared: set[str], out: Collector) -> None:
    used: set[str] = set()
    for node in scalars(root):
        names = placeholders(str(node.value))
        used |= names
        for name in sorted(names - declared):
            out.add(node, f"unknown param ${{{name}}}: declare it under params{did_you_mean(name, declared)}")
    if params_node is not None:
        for name in sorted(declared - used):
            out.warn(params_node, f"param {name!r} is declared but never used")


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """One runbook file's outcome. `declared_id` is the id the file states even when it has errors, so the
    library can tell that a broken file meant to override (or clash with) another runbook."""

    path: str
    runbook: Runbook | None
    issues: list[ValidationIssue]
    declared_id: str | None = None
    id_line: int | None = None


def parse_runbook(source: str, path: str) -> tuple[Runbook | None, list[ValidationIssue]]:
    """Parse one runbook's YAML text. Returns the runbook (None if any error) and every issue found."""
    loaded = parse_runbook_file(source, path)
    return loaded.runbook, loaded.issues


def parse_runbook_file(source: str, path: str) -> LoadedFile:
    out = Collector(path)
    root = compose(source, out)
    if root is None:
        return LoadedFile(path, None, out.issues)
    fields = mapping(root, "runbook", out)
    if fields is None:
        return LoadedFile(path, None, out.issues)
    declared_id, id_line = _declared_id(fields)
    runbook = _runbook(root, fields, path, out)
    return LoadedFile(path, runbook, _by_line(out.issues), declared_id, id_line)


def _declared_id(fields: Fields) -> tuple[str | None, int | None]:
    if "id" not in fields or not isinstance(fields["id"][1], ScalarNode):
        return None, None
    value = str(fields["id"][1].value).strip()
    return (value or None), line_of(fields["id"][1])


def _runbook(root: Node, fields: Fields, path: str, out: Collector) -> Runbook | None:
    check_keys(fields, root, "runbook", RUNBOOK_REQUIRED, RUNBOOK_OPTIONAL, out)
    rb_id = ident(fields, "runbook", out)
    title = text(fields, "title", "runbook", out)
    trigger = text(fields, "trigger", "runbook", out)
    description = text(fields, "description", "runbook", out) or ""
    src = text(fields, "source", "runbook", out) or ""
    rto = number(fields, "rto_minutes", "runbook", out, strict=True, maximum=MAX_MINUTES)
    roles = _roles(fields["roles"][1], out) if "roles" in fields else ()
    params_node = fields["params"][1] if "params" in fields else None
    defaults, declared = _params(params_node, out) if params_node is not None else ({}, set())
    _check_placeholders(root, params_node, declared, out)

    steps: list[Step] = []
    if "steps" in fields:
        steps = _steps(fields["steps"][1], roles, out)
        if rto is not None and steps:
            total = sum(s.expected_seconds for s in steps) / 60
            if total > rto:
                out.warn(
                    fields["rto_minutes"][1],
                    f"steps add up to {total:g} min, more than rto_minutes {rto:g}",
                )
    if out.has_errors or rb_id is None or title is None or trigger is None:
        return None
    return Runbook(
        id=rb_id,
        title=title,
        trigger=trigger,
        rto_seconds=rto * 60 if rto is not None else None,
        steps=tuple(steps),
        roles=roles,
        description=description,
        source=src,
        params=defaults,
        path=path,
    )


def _by_line(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    return sorted(issues, key=lambda i: i.line or 0)


def _steps(node: Node, roles: tuple[str, ...], out: Collector) -> list[Step]:
    if not isinstance(node, SequenceNode):
        out.add(node, f"steps must be a list of steps, got {kind_name(node)}")
        return []
    if not node.value:
        out.add(node, "steps must list at least one step")
        return []
    steps: list[Step] = []
    first_line: dict[str, int] = {}
    for i, item in enumerate(node.value, start=1):
        step = build_step(item, i, roles, out)
        if step is None:
            continue
        if step.id in first_line:
            out.add(item, f"step {i}: duplicate step id {step.id!r} (first at line {first_line[step.id]})")
            continue
        first_line[step.id] = line_of(item)
        steps.append(step)
    return steps


def load_runbook_file(path: Path) -> tuple[Runbook | None, list[ValidationIssue]]:
    loaded = load_file(path)
    return loaded.runbook, loaded.issues


def load_file(path: Path) -> LoadedFile:
    out = Collector(str(path))
    source = read_text(path, out)
    if source is None:
        return LoadedFile(str(path), None, out.issues)
    return parse_runbook_file(source, str(path))
