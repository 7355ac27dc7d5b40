"""`nexus-tui journal ...`: the journal file itself: check it, and salvage what is readable from a damaged one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nexus_tui.domain.text import printable_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("journal", help="check or salvage the incident journal")
    parser.set_defaults(func=run, journal_command=None)
    sub = parser.add_subparsers(dest="journal_command", metavar="ACTION")
    p = sub.add_parser("check", help="the file's integrity and every incident's hash chain (exit 1 if any fails)")
    p.add_argument("--journal", default=None, help="journal file (default: the configured one)")
    p = sub.add_parser("salvage", help="copy every readable, chain-valid event into a NEW file")
    p.add_argument("source", type=Path)
    p.add_argument("target", type=Path)


def run(args: argparse.Namespace) -> int:
    from nexus_tui.journal.base import JournalError

    try:
        if args.journal_command == "salvage":
            return _salvage(args.source, args.target)
        if args.journal_command == "check":
            return _check(args)
    except JournalError as exc:
        print(f"nexus-tui journal: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    print("nexus-tui journal: choose an action (check, salvage)", file=sys.stderr)
    return 2


def _salvage(source: Path, target: Path) -> int:
    from nexus_tui.journal.salvage import salvage

    report = salvage(source, target)
    for inc in report.incidents:
        tail = f"; {printable_line(inc.problem)}" if inc.problem else ""
        print(f"{printable_line(inc.incident_id)}: copied {inc.copied} of {inc.found} events{tail}")
    if report.unreadable_rows:
        print(f"{report.unreadable_rows} row(s) could not be read at all")
    print(f"salvaged into {target}" + ("" if report.complete else " (incomplete: see above)"))
    return 0 if report.complete else 1


def _check(args: argparse.Namespace) -> int:
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.config import load_config
    from nexus_tui.journal.store import open_store

    store = open_store(
        journal_path(args, load_config(getattr(args, "config", None), check_profile=False)), read_only=True
    )
    try:
        bad = 0
        ids = store.incident_ids()
        integrity = None
        for iid in ids:
            result = store.verify(iid)
            integrity = integrity or result.integrity
            state = "ok" if result.ok else f"FAILED at seq {result.first_bad_seq}: {result.reason}"
            bad += 0 if result.ok else 1
            print(f"{printable_line(iid)}: {printable_line(state)} ({result.checked} events)")
        if integrity:
            print(f"{store.location}: DAMAGED: {printable_line(integrity)}")
            return 1
        print(f"{store.location}: {len(ids)} incident(s), file integrity ok")
        return 1 if bad else 0
    finally:
        store.close()
