"""Shared setup for the runbook-screen tests: a small runbook file, a real IncidentService on a tmp journal,
and NexusApp wired to both on fixed dashboard snapshots and a ManualClock."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from textual.widgets import Static

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.engine.incidents import IdFactory, IncidentService
from nexus_tui.engine.session import StepExecutor
from nexus_tui.engine.static import StaticDashboardSource
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import load_library
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.runbook import RunbookScreen
from nexus_tui.ui.widgets.incident_clock import IncidentClock
from nexus_tui.ui.widgets.step_list import StepList
from tests.ui.conftest import wait_for

RUNBOOK_ID = "drill-failover"
RUNBOOK = """\
id: drill-failover
title: Drill failover
trigger: Primary database unavailable for 5 minutes
rto_minutes: 30
roles: [Incident Commander, Infrastructure Engineer]
params:
  primary_region: us-east-1
  dns_name: app.example.com
  deployment: null
steps:
  - id: verify
    title: Verify the primary is down
    description: Check ${primary_region} before failing over.
    expected_minutes: 2
    owner: Incident Commander
    kind: manual
    preconditions:
      - check: region_unreachable
        region: ${primary_region}
        description: A whole-region outage confirms it.
  - id: restart
    title: Restart the application
    expected_minutes: 5
    owner: Infrastructure Engineer
    kind: command
    command: kubectl rollout restart deployment/${deployment}
  - id: dns
    title: Point DNS at the DR region
    expected_minutes: 2
    owner: Infrastructure Engineer
    kind: manual
    destructive: true
    confirm: ${dns_name}
  - id: notify
    title: Tell stakeholders
    expected_minutes: 1
    owner: Incident Commander
    kind: manual
"""


@dataclass
class Rig:
    tmp: Path
    config: AppConfig
    clock: ManualClock
    service: IncidentService

    def other_service(self, actor: str = "bob") -> IncidentService:
        """A second process's view of the same journal, as `nexus-tui incident ...` would open it."""
        return make_service(self.config, self.clock, self.tmp / "journal.sqlite3", actor)

    def app(self, *snapshots: DashboardSnapshot, executor: StepExecutor | None = None) -> NexusApp:
        return NexusApp(
            self.config,
            StaticDashboardSource(list(snapshots)),
            clock=self.clock,
            incidents=self.service,
            executor=executor,
        )

    def declare(self, **params: str) -> str:
        return self.service.declare(RUNBOOK_ID, "SEV2", "alice", False, params or {"deployment": "api"})


def make_service(
    config: AppConfig, clock: ManualClock, journal: Path, actor: str = "alice", id_factory: IdFactory | None = None
) -> IncidentService:
    library = load_library(config=config)
    return IncidentService(
        SqliteJournal(journal),
        clock=clock,
        runbook_loader=library.get,
        settings=config.settings,
        actor=actor,
        id_factory=id_factory,
    )


def make_rig(tmp: Path, clock: ManualClock, id_factory: IdFactory | None = None) -> Rig:
    books = tmp / "runbooks"
    books.mkdir()
    (books / "drill-failover.yaml").write_text(RUNBOOK)
    config = replace(AppConfig(), runbook_dirs=(books,), refresh_seconds=3600.0)
    return Rig(tmp, config, clock, make_service(config, clock, tmp / "journal.sqlite3", id_factory=id_factory))


async def on_runbook(app: NexusApp, pilot: object) -> RunbookScreen:
    await wait_for(
        lambda: isinstance(app.screen, RunbookScreen) and app.screen.ready and app.snapshot is not None,
        pilot,
        limit=30,  # the first dashboard refresh against the simulator is slow on a loaded machine
    )
    screen = app.screen
    assert isinstance(screen, RunbookScreen)
    return screen


def step_states(app: NexusApp) -> list[str]:
    table = app.screen.query_one(StepList)
    return [table.get_cell(key, "state").plain for key in table.rows]


def text_of(app: NexusApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def big_clock(app: NexusApp) -> IncidentClock:
    return app.screen.query_one("#rb-clock", IncidentClock)


def notifications(app: NexusApp) -> list[str]:
    return [n.message for n in app._notifications]
