"""The [[drill]] tables (the drill calendar) and the [platform] table (the platform's drill API).

A [[drill]] whose name is one of the seeds' drills (domain/drill_calendar.py SEED_DRILLS) changes the keys it
gives and keeps the rest; `disabled = true` drops it; any other name adds a drill (then `frequency` is needed).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time
from typing import Any

from nexus_tui.config.model import MAX_TIMEOUT_SECONDS, PlatformConfig
from nexus_tui.config.reader import Reader, shown
from nexus_tui.domain.drill_calendar import SEED_DRILLS, DrillEntry, FrequencyError, parse_frequency

DRILL_KEYS = frozenset(
    {"name", "title", "frequency", "owner", "scenarios", "runbooks", "platform_runbooks", "anchor", "disabled"}
)
PLATFORM_KEYS = frozenset({"base_url", "cookie_env", "cookie_name", "timeout_seconds"})
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COOKIE_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 6265 cookie-name (a token)


def drills(r: Reader) -> tuple[DrillEntry, ...]:
    entries = {e.name: e for e in SEED_DRILLS}
    seen: set[str] = set()
    for i, item in enumerate(r.tables("drill", set(DRILL_KEYS))):
        name = (r.string(item, "drill", "name", None, i) or "").strip()
        if not name:
            raise r.fail("drill.name", "missing: each [[drill]] needs a name (a seed drill's to change it)", i)
        if not _NAME_RE.match(name):
            raise r.fail("drill.name", f"{shown(name)} is not a name (letters, digits, '-', '_', '.')", i)
        if name in seen:
            raise r.fail("drill.name", f"{name!r} is given by two [[drill]] tables", i)
        seen.add(name)
        disabled = item.get("disabled", False)
        if not isinstance(disabled, bool):
            raise r.fail("drill.disabled", f"must be true or false, got {shown(disabled)}", i)
        if disabled:
            entries.pop(name, None)
            continue
        base = entries.get(name)
        if base is None and "frequency" not in item:
            raise r.fail("drill.frequency", f"missing: the new drill {name!r} needs a frequency", i)
        changes: dict[str, Any] = {"source": f"{r.path} [[drill]] {name}"}
        if "frequency" in item:
            frequency = r.string(item, "drill", "frequency", None, i) or ""
            try:
                parse_frequency(frequency)
            except FrequencyError as exc:
                raise r.fail("drill.frequency", str(exc), i) from None
            changes["frequency"] = frequency.strip()
        for key in ("title", "owner"):
            if key in item:
                value = (r.string(item, "drill", key, None, i) or "").strip()
                if not value:
                    raise r.fail(f"drill.{key}", "must be a non-empty string", i)
                changes[key] = value
        for key in ("scenarios", "runbooks", "platform_runbooks"):
            if key in item:
                changes[key] = _ids(r, item, key, i)
        if "anchor" in item:
            changes["anchor"] = _anchor(r, item["anchor"], i)
        if base is None:
            base = DrillEntry(name=name, title=name, frequency="", owner="unassigned")
        entries[name] = dataclasses.replace(base, **changes)
    return tuple(entries.values())


def _ids(r: Reader, item: dict[str, Any], key: str, i: int) -> tuple[str, ...]:
    value = item[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and _NAME_RE.match(v) for v in value):
        raise r.fail(f"drill.{key}", f"must be a list of ids (letters, digits, '-', '_', '.'), got {shown(value)}", i)
    return tuple(value)


def _anchor(r: Reader, value: object, i: int) -> datetime:
    """A TOML date (midnight UTC) or an offset date-time. A local date-time is refused: whose midnight?"""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise r.fail("drill.anchor", "give a UTC offset (2026-01-05T09:00:00Z) or just a date (2026-01-05)", i)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise r.fail("drill.anchor", f"must be a TOML date such as 2026-01-05 (not quoted), got {shown(value)}", i)


def platform(r: Reader) -> PlatformConfig:
    t = r.data.get("platform", {})
    if isinstance(t, dict) and "cookie" in t:
        # Never echo it: a value put here is the secret itself.
        raise r.fail(
            "platform.cookie", "the session cookie is a secret: set it in the environment (see cookie_env), not here"
        )
    t = r.table("platform", set(PLATFORM_KEYS))
    d = PlatformConfig()
    base_url = r.string(t, "platform", "base_url", None)
    if base_url is not None:
        base_url = r.url(base_url, "platform.base_url").rstrip("/")
    cookie_env = r.string(t, "platform", "cookie_env", d.cookie_env) or ""
    if not _ENV_RE.match(cookie_env):
        raise r.fail("platform.cookie_env", f"{shown(cookie_env)} is not an environment variable name")
    cookie_name = r.string(t, "platform", "cookie_name", d.cookie_name) or ""
    if not _COOKIE_NAME_RE.match(cookie_name):
        raise r.fail("platform.cookie_name", f"{shown(cookie_name)} is not a cookie name")
    return PlatformConfig(
        base_url=base_url,
        cookie_env=cookie_env,
        cookie_name=cookie_name,
        timeout_seconds=r.number(t, "platform", "timeout_seconds", d.timeout_seconds, maximum=MAX_TIMEOUT_SECONDS),
    )
