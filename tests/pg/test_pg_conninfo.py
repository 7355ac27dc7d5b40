"""Connection strings: libpq options pass through, the password never shows (no server needed)."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from nexus_tui.journal.postgres_conninfo import is_postgres_target, parse

# Passwords of every printable shape; hosts, users and names from a disjoint alphabet so "not shown" is testable.
passwords = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs")), min_size=6, max_size=40
).filter(lambda p: any(c in p for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()[]{}:/?=;'\"\\"))
names = st.text("abcdefghij", min_size=1, max_size=10)


@given(password=passwords, user=names, host=names, db=names)
def test_a_url_password_is_masked_in_location_and_in_messages(password: str, user: str, host: str, db: str) -> None:
    url = f"postgresql://{user}:{quote(password, safe='')}@{host}:5432/{db}?sslmode=verify-full"
    info = parse(url)
    assert conninfo_to_dict(info.dsn)["password"] == password  # libpq gets it...
    assert password not in info.location and quote(password, safe="") not in info.location  # ...people do not
    assert info.location == f"postgresql://{user}:***@{host}:5432/{db}?sslmode=verify-full"
    message = f'connection to "{host}" failed for {url} (password={password})'
    assert password not in info.scrub(message)


@given(password=passwords.filter(lambda p: "'" not in p and "\\" not in p))
def test_a_key_value_password_is_masked(password: str) -> None:
    info = parse(f"host=db.internal dbname=nexus user=ic password='{password}' sslmode=require")
    assert password not in info.location and info.location.startswith("postgresql://ic:***@db.internal/nexus")
    assert password not in info.scrub(f"bad: password='{password}'")


def test_defaults_only_fill_what_the_user_left_out() -> None:
    params = conninfo_to_dict(parse("postgresql://h/db?connect_timeout=30&application_name=wall").dsn)
    assert params["connect_timeout"] == "30" and params["application_name"] == "wall"
    assert params["keepalives"] == "1"


def test_which_targets_are_postgres() -> None:
    assert is_postgres_target("postgresql://h/db") and is_postgres_target("postgres://h/db")
    assert is_postgres_target("host=h dbname=nexus")
    assert not is_postgres_target("/var/lib/nexus/journal.sqlite3") and not is_postgres_target("journal.sqlite3")
