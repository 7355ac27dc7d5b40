"""The live DashboardSource: AWS (every region, batched) plus HTTP health endpoints, one snapshot per refresh.

refresh() never raises for AWS trouble and is bounded in time: each region has its own deadline, so a dead
region costs at most one timeout and the other regions keep updating. On a big account the first refresh
returns after `budget_seconds` with what is ready (RDS pairs and lag first) while the slow discovery keeps
running in the background and says so; refresh(complete=True) waits for the whole picture instead.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.models import DashboardSnapshot, EndpointHealth, Unavailable
from nexus_tui.sources.aws.assemble import build_view
from nexus_tui.sources.aws.poller import FIRST_DATA_SECONDS, AwsPoller
from nexus_tui.sources.http.health import HealthChecker


class DashboardService:
    def __init__(
        self,
        config: AppConfig,
        clock: Clock = SystemClock(),  # noqa: B008 - a stateless default is safe to share
        *,
        discovery_seconds: float = 60.0,
        backups_seconds: float = 300.0,
        region_timeout: float | None = None,
        budget_seconds: float | None = FIRST_DATA_SECONDS,
    ) -> None:
        self.config = config
        self.clock = clock
        self.poller = AwsPoller(
            config.aws,
            clock,
            include=config.include,
            discovery_seconds=discovery_seconds,
            backups_seconds=backups_seconds,
            base_backoff_seconds=config.refresh_seconds,
            region_timeout=region_timeout,
            budget_seconds=budget_seconds,
        )
        self.health = HealthChecker(config.health_checks, clock)
        self.last: DashboardSnapshot | None = None
        self._lock = asyncio.Lock()
        # Requests are counted from one snapshot to the next, so background calls made between refreshes
        # are charged to the snapshot that shows their results.
        self._counted: Counter[str] = Counter()

    async def refresh(self, *, complete: bool = False) -> DashboardSnapshot:
        """One snapshot. `complete`: wait until background discovery has finished (or failed) everywhere."""
        async with self._lock:  # a slow refresh and a keypress-triggered one must not interleave
            before = self._counted
            extra: list[Unavailable] = []
            endpoints: tuple[EndpointHealth, ...] = ()
            aws_result, health_result = await asyncio.gather(
                self.poller.poll(complete=complete), self.health.check_all(), return_exceptions=True
            )
            if isinstance(aws_result, BaseException):
                if isinstance(aws_result, asyncio.CancelledError):
                    raise aws_result
                # A bug in an adapter must not take the dashboard down with it; it shows as one line.
                extra.append(Unavailable("regions", None, "AWS poll", f"{type(aws_result).__name__}: {aws_result}"))
            if isinstance(health_result, BaseException):
                extra.append(Unavailable("health", None, "health checks", f"{type(health_result).__name__}"))
            else:
                endpoints = health_result
            view = build_view(self.poller, self.config.labels, self.clock.now())
            self._counted = Counter(self.poller.clients.counts)
            spent = Counter(self._counted)
            spent.subtract(before)
            snapshot = DashboardSnapshot(
                generated_at=self.clock.now(),
                regions=view.regions,
                replication=view.replication,
                backups=view.backups,
                alarms=view.alarms,
                endpoints=endpoints,
                unavailable=view.unavailable + tuple(extra),
                request_counts=tuple(sorted((k, v) for k, v in spent.items() if v > 0)),
            )
            self.last = snapshot
            return snapshot

    def invalidate(self) -> None:
        self.poller.invalidate()

    async def aclose(self) -> None:
        await self.health.aclose()
        await self.poller.aclose()
