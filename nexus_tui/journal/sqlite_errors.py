"""sqlite3's errors as the journal's own one-line errors: the operator learns what is wrong with the file and
what to do, not which C call failed."""

from __future__ import annotations

import sqlite3

from nexus_tui.journal.base import JournalDamaged, JournalError, JournalReadOnly

_SALVAGE = "`nexus-tui journal salvage {path} NEW` copies every readable, chain-valid event into a new file"


def translate(exc: sqlite3.Error, where: str, doing: str) -> JournalError:
    text = str(exc).strip() or type(exc).__name__
    low = text.lower()
    if "disk is full" in low or "database or disk is full" in low:
        return JournalError(f"{where}: disk full: could not {doing}; free space and retry (nothing was written)")
    if "readonly" in low.replace("-", "") or "read-only" in low:
        return JournalReadOnly(f"{where}: the journal is read-only here: could not {doing} (reading still works)")
    if "locked" in low or "busy" in low:
        return JournalError(f"{where}: another process holds the journal lock: could not {doing}; try again")
    if "unable to open" in low:
        return JournalError(f"{where}: cannot open the journal file ({text})")
    if (
        "malformed" in low
        or "not a database" in low
        or "corrupt" in low
        or "disk i/o error" in low
        or not isinstance(exc, sqlite3.OperationalError)
    ):
        return JournalDamaged(f"{where}: the journal file is damaged ({text}); " + _SALVAGE.format(path=where))
    return JournalError(f"{where}: could not {doing}: {text}")
