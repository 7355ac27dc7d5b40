"""The TUI when the shared journal goes away mid-incident: the banner says so at once, the IC keeps working, and
when the database is back the work is merged, automatically or, after a conflict, as the IC decides."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.store import open_store
from nexus_tui.runbook.library import load_library
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.merge_conflict import MergeConflictScreen
from nexus_tui.ui.widgets.journal_banner import JournalBanner
from tests.pg.conftest import Restartable
from tests.ui.conftest import SIZE, wait_for
from tests.ui.runbook_support import RUNBOOK, RUNBOOK_ID, on_runbook
from tests.ui.sample_data import NOW, healthy_snapshot

# Generous: these bound a loaded CI runner's worst case; nothing is asserted about how long anything took.
LIMIT = 60.0


@dataclass
class Tui:
    url: str
    service: IncidentService
    app: NexusApp
    incident: str


@pytest.fixture
def tui(tmp_path: Path, pg_restartable_url: str) -> Iterator[Tui]:
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / f"{RUNBOOK_ID}.yaml").write_text(RUNBOOK)
    config = replace(AppConfig(), runbook_dirs=(books,), refresh_seconds=3600.0)
    clock = ManualClock(NOW)
    store = open_store(pg_restartable_url, offline_dir=tmp_path / "offline")
    service = IncidentService(
        store, clock=clock, runbook_loader=load_library(config=config).get, settings=config.settings, actor="alice"
    )
    incident = service.declare(RUNBOOK_ID, "SEV2", "alice", False, {"deployment": "api"})
    app = NexusApp(config, StaticDashboardSource([healthy_snapshot()]), clock=clock, incidents=service)
    assert app.journal_watch is not None
    app.journal_watch.check_seconds = 3600.0  # the test looks when it wants to (check_now), never on a timer
    yield Tui(pg_restartable_url, service, app, incident)
    service.close()


def _banner(app: NexusApp) -> str | None:
    banners = list(app.screen.query(JournalBanner))
    return banners[0].text if banners else None


async def _offline_note(tui: Tui, server: Restartable, pilot: object) -> None:
    """The server stops; the IC writes a note all the same, and the banner says so."""
    app = tui.app
    await on_runbook(app, pilot)
    assert _banner(app) is None
    await asyncio.to_thread(server.stop)
    assert app.incident_ui is not None and app.incident_ui.session is not None
    view = await app.incident_ui.session.note("written while the database was down")
    app.incident_ui.apply(view.state)
    # No timer look (check_seconds is an hour here): going offline itself brings the banner up.
    await wait_for(lambda: _banner(app) is not None, pilot, LIMIT)
    text = _banner(app)
    assert text is not None and re.fullmatch(
        r"shared journal unreachable since \d\d:\d\d:\d\d UTC — working offline, 1 event to merge", text
    ), text


async def test_banner_while_offline_then_an_automatic_merge(tui: Tui, pg_restartable: Restartable) -> None:
    app = tui.app
    async with app.run_test(size=SIZE) as pilot:
        await _offline_note(tui, pg_restartable, pilot)
        await asyncio.to_thread(pg_restartable.start)
        assert app.journal_watch is not None
        await app.journal_watch.check_now()
        assert _banner(app) is None
        with PostgresJournal(tui.url) as shared:
            events = shared.events_since(tui.incident, 0)
        assert [e.type for e in events][-2:] == ["note", "note"] and "offline_gap" in events[-2].payload
        await wait_for(lambda: app.incident_ui is not None and app.incident_ui.state is not None
                       and app.incident_ui.state.last_seq == events[-1].seq, pilot, LIMIT)  # fmt: skip


async def test_a_conflict_is_shown_and_the_ic_keeps_theirs_and_mine(tui: Tui, pg_restartable: Restartable) -> None:
    app = tui.app
    async with app.run_test(size=SIZE) as pilot:
        await _offline_note(tui, pg_restartable, pilot)
        await asyncio.to_thread(pg_restartable.start)
        with PostgresJournal(tui.url) as dba:  # another responder wrote meanwhile
            head = dba.heads()[tui.incident]
            dba.append(tui.incident, "note", {"text": "the DBA's note"}, at=NOW + timedelta(minutes=1), actor="bob",
                       aws_identity=None, expect_seq=head)  # fmt: skip
        assert app.journal_watch is not None
        await app.journal_watch.check_now()
        await wait_for(lambda: isinstance(app.screen, MergeConflictScreen), pilot, LIMIT)
        modal = app.screen
        assert isinstance(modal, MergeConflictScreen)
        assert [e.payload["text"] for e in modal.theirs] == ["the DBA's note"]
        assert [e.payload["text"] for e in modal.mine] == ["written while the database was down"]
        await pilot.press("m")
        await wait_for(lambda: not isinstance(app.screen, MergeConflictScreen) and _banner(app) is None, pilot, LIMIT)
        with PostgresJournal(tui.url) as shared:
            texts = [e.payload.get("text", "") for e in shared.events_since(tui.incident, 0)]
            assert shared.verify(tui.incident).ok
        assert texts[-3] == "the DBA's note" and "offline" in texts[-2]
        assert texts[-1] == "written while the database was down"


async def test_deciding_later_keeps_the_banner_and_taking_theirs_records_mine(
    tui: Tui, pg_restartable: Restartable
) -> None:
    app = tui.app
    async with app.run_test(size=SIZE) as pilot:
        await _offline_note(tui, pg_restartable, pilot)
        await asyncio.to_thread(pg_restartable.start)
        with PostgresJournal(tui.url) as dba:
            head = dba.heads()[tui.incident]
            dba.append(tui.incident, "note", {"text": "the DBA's note"}, at=NOW + timedelta(minutes=1), actor="bob",
                       aws_identity=None, expect_seq=head)  # fmt: skip
        assert app.journal_watch is not None
        await app.journal_watch.check_now()
        await wait_for(lambda: isinstance(app.screen, MergeConflictScreen), pilot, LIMIT)
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, MergeConflictScreen), pilot, LIMIT)
        assert (_banner(app) or "").endswith(
            "1 event to merge: another responder wrote meanwhile, your decision is needed"
        )
        with PostgresJournal(tui.url) as shared:
            assert shared.heads()[tui.incident] == head + 1  # nothing written before the decision
        await app.journal_watch.check_now()  # asked again on the next look
        await wait_for(lambda: isinstance(app.screen, MergeConflictScreen), pilot, LIMIT)
        await pilot.press("t")
        await wait_for(lambda: not isinstance(app.screen, MergeConflictScreen) and _banner(app) is None, pilot, LIMIT)
        with PostgresJournal(tui.url) as shared:
            events = shared.events_since(tui.incident, 0)
        assert events[-2].payload["text"] == "the DBA's note"
        gap = events[-1].payload["offline_gap"]
        assert gap["discarded"] and "written while the database was down" in gap["listing"]
        await wait_for(lambda: app.incident_ui is not None and app.incident_ui.state is not None
                       and app.incident_ui.state.last_seq == events[-1].seq, pilot, LIMIT)  # fmt: skip
