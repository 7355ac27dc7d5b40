"""The PostgreSQL journal against a real server: the JournalStore contract, the database's own rules, secrets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from nexus_tui.journal.base import JournalError, JournalUnavailable, OutboxDraft, SeqConflict
from nexus_tui.journal.chain import event_hash
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.postgres_schema import GRANTS

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresJournal]:
    with PostgresJournal(pg_url) as j:
        yield j


def declare(j: PostgresJournal, incident: str = "INC-1") -> None:
    j.append(incident, "declared", {"title": "eu-west-1 down"}, at=T0, actor="ic", aws_identity=None, expect_seq=0)


def test_two_stores_share_one_incident_and_the_loser_gets_seq_conflict(pg_url: str) -> None:
    with PostgresJournal(pg_url) as a, PostgresJournal(pg_url) as b:
        declare(a)
        ev = b.append("INC-1", "note", {"text": "from b"}, at=T0, actor="dba", aws_identity="arn:x", expect_seq=1)
        assert ev.seq == 2
        with pytest.raises(SeqConflict):
            a.append("INC-1", "step_confirmed", {"step_id": "s1"}, at=T0, actor="ic", aws_identity=None, expect_seq=1)
        assert [e.payload for e in a.events_since("INC-1", 0)] == [{"title": "eu-west-1 down"}, {"text": "from b"}]
        assert a.events_since("INC-1", 1)[0].aws_identity == "arn:x"
        assert a.heads() == {"INC-1": 2} and a.exists("INC-1") and not a.exists("INC-2")
        assert a.verify("INC-1").ok


def test_listing_newest_first_and_unresolved(store: PostgresJournal) -> None:
    declare(store, "INC-1")
    declare(store, "INC-2")
    store.append("INC-1", "resolved", {"summary": "ok"}, at=T0, actor="ic", aws_identity=None, expect_seq=1)
    assert store.incident_ids() == ["INC-2", "INC-1"]
    assert store.unresolved_ids() == ["INC-2"]


def test_hash_chain_is_the_sqlite_one(store: PostgresJournal) -> None:
    declare(store)
    store.append("INC-1", "note", {"b": 1, "a": "é"}, at=T0, actor="ic", aws_identity=None, expect_seq=1)
    with psycopg.connect(store.conninfo.dsn) as conn:
        rows = conn.execute("SELECT seq, type, at, actor, payload, prev_hash, hash FROM journal_events ORDER BY seq")
        prev = "0" * 64
        for seq, type_, at, actor, payload, prev_hash, digest in rows.fetchall():
            assert prev_hash == prev
            assert digest == event_hash("INC-1", seq, type_, at, actor, None, payload, prev_hash)
            prev = digest
    result = store.verify("INC-1")
    assert result.ok and result.checked == 2 and result.head_hash == prev and result.integrity is None


def test_the_database_refuses_update_delete_truncate_and_broken_links(store: PostgresJournal) -> None:
    declare(store)
    with psycopg.connect(store.conninfo.dsn, autocommit=True) as conn:
        for statement in (
            "UPDATE journal_events SET actor = 'mallory'",
            "DELETE FROM journal_events",
            "TRUNCATE journal_events CASCADE",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.RaiseException, match="does not follow"):
            conn.execute(
                "INSERT INTO journal_events (incident_id, seq, type, at, actor, payload, prev_hash, hash)"
                " VALUES ('INC-1', 3, 'note', 'x', 'x', '{}', 'x', 'x')"
            )
    assert store.verify("INC-1").ok


def test_verify_names_a_disabled_rule(store: PostgresJournal) -> None:
    declare(store)
    with psycopg.connect(store.conninfo.dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE journal_events DISABLE TRIGGER journal_events_no_update")
    result = store.verify("INC-1")
    assert not result.ok and result.integrity is not None and "journal_events_no_update" in result.integrity


def test_outbox_written_with_its_event_and_claimed_once_in_order(pg_url: str) -> None:
    with PostgresJournal(pg_url) as a, PostgresJournal(pg_url) as b:
        declare(a, "INC-1")
        declare(a, "INC-2")
        for n in (1, 2):
            a.append(
                "INC-1",
                "note",
                {"n": n},
                at=T0,
                actor="ic",
                aws_identity=None,
                expect_seq=n,
                outbox=[OutboxDraft("slack:#ir", f"note-{n}", {"text": f"n{n}"})],
            )
        box = [OutboxDraft("slack:#ir", "k")]
        a.append("INC-2", "note", {}, at=T0, actor="ic", aws_identity=None, expect_seq=1, outbox=box)
        first = a.outbox_claim("sender-a", T0, 30)
        assert [(m.incident_id, m.key) for m in first] == [("INC-1", "note-1"), ("INC-2", "k")]
        assert first[0].payload == {"text": "n1"} and first[0].status == "sending"
        assert b.outbox_claim("sender-b", T0, 30) == []  # the heads are leased; note-2 waits for note-1
        assert a.outbox_update(first[0].id, "sender-a", status="sent", remote_id="123.45")
        assert not b.outbox_update(first[1].id, "sender-b", status="sent")
        second = b.outbox_claim("sender-b", T0, 30)
        assert [m.key for m in second] == ["note-2"]
        # A lease that expires goes to whoever asks next; the old holder is told it lost the claim.
        later = b.outbox_claim("sender-b", T0 + timedelta(seconds=31), 30)
        assert {m.key for m in later} == {"note-2", "k"}
        assert not a.outbox_update(first[1].id, "sender-a", status="sent")
        listed = a.outbox_list("INC-1")
        assert [(m.key, m.status, m.remote_id) for m in listed] == [
            ("note-1", "sent", "123.45"),
            ("note-2", "sending", None),
        ]
        assert len(a.outbox_list()) == 3


def test_outbox_retry_waits_for_next_attempt(store: PostgresJournal) -> None:
    declare(store)
    store.append(
        "INC-1", "note", {}, at=T0, actor="ic", aws_identity=None, expect_seq=1, outbox=[OutboxDraft("slack:#ir", "k")]
    )
    (msg,) = store.outbox_claim("s", T0, 30)
    assert store.outbox_update(msg.id, "s", status="pending", attempts=1, next_attempt_at=T0 + timedelta(seconds=60))
    assert store.outbox_claim("s", T0 + timedelta(seconds=59), 30) == []
    (again,) = store.outbox_claim("s", T0 + timedelta(seconds=60), 30)
    assert again.attempts == 1 and again.next_attempt_at == T0 + timedelta(seconds=60)


def test_outbox_sending_keeps_the_claim(store: PostgresJournal) -> None:
    """As in SQLite: the "sending" record (the request is about to leave) keeps the holder's claim, so nobody
    else may settle the message; the outcome ends it."""
    declare(store)
    store.append(
        "INC-1", "note", {}, at=T0, actor="ic", aws_identity=None, expect_seq=1, outbox=[OutboxDraft("slack:#ir", "k")]
    )
    (msg,) = store.outbox_claim("s", T0, 30)
    assert store.outbox_update(msg.id, "s", status="sending", attempts=1, error="outcome unknown: in flight")
    (now,) = store.outbox_list()
    assert (now.status, now.claimed_by) == ("sending", "s") and now.claimed_until is not None
    assert not store.outbox_update(msg.id, "other", status="sent", remote_id="1.2")
    assert store.outbox_update(msg.id, "s", status="sent", remote_id="1.2", error="")
    (done,) = store.outbox_list()
    assert (done.status, done.claimed_by, done.claimed_until) == ("sent", None, None)


def test_password_never_shown(pg_url: str) -> None:
    secret_url = pg_url.replace("postgresql://postgres", "postgresql://postgres:Sup3rS3cret")
    with PostgresJournal(secret_url) as j:
        assert "Sup3rS3cret" not in j.location and ":***@" in j.location
    unreachable = "postgresql://nexus:Sup3rS3cret@127.0.0.1:1/db?connect_timeout=2&sslmode=disable"
    with pytest.raises(JournalUnavailable) as caught:
        PostgresJournal(unreachable)
    assert "Sup3rS3cret" not in str(caught.value) and "127.0.0.1" in str(caught.value)
    with pytest.raises(JournalError) as bad:
        PostgresJournal("host=h password=Sup3rS3cret port=notaport bogus=1")
    assert "Sup3rS3cret" not in str(bad.value)


def test_libpq_options_pass_through(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA team_b")
    sep = "&" if "?" in pg_url else "?"
    with PostgresJournal(pg_url + sep + "options=-csearch_path%3Dteam_b&application_name=wall") as j:
        declare(j)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM team_b.journal_events").fetchone() == (1,)


def test_a_role_with_only_the_documented_grants_does_everything_and_cannot_rewrite(pg_url: str) -> None:
    with PostgresJournal(pg_url) as owner:  # the owner creates the tables once
        declare(owner)
    role = "nexus_app_" + pg_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(GRANTS.format(schema="public", role=role))
    app_url = pg_url.replace("postgresql://postgres", f"postgresql://{role}", 1)
    try:
        with PostgresJournal(app_url) as app:
            box = [OutboxDraft("slack:#ir", "k")]
            app.append("INC-1", "note", {}, at=T0, actor="dba", aws_identity=None, expect_seq=1, outbox=box)
            (msg,) = app.outbox_claim("s", T0, 30)
            assert app.outbox_update(msg.id, "s", status="sent", remote_id="1.2")
            assert app.heads() == {"INC-1": 2} and app.verify("INC-1").ok
            with psycopg.connect(app_url, autocommit=True) as conn:
                for statement in ("UPDATE journal_events SET actor = 'x'", "DELETE FROM journal_events"):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        conn.execute(statement)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_a_lazy_store_opens_while_the_database_is_down_and_says_so() -> None:
    j = PostgresJournal("postgresql://nexus:pw@127.0.0.1:1/db?connect_timeout=2", lazy=True)
    assert j.unreachable_since is None
    with pytest.raises(JournalUnavailable, match="shared journal unreachable"):
        j.heads()
    assert j.unreachable_since is not None
    j.close()
