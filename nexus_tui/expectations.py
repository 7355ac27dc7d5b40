"""The plan's expectations from the config file's `[expect]` table (defaults: seed 000, see domain/plan.py).

    [expect]
    backup_retention_days = 35          # false: not checked
    backup_window = "03:00-04:00"
    versioning = true                   # source and destination buckets
    mfa_delete = ["source"]             # "source" = every replication source; or bucket-name patterns
    replicate_whole_bucket = true
    noncurrent_transition_days = 30
    noncurrent_transition_class = "GLACIER"
    noncurrent_expiration_days = 365
    manual_snapshots_copied = true
    kms_at_rest = true

    [[expect.alarm]]                    # any of these replaces the default alarm list
    name = "RDS replication lag"
    applies_to = "rds-replica"          # rds-replica / rds-primary / s3-rule
    namespace = "AWS/RDS"
    metric = "ReplicaLag"
    comparison = ">"                    # > / < / changes
    threshold = 60

Read from the same TOML file as config.py (kept apart so the two can change independently); a mistake is a
ConfigError naming the file, line and key.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, get_args

from nexus_tui.config import AppConfig, ConfigError
from nexus_tui.config.reader import line_of as _line_of
from nexus_tui.domain.plan import AlarmRule, AppliesTo, Comparison, Plan

_INT_OR_OFF = ("backup_retention_days", "noncurrent_transition_days", "noncurrent_expiration_days")
_TEXT_OR_OFF = ("backup_window", "noncurrent_transition_class")
_FLAGS = ("versioning", "replicate_whole_bucket", "manual_snapshots_copied", "kms_at_rest")


def load_plan(config: AppConfig) -> Plan:
    path: Path | None = getattr(config, "path", None)
    if path is None:
        return Plan()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError):
        return Plan()  # config.py has already reported an unreadable file
    return parse_plan(data.get("expect"), path, text)


def plan_or_error(config: AppConfig) -> tuple[Plan, str | None]:
    """For a front end that keeps running on a bad [expect] table: the defaults and the one-line error."""
    try:
        return load_plan(config), None
    except ConfigError as exc:
        return Plan(), str(exc)


def parse_plan(table: Any, path: Path, text: str) -> Plan:
    def fail(key: str, message: str) -> ConfigError:
        line = _line_of(text, key)
        return ConfigError(f"{path}:{line}: {key}: {message}" if line else f"{path}: {key}: {message}")

    if table is None:
        return Plan()
    if not isinstance(table, dict):
        raise fail("expect", "must be a table ([expect])")
    known = {f.name for f in fields(Plan)} - {"alarms"} | {"alarm"}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        full = f"expect.{key}"
        if key not in known:
            raise fail(full, f"unknown key (expected one of: {', '.join(sorted(known))})")
        if key in _INT_OR_OFF:
            if value is False:
                changes[key] = None
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                changes[key] = value
            else:
                raise fail(full, f"must be a whole number of days or false, got {value!r}")
        elif key in _TEXT_OR_OFF:
            if value is False:
                changes[key] = None
            elif isinstance(value, str) and value:
                changes[key] = value
            else:
                raise fail(full, f"must be a string or false, got {value!r}")
        elif key in _FLAGS:
            if not isinstance(value, bool):
                raise fail(full, f"must be true or false, got {value!r}")
            changes[key] = value
        elif key == "mfa_delete":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(full, 'must be a list of bucket-name patterns or "source"')
            changes[key] = tuple(value)
        elif key == "alarm":
            changes["alarms"] = _alarms(value, fail)
    return replace(Plan(), **changes)


def _alarms(items: Any, fail: Any) -> tuple[AlarmRule, ...]:
    if not isinstance(items, list):
        raise fail("expect.alarm", "must be an array of tables ([[expect.alarm]])")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise fail("expect.alarm", "must be an array of tables ([[expect.alarm]])")
        for key in ("name", "applies_to", "namespace", "metric", "comparison"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise fail(f"expect.alarm.{key}", "is required (a string)")
        unknown = set(item) - {"name", "applies_to", "namespace", "metric", "comparison", "threshold", "for_seconds"}
        if unknown:
            raise fail(f"expect.alarm.{sorted(unknown)[0]}", "unknown key")
        if item["applies_to"] not in get_args(AppliesTo):
            raise fail("expect.alarm.applies_to", f"must be one of {', '.join(get_args(AppliesTo))}")
        if item["comparison"] not in get_args(Comparison):
            raise fail("expect.alarm.comparison", f"must be one of {', '.join(get_args(Comparison))}")
        threshold = item.get("threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)):
            raise fail("expect.alarm.threshold", f"must be a number, got {threshold!r}")
        if threshold is None and item["comparison"] != "changes":
            raise fail("expect.alarm.threshold", 'is required unless comparison is "changes"')
        out.append(
            AlarmRule(
                name=item["name"],
                applies_to=item["applies_to"],
                namespace=item["namespace"],
                metric=item["metric"],
                comparison=item["comparison"],
                threshold=float(threshold) if threshold is not None else None,
                for_seconds=item.get("for_seconds"),
            )
        )
    return tuple(out)
