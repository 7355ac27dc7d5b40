"""What this machine has read of the shared journal, kept on disk, so a process that starts while the database is
unreachable (a CLI command, a restarted TUI) can still continue an incident it had read before.

The copy is a local SQLite journal of its own (`seen.sqlite3` beside the offline files): the shared events with
the same seqs and content, hence the same hash chain. It is a cache: a write that fails (disk full, a damaged
file) is passed over, and the in-memory copy stays the authority for this process. `LocalStore` is what the
offline continuation needs of a local SQLite journal, this copy's and the offline files'.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import Appends, JournalError, OutboxMessage, append_recorded

SEEN_FILE = "seen.sqlite3"


class LocalStore(Appends, Protocol):
    """What the offline continuation needs of the local SQLite journal."""

    def events_since(self, incident_id: str, seq: int) -> list[Event]: ...

    def incident_ids(self) -> list[str]: ...

    def unresolved_ids(self) -> list[str]: ...

    def heads(self) -> dict[str, int]: ...

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]: ...

    def close(self) -> None: ...


class SeenEvents:
    """The shared events read so far, per incident from seq 1: in memory, and in a local file across runs."""

    def __init__(self, directory: Path, open_local: Callable[[Path], LocalStore]) -> None:
        self._path = directory / SEEN_FILE
        self._open_local = open_local
        self._file: LocalStore | None = None
        self._file_heads: dict[str, int] | None = None
        self._memory: dict[str, list[Event]] = {}

    def _open(self) -> LocalStore | None:
        if self._file is None:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self._open_local(self._path)
                self._file_heads = self._file.heads()
            except (JournalError, OSError):
                return None
        return self._file

    def read_here(self, incident_id: str) -> list[Event]:
        """What this process has read of the incident from the shared store (the file plays no part: online, the
        shared store is the authority and is read from seq 1 first)."""
        return self._memory.get(incident_id, [])

    def get(self, incident_id: str) -> list[Event]:
        """The incident as last read on this machine, for going on offline: this process's reads, or else the
        file's copy of what earlier processes read."""
        known = self._memory.get(incident_id)
        if known:
            return known
        if self._path.exists() and (store := self._open()) is not None:
            with contextlib.suppress(JournalError):  # a cache: unreadable is the same as empty
                return store.events_since(incident_id, 0)
        return []

    def remember(self, incident_id: str, events: Sequence[Event]) -> None:
        known = self._memory.setdefault(incident_id, [])
        for event in events:
            if event.seq == len(known) + 1:
                known.append(event)
        self._write(incident_id, known)

    def _write(self, incident_id: str, known: Sequence[Event]) -> None:
        store = self._open()
        if store is None or self._file_heads is None:
            return
        head = self._file_heads.get(incident_id, 0)
        try:
            for event in known[head:]:
                append_recorded(store, event)
                self._file_heads[incident_id] = event.seq
        except JournalError:
            try:
                self._file_heads = store.heads()
            except JournalError:
                self._file_heads = None

    def forget(self, incident_id: str) -> None:
        """After a merge: this process reads the incident afresh (the file keeps its common past)."""
        self._memory.pop(incident_id, None)

    def heads(self) -> dict[str, int]:
        heads = dict(self._file_heads or {}) if self._open() is not None else {}
        heads.update({i: len(e) for i, e in self._memory.items() if e})
        return heads

    def incident_ids(self) -> list[str]:
        store = self._open()
        ids = store.incident_ids() if store is not None else []
        return ids + [i for i in self._memory if i not in ids]

    def unresolved_ids(self) -> list[str]:
        store = self._open()
        return store.unresolved_ids() if store is not None else []

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
