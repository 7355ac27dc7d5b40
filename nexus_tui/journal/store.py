"""Choosing a journal store, and the names older code imports from here.

`open_store("postgresql://...")` gives the shared PostgreSQL journal; anything else is a SQLite file path."""

from __future__ import annotations

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
    "open_store",
    "parse_at",
]


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.split(":", 1)[0].lower() in ("postgresql", "postgres")


def open_store(target: str | Path, *, read_only: bool = False) -> JournalStore:
    if is_url(target):
        raise JournalError("a PostgreSQL journal URL was given, but this build has no PostgreSQL store yet")
    return SqliteJournal(Path(target), read_only=read_only)
