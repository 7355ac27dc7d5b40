"""The command line's side of working offline: where the offline files live, the one-line warning after a command
that wrote to them, and `nexus-tui journal merge` that puts them back into the shared journal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

from nexus_tui.config import default_data_dir
from nexus_tui.domain.incident import Event
from nexus_tui.domain.text import printable_line
from nexus_tui.journal.base import JournalStore, JournalUnavailable
from nexus_tui.journal.offline import OfflineCapableJournal
from nexus_tui.journal.offline_merge import MergeResult

# --accept: which side wins a conflict (someone else wrote to the incident while this machine was offline).
ACCEPT = {"mine": True, "theirs": False}


def offline_root() -> Path:
    return default_data_dir() / "offline"


def address(location: str) -> str:
    """host:port of a masked location, for a short message (a Unix socket shows as its directory)."""
    parts = urlsplit(location)
    host = parts.netloc.rsplit("@", 1)[-1]
    if not parts.hostname:
        sockets = parse_qs(parts.query).get("host")
        host = (sockets[0] if sockets else "localhost") + (f":{parts.port}" if parts.port else "")
    return host


def offline_warning(store: JournalStore) -> str | None:
    """The one line to print after a command, when its work went to (or waits in) the offline journal."""
    if not isinstance(store, OfflineCapableJournal):
        return None
    if not store.offline_incidents:
        if store.outage_since is None:
            return None
        # Read from this machine's copy: say so, an answer may be older than the shared journal.
        return f"shared journal unreachable ({address(store.location)}); shown as this machine last read it"
    file = store.offline_file
    if store.unreachable_since is not None:
        return (
            f"shared journal unreachable ({address(store.location)}); wrote to local offline journal {file};"
            " run `nexus-tui journal merge` when it is back"
        )
    return f"{store.pending_events()} event(s) wait in the local offline journal {file}: run `nexus-tui journal merge`"


def merge_quietly(store: JournalStore, err: TextIO) -> None:
    """Before a command: merge an earlier offline episode if the database is back and nobody else wrote meanwhile
    (a conflict waits for `journal merge --accept`). Says what it did, on stderr."""
    if not isinstance(store, OfflineCapableJournal) or not store.offline_incidents:
        return
    try:
        results = store.merge_all()
    except JournalUnavailable:
        return
    for line in describe(results, store.location):
        print(f"nexus-tui: {line}", file=err)


def describe(results: list[MergeResult], location: str) -> list[str]:
    lines = []
    for r in results:
        iid = printable_line(r.incident_id)
        if r.needs_decision:
            lines.append(
                f"{iid}: not merged: {len(r.conflicts)} event(s) written by others meanwhile; "
                f"see `nexus-tui journal merge`, then --accept mine or --accept theirs"
            )
        elif r.discarded:
            lines.append(f"{iid}: {r.discarded} offline event(s) discarded (listed in a note in {location})")
        else:
            extra = f" ({r.already_there} had reached it before the connection broke)" if r.already_there else ""
            lines.append(f"{iid}: merged {r.merged} offline event(s) into {location}{extra}")
    return lines


def _event_line(e: Event) -> str:
    detail = e.payload.get("step_id") or e.payload.get("text") or ""
    return printable_line(f"  #{e.seq} {e.at:%H:%M:%S} {e.actor}: {e.type} {detail}".rstrip())


def run_merge(args: argparse.Namespace, store: JournalStore, out: TextIO = sys.stdout) -> int:
    if not isinstance(store, OfflineCapableJournal):
        print(f"{store.location}: not a shared journal: nothing to merge", file=out)
        return 0
    if not store.offline_incidents:
        print(f"nothing to merge: no offline events for {store.location}", file=out)
        return 0
    accept = ACCEPT[args.accept] if args.accept else None
    done: set[Path | None] = set()
    # One offline file at a time (a TUI and a command on this machine may each have left one), oldest first.
    while store.offline_incidents and store.offline_file not in done:
        done.add(store.offline_file)
        results = store.merge_all(accept=accept)
        for r, line in zip(results, describe(results, store.location), strict=True):
            print(line, file=out)
            if r.needs_decision:
                print("  written by others meanwhile:", file=out)
                for e in r.conflicts:
                    print(_event_line(e), file=out)
                print("  yours, recorded offline:", file=out)
                for e in r.pending:
                    print(_event_line(e), file=out)
        if any(r.needs_decision for r in results):
            return 1
        store.recover()
    return 0
