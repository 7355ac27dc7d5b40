"""The small interfaces the UI and the CLI depend on. Concrete adapters are injected, so tests can stand
up the simulator (or a fixed snapshot for pixel-stable screenshots) behind the same interface."""

from __future__ import annotations

from typing import Protocol

from nexus_tui.domain.models import DashboardSnapshot


class DashboardSource(Protocol):
    async def refresh(self) -> DashboardSnapshot:
        """One full poll of every region. Never raises for AWS trouble: it is reported inside the snapshot."""
        ...

    def invalidate(self) -> None:
        """Forget cached discovery (instances, buckets, secrets, snapshots): the next refresh re-reads what a
        runbook step has just changed, instead of showing the pre-failover picture until the cache ages."""
        ...

    async def aclose(self) -> None: ...
