"""A damaged journal file: every command answers in one line, verify fails whenever SQLite's own integrity check
fails, nothing is written into a damaged file, and salvage copies every sound event into a new file."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from nexus_tui import cli
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.journal.base import JournalDamaged, JournalError
from nexus_tui.journal.salvage import salvage
from nexus_tui.journal.sqlite import SqliteJournal
from tests.incident_fixtures import sample_runbook

PAGE = 4096


def _build(path: Path, incidents: int = 3, notes: int = 40) -> list[str]:
    store = SqliteJournal(path)
    ids = [f"INC-{n}" for n in range(incidents)]
    names = iter(ids)
    svc = IncidentService(
        store,
        clock=ManualClock(),
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        id_factory=lambda now: next(names),
    )
    with svc:
        for _ in ids:
            iid = svc.declare("sample")
            for i in range(notes):
                svc.note(iid, f"note {i} " + "x" * 200)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return ids


def _corrupt(path: Path, rng: random.Random) -> None:
    pages = path.stat().st_size // PAGE
    page = rng.randrange(1, pages)  # never page 0: that is a different, simpler failure ("not a database")
    with path.open("r+b") as f:
        f.seek(page * PAGE + rng.randrange(0, PAGE - 64))
        f.write(rng.randbytes(rng.choice((8, 64))))


def _integrity_ok(path: Path) -> bool:
    try:
        raw = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            raw.close()
    except sqlite3.DatabaseError:
        return False


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("pristine") / "j.sqlite3"
    return path, _build(path)


def test_random_page_damage_never_gives_a_traceback(
    pristine: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    source, ids = pristine
    monkeypatch.setenv("NEXUS_TUI_NO_STS", "1")
    monkeypatch.setenv("NEXUS_TUI_CONFIG", str(tmp_path / "none.toml"))
    rng = random.Random(20261201)
    detected = 0
    for trial in range(200):
        path = tmp_path / f"t{trial}.sqlite3"
        shutil.copy(source, path)
        _corrupt(path, rng)
        sound = _integrity_ok(path)
        j = ["--journal", str(path)]
        iid = ids[trial % len(ids)]
        code, text = _run(capsys, "incident", "verify", iid, *j)
        assert "Traceback" not in text
        if not sound:
            detected += 1
            assert code != 0, f"trial {trial}: verify passed a file that fails integrity_check: {text}"
        for args in (("list",), ("show", iid), ("note", iid, "after the damage")):
            code, text = _run(capsys, "incident", *args, *j)
            assert code in (0, 1, 2) and "Traceback" not in text
            assert len(text.strip().splitlines()) <= 1 or code == 0, text
            if not sound and args[0] == "note":
                assert code != 0, f"trial {trial}: a note was written into a damaged file"
    assert detected > 10  # the trials really did break the file structure (others hit event text: the chain sees it)


def test_damaged_file_refuses_writes_but_reads_and_salvage_recovers(
    pristine: tuple[Path, list[str]], tmp_path: Path
) -> None:
    source, _ = pristine
    path = tmp_path / "damaged.sqlite3"
    rng = random.Random(7)
    for _ in range(50):  # until a trial damages the file without destroying page 0
        shutil.copy(source, path)
        _corrupt(path, rng)
        if not _integrity_ok(path):
            break
    try:
        store = SqliteJournal(path)
    except JournalDamaged:
        store = None
    if store is not None:
        assert store.damage
        with pytest.raises(JournalDamaged, match=r"nothing was written.*journal salvage"):
            store.append(
                "INC-0", "note", {"text": "x"}, at=ManualClock().now(), actor="a", aws_identity=None, expect_seq=0
            )
        store.close()
    target = tmp_path / "salvaged.sqlite3"
    report = salvage(path, target)
    assert report.incidents and sum(i.copied for i in report.incidents) > 0
    with SqliteJournal(target) as again, SqliteJournal(source) as original:
        assert again.integrity(full=True) is None
        for inc in report.incidents:
            result = again.verify(inc.incident_id)
            assert result.ok and result.checked == inc.copied
            if inc.problem is None and inc.copied == len(original.rows(inc.incident_id)):
                # Untouched incidents re-hash to the very same chain.
                assert result.head_hash == original.verify(inc.incident_id).head_hash
    with pytest.raises(JournalError, match="never overwrites"):
        salvage(path, target)


def test_salvage_cli_reports_each_incident(pristine: tuple[Path, list[str]], tmp_path: Path, capsys) -> None:
    source, ids = pristine
    code, text = _run(capsys, "journal", "salvage", str(source), str(tmp_path / "copy.sqlite3"))
    assert code == 0, text
    for iid in ids:
        assert f"{iid}: copied 41 of 41 events" in text


def test_disk_full_says_disk_full(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with SqliteJournal(path) as store:
        store._db.execute("PRAGMA max_page_count = 8")  # a tiny "disk"
        with pytest.raises(JournalError, match="disk full") as info:
            for n in range(500):
                store.append(
                    "INC-1",
                    "note",
                    {"text": "y" * 2000},
                    at=ManualClock().now(),
                    actor="a",
                    aws_identity=None,
                    expect_seq=n,
                )
        assert "rollback" not in str(info.value).lower()


def test_read_only_journal_can_be_read(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    _build(path, incidents=1, notes=2)
    with SqliteJournal(path, read_only=True) as store:
        assert store.incident_ids() == ["INC-0"]
        assert len(store.events_since("INC-0", 0)) == 3
        with pytest.raises(JournalError, match="read-only"):
            store.append(
                "INC-0", "note", {"text": "x"}, at=ManualClock().now(), actor="a", aws_identity=None, expect_seq=3
            )
