"""The SQLite outbox's queries: Slack messages written with their event, claimed by one sender at a time and
settled by it. Each function runs inside a transaction the journal opened (SqliteJournal holds the lock and
translates sqlite3 errors), so a claim and its UPDATEs commit together."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nexus_tui.journal.base import OutboxMessage, OutboxStatus
from nexus_tui.journal.chain import format_at, parse_at

_COLUMNS = (
    "id, incident_id, event_seq, channel, key, kind, payload, status, attempts, next_attempt_at, created_at,"
    " claimed_by, claimed_until, remote_id, last_error"
)


def claim(db: sqlite3.Connection, holder: str, now: datetime, lease_seconds: float, limit: int) -> list[OutboxMessage]:
    now_text = format_at(now)
    until = format_at(datetime.fromtimestamp(now.timestamp() + lease_seconds, tz=now.tzinfo))
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM outbox o WHERE o.status IN ('pending', 'sending')"
        " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)"
        " AND (o.claimed_until IS NULL OR o.claimed_until <= ?)"
        " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.incident_id = o.incident_id AND p.id < o.id"
        "   AND p.status IN ('pending', 'sending'))"
        " ORDER BY o.id LIMIT ?",
        (now_text, now_text, limit),
    ).fetchall()
    for r in rows:
        db.execute(
            "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ? WHERE id = ?",
            (holder, until, r[0]),
        )
    return [_message(r, status="sending", claimed_by=holder, claimed_until=until) for r in rows]


def update(
    db: sqlite3.Connection,
    message_id: int,
    holder: str,
    status: OutboxStatus,
    attempts: int | None,
    next_attempt_at: datetime | None,
    remote_id: str | None,
    error: str | None,
) -> bool:
    # A "sending" record keeps the claim (the holder settles the outcome later); any other status ends it.
    # Holder "*" is an operator's override of an unclaimed message.
    cur = db.execute(
        "UPDATE outbox SET status = ?1, attempts = coalesce(?2, attempts), next_attempt_at = ?3,"
        " remote_id = coalesce(?4, remote_id), last_error = ?5,"
        " claimed_by = CASE WHEN ?1 = 'sending' THEN claimed_by ELSE NULL END,"
        " claimed_until = CASE WHEN ?1 = 'sending' THEN claimed_until ELSE NULL END"
        " WHERE id = ?6 AND (claimed_by = ?7 OR ?7 = '*')",
        (
            status,
            attempts,
            None if next_attempt_at is None else format_at(next_attempt_at),
            remote_id,
            error,
            message_id,
            holder,
        ),
    )
    return cur.rowcount == 1


def listing(db: sqlite3.Connection, incident_id: str | None) -> list[OutboxMessage]:
    if incident_id is None:
        rows = db.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY id").fetchall()
    else:
        rows = db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE incident_id = ? ORDER BY id", (incident_id,)).fetchall()
    return [_message(r) for r in rows]


def _opt_at(text: str | None) -> datetime | None:
    return None if text is None else parse_at(text)


def _message(r: Sequence[Any], **over: Any) -> OutboxMessage:
    fields = {
        "id": r[0],
        "incident_id": r[1],
        "event_seq": r[2],
        "channel": r[3],
        "key": r[4],
        "kind": r[5],
        "payload": json.loads(r[6]),
        "status": r[7],
        "attempts": r[8],
        "next_attempt_at": _opt_at(r[9]),
        "created_at": parse_at(r[10]),
        "claimed_by": r[11],
        "claimed_until": _opt_at(r[12]),
        "remote_id": r[13],
        "last_error": r[14],
    }
    if "claimed_until" in over:
        over["claimed_until"] = _opt_at(over["claimed_until"])
    fields.update(over)
    return OutboxMessage(**fields)
