"""Reading a YAML file into PyYAML nodes, which keep their line numbers, and reporting what goes wrong as
ValidationIssues instead of exceptions: unreadable or oversized file, not UTF-8, tabs, bad syntax, duplicate
keys, and node graphs that are unsafe to walk (aliases that contain themselves, alias bombs, deep nesting)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nexus_tui.runbook.issues import Severity, ValidationIssue

_SCALAR_TYPES = {
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:null": "null",
}

MAX_FILE_BYTES = 256 * 1024  # the largest shipped runbook is ~10 KiB
MAX_DEPTH = 64  # the composer and the walkers below recurse once per level
MAX_NODES = 50_000  # values once aliases are expanded; a real runbook has a few hundred


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing while it composes (before anything walks or expands the graph) what
    would make the node graph unsafe to walk: an alias inside its own anchor (a cycle: endless recursion),
    more than MAX_NODES values once aliases are expanded (an alias bomb is tiny on disk, exponential when
    walked) and nesting deeper than MAX_DEPTH. Ordinary aliases to finished anchors still work."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open_anchors: set[str] = set()
        self._depth = 0
        self._expanded: dict[int, int] = {}  # id(collection node) -> values under it, aliases expanded

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open_anchors:
                raise ComposerError(
                    None,
                    None,
                    f"alias *{event.anchor} is inside its own anchor (a value that contains itself)",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        event = self.peek_event()
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)
        if isinstance(node, SequenceNode | MappingNode):
            children = node.value if isinstance(node, SequenceNode) else [n for kv in node.value for n in kv]
            size = 1 + sum(self._expanded.get(id(n), 1) for n in children)
            if size > MAX_NODES:
                raise ComposerError(
                    None,
                    None,
                    f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)",
                    node.start_mark,
                )
            self._expanded[id(node)] = size
        return node


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


class Collector:
    """Collects the issues of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[ValidationIssue] = []

    def add(self, where: Node | int | None, message: str, severity: Severity = "error") -> None:
        line = line_of(where) if isinstance(where, Node) else where
        self.issues.append(ValidationIssue(self.path, line, message, severity))

    def warn(self, where: Node | int | None, message: str) -> None:
        self.add(where, message, "warning")

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)


def read_text(path: Path, out: Collector) -> str | None:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        out.add(None, f"cannot read file: {exc.strerror or exc}")
        return None
    if len(raw) > MAX_FILE_BYTES:
        out.add(None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB; a runbook file must be smaller (split it)")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        out.add(line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
        return None
    return text


def _tab_lines(text: str) -> list[int]:
    found = []
    for n, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            found.append(n)
    return found


def compose(text: str, out: Collector) -> Node | None:
    """The document's root node, or None after reporting why there is none."""
    tabs = _tab_lines(text)
    if tabs:
        for n in tabs:
            out.add(n, "tab character in indentation (YAML indents with spaces)")
        return None
    try:
        root = yaml.compose(text, Loader=_BoundedLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark else None
        problem = exc.problem or exc.context or "syntax error"
        context = ""
        if exc.context and exc.problem:
            started = f" started at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            context = f" ({exc.context}{started})"
        last = max(1, len(text.splitlines()))
        if line is not None and line > last:
            # "unexpected end of stream" points past the last line; the construct that is open is the news.
            line = int(exc.context_mark.line) + 1 if exc.context_mark else last
        out.add(line, f"invalid YAML: {problem}{context}")
        return None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character): its str() spans two lines.
        line = text.count("\n", 0, exc.position) + 1
        out.add(line, f"invalid YAML: character {chr(exc.character)!r} is not allowed ({exc.reason})")
        return None
    except yaml.YAMLError as exc:
        out.add(None, f"invalid YAML: {' '.join(str(exc).split())}")
        return None
    if root is None:
        out.add(1, "empty file: expected a runbook (a mapping with id, title, trigger, steps)")
    return root


def kind_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _SCALAR_TYPES.get(node.tag, "a string")


def mapping(node: Node, what: str, out: Collector) -> dict[str, tuple[ScalarNode, Node]] | None:
    """key -> (key node, value node); reports a non-mapping, non-string keys and duplicate keys."""
    if not isinstance(node, MappingNode):
        out.add(node, f"{what} must be a mapping, got {kind_name(node)}")
        return None
    result: dict[str, tuple[ScalarNode, Node]] = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            out.add(key, f"{what}: keys must be plain names")
            continue
        name = str(key.value)
        if name in result:
            out.add(key, f"{what}: duplicate key {name!r} (first at line {line_of(result[name][0])})")
            continue
        result[name] = (key, value)
    return result


def plain(node: Node) -> Any:
    """The Python value of a node. Timestamps and anything unusual stay strings: runbook values are names,
    times and numbers, and a restore time must reach AWS exactly as written."""
    if isinstance(node, ScalarNode):
        if node.tag in _SCALAR_TYPES:
            try:
                # A fresh constructor each time: one kept around caches every node it ever saw.
                return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError):
                # ValueError: an integer longer than Python's int/str conversion limit.
                return str(node.value)
        return str(node.value)
    if isinstance(node, SequenceNode):
        return [plain(n) for n in node.value]
    if isinstance(node, MappingNode):
        return {str(plain(k)): plain(v) for k, v in node.value}
    return None


def scalars(node: Node) -> Iterator[ScalarNode]:
    """Every string scalar under a node (for placeholder checks), with its node."""
    if isinstance(node, ScalarNode):
        if node.tag not in _SCALAR_TYPES:
            yield node
    elif isinstance(node, SequenceNode):
        for n in node.value:
            yield from scalars(n)
    elif isinstance(node, MappingNode):
        for _, v in node.value:
            yield from scalars(v)
