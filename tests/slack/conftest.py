from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nexus_tui.domain.slack_messages import Routing
from nexus_tui.engine.comms import Comms
from nexus_tui.journal.base import JournalStore
from nexus_tui.sim.slack_server import SlackServer
from nexus_tui.sources.slack.api import WebApi
from tests.slack.memory_store import MemoryJournal
from tests.slack.support import FAST, TOKEN, SystemUTC, settings_for


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    server = SlackServer(hang_seconds=5.0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JournalStore]:
    """The real SQLite store, and the minimal in-memory one (which documents what the sender relies on)."""
    if request.param == "memory":
        yield MemoryJournal()
        return
    sqlite = pytest.importorskip("nexus_tui.journal.sqlite", reason="SqliteJournal not merged yet")
    journal = sqlite.SqliteJournal(tmp_path / "journal.sqlite3")
    try:
        yield journal
    finally:
        journal.close()


@pytest.fixture
async def make_comms(slack: SlackServer) -> AsyncIterator[Callable[..., Comms]]:
    made: list[Comms] = []

    def make(store: JournalStore, routing: Routing | None = None, **kwargs: Any) -> Comms:
        pacing = kwargs.pop("pacing", FAST)
        api = WebApi(kwargs.pop("token", TOKEN), base_url=slack.url, timeout=pacing.timeout)
        comms = Comms(store, settings_for(slack.url, routing), clock=SystemUTC(), api=api, pacing=pacing, **kwargs)
        made.append(comms)
        return comms

    yield make
    for c in made:
        await c.stop()
