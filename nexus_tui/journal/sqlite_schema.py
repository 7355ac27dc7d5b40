"""The SQLite journal's schema and its migrations (user_version holds the version)."""

from __future__ import annotations

import sqlite3

from nexus_tui.journal.base import JournalError

SCHEMA_VERSION = 2

_EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    aws_identity TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (incident_id, seq)
);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, incident_id);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'journal is append-only: events cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'journal is append-only: events cannot be deleted'); END;
"""

# The outbox is a work queue, not history: its rows change as messages are delivered.
_OUTBOX_V1 = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
"""

_OUTBOX_V2_COLUMNS = (
    "key TEXT NOT NULL DEFAULT ''",
    "kind TEXT NOT NULL DEFAULT 'post'",
    "created_at TEXT NOT NULL DEFAULT ''",
    "claimed_by TEXT",
    "claimed_until TEXT",
    "remote_id TEXT",
    "last_error TEXT",
)
_OUTBOX_V2_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS outbox_key ON outbox (incident_id, key) WHERE key != ''",
    "CREATE INDEX IF NOT EXISTS outbox_by_incident ON outbox (incident_id, id)",
)


def split(script: str) -> list[str]:
    """Statements of a schema script; triggers contain ';' inside BEGIN..END, so split on complete SQL."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]


def migrate(db: sqlite3.Connection, where: str) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"{where}: journal schema v{version} is newer than this nexus-tui (v{SCHEMA_VERSION}); upgrade"
        )
    if version == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated meanwhile
        if version < 1:
            for statement in split(_EVENTS + _OUTBOX_V1):
                db.execute(statement)
        if version < 2:
            for column in _OUTBOX_V2_COLUMNS:
                db.execute(f"ALTER TABLE outbox ADD COLUMN {column}")
            for statement in _OUTBOX_V2_INDEX:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
