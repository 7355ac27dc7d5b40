"""Runbook <-> plain JSON data. An incident stores the resolved runbook it was declared with, so replaying it
later gives the same steps even if the YAML file has changed since (or is gone)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from nexus_tui.domain.runbook import AwsAction, HttpCheck, Precondition, Runbook, SlackPost, Step


def runbook_to_data(runbook: Runbook) -> dict[str, Any]:
    return {
        "id": runbook.id,
        "title": runbook.title,
        "trigger": runbook.trigger,
        "rto_seconds": runbook.rto_seconds,
        "roles": list(runbook.roles),
        "description": runbook.description,
        "source": runbook.source,
        "params": dict(runbook.params),
        "path": runbook.path,
        "steps": [_step_to_data(s) for s in runbook.steps],
    }


def _step_to_data(step: Step) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": step.id,
        "title": step.title,
        "kind": step.kind,
        "expected_seconds": step.expected_seconds,
        "description": step.description,
        "owner": step.owner,
        "destructive": step.destructive,
        "command": step.command,
        "confirm": step.confirm,
        "line": step.line,
        "action": None
        if step.action is None
        else {"name": step.action.name, "region": step.action.region, "params": dict(step.action.params)},
        "http": None
        if step.http is None
        else {
            "url": step.http.url,
            "expected_status": step.http.expected_status,
            "timeout_seconds": step.http.timeout_seconds,
            "retry_interval_seconds": step.http.retry_interval_seconds,
        },
        "preconditions": [
            {"check": p.check, "args": dict(p.args), "description": p.description} for p in step.preconditions
        ],
    }
    if step.slack is not None:
        # Only when present: the digest of a runbook without slack steps stays what older versions wrote.
        data["slack"] = {"channel": step.slack.channel, "message": step.slack.message}
    return data


def runbook_from_data(data: Mapping[str, Any]) -> Runbook:
    return Runbook(
        id=data["id"],
        title=data["title"],
        trigger=data.get("trigger", ""),
        rto_seconds=data.get("rto_seconds"),
        steps=tuple(_step_from_data(s) for s in data["steps"]),
        roles=tuple(data.get("roles", ())),
        description=data.get("description", ""),
        source=data.get("source", ""),
        params=dict(data.get("params", {})),
        path=data.get("path"),
    )


def _step_from_data(d: Mapping[str, Any]) -> Step:
    action = d.get("action")
    http = d.get("http")
    slack = d.get("slack")
    return Step(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        expected_seconds=float(d["expected_seconds"]),
        description=d.get("description", ""),
        owner=d.get("owner"),
        destructive=bool(d.get("destructive", False)),
        command=d.get("command"),
        confirm=d.get("confirm"),
        line=d.get("line"),
        action=None if action is None else AwsAction(action["name"], action.get("region"), dict(action["params"])),
        http=None if http is None else HttpCheck(**http),
        preconditions=tuple(
            Precondition(p["check"], dict(p.get("args", {})), p.get("description", ""))
            for p in d.get("preconditions", ())
        ),
        slack=None
        if not isinstance(slack, Mapping)
        else SlackPost(str(slack.get("message", "")), str(slack.get("channel") or "stakeholder")),
    )


def runbook_digest(runbook: Runbook) -> str:
    """sha256 of the canonical JSON form; names the exact runbook content an incident ran."""
    text = json.dumps(runbook_to_data(runbook), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
