"""`nexus-tui journal copy` between a SQLite file and PostgreSQL, both ways, never overwriting."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nexus_tui.commands import journal as journal_command
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.sqlite import SqliteJournal as Journal

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="nexus-tui")
    journal_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["journal", "copy", *argv])
    return int(args.func(args))


def fill(j: Journal | PostgresJournal, incident: str, n: int, start: int = 0) -> None:
    for seq in range(start + 1, n + 1):
        type_ = "declared" if seq == 1 else "note"
        payload = {"text": f"note {seq}", "nested": {"z": [1, 2.5, None], "a": "ü"}}
        at = T0 + timedelta(seconds=seq, microseconds=seq)
        j.append(incident, type_, payload, at=at, actor="ic", aws_identity="arn:aws:iam::1:user/x", expect_seq=seq - 1)


def test_copy_sqlite_to_postgres_and_back(tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    sqlite = tmp_path / "journal.sqlite3"
    with Journal(sqlite) as j:
        fill(j, "INC-1", 5)
        fill(j, "INC-2", 3)
    assert run("--from", str(sqlite), "--to", pg_url) == 0
    out = capsys.readouterr().out
    assert "INC-1: copied 5 events" in out and "INC-2: copied 3 events" in out
    with PostgresJournal(pg_url) as pg, Journal(sqlite) as j:
        assert pg.events_since("INC-1", 0) == j.events("INC-1")
        assert pg.verify("INC-1").ok and pg.incident_ids() == ["INC-2", "INC-1"]
        fill(pg, "INC-2", 6, start=3)  # the team goes on in PostgreSQL
    back = tmp_path / "back.sqlite3"
    assert run("--from", pg_url, "--to", str(back)) == 0
    with Journal(back) as b, PostgresJournal(pg_url) as pg:
        assert b.events("INC-2") == pg.events_since("INC-2", 0) and b.verify("INC-2").ok
    # Into the old file again: INC-1 is identical, INC-2 is completed from where the file stopped.
    assert run("--from", pg_url, "--to", str(sqlite)) == 0
    out = capsys.readouterr().out
    assert "INC-1: already in" in out and "INC-2: copied 3 events, 3 were already there" in out


def test_copy_refuses_a_different_incident_of_the_same_id(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = tmp_path / "journal.sqlite3"
    with Journal(sqlite) as j:
        fill(j, "INC-1", 3)
        fill(j, "INC-2", 2)
    with PostgresJournal(pg_url) as pg:
        pg.append("INC-1", "declared", {"title": "another"}, at=T0, actor="dba", aws_identity=None, expect_seq=0)
    secret_url = pg_url.replace("postgresql://postgres", "postgresql://postgres:Sup3rS3cret")
    assert run("--from", str(sqlite), "--to", secret_url) == 1
    captured = capsys.readouterr()
    assert "INC-1: not copied" in captured.err and "first difference at seq 1" in captured.err
    assert "INC-2: copied 2 events" in captured.out
    assert "Sup3rS3cret" not in captured.out + captured.err
    with PostgresJournal(pg_url) as pg:
        assert [e.payload for e in pg.events_since("INC-1", 0)] == [{"title": "another"}]


def test_copy_from_a_missing_file_is_one_line(tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--from", str(tmp_path / "nope.sqlite3"), "--to", pg_url) == 2
    assert not (tmp_path / "nope.sqlite3").exists()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no such journal file" in err
