"""A real PostgreSQL for the journal tests, with nothing installed on the machine.

One server per test session: the one named by NEXUS_TUI_TEST_PG_URL (a role that may CREATE DATABASE), or else
a throwaway PostgreSQL 16 from the `pgserver` wheel (its own initdb/pg_ctl/postgres binaries; as root it runs the
server as an unprivileged user). Each test gets a database of its own, dropped afterwards. These tests never
skip: a server that cannot start fails the session loudly, with the server's log.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg
import pytest

ENV_URL = "NEXUS_TUI_TEST_PG_URL"


@dataclass
class PgServer:
    admin_url: str
    pgdata: Path | None = None  # set when this session started the server (it can then stop and restart it)

    def url(self, dbname: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + dbname))

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start_pgserver() -> PgServer:
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - a broken dev install
        pytest.fail(f"pgserver is not installed ({exc}); run `make .venv/.installed-stamp`", pytrace=False)
    # A short path: the Unix socket lives inside it on some platforms, and sun_path is 108 bytes.
    pgdata = Path(tempfile.mkdtemp(prefix="nexus-pg-")) / "data"
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
    except Exception as exc:
        log = pgdata / "log"
        tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no server log)"
        pytest.fail(f"could not start the throwaway PostgreSQL (pgserver): {exc}\n{tail}", pytrace=False)
    return PgServer(admin_url=server.get_uri(), pgdata=pgdata)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(ENV_URL)
    if url:
        yield PgServer(admin_url=url)
        return
    yield _start_pgserver()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, as a postgresql:// URL."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


class Restartable:
    """A pgserver of its own, so stopping it does not disturb the other tests' server."""

    def __init__(self) -> None:
        import pgserver
        from pgserver import _commands

        self._pg_ctl = _commands.pg_ctl
        self.pgdata = Path(tempfile.mkdtemp(prefix="nexus-pg-off-")) / "data"
        self.admin_url = pgserver.get_server(self.pgdata, cleanup_mode="delete").get_uri()
        self._socket_dir = parse_qs(urlsplit(self.admin_url).query)["host"][0]
        self._user = "pgserver" if os.geteuid() == 0 else None

    def stop(self) -> None:
        self._pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._user, timeout=60)

    def start(self) -> None:
        args = ["-w", "-o", '-h ""', "-o", f"-k {self._socket_dir}", "-l", str(self.pgdata / "log"), "start"]
        self._pg_ctl(args, pgdata=self.pgdata, user=self._user, timeout=60)

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(self.admin_url)._replace(path="/" + name))


@pytest.fixture(scope="session")
def pg_restartable() -> Restartable:
    """A server of its own that tests stop and start (the others' server, pg_server, is never stopped)."""
    return Restartable()


@pytest.fixture
def pg_restartable_url(pg_restartable: Restartable) -> Iterator[str]:
    """A fresh database on the restartable server (started again if a test left it stopped)."""
    if not _running(pg_restartable):
        pg_restartable.start()
    yield pg_restartable.new_database()
    if not _running(pg_restartable):
        pg_restartable.start()


def _running(server: Restartable) -> bool:
    return (server.pgdata / "postmaster.pid").exists()
