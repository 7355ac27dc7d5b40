"""One poll cycle over every region, with caches, per-service backoff and a hard time bound per region.

Phase A (per region, concurrently): RDS discovery and alarms; secrets discovery starts as a background task.
Regions newly found in replica ARNs / destinations are added and get phase A too.
Phase B (per reachable region): one batched GetMetricData run.
S3 rules (behind the account-wide bucket index) start in the background after phase B, so the RDS pairs and
their lag are not queued behind the big bucket listing (a complete refresh starts them in phase A, since
they may name regions it must include).
Then the refresh waits for parts being filled for the first time until its budget runs out (or, for a complete
picture, until they finish) and returns what is ready; the rest lands in RegionState when it arrives and the
next refresh shows it. Results land in RegionState as they arrive, so a region cut off keeps what it finished.
Last, the slow-cadence parts (snapshots, bucket versioning and controls) start in the background: they never
delay the lag a refresh shows, and their per-bucket calls are paused while a refresh runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from nexus_tui.config import AwsConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.models import Datapoint
from nexus_tui.sources.aws.alarms import list_alarms
from nexus_tui.sources.aws.background import Background, FanOut, Key, Progress
from nexus_tui.sources.aws.backups import list_snapshots
from nexus_tui.sources.aws.bucket_index import BucketIndex
from nexus_tui.sources.aws.discovery import discover_rds, discover_secrets
from nexus_tui.sources.aws.errors import AwsProblem
from nexus_tui.sources.aws.metrics import MetricKey, MetricQuery, fetch_metrics, rds_queries, s3_queries
from nexus_tui.sources.aws.region_state import DISCOVERED_PARTS, EPOCH, Cached, RegionState, due
from nexus_tui.sources.aws.session import AwsClients

__all__ = ["FIRST_DATA_SECONDS", "AwsPoller", "RegionState"]

MAX_REGION_SECONDS = 120.0  # even a region that keeps answering gets no more than this per refresh
FIRST_DATA_SECONDS = 1.0  # how long a refresh waits for first-time discovery before showing what is ready
SLOW_CONCURRENCY = 4  # per region, for the slow-cadence per-bucket reads (versioning, encryption, lifecycle)


class AwsPoller(BucketIndex):
    def __init__(
        self,
        aws: AwsConfig,
        clock: Clock,
        *,
        include: tuple[str, ...] = (),
        discovery_seconds: float = 60.0,
        backups_seconds: float = 300.0,
        base_backoff_seconds: float = 10.0,
        region_timeout: float | None = None,
        concurrency: int = 16,
        budget_seconds: float | None = FIRST_DATA_SECONDS,
    ) -> None:
        self.aws = aws
        self.clock = clock
        self.include = include
        self.clients = AwsClients(aws, max_pool_connections=max(10, concurrency * 2))
        self.discovery = timedelta(seconds=discovery_seconds)
        self.backups = timedelta(seconds=backups_seconds)
        self.base_backoff = base_backoff_seconds
        # Botocore's own timeouts bound each attempt; this bounds the whole region, retries included.
        self.region_timeout = region_timeout or (aws.connect_timeout + aws.read_timeout + 1.0)
        # Per-item discovery calls: at most `concurrency` at once per region, so one big region neither starves
        # another nor draws more throttling on itself; botocore's retries back off on throttling answers.
        self.concurrency = concurrency
        self.limit = FanOut(concurrency)
        self.limits: dict[str, FanOut] = {}
        # The slow-cadence reads trickle, with their own pause: they run between refreshes, never inside one.
        self.slow = FanOut(SLOW_CONCURRENCY)
        self.slow_limits: dict[str, FanOut] = {}
        self.regions: list[str] = list(aws.regions)
        self.configured = bool(aws.regions)
        self.states: dict[str, RegionState] = {r: RegionState(r) for r in self.regions}
        self.bucket_regions: dict[str, str] = {}  # bucket -> region; a bucket never moves
        self.bucket_names: Cached[set[str]] | None = None
        self.setup_error: str | None = None
        self.budget = budget_seconds  # None: every refresh waits for a complete picture
        self.background = Background()
        self._index_error: Exception | None = None
        self.discovered = False

    # -- cycle ------------------------------------------------------------------------------------------

    async def poll(self, *, complete: bool = False) -> None:
        """One refresh. Returns once the fast parts are in and first-time discovery has had `budget` seconds;
        with `complete` (or no budget) it waits until every part has finished or failed."""
        now = self.clock.now()
        complete = complete or self.budget is None
        deadline = None if complete else time.monotonic() + (self.budget or 0.0)
        if not self.regions:
            region = self.clients.default_region()
            if not region:
                self.setup_error = "no AWS region: set aws.regions in the config, AWS_REGION, or a profile region"
                return
            self.setup_error = None
            self._add_regions([region])
        if not self.configured:  # regions found by background discovery since the last refresh
            self._add_regions(sorted(self._found_regions() - set(self.states)))
        for st in self.states.values():
            st.fresh.clear()
            st.unreachable = None
            st.answered = False
        if not complete:
            self.limit.running.clear()  # per-item discovery calls wait until this refresh's own calls are in
            self.slow.running.clear()  # and the slow-cadence ones until the refresh is over
        try:
            await self._poll(now, complete, deadline)
        finally:
            self.limit.running.set()
            self.slow.running.set()

    async def _poll(self, now: datetime, complete: bool, deadline: float | None) -> None:
        # First data first: a budgeted refresh reads RDS and its lag before starting S3 discovery, whose
        # account-wide bucket listing (one big page) would otherwise compete with it; S3 goes on in the background.
        s3_first = complete
        try:
            pending = list(self.regions)
            for _ in range(3):  # discovered DR regions get their own discovery in the same refresh
                await asyncio.gather(
                    *(self._bounded(self.states[r], self._phase_a(self.states[r], now, s3=s3_first)) for r in pending)
                )
                if complete:  # secrets and S3 rules name regions too; a complete picture includes theirs
                    await self._await_background(None)
                    self._mark_discovered()
                pending = sorted(self._found_regions() - set(self.states))
                if self.configured or not pending:
                    break
                self._add_regions(pending)
            await asyncio.gather(*(self._bounded(st, self._phase_b(st, now)) for st in self._live()))
            if not s3_first:
                for st in self._live():
                    self._start_rules(st, now)
        finally:
            self.limit.running.set()
        await self._await_background(deadline)
        self._mark_discovered()
        # S3 rules that arrived while waiting: read their metrics now rather than one refresh later.
        await asyncio.gather(*(self._bounded(st, self._missing_metrics(st, now)) for st in self._live()))
        for st in self.states.values():
            if st.unreachable is not None:
                self.background.cancel_region(st.name)  # its calls would only time out
            self._settle(st, now)
        for st in self._live():
            self._slow_parts(st, now)
        if complete:
            await self._await_background(None)

    def _slow_parts(self, st: RegionState, now: datetime) -> None:
        """Snapshots and bucket controls change rarely: started after the refresh's own calls are in."""
        if st.rds and st.rds.value and due(st.snapshots, self.backups, now):
            r, c = st.name, self.clients
            self._start(st, "snapshots", now, lambda _: list_snapshots(c, r), partial=st.snapshots is None)
        self._start_versioning(st, now)

    def _add_regions(self, regions: list[str]) -> None:
        for r in regions:
            self.regions.append(r)
            self.states[r] = RegionState(r)

    def _limit(self, region: str) -> FanOut:
        limit = self.limits.get(region)
        if limit is None:
            limit = self.limits[region] = FanOut(self.concurrency, self.limit.running)
        return limit

    def _slow_limit(self, region: str) -> FanOut:
        limit = self.slow_limits.get(region)
        if limit is None:
            limit = self.slow_limits[region] = FanOut(SLOW_CONCURRENCY, self.slow.running)
        return limit

    def _live(self) -> list[RegionState]:
        return [self.states[r] for r in self.regions if self.states[r].unreachable is None]

    async def _bounded(self, st: RegionState, work: Awaitable[None]) -> None:
        """Run a region's work until done, or until it has gone `region_timeout` without any answer.

        An idle watchdog rather than a fixed deadline: a dead or hanging region is cut off after one timeout,
        while a big discovery that keeps getting answers is allowed to finish (capped at MAX_REGION)."""
        started = time.monotonic()
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                now = time.monotonic()
                idle = now - max(self.clients.last_answer.get(st.name, started), started)
                budget = self.region_timeout - idle
                if budget <= 0 or now - started > MAX_REGION_SECONDS:
                    task.cancel()
                    st.unreachable = st.unreachable or AwsProblem(
                        "unreachable", f"no answer within {self.region_timeout:g}s"
                    )
                    self.background.cancel_region(st.name)
                    break
                await asyncio.wait({task}, timeout=budget)
            if task.done() and not task.cancelled():
                task.result()
        finally:
            if not task.done():
                task.cancel()
            st.latency_ms = round((time.monotonic() - started) * 1000, 1)

    async def _await_background(self, deadline: float | None) -> None:
        """Wait for first-time discovery until `deadline`, or (deadline None) for every background part.

        Waiting for everything is bounded like a region: when nothing anywhere has answered for
        `region_timeout`, the parts still running are given up and reported, never waited for forever."""
        started = time.monotonic()
        while tasks := self.background.waited(everything=deadline is None):
            now = time.monotonic()
            idle = now - max(self.clients.last_answer.get("*", started), started)
            if deadline is not None:
                if now >= deadline:
                    return
                await asyncio.wait(tasks, timeout=deadline - now, return_when=asyncio.FIRST_COMPLETED)
                continue
            if idle >= self.region_timeout or now - started > MAX_REGION_SECONDS:
                self._give_up([k for k, t in self.background.tasks.items() if t in tasks])
                return
            await asyncio.wait(tasks, timeout=self.region_timeout - idle, return_when=asyncio.FIRST_COMPLETED)

    def _give_up(self, keys: list[Key]) -> None:
        self.background.cancel(keys)
        problem = AwsProblem("unreachable", f"no answer within {self.region_timeout:g}s")
        for region, part in keys:
            for st in self.states.values() if region is None else [self.states[region]]:
                if region is None and part == "index":
                    part = "rules"
                st.problems.setdefault(part, problem)

    def _settle(self, st: RegionState, now: datetime) -> None:
        st.checked_at = now
        if st.unreachable is not None:
            st.reachable = False
        elif st.answered:
            st.reachable = True
            st.last_ok_at = now
        # Parts not due this cycle are still current, unless their region is down or they are failing.
        if st.unreachable is None:
            for part in ("rds", "secrets", "rules", "snapshots", "versioning"):
                if getattr(st, part) is not None and part not in st.problems:
                    st.fresh.add(part)
        else:
            st.fresh.clear()

    def invalidate(self) -> None:
        """Make every discovered part due now; cached values stay, so a region that does not answer still
        shows its last-known rows (stale) rather than nothing."""
        for st in self.states.values():
            for part in DISCOVERED_PARTS:
                cached = getattr(st, part)
                if cached is not None:
                    cached.at = EPOCH

    # -- phase A: discovery and alarms -----------------------------------------------------------------

    async def _phase_a(self, st: RegionState, now: datetime, *, s3: bool) -> None:
        r, c = st.name, self.clients
        jobs: list[Awaitable[Any]] = []
        if due(st.rds, self.discovery, now):
            jobs.append(self._run(st, "rds", now, lambda: discover_rds(c, r, self.include)))
        jobs.append(self._run(st, "alarms", now, lambda: list_alarms(c, r)))
        # Scheduled before the background parts: clients are created one at a time, in the order asked for,
        # and the RDS pages (serial, the longest wait of a first refresh) should not wait behind the others'.
        running = asyncio.gather(*jobs)
        if due(st.secrets, self.discovery, now):
            self._start(
                st,
                "secrets",
                now,
                lambda p: discover_secrets(c, r, self.include, self._limit(r), p),
                partial=st.secrets is None,
            )
        if s3:
            self._start_rules(st, now)
        await running
        if st.unreachable is not None:
            self.background.cancel_region(r)

    def _start_rules(self, st: RegionState, now: datetime) -> None:
        """S3 rules: the account-wide bucket listing, then one call per bucket, in the background."""
        if due(st.rules, self.discovery, now) and not self._backing_off(st, "rules", now):
            self._index(now)
            self._start(
                st, "rules", now, lambda p: self._rules(st, p), partial=st.rules is None, then=self._more_versioning
            )

    def _found_regions(self) -> set[str]:
        found: set[str] = set()
        for st in self.states.values():
            for inst in st.rds.value if st.rds else []:
                found.update(reg for _, reg in inst.replicas)
                if inst.source_region:
                    found.add(inst.source_region)
            for sec in st.secrets.value if st.secrets else []:
                found.update((sec.source_region, sec.target_region))
            for rule in st.rules.value if st.rules else []:
                loc = self.bucket_regions.get(rule.target)
                if loc:
                    found.add(loc)
        return found

    # -- phase B: metrics, snapshots, versioning -----------------------------------------------------

    def _queries(self, st: RegionState) -> list[MetricQuery]:
        return rds_queries(st.rds.value if st.rds else []) + s3_queries(st.rules.value if st.rules else [])

    async def _phase_b(self, st: RegionState, now: datetime) -> None:
        r, c = st.name, self.clients
        queries = self._queries(st)
        if queries:
            previous = st.metrics.value if st.metrics else None
            await self._run(st, "metrics", now, lambda: fetch_metrics(c, r, queries, now, previous))

    async def _missing_metrics(self, st: RegionState, now: datetime) -> None:
        """One more batch for series found after this refresh's metrics run (first discovery only)."""
        if st.metrics is None or "metrics" in st.problems:
            return
        have = st.metrics.value
        missing = [q for q in self._queries(st) if q.key not in have]
        if not missing:
            return

        async def fetch() -> dict[MetricKey, tuple[Datapoint, ...]]:
            return {**have, **await fetch_metrics(self.clients, st.name, missing, now)}

        await self._run(st, "metrics", now, fetch, at=st.metrics.at)

    def in_progress(self) -> list[tuple[Key, Progress]]:
        """Parts being filled for the first time right now (the picture is partial until they finish)."""
        return self.background.in_progress()

    async def aclose(self) -> None:
        await self.background.aclose()
        await self.clients.aclose()
