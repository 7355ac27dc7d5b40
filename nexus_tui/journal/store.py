"""Choosing a journal store, and the names older code imports from here.

`open_store("postgresql://...")` gives the shared PostgreSQL journal; anything else is a SQLite file path. With
`offline_dir`, a writable shared journal is wrapped in OfflineCapableJournal: when the database becomes
unreachable, the work goes on in a local SQLite file under that directory (one directory per database, named by a
digest of its masked location, so two databases' incidents never mix), to be merged back when it returns."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

from nexus_tui.journal.base import (
    JournalDamaged,
    JournalError,
    JournalReadOnly,
    JournalStore,
    JournalUnavailable,
    SeqConflict,
    VerifyResult,
)
from nexus_tui.journal.chain import GENESIS, canonical, event_hash, format_at, parse_at
from nexus_tui.journal.sqlite import SCHEMA_VERSION, SqliteJournal

Journal = SqliteJournal

__all__ = [
    "GENESIS",
    "SCHEMA_VERSION",
    "Journal",
    "JournalDamaged",
    "JournalError",
    "JournalReadOnly",
    "JournalStore",
    "JournalUnavailable",
    "SeqConflict",
    "SqliteJournal",
    "VerifyResult",
    "canonical",
    "event_hash",
    "format_at",
    "is_url",
    "offline_dir_for",
    "open_store",
    "parse_at",
]


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.split(":", 1)[0].lower() in ("postgresql", "postgres")


def open_store(target: str | Path, *, read_only: bool = False, offline_dir: Path | None = None) -> JournalStore:
    if is_url(target):
        from nexus_tui.journal.postgres import PostgresJournal

        if offline_dir is None or read_only:
            return PostgresJournal(str(target), read_only=read_only)
        from nexus_tui.journal.offline import OfflineCapableJournal

        shared = PostgresJournal(str(target), lazy=True)
        store = OfflineCapableJournal(
            shared, offline_dir_for(offline_dir, shared.location), SqliteJournal, host=socket.gethostname()
        )
        store.recover()  # an offline episode a previous run (or another command) left unmerged
        return store
    return SqliteJournal(Path(target), read_only=read_only)


def offline_dir_for(offline_root: Path, location: str) -> Path:
    """The offline files of one shared database (its location is masked: the digest never covers a password)."""
    return Path(offline_root) / hashlib.sha256(location.encode()).hexdigest()[:12]
