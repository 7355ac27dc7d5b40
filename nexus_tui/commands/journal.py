"""`nexus-tui journal copy --from PATH_OR_URL --to PATH_OR_URL`: move incidents between journal stores, so a team
can start on a SQLite file and move to a shared PostgreSQL (or take a PostgreSQL journal home as a file).

Every incident's chain is verified in the source before copying and in the target after; the events are appended
with the same seq, time, actor and payload, so the target computes the very same hashes (the head hashes of
both sides are compared). An incident already in the target is left alone when identical, completed when the
target holds an earlier part of it (an interrupted copy), and refused when its content differs: nothing is ever
overwritten. Outbox messages are not copied: they belong to the sender working on the source.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nexus_tui.domain.incident import Event
from nexus_tui.journal.base import JournalError


class Checked(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def reason(self) -> str: ...


class CopyStore(Protocol):
    """What copying needs of a store (every JournalStore has it)."""

    def close(self) -> None: ...

    def append(
        self,
        incident_id: str,
        type_: str,
        payload: Any,
        *,
        at: Any,
        actor: str,
        aws_identity: str | None,
        expect_seq: int,
    ) -> Event: ...

    def events_since(self, incident_id: str, seq: int) -> list[Event]: ...

    def incident_ids(self) -> list[str]: ...

    def exists(self, incident_id: str) -> bool: ...

    def verify(self, incident_id: str) -> Checked: ...


@dataclass(frozen=True, slots=True)
class Named:
    store: CopyStore
    location: str


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("journal", help="manage incident journals (copy between SQLite and PostgreSQL)")
    actions = parser.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    copy = actions.add_parser("copy", help="copy every incident from one journal to another, verifying each chain")
    copy.add_argument(
        "--from", dest="source", required=True, metavar="PATH_OR_URL", help="SQLite file or postgresql://"
    )
    copy.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL", help="SQLite file or postgresql://")
    copy.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        source = open_store_for(args.source, must_exist=True)
    except JournalError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    try:
        target = open_store_for(args.target, must_exist=False)
    except JournalError as exc:
        source.store.close()
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    try:
        failures = copy_journal(source, target, out=sys.stdout, err=sys.stderr)
    except JournalError as exc:
        print(f"nexus-tui: {exc}", file=sys.stderr)
        return 2
    finally:
        source.store.close()
        target.store.close()
    return 1 if failures else 0


def open_store_for(target: str, *, must_exist: bool) -> Named:
    """The store named by a path or URL, with the name to show for it (a URL's password masked)."""
    from nexus_tui.journal.postgres_conninfo import is_postgres_target

    if is_postgres_target(target):
        from nexus_tui.journal.postgres import PostgresJournal

        store = PostgresJournal(target)
        return Named(store, store.location)
    path = Path(target).expanduser()
    if must_exist and not path.is_file():
        raise JournalError(f"{path}: no such journal file")
    from nexus_tui.journal.store import Journal

    return Named(Journal(path), str(path))


def copy_journal(source: Named, target: Named, *, out: Any, err: Any) -> int:
    """Copy every incident, oldest first; returns how many were refused or failed (each told on `err`)."""
    failures = 0
    for incident in reversed(source.store.incident_ids()):
        try:
            ok, line = _copy_incident(source, target, incident)
        except JournalError as exc:
            ok, line = False, f"{incident}: {exc}"
        if ok:
            print(line, file=out)
        else:
            failures += 1
            print(f"nexus-tui: {line}", file=err)
    return failures


def _copy_incident(src: Named, dst: Named, incident: str) -> tuple[bool, str]:
    source, target = src.store, dst.store
    checked = source.verify(incident)
    if not checked.ok:
        return False, f"{incident}: not copied: the chain in {src.location} is broken ({checked.reason})"
    events = source.events_since(incident, 0)
    present = target.events_since(incident, 0) if target.exists(incident) else []
    for mine, theirs in zip(present, events, strict=False):
        if mine != theirs:
            return False, (
                f"{incident}: not copied: {dst.location} already holds a different incident {incident}"
                f" (first difference at seq {mine.seq})"
            )
    if len(present) > len(events):
        return False, f"{incident}: not copied: {dst.location} holds more of {incident} than {src.location}"
    if len(present) == len(events):
        return True, f"{incident}: already in {dst.location}, identical ({len(events)} events)"
    for event in events[len(present) :]:
        target.append(
            incident,
            event.type,
            event.payload,
            at=event.at,
            actor=event.actor,
            aws_identity=event.aws_identity,
            expect_seq=event.seq - 1,
        )
    copied = target.verify(incident)
    if not copied.ok:
        return False, f"{incident}: copied, but the chain in {dst.location} does not verify ({copied.reason})"
    # Stores that report their head hash must agree on it: same events, same chain.
    heads = getattr(checked, "head_hash", None), getattr(copied, "head_hash", None)
    if all(heads) and heads[0] != heads[1]:
        return False, f"{incident}: copied, but the head hashes differ between {src.location} and {dst.location}"
    resumed = f", {len(present)} were already there" if present else ""
    return True, f"{incident}: copied {len(events) - len(present)} events{resumed}; chain verified on both sides"
