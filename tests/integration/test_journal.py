"""The SQLite journal on a real file: hash chain, tamper detection, append-only, schema, change polling."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nexus_tui.journal.store import SCHEMA_VERSION, Journal, JournalError, SeqConflict

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def fill(j: Journal, incident: str, n: int) -> None:
    for i in range(n):
        j.append(
            incident,
            "note",
            {"text": f"n{i}", "ü": "ok"},
            at=T0 + timedelta(seconds=i),
            actor="alice",
            aws_identity=None,
            expect_seq=i,
        )


def test_append_read_back_and_verify(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as j:
        ev = j.append("INC-1", "declared", {"a": 1}, at=T0, actor="alice", aws_identity="arn:x", expect_seq=0)
        assert ev.seq == 1 and ev.at == T0 and ev.payload == {"a": 1}
        fill(j, "INC-2", 3)
        j.append("INC-1", "note", {"text": "x"}, at=T0, actor="bob", aws_identity=None, expect_seq=1)
        assert [e.seq for e in j.events("INC-1")] == [1, 2]
        assert [e.payload["text"] for e in j.events_since("INC-2", 1)] == ["n1", "n2"]
        assert j.events("INC-1")[0] == ev
        assert j.verify("INC-1").ok and j.verify("INC-2").checked == 3
        assert not j.verify("INC-9").ok


def test_stale_writer_gets_a_seq_conflict(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as j:
        fill(j, "INC-1", 2)
        with pytest.raises(SeqConflict):
            j.append("INC-1", "note", {}, at=T0, actor="a", aws_identity=None, expect_seq=1)
        assert len(j.events("INC-1")) == 2


def test_triggers_forbid_update_and_delete(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        fill(j, "INC-1", 2)
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE events SET actor = 'mallory' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM events")
    raw.close()


def tamper(path: Path, sql: str) -> None:
    """What someone with file access could do: drop the guard triggers and rewrite history."""
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("DROP TRIGGER events_no_delete")
    raw.execute(sql)
    raw.commit()
    raw.close()


@pytest.mark.parametrize(
    ("sql", "bad_seq", "why"),
    [
        ('UPDATE events SET payload = \'{"text":"forged"}\' WHERE seq = 3', 3, "content"),
        ("UPDATE events SET actor = 'mallory' WHERE seq = 2", 2, "content"),
        ("UPDATE events SET at = '2026-01-01T00:00:09.000000Z' WHERE seq = 4", 4, "content"),
        ("DELETE FROM events WHERE seq = 2", 2, "missing"),
        ("UPDATE events SET prev_hash = hash WHERE seq = 5", 5, "previous-hash"),
    ],
)
def test_verify_names_the_first_tampered_seq(tmp_path: Path, sql: str, bad_seq: int, why: str) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        fill(j, "INC-1", 6)
        assert j.verify("INC-1").ok
    tamper(path, sql)
    with Journal(path) as j:
        result = j.verify("INC-1")
    assert not result.ok and result.first_bad_seq == bad_seq and why in result.reason


def test_rehashing_one_row_still_breaks_the_next_link(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        fill(j, "INC-1", 4)
    tamper(path, "UPDATE events SET hash = 'f' || substr(hash, 2) WHERE seq = 2")
    with Journal(path) as j:
        result = j.verify("INC-1")
    assert result.first_bad_seq == 2


def test_schema_is_versioned_and_has_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    cols = [r[1] for r in raw.execute("PRAGMA table_info(outbox)")]
    assert cols[:8] == ["id", "incident_id", "event_seq", "channel", "payload", "status", "attempts", "next_attempt_at"]
    assert {"key", "kind", "claimed_by", "claimed_until", "remote_id", "last_error"} <= set(cols)
    raw.execute("PRAGMA user_version = 99")
    raw.commit()
    raw.close()
    with pytest.raises(JournalError, match="newer than this nexus-tui"):
        Journal(path)


def test_unreadable_file_is_a_one_line_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError, match=r"damaged.*journal salvage") as info:
        Journal(path)
    assert "\n" not in str(info.value)


def test_other_connections_see_changes_through_the_cheap_checks(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as tui, Journal(path) as cli:
        heads, version = tui.heads(), tui.data_version()
        fill(cli, "INC-1", 1)
        assert tui.heads() != heads and tui.data_version() != version
        assert [e.payload["text"] for e in tui.events_since("INC-1", 0)] == ["n0"]
        assert tui.incident_ids() == [] and tui.exists("INC-1")
