"""A DashboardSource that returns snapshots it was given: for pixel-stable screenshots and for UI work
that must not depend on timing. It is an adapter, not a mock: the UI code path is the same."""

from __future__ import annotations

from collections.abc import Sequence

from nexus_tui.domain.models import DashboardSnapshot


class StaticDashboardSource:
    def __init__(self, snapshots: Sequence[DashboardSnapshot]) -> None:
        if not snapshots:
            raise ValueError("need at least one snapshot")
        self._snapshots = list(snapshots)
        self._index = 0
        self.refresh_count = 0

    async def refresh(self) -> DashboardSnapshot:
        snap = self._snapshots[min(self._index, len(self._snapshots) - 1)]
        self._index += 1
        self.refresh_count += 1
        return snap

    def invalidate(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
