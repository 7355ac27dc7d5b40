"""The small interfaces the UI and the CLI depend on. Concrete adapters are injected, so tests can stand
up the simulator (or a fixed snapshot for pixel-stable screenshots) behind the same interface."""

from __future__ import annotations

from typing import Protocol

from nexus_tui.domain.models import DashboardSnapshot


class DashboardSource(Protocol):
    async def refresh(self) -> DashboardSnapshot:
        """One full poll of every region. Never raises for AWS trouble: it is reported inside the snapshot."""
        ...

    async def aclose(self) -> None: ...
