"""Rows of the PostgreSQL journal to domain objects, and the chain check over them (shared by the store and
the follower, so both read a row the same way)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import OutboxMessage, VerifyResult
from nexus_tui.journal.chain import StoredRow, check_chain, parse_at

EVENT_COLUMNS = "incident_id, seq, type, at, actor, aws_identity, payload, prev_hash, hash, id"
# The last seq of every incident without reading every event: a skip scan down the (incident_id, seq) unique
# index (one index probe per incident for the next id, one for its max seq), where GROUP BY reads all rows.
# PostgreSQL 16 has no skip scan of its own; this is the "loose index scan" of the PostgreSQL wiki.
HEADS_QUERY = (
    "WITH RECURSIVE ids(incident_id) AS ("
    " (SELECT incident_id FROM journal_events ORDER BY incident_id LIMIT 1)"
    " UNION ALL SELECT (SELECT e.incident_id FROM journal_events e WHERE e.incident_id > ids.incident_id"
    "  ORDER BY e.incident_id LIMIT 1) FROM ids WHERE ids.incident_id IS NOT NULL)"
    " SELECT incident_id, (SELECT e.seq FROM journal_events e WHERE e.incident_id = ids.incident_id"
    "  ORDER BY e.seq DESC LIMIT 1) FROM ids WHERE incident_id IS NOT NULL"
)
OUTBOX_COLUMNS = (
    "id, incident_id, event_seq, channel, key, kind, payload, status, attempts, next_attempt_at, created_at,"
    " claimed_by, claimed_until, remote_id, last_error"
)


def to_event(row: Sequence[Any]) -> Event:
    return Event(
        seq=row[1],
        incident_id=row[0],
        type=row[2],
        at=parse_at(row[3]),
        actor=row[4],
        aws_identity=row[5],
        payload=json.loads(row[6]),
    )


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def to_outbox(row: Sequence[Any]) -> OutboxMessage:
    created = _utc(row[10])
    assert created is not None  # NOT NULL column
    return OutboxMessage(
        id=row[0],
        incident_id=row[1],
        event_seq=row[2],
        channel=row[3],
        key=row[4],
        kind=row[5],
        payload=row[6],
        status=row[7],
        attempts=row[8],
        next_attempt_at=_utc(row[9]),
        created_at=created,
        claimed_by=row[11],
        claimed_until=_utc(row[12]),
        remote_id=row[13],
        last_error=row[14],
    )


def verify_rows(incident_id: str, rows: Sequence[Sequence[Any]], integrity: str | None) -> VerifyResult:
    """The chain walk every store shares (journal/chain.py), plus the database's own rules (`integrity`)."""
    check = check_chain(StoredRow(*r[:9]) for r in rows)
    reason = check.reason if rows else f"no events for incident {incident_id}"
    return VerifyResult(
        incident_id,
        check.ok and integrity is None,
        check.checked,
        check.first_bad_seq,
        reason or integrity or "",
        integrity,
        check.head_hash,
    )
