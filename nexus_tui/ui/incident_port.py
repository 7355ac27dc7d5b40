"""What the runbook screen needs from whoever follows the incident (the IncidentController), as a protocol,
so the screen and the controller do not import each other."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.models import DashboardSnapshot
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.comms import Comms
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.session import IncidentSession, StepExecutor


class IncidentHost(Protocol):
    state: IncidentState | None
    session: IncidentSession | None
    executor: StepExecutor | None

    @property
    def settings(self) -> Settings: ...

    @property
    def journal_problem(self) -> str | None: ...

    @property
    def comms(self) -> Comms | None: ...

    def now(self) -> datetime: ...

    def snapshot(self) -> DashboardSnapshot | None: ...

    def view(self) -> IncidentView | None: ...

    def apply(self, state: IncidentState, show: bool = False) -> None: ...

    def rediscover(self) -> None: ...
