"""The PostgreSQL journal's tables, and the rules the database itself enforces on them.

The tables live in the first schema of the role's search_path (set another with options=-csearch_path=... in
the URL). What the database refuses, whatever the client does:
- UPDATE, DELETE and TRUNCATE of events (triggers; and the application role is granted only SELECT, INSERT);
- an event whose seq does not follow the incident's last one, or whose prev_hash is not that event's hash
  (so every incident's chain is gap-free even if a buggy client skips the optimistic check);
- two events with one (incident_id, seq): the unique constraint is the optimistic concurrency check.
Every insert notifies channel `nexus_journal` with its position [incident_id, seq], never the row: a NOTIFY
payload must stay under 8000 bytes, and an oversized id sends an empty payload ("look at every head").
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from nexus_tui.journal.base import JournalError

SCHEMA_VERSION = 1
CHANNEL = "nexus_journal"
GENESIS_SQL = "0" * 64
# pg_advisory_xact_lock key: two processes opening a brand-new database create the tables once.
_MIGRATE_LOCK = 0x6E657875

DDL = f"""
CREATE TABLE IF NOT EXISTS journal_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE IF NOT EXISTS journal_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id text NOT NULL,
    seq integer NOT NULL CHECK (seq > 0),
    type text NOT NULL,
    at text NOT NULL,
    actor text NOT NULL,
    aws_identity text,
    payload text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    CONSTRAINT journal_events_incident_seq UNIQUE (incident_id, seq)
);
CREATE INDEX IF NOT EXISTS journal_events_by_type ON journal_events (type, incident_id);

CREATE OR REPLACE FUNCTION journal_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only: events cannot be changed or deleted';
END $$;

CREATE OR REPLACE FUNCTION journal_events_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq = 1 THEN
        IF NEW.prev_hash <> '{GENESIS_SQL}' THEN
            RAISE EXCEPTION 'journal chain: seq 1 of % must link to the genesis hash', NEW.incident_id;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM journal_events
                      WHERE incident_id = NEW.incident_id AND seq = NEW.seq - 1 AND hash = NEW.prev_hash) THEN
        RAISE EXCEPTION 'journal chain: seq % of % does not follow its predecessor', NEW.seq, NEW.incident_id;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION journal_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF octet_length(NEW.incident_id) < 7000 THEN
        PERFORM pg_notify('{CHANNEL}', json_build_array(NEW.incident_id, NEW.seq)::text);
    ELSE
        PERFORM pg_notify('{CHANNEL}', '');
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS journal_events_no_update ON journal_events;
CREATE TRIGGER journal_events_no_update BEFORE UPDATE OR DELETE ON journal_events
    FOR EACH ROW EXECUTE FUNCTION journal_events_refuse_change();
DROP TRIGGER IF EXISTS journal_events_no_truncate ON journal_events;
CREATE TRIGGER journal_events_no_truncate BEFORE TRUNCATE ON journal_events
    FOR EACH STATEMENT EXECUTE FUNCTION journal_events_refuse_change();
DROP TRIGGER IF EXISTS journal_events_link ON journal_events;
CREATE TRIGGER journal_events_link BEFORE INSERT ON journal_events
    FOR EACH ROW EXECUTE FUNCTION journal_events_check_link();
DROP TRIGGER IF EXISTS journal_events_notify ON journal_events;
CREATE TRIGGER journal_events_notify AFTER INSERT ON journal_events
    FOR EACH ROW EXECUTE FUNCTION journal_events_notify();

CREATE TABLE IF NOT EXISTS journal_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id text NOT NULL,
    event_seq integer NOT NULL,
    channel text NOT NULL,
    key text NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    created_at timestamptz NOT NULL,
    claimed_by text,
    claimed_until timestamptz,
    remote_id text,
    last_error text,
    CONSTRAINT journal_outbox_key UNIQUE (incident_id, key),
    CONSTRAINT journal_outbox_event FOREIGN KEY (incident_id, event_seq) REFERENCES journal_events (incident_id, seq)
);
CREATE INDEX IF NOT EXISTS journal_outbox_open ON journal_outbox (incident_id, id)
    WHERE status IN ('pending', 'sending');
"""

# The triggers verify() checks are still in force (a table owner can disable them).
GUARD_TRIGGERS = ("journal_events_no_update", "journal_events_no_truncate", "journal_events_link")

# What README shows for a least-privilege application role (the owner runs DDL once).
GRANTS = """\
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT ON journal_meta TO {role};
GRANT SELECT, INSERT ON journal_events TO {role};
GRANT SELECT, INSERT ON journal_outbox TO {role};
GRANT UPDATE (status, attempts, next_attempt_at, claimed_by, claimed_until, remote_id, last_error)
    ON journal_outbox TO {role};"""


def ensure_schema(conn: psycopg.Connection, where: str) -> None:
    """Check the tables are there and of a version this code reads; create them on a blank database."""
    version = _version(conn)
    if version is None:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
                conn.execute(sql.SQL(DDL))
                conn.execute(
                    "INSERT INTO journal_meta (key, value) VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
                    (str(SCHEMA_VERSION),),
                )
        except psycopg.errors.InsufficientPrivilege:
            raise JournalError(
                f"{where}: the journal tables do not exist and this role may not create them;"
                " connect once as the schema owner (README: PostgreSQL journal)"
            ) from None
        version = _version(conn)
    if version is None or version > SCHEMA_VERSION:
        raise JournalError(
            f"{where}: journal schema v{version} is newer than this nexus-tui (v{SCHEMA_VERSION}); upgrade"
        )


def _version(conn: psycopg.Connection) -> int | None:
    try:
        with conn.transaction():
            row = conn.execute("SELECT value FROM journal_meta WHERE key = 'schema_version'").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return int(row[0]) if row else None
