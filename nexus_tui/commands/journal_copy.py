"""`nexus-tui journal copy --from PATH_OR_URL --to PATH_OR_URL`: move incidents between journal stores, so a team
can start on a SQLite file and move to a shared PostgreSQL (or take a PostgreSQL journal home as a file).

Every incident's chain is verified in the source before copying and in the target after; the events are appended
with the same seq, time, actor and payload, so the target computes the very same hashes (the head hashes of
both sides are compared). An incident already in the target is left alone when identical, completed when the
target holds an earlier part of it (an interrupted copy), and refused when its content differs: nothing is ever
overwritten. Outbox messages are not copied: they belong to the sender working on the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from nexus_tui.domain.text import printable_line
from nexus_tui.journal.base import JournalError, JournalStore, append_recorded


def open_for_copy(target: str, *, source: bool) -> JournalStore:
    """The store named by a path or URL; a source file must exist (copying must never create an empty one)."""
    from nexus_tui.journal.postgres_conninfo import is_postgres_target

    if is_postgres_target(target):
        from nexus_tui.journal.postgres import PostgresJournal

        return PostgresJournal(target)
    from nexus_tui.journal.store import open_store

    path = Path(target).expanduser()
    if source and not path.is_file():
        raise JournalError(f"{path}: no such journal file")
    return open_store(path, read_only=source)


def copy_journal(source: JournalStore, target: JournalStore, *, out: TextIO, err: TextIO) -> int:
    """Copy every incident, oldest first; returns how many were refused or failed (each told on `err`)."""
    failures = 0
    for incident in reversed(source.incident_ids()):
        try:
            ok, line = _copy_incident(source, target, incident)
        except JournalError as exc:
            ok, line = False, f"{incident}: {exc}"
        if ok:
            print(printable_line(line), file=out)
        else:
            failures += 1
            print(f"nexus-tui journal: {printable_line(line)}", file=err)
    return failures


def _copy_incident(source: JournalStore, target: JournalStore, incident: str) -> tuple[bool, str]:
    checked = source.verify(incident)
    if not checked.ok:
        return False, f"{incident}: not copied: the chain in {source.location} is broken ({checked.reason})"
    events = source.events_since(incident, 0)
    present = target.events_since(incident, 0) if target.exists(incident) else []
    for mine, theirs in zip(present, events, strict=False):
        if mine != theirs:
            return False, (
                f"{incident}: not copied: {target.location} already holds a different incident {incident}"
                f" (first difference at seq {mine.seq})"
            )
    if len(present) > len(events):
        return False, f"{incident}: not copied: {target.location} holds more of {incident} than {source.location}"
    if len(present) == len(events):
        return True, f"{incident}: already in {target.location}, identical ({len(events)} events)"
    for event in events[len(present) :]:
        append_recorded(target, event)
    copied = target.verify(incident)
    if not copied.ok:
        return False, f"{incident}: copied, but the chain in {target.location} does not verify ({copied.reason})"
    if checked.head_hash != copied.head_hash:  # same events, same chain: the heads must agree
        return False, f"{incident}: copied, but the head hashes differ between {source.location} and {target.location}"
    resumed = f", {len(present)} were already there" if present else ""
    return True, f"{incident}: copied {len(events) - len(present)} events{resumed}; chain verified on both sides"
