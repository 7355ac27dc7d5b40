"""Reading the config file: bytes -> text -> TOML data, and the checks of single values. Every problem is a
ConfigError whose str() is one line, `file:line: key: message`."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nexus_tui.config.model import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024


def decode(raw: bytes, path: Path) -> str:
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: file is larger than {MAX_CONFIG_BYTES // 1024} KiB; not a config file?")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib messages end with "(at line N, column M)"; keep it on one line with the file name.
        m = re.search(r"at line (\d+)", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        raise ConfigError(f"{where}: invalid TOML: {str(exc).split(' (at line')[0]}") from None
    except ValueError as exc:  # an integer longer than Python's int/str conversion limit
        raise ConfigError(f"{path}: invalid TOML: {str(exc).splitlines()[0]}") from None


def _header(table: str) -> re.Pattern[str]:
    return re.compile(r"^\s*\[\[?\s*" + re.escape(table).replace(r"\.", r'\s*\.\s*"?') + r'"?\s*\]\]?')


def line_of(text: str, dotted: str, index: int | None = None) -> int | None:
    """Best-effort line of a key: tomllib keeps no positions, so find the table header (the index-th one of
    an array of tables), then the key below it."""
    parts = dotted.split(".")
    lines = text.splitlines()
    key = parts[-1]
    table = ".".join(parts[:-1])
    start = 0
    if table:
        header = _header(table)
        seen = 0
        for i, line in enumerate(lines):
            if header.match(line.replace('"', "").replace("'", "")):
                if index is None or seen == index:
                    start = i
                    break
                seen += 1
    key_re = re.compile(r"""^\s*["']?""" + re.escape(key) + r"""["']?\s*=""")
    for i in range(start, len(lines)):
        if key_re.match(lines[i]):
            return i + 1
        if table and i > start and lines[i].lstrip().startswith("["):
            break  # the next table: the key is not written, the table is the place
    if not table:
        header = _header(key)
        seen = 0
        for i, line in enumerate(lines):
            if header.match(line.replace('"', "").replace("'", "")):
                if index is None or seen == index:
                    return i + 1
                seen += 1
        return None
    return start + 1


def url_problem(value: object) -> str | None:
    """Why `value` is no usable http(s) URL, or None."""
    if not isinstance(value, str):
        return f"must be an http(s) URL, got {shown(value)}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:  # "http://[::1" (unclosed bracket), "http://h:99999" (port out of range)
        return f"{shown(value)} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not value.lower().startswith(f"{parts.scheme}://"):
        return f"must be an http(s) URL, got {shown(value)}"
    if not parts.hostname:
        return f"{shown(value)} has no host name"
    if port == 0:
        return f"{shown(value)}: port 0 is not a port to connect to"
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return f"{shown(value)} contains spaces or control characters"
    return None


def shown(value: object, limit: int = 60) -> str:
    """repr cut short: a message stays one readable line whatever the file holds."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Reader:
    """Walks the parsed TOML, collecting values and raising ConfigError with file:line: key: message."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.text, self.data = path, text, data

    def fail(self, dotted: str, message: str, index: int | None = None) -> ConfigError:
        line = line_of(self.text, dotted, index)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {dotted}: {message}")

    def table(self, dotted: str, allowed: set[str]) -> dict[str, Any]:
        node: Any = self.data
        for part in dotted.split(".") if dotted else []:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if not isinstance(node, dict):
            raise self.fail(dotted, "must be a table")
        for key in node:
            if allowed and key not in allowed:
                full = f"{dotted}.{key}" if dotted else key
                raise self.fail(full, f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return node

    def tables(self, name: str, allowed: set[str]) -> list[dict[str, Any]]:
        """An array of tables ([[name]]); each item is checked for unknown keys."""
        raw = self.data.get(name, [])
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise self.fail(name, f"must be a list of [[{name}]] tables")
        for index, item in enumerate(raw):
            for key in item:
                if key not in allowed:
                    raise self.fail(
                        f"{name}.{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})", index
                    )
        return raw

    def number(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        default: float,
        *,
        maximum: float,
        positive: bool = True,
        index: int | None = None,
    ) -> float:
        """A finite number, > 0 (>= 0 when not `positive`) and <= maximum."""
        value = table.get(key, default)
        dotted = f"{prefix}.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(dotted, f"must be a number, got {shown(value)}", index)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(dotted, f"must be a finite number, got {shown(value)}", index)
        if positive and number <= 0:
            raise self.fail(dotted, f"must be greater than 0, got {shown(value)}", index)
        if number < 0:
            raise self.fail(dotted, f"must not be negative, got {shown(value)}", index)
        if number > maximum:
            raise self.fail(dotted, f"must be at most {maximum:g}, got {shown(value)}", index)
        return number

    def integer(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        default: int,
        *,
        minimum: int,
        maximum: int,
        index: int | None = None,
    ) -> int:
        value = table.get(key, default)
        dotted = f"{prefix}.{key}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(dotted, f"must be a whole number, got {shown(value)}", index)
        if not minimum <= value <= maximum:
            raise self.fail(dotted, f"must be between {minimum} and {maximum}, got {shown(value)}", index)
        return value

    def string(
        self, table: dict[str, Any], prefix: str, key: str, default: str | None, index: int | None = None
    ) -> str | None:
        value = table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{prefix}.{key}", f"must be a string, got {shown(value)}", index)
        if value is not None and "\x00" in value:
            raise self.fail(f"{prefix}.{key}", "must not contain a NUL character", index)
        return value

    def strings(self, table: dict[str, Any], prefix: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v and "\x00" not in v for v in value):
            raise self.fail(f"{prefix}.{key}", f"must be a list of non-empty strings, got {shown(value)}")
        return tuple(value)

    def url(self, value: object, dotted: str, index: int | None = None) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise self.fail(dotted, problem, index)
        assert isinstance(value, str)
        return value
