"""Connection strings for the PostgreSQL journal: libpq options pass through, the password never shows.

A URL (postgresql://user:secret@host/db?sslmode=verify-full) or a libpq key=value string is handed to libpq as
given, so sslmode, sslrootcert, target_session_attrs, options=-csearch_path=... and PGPASSWORD / ~/.pgpass all
work as the PostgreSQL documentation says. Only defaults the user did not set are added: a connect timeout and
TCP keepalives, so an unreachable server or a cut network is noticed in seconds instead of minutes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from nexus_tui.journal.base import JournalError

SCHEMES = ("postgresql://", "postgres://")

_DEFAULTS = {
    "connect_timeout": "5",
    "application_name": "nexus-tui",
    # Without keepalives a half-open TCP connection (network cut, server host gone) hangs a read for ~2 hours.
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
}

_URL_SECRET = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@")
_KV_SECRET = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def is_postgres_target(target: object) -> bool:
    text = str(target).strip()
    return text.startswith(SCHEMES) or (not text.startswith(("/", ".", "~")) and "dbname=" in text)


@dataclass(frozen=True, slots=True)
class ConnInfo:
    """A parsed connection target: `dsn` goes to libpq (secret inside), `location` goes to people (masked)."""

    dsn: str
    location: str
    _password: str | None

    def scrub(self, text: str) -> str:
        """`text` (an error message from libpq, say) with every form of the password replaced by ***."""
        text = _URL_SECRET.sub(r"\1***@", text)
        text = _KV_SECRET.sub(r"\1***", text)
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def with_options(self, **overrides: str) -> str:
        return make_conninfo(self.dsn, **overrides)


def parse(target: str) -> ConnInfo:
    target = target.strip()
    try:
        params = conninfo_to_dict(target)
    except Exception as exc:  # psycopg.ProgrammingError; never echo the raw string: it may hold the password
        raise JournalError(f"{mask(target)}: not a PostgreSQL connection string ({_first_line(exc)})") from None
    password = params.get("password")
    extra = {k: v for k, v in _DEFAULTS.items() if k not in params}
    dsn = make_conninfo(target, **extra)
    return ConnInfo(dsn=dsn, location=_location(params), _password=str(password) if password else None)


def mask(text: str) -> str:
    """Best effort for a string that did not even parse: hide anything shaped like a password."""
    return _KV_SECRET.sub(r"\1***", _URL_SECRET.sub(r"\1***@", text))


def _location(params: Mapping[str, object]) -> str:
    user = str(params.get("user") or "")
    secret = ":***" if params.get("password") else ""
    host = str(params.get("host") or "")
    port = f":{params['port']}" if params.get("port") else ""
    dbname = str(params.get("dbname") or "")
    auth = f"{user}{secret}@" if user or secret else ""
    shown = f"postgresql://{auth}{host if '/' not in host else ''}{port}/{dbname}"
    query = []
    if "/" in host:  # a Unix socket directory, as the URL form writes it
        query.append(f"host={host}")
    if params.get("sslmode"):
        query.append(f"sslmode={params['sslmode']}")
    return shown + ("?" + "&".join(query) if query else "")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
