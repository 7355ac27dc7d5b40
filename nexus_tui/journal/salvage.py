"""Copying what can still be trusted out of a damaged journal file into a new one.

Rows are read one at a time by rowid, so a damaged page costs only the rows on it; each incident keeps the
longest prefix of its events whose hash chain verifies (an event after a gap or a broken link cannot be
trusted, and is reported, not copied). The copy is written through the normal append path with the original
times and actors, so it re-hashes to the very same chain: `incident verify` on the new file shows the same
head hashes as before the damage, for every incident that was not hit."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from nexus_tui.journal.base import JournalError
from nexus_tui.journal.chain import StoredRow, check_chain, parse_at
from nexus_tui.journal.sqlite import EVENT_COLUMNS, SqliteJournal

# Consecutive unreadable/missing rowids after which a scan without a known max(id) stops.
_MISS_LIMIT = 10_000


@dataclass
class IncidentSalvage:
    incident_id: str
    found: int
    copied: int
    problem: str | None = None


@dataclass
class SalvageReport:
    source: Path
    target: Path
    unreadable_rows: int = 0
    incidents: list[IncidentSalvage] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.unreadable_rows == 0 and all(i.problem is None for i in self.incidents)


def _open_source(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise JournalError(f"{path}: no such journal file")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def _read_rows(db: sqlite3.Connection, report: SalvageReport) -> dict[str, list[StoredRow]]:
    try:
        top = int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
    except sqlite3.DatabaseError:
        top = None
    out: dict[str, list[StoredRow]] = {}
    rowid, misses = 1, 0
    while (top is not None and rowid <= top) or (top is None and misses < _MISS_LIMIT):
        try:
            row = db.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            row = None
            report.unreadable_rows += 1
        if row is None:
            misses += 1
        else:
            misses = 0
            try:
                stored = StoredRow(*row)
                out.setdefault(str(stored.incident_id), []).append(stored)
            except TypeError:
                report.unreadable_rows += 1
        rowid += 1
    return out


def salvage(source: Path, target: Path) -> SalvageReport:
    if target.exists():
        raise JournalError(f"{target}: already exists; salvage writes a new file and never overwrites one")
    report = SalvageReport(source, target)
    try:
        src = _open_source(source)
        rows = _read_rows(src, report)
        src.close()
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{source}: nothing is readable ({exc})") from None
    with SqliteJournal(target) as dst:
        for incident_id, found in rows.items():
            found.sort(key=lambda r: r.seq)
            report.incidents.append(_copy_incident(dst, incident_id, found))
    return report


def _copy_incident(dst: SqliteJournal, incident_id: str, found: list[StoredRow]) -> IncidentSalvage:
    good: list[StoredRow] = []
    problem = None
    for row in found:
        check = check_chain([*good, row])
        if not check.ok:
            problem = check.reason
            break
        good.append(row)
    copied = 0
    for row in good:
        try:
            event = dst.append(
                incident_id,
                row.type,
                json.loads(row.payload),
                at=parse_at(row.at),
                actor=row.actor,
                aws_identity=row.aws_identity,
                expect_seq=row.seq - 1,
            )
        except (ValueError, TypeError, JournalError) as exc:
            problem = f"seq {row.seq}: cannot be copied ({exc})"
            break
        if dst.rows(incident_id, event.seq - 1)[0].hash != row.hash:
            problem = f"seq {row.seq}: does not re-hash to its stored hash; stopped before it"
            break
        copied += 1
    return IncidentSalvage(incident_id, len(found), copied, problem)
