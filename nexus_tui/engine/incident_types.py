"""What the incident service hands out (a view with its timers, a one-line summary) and the small helpers it
leans on: the incident id, the OS user, and running the async STS lookup from synchronous code."""

from __future__ import annotations

import asyncio
import concurrent.futures
import getpass
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from nexus_tui.domain.escalation import Escalation
from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.rto import Timers


def random_incident_id(now: datetime) -> str:
    return f"INC-{now:%Y%m%d-%H%M}-{secrets.token_hex(2)}"


@dataclass(frozen=True, slots=True)
class IncidentView:
    state: IncidentState
    timers: Timers
    escalation: Escalation


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    id: str
    runbook_id: str
    runbook_title: str
    severity: str
    ic: str
    drill: bool
    declared_at: datetime
    resolved_at: datetime | None
    steps_done: int
    steps_total: int
    current_step_id: str | None


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def summarize(s: IncidentState) -> IncidentSummary:
    cur = s.current_step
    return IncidentSummary(
        id=s.id,
        runbook_id=s.runbook.id,
        runbook_title=s.runbook.title,
        severity=s.severity,
        ic=s.ic,
        drill=s.drill,
        declared_at=s.declared_at,
        resolved_at=s.resolved_at,
        steps_done=s.done_count,
        steps_total=len(s.steps),
        current_step_id=None if cur is None or s.resolved else cur.id,
    )


def run_sync(identity: Callable[[], Awaitable[str | None]]) -> str | None:
    """Run the async identity lookup from sync code. Inside a running event loop (the TUI's thread) it goes to
    a helper thread, because asyncio.run cannot nest."""

    async def call() -> str | None:
        return await identity()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            return asyncio.run(call())
        except Exception:
            return None
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(asyncio.run, call()).result(timeout=15)
        except Exception:
            return None
