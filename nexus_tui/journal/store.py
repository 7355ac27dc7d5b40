"""The incident journal: one SQLite file, WAL, synchronous=FULL, append-only, hash-chained per incident.

Durability: a confirmed step is on disk before the call returns (synchronous=FULL on every commit), so a
crash, a SIGKILL or a power cut never loses a confirmation the operator saw. Two processes (the TUI and the
headless CLI) share the file: writers take the lock up front (BEGIN IMMEDIATE) and wait up to busy_timeout.
Tampering: every event stores sha256(canonical JSON of the event + previous hash); verify() names the first
seq whose chain breaks. Triggers refuse UPDATE and DELETE so honest code cannot rewrite history by mistake.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nexus_tui.domain.incident import Event

SCHEMA_VERSION = 1
GENESIS = "0" * 64

_SCHEMA = """
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


class JournalError(Exception):
    """The journal cannot be used (unreadable, locked too long, newer schema); str() is one line."""


class SeqConflict(JournalError):
    """Another writer appended to the incident since the caller read it; re-read, re-check, retry."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    incident_id: str
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def format_at(dt: datetime) -> str:
    """Fixed-width UTC with microseconds: sorts as text, and hashes the same on every platform."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_at(text: str) -> datetime:
    # fromisoformat reads the Z suffix (3.11+) and is several times faster than strptime on a long replay.
    return datetime.fromisoformat(text)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    incident_id: str,
    seq: int,
    type_: str,
    at: str,
    actor: str,
    aws_identity: str | None,
    payload_json: str,
    prev_hash: str,
) -> str:
    head = canonical(
        {
            "incident_id": incident_id,
            "seq": seq,
            "type": type_,
            "at": at,
            "actor": actor,
            "aws_identity": aws_identity,
            "payload": payload_json,
        }
    )
    return hashlib.sha256((head + prev_hash).encode("utf-8")).hexdigest()


_COLUMNS = "incident_id, seq, type, at, actor, aws_identity, payload, prev_hash, hash, id"


def _to_event(row: tuple[Any, ...]) -> Event:
    return Event(
        seq=row[1],
        incident_id=row[0],
        type=row[2],
        at=parse_at(row[3]),
        actor=row[4],
        aws_identity=row[5],
        payload=json.loads(row[6]),
    )


class Journal:
    """One connection, safe to share between threads (calls are serialised by a lock)."""

    def __init__(self, path: Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path}: cannot open journal: {exc}") from None
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot open journal: {exc.strerror}") from None
        self._lock = threading.Lock()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"{self.path}: journal schema v{version} is newer than this nexus-tui (v{SCHEMA_VERSION}); upgrade"
            )
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(_SCHEMA):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                raise JournalError(f"{self.path}: {exc}") from None

    # -- writing ------------------------------------------------------------------------------------------

    def append(
        self,
        incident_id: str,
        type_: str,
        payload: Mapping[str, Any],
        *,
        at: datetime,
        actor: str,
        aws_identity: str | None,
        expect_seq: int,
    ) -> Event:
        """Append the event numbered expect_seq + 1. Raises SeqConflict when another writer got there first,
        so the caller re-checks its transition against the fresh state instead of confirming blind."""
        payload_json = canonical(dict(payload))
        at_text = format_at(at)
        with self._locked() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT seq, hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1", (incident_id,)
                ).fetchone()
                last_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
                if last_seq != expect_seq:
                    raise SeqConflict(f"incident {incident_id} moved on (seq {last_seq}, expected {expect_seq})")
                seq = last_seq + 1
                digest = event_hash(incident_id, seq, type_, at_text, actor, aws_identity, payload_json, prev_hash)
                db.execute(
                    "INSERT INTO events (incident_id, seq, type, at, actor, aws_identity, payload, prev_hash, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (incident_id, seq, type_, at_text, actor, aws_identity, payload_json, prev_hash, digest),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Event(seq, incident_id, type_, parse_at(at_text), actor, aws_identity, json.loads(payload_json))

    # -- reading ------------------------------------------------------------------------------------------

    def events(self, incident_id: str) -> list[Event]:
        return self.events_since(incident_id, 0)

    def events_since(self, incident_id: str, seq: int) -> list[Event]:
        with self._locked() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq", (incident_id, seq)
            ).fetchall()
        return [_to_event(r) for r in rows]

    def incident_ids(self) -> list[str]:
        """Every declared incident, newest declaration first."""
        with self._locked() as db:
            rows = db.execute("SELECT incident_id FROM events WHERE type = 'declared' ORDER BY id DESC").fetchall()
        return [r[0] for r in rows]

    def unresolved_ids(self) -> list[str]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT d.incident_id FROM events d WHERE d.type = 'declared' AND NOT EXISTS"
                " (SELECT 1 FROM events r WHERE r.type = 'resolved' AND r.incident_id = d.incident_id)"
                " ORDER BY d.id DESC"
            ).fetchall()
        return [r[0] for r in rows]

    def exists(self, incident_id: str) -> bool:
        with self._locked() as db:
            return (
                db.execute("SELECT 1 FROM events WHERE incident_id = ? LIMIT 1", (incident_id,)).fetchone() is not None
            )

    def change_token(self) -> int:
        """Grows whenever anyone (this or another process) appends; max(rowid) is a B-tree edge lookup."""
        with self._locked() as db:
            return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])

    def data_version(self) -> int:
        """SQLite's own counter: changes when another connection commits anything."""
        with self._locked() as db:
            return int(db.execute("PRAGMA data_version").fetchone()[0])

    # -- integrity ----------------------------------------------------------------------------------------

    def verify(self, incident_id: str) -> VerifyResult:
        with self._locked() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? ORDER BY seq", (incident_id,)
            ).fetchall()
        if not rows:
            return VerifyResult(incident_id, False, 0, None, f"no events for incident {incident_id}")
        prev = GENESIS
        for n, row in enumerate(rows, start=1):
            inc, seq, type_, at, actor, ident, payload, prev_hash, digest = row[:9]
            if seq != n:
                return VerifyResult(incident_id, False, n - 1, n, f"seq {n} is missing (found {seq})")
            if prev_hash != prev:
                return VerifyResult(incident_id, False, n - 1, seq, f"seq {seq}: previous-hash link is broken")
            if event_hash(inc, seq, type_, at, actor, ident, payload, prev_hash) != digest:
                return VerifyResult(incident_id, False, n - 1, seq, f"seq {seq}: content does not match its hash")
            prev = digest
        return VerifyResult(incident_id, True, len(rows))


def _split(script: str) -> list[str]:
    """Statements of the schema script; triggers contain ';' inside BEGIN..END, so split on complete SQL."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]
