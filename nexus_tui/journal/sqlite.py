"""The incident journal in one SQLite file: WAL, synchronous=FULL, append-only, hash-chained per incident.

Durability: a confirmed step is on disk before the call returns (synchronous=FULL on every commit), so a
crash, a SIGKILL or a power cut never loses a confirmation the operator saw. Several processes (the TUI, the
headless CLI, a wall) share the file: writers take the lock up front (BEGIN IMMEDIATE) and wait up to
busy_timeout. Triggers refuse UPDATE and DELETE of events so honest code cannot rewrite history by mistake.

Damage: every sqlite3 error is translated at this edge into the JournalError family with one line that names
the file and what to do (salvage: journal/salvage.py); nothing above sees sqlite3.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from nexus_tui.domain.incident import Event
from nexus_tui.journal import sqlite_outbox
from nexus_tui.journal.base import (
    JournalDamaged,
    JournalError,
    OutboxDraft,
    OutboxMessage,
    OutboxStatus,
    Position,
    SeqConflict,
    VerifyResult,
)
from nexus_tui.journal.chain import GENESIS, StoredRow, canonical, check_chain, event_hash, format_at, parse_at
from nexus_tui.journal.sqlite_errors import translate
from nexus_tui.journal.sqlite_schema import SCHEMA_VERSION, migrate

EVENT_COLUMNS = "incident_id, seq, type, at, actor, aws_identity, payload, prev_hash, hash"

__all__ = ["SCHEMA_VERSION", "SqliteJournal"]


def _row(r: Sequence[Any]) -> StoredRow:
    return StoredRow(*r[:9])


def to_event(row: StoredRow, where: str) -> Event:
    """A stored row as an Event; a row whose text does not parse is damage, named by incident and seq."""
    try:
        payload = json.loads(row.payload)
        if not isinstance(payload, dict):
            raise ValueError("payload is not an object")
        return Event(row.seq, row.incident_id, row.type, parse_at(row.at), row.actor, row.aws_identity, payload)
    except (ValueError, TypeError) as exc:
        raise JournalDamaged(
            f"{where}: incident {row.incident_id} seq {row.seq} is unreadable ({exc}); "
            "`nexus-tui journal salvage` copies what is readable into a new file"
        ) from None


class SqliteJournal:
    """One connection, safe to share between threads (calls are serialised by a lock)."""

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0, read_only: bool = False) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        self._lock = threading.Lock()
        self.damage: str | None = None
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect(read_only)
        except sqlite3.Error as exc:
            if not read_only and self.path.exists() and "readonly" in str(exc).lower().replace("-", ""):
                self.read_only = True  # a read-only file or directory: reading still works
                self._db = self._open_ro()
            else:
                raise translate(exc, self.location, "open") from None
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot open journal: {exc.strerror or exc}") from None
        # Checked once per writable open: writing into a damaged file can spread the damage, so writes are
        # refused (reads still work, and `journal salvage` copies what is sound). A read-only open (the feed's
        # watcher, `journal check`) writes nothing, so it skips this whole-file scan; verify() still runs it.
        if not self.read_only:
            try:
                self.damage = self.integrity(full=True)
            except JournalDamaged as exc:
                self.damage = str(exc)

    def _connect(self, read_only: bool) -> sqlite3.Connection:
        if read_only:
            return self._open_ro()
        db = sqlite3.connect(str(self.path), timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            migrate(db, self.location)
        except BaseException:
            db.close()
            raise
        return db

    def _open_ro(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise JournalError(f"{self.path}: no journal here (it is opened read-only, so it is not created)")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # WAL needs a writable -shm beside the file; immutable=1 reads the main file as it is.
            db.close()
            db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?immutable=1", uri=True, isolation_level=None, check_same_thread=False
            )
        return db

    @property
    def location(self) -> str:
        return str(self.path)

    def close(self) -> None:
        # Under the lock: closing while a worker thread is inside a query crashes the interpreter (seen as a
        # segfault in data_version when a test closed the service under a still-running feed poll).
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _locked(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise translate(exc, self.location, doing) from None

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        if self.damage:
            raise JournalDamaged(
                f"{self.location}: the journal file is damaged ({self.damage}); nothing was written. "
                f"`nexus-tui journal salvage {self.location} NEW` copies every sound event into a new file"
            )
        if self.read_only:
            raise translate(sqlite3.OperationalError("attempt to write a readonly database"), self.location, doing)
        with self._locked(doing) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full) may already have rolled back: a second error would hide the first.
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    # -- events -------------------------------------------------------------------------------------------

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
        outbox: Sequence[OutboxDraft] = (),
    ) -> Event:
        """Append the event numbered expect_seq + 1. Raises SeqConflict when another writer got there first,
        so the caller re-checks its transition against the fresh state instead of confirming blind."""
        try:
            payload_json = canonical(dict(payload))
        except ValueError as exc:
            raise JournalError(f"event {type_} for {incident_id}: {exc}") from None
        at_text = format_at(at)
        with self._write(f"append to {incident_id}") as db:
            row = db.execute(
                "SELECT seq, hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1", (incident_id,)
            ).fetchone()
            last_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
            if last_seq != expect_seq:
                raise SeqConflict(f"incident {incident_id} moved on (seq {last_seq}, expected {expect_seq})")
            seq = last_seq + 1
            digest = event_hash(incident_id, seq, type_, at_text, actor, aws_identity, payload_json, prev_hash)
            db.execute(
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (incident_id, seq, type_, at_text, actor, aws_identity, payload_json, prev_hash, digest),
            )
            for msg in outbox:
                db.execute(
                    "INSERT INTO outbox (incident_id, event_seq, channel, key, kind, payload, status, attempts,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
                    (incident_id, seq, msg.channel, msg.key, msg.kind, canonical(dict(msg.payload)), at_text),
                )
        return Event(seq, incident_id, type_, parse_at(at_text), actor, aws_identity, json.loads(payload_json))

    def rows(self, incident_id: str, since_seq: int = 0) -> list[StoredRow]:
        with self._locked(f"read {incident_id}") as db:
            rows = db.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq",
                (incident_id, since_seq),
            ).fetchall()
        return [_row(r) for r in rows]

    def events(self, incident_id: str) -> list[Event]:
        return self.events_since(incident_id, 0)

    def events_since(self, incident_id: str, seq: int) -> list[Event]:
        return [to_event(r, self.location) for r in self.rows(incident_id, seq)]

    def incident_ids(self) -> list[str]:
        with self._locked("list incidents") as db:
            rows = db.execute("SELECT incident_id FROM events WHERE type = 'declared' ORDER BY id DESC").fetchall()
        return [r[0] for r in rows]

    def unresolved_ids(self) -> list[str]:
        with self._locked("list incidents") as db:
            rows = db.execute(
                "SELECT d.incident_id FROM events d WHERE d.type = 'declared' AND NOT EXISTS"
                " (SELECT 1 FROM events r WHERE r.type = 'resolved' AND r.incident_id = d.incident_id)"
                " ORDER BY d.id DESC"
            ).fetchall()
        return [r[0] for r in rows]

    def exists(self, incident_id: str) -> bool:
        with self._locked(f"read {incident_id}") as db:
            return (
                db.execute("SELECT 1 FROM events WHERE incident_id = ? LIMIT 1", (incident_id,)).fetchone() is not None
            )

    def heads(self) -> dict[str, int]:
        with self._locked("read heads") as db:
            rows = db.execute("SELECT incident_id, max(seq) FROM events GROUP BY incident_id").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def data_version(self) -> int:
        """SQLite's own counter: changes when another connection commits anything."""
        with self._locked("poll") as db:
            return int(db.execute("PRAGMA data_version").fetchone()[0])

    # -- integrity ----------------------------------------------------------------------------------------

    def integrity(self, *, full: bool = False) -> str | None:
        """PRAGMA quick_check (or the slower integrity_check, which also matches indexes to rows) of the whole
        file: None when sound, else its first complaints."""
        pragma = "integrity_check" if full else "quick_check"
        with self._locked("check integrity") as db:
            rows = db.execute(f"PRAGMA {pragma}(5)").fetchall()
        problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        return "; ".join(problems) if problems else None

    def verify(self, incident_id: str) -> VerifyResult:
        try:
            integrity = self.integrity(full=True)
        except JournalDamaged as exc:
            integrity = str(exc)
        try:
            rows = self.rows(incident_id)
        except JournalDamaged as exc:
            return VerifyResult(incident_id, False, 0, None, str(exc), integrity)
        if not rows:
            return VerifyResult(incident_id, False, 0, None, f"no events for incident {incident_id}", integrity)
        check = check_chain(rows)
        return VerifyResult(
            incident_id, check.ok, check.checked, check.first_bad_seq, check.reason, integrity, check.head_hash
        )

    # -- change feed --------------------------------------------------------------------------------------

    async def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[list[Event]]:
        """New events from any writer. A separate read connection watches PRAGMA data_version (it changes when
        any other connection, this process's writer included, commits); on a change, each incident's events
        past the known seq are read. Positions are per-incident seqs, so the order in which rowids commit does
        not matter."""
        position = dict(await asyncio.to_thread(self.heads) if since is None else since)
        watcher = await asyncio.to_thread(SqliteJournal, self.path, busy_timeout=self.busy_timeout, read_only=True)
        seen: int | None = None
        try:
            while True:
                version = await asyncio.to_thread(watcher.data_version)
                if version != seen:
                    seen = version
                    batch = await asyncio.to_thread(watcher.new_events, position)
                    if batch:
                        yield batch
                await asyncio.sleep(interval)
        finally:
            watcher.close()

    def new_events(self, position: dict[str, int]) -> list[Event]:
        """Events past `position` (which is advanced), incident by incident."""
        out: list[Event] = []
        for incident_id, head in self.heads().items():
            known = position.get(incident_id, 0)
            if head > known:
                events = self.events_since(incident_id, known)
                out.extend(events)
                if events:
                    position[incident_id] = events[-1].seq
        return out

    # -- outbox -------------------------------------------------------------------------------------------

    def outbox_claim(self, holder: str, now: datetime, lease_seconds: float, limit: int = 10) -> list[OutboxMessage]:
        with self._write("claim outbox messages") as db:
            return sqlite_outbox.claim(db, holder, now, lease_seconds, limit)

    def outbox_update(
        self,
        message_id: int,
        holder: str,
        *,
        status: OutboxStatus,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
        remote_id: str | None = None,
        error: str | None = None,
    ) -> bool:
        with self._write("update outbox") as db:
            return sqlite_outbox.update(db, message_id, holder, status, attempts, next_attempt_at, remote_id, error)

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]:
        with self._locked("read outbox") as db:
            return sqlite_outbox.listing(db, incident_id)
