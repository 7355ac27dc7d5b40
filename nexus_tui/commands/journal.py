"""`nexus-tui journal ...`: the journal file itself: check it, salvage what is readable from a damaged one, and
copy incidents between journals (SQLite file <-> PostgreSQL)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nexus_tui.domain.text import printable_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("journal", help="check, salvage or copy the incident journal")
    parser.set_defaults(func=run, journal_command=None)
    sub = parser.add_subparsers(dest="journal_command", metavar="ACTION")
    p = sub.add_parser("check", help="the file's integrity and every incident's hash chain (exit 1 if any fails)")
    p.add_argument("--journal", default=None, help="journal file (default: the configured one)")
    p = sub.add_parser("salvage", help="copy every readable, chain-valid event into a NEW file")
    p.add_argument("source", type=Path)
    p.add_argument("target", type=Path)
    p = sub.add_parser("copy", help="copy every incident to another journal (file or postgresql:// URL), verified")
    p.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL", help="SQLite file or postgresql://")
    p.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL", help="SQLite file or postgresql://")
    p = sub.add_parser("merge", help="put events recorded offline back into the shared (postgresql://) journal")
    p.add_argument("--journal", default=None, help="postgresql:// URL (default: the configured one)")
    p.add_argument(
        "--accept",
        choices=("mine", "theirs"),
        default=None,
        help="on a conflict: mine = my offline events after theirs; theirs = discard mine (listed in a note)",
    )


def run(args: argparse.Namespace) -> int:
    from nexus_tui.journal.base import JournalError

    try:
        if args.journal_command == "salvage":
            return _salvage(args.source, args.target)
        if args.journal_command == "check":
            return _check(args)
        if args.journal_command == "copy":
            return _copy(args.source, args.target)
        if args.journal_command == "merge":
            return _merge(args)
    except JournalError as exc:
        print(f"nexus-tui journal: {printable_line(str(exc))}", file=sys.stderr)
        return 2
    print("nexus-tui journal: choose an action (check, salvage, copy, merge)", file=sys.stderr)
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


def _copy(source: str, target: str) -> int:
    from nexus_tui.commands.journal_copy import copy_journal, open_for_copy

    src = open_for_copy(source, source=True)
    try:
        dst = open_for_copy(target, source=False)
        try:
            return 1 if copy_journal(src, dst, out=sys.stdout, err=sys.stderr) else 0
        finally:
            dst.close()
    finally:
        src.close()


def _merge(args: argparse.Namespace) -> int:
    from nexus_tui.commands.incident import journal_path
    from nexus_tui.commands.journal_merge import offline_root, run_merge
    from nexus_tui.config import load_config
    from nexus_tui.journal.store import open_store

    target = journal_path(args, load_config(getattr(args, "config", None), check_profile=False))
    store = open_store(target, offline_dir=offline_root())
    try:
        return run_merge(args, store)
    finally:
        store.close()


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
