"""One poll cycle over every region, with caches, per-service backoff and a hard time bound per region.

Phase A (per region, concurrently): discovery (RDS, secrets, S3 rules; on their own slower cadence) and
firing alarms. Regions newly found in replica ARNs / destinations are added and get phase A too.
Phase B (per reachable region): one batched GetMetricData run, snapshots and bucket versioning (slow cadence).
Results land in RegionState as they arrive, so a region cut off by its time bound keeps what it finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from nexus_tui.config import AwsConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.models import AlarmInfo, Datapoint
from nexus_tui.sources.aws.alarms import firing_alarms
from nexus_tui.sources.aws.backups import SnapshotRecord, Versioning, bucket_versioning, list_snapshots
from nexus_tui.sources.aws.discovery import (
    BucketRule,
    RdsInstance,
    SecretReplica,
    bucket_location,
    bucket_rules,
    discover_rds,
    discover_secrets,
    included,
    list_bucket_names,
)
from nexus_tui.sources.aws.errors import AwsProblem, classify
from nexus_tui.sources.aws.metrics import MetricKey, fetch_metrics, rds_queries, s3_queries
from nexus_tui.sources.aws.session import AwsClients

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 300.0
MAX_REGION_SECONDS = 120.0  # even a region that keeps answering gets no more than this per refresh


@dataclass
class Cached(Generic[T]):
    value: T
    at: datetime


@dataclass
class Gate:
    """Backoff of one (region, part): skipped until retry_at after throttling, 5xx or a refusal."""

    failures: int = 0
    retry_at: datetime | None = None


@dataclass
class RegionState:
    name: str
    rds: Cached[list[RdsInstance]] | None = None
    secrets: Cached[list[SecretReplica]] | None = None
    rules: Cached[list[BucketRule]] | None = None
    alarms: Cached[list[AlarmInfo]] | None = None
    metrics: Cached[dict[MetricKey, tuple[Datapoint, ...]]] | None = None
    snapshots: Cached[list[SnapshotRecord]] | None = None
    versioning: Cached[dict[str, Versioning]] | None = None
    fresh: set[str] = field(default_factory=set)  # parts current as of this cycle
    problems: dict[str, AwsProblem] = field(default_factory=dict)
    retry_at: dict[str, datetime] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    unreachable: AwsProblem | None = None
    answered: bool = False  # at least one call got an answer this cycle
    reachable: bool | None = None
    last_ok_at: datetime | None = None
    checked_at: datetime | None = None
    latency_ms: float | None = None


class AwsPoller:
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
        self.limit = asyncio.Semaphore(concurrency)
        self.regions: list[str] = list(aws.regions)
        self.configured = bool(aws.regions)
        self.states: dict[str, RegionState] = {r: RegionState(r) for r in self.regions}
        self.bucket_regions: dict[str, str] = {}  # bucket -> region; a bucket never moves
        self.bucket_names: Cached[set[str]] | None = None
        self.setup_error: str | None = None
        self._waiting: set[str] = set()

    # -- cycle ------------------------------------------------------------------------------------------

    async def poll(self) -> None:
        now = self.clock.now()
        if not self.regions:
            region = self.clients.default_region()
            if not region:
                self.setup_error = "no AWS region: set aws.regions in the config, AWS_REGION, or a profile region"
                return
            self.setup_error = None
            self.regions.append(region)
            self.states[region] = RegionState(region)
        for st in self.states.values():
            st.fresh.clear()
            st.unreachable = None
            st.answered = False
        index = asyncio.ensure_future(self._bucket_index(now))
        try:
            pending = list(self.regions)
            for _ in range(3):  # discovered DR regions get their own discovery in the same refresh
                await asyncio.gather(
                    *(self._bounded(self.states[r], self._phase_a(self.states[r], now, index)) for r in pending)
                )
                pending = [r for r in self._found_regions() if r not in self.states]
                if self.configured or not pending:
                    break
                for r in pending:
                    self.regions.append(r)
                    self.states[r] = RegionState(r)
            live = [self.states[r] for r in self.regions if self.states[r].unreachable is None]
            await asyncio.gather(*(self._bounded(st, self._phase_b(st, now)) for st in live))
        finally:
            if not index.done():
                index.cancel()
            elif not index.cancelled():
                index.exception()  # consumed here; the parts that needed it recorded the problem
        for st in self.states.values():
            self._settle(st, now)

    async def _bounded(self, st: RegionState, work: Awaitable[None]) -> None:
        """Run a region's work until done, or until it has gone `region_timeout` without any answer.

        An idle watchdog rather than a fixed deadline: a dead or hanging region is cut off after one timeout,
        while a big first discovery that keeps getting answers is allowed to finish (capped at MAX_REGION)."""
        started = time.monotonic()
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                now = time.monotonic()
                answers = self.clients.last_answer
                last = answers.get(st.name, started)
                if st.name in self._waiting:  # waiting on the global bucket index, which is making progress
                    last = max(last, answers.get("*", started))
                idle = now - max(last, started)
                budget = self.region_timeout - idle
                if budget <= 0 or now - started > MAX_REGION_SECONDS:
                    task.cancel()
                    st.unreachable = st.unreachable or AwsProblem(
                        "unreachable", f"no answer within {self.region_timeout:g}s"
                    )
                    break
                await asyncio.wait({task}, timeout=budget)
            if task.done() and not task.cancelled():
                task.result()
        finally:
            if not task.done():
                task.cancel()
            st.latency_ms = round((time.monotonic() - started) * 1000, 1)

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

    def _due(self, cached: Cached[Any] | None, every: timedelta, now: datetime) -> bool:
        return cached is None or now - cached.at >= every

    async def _run(self, st: RegionState, part: str, now: datetime, fetch: Callable[[], Awaitable[T]]) -> T | None:
        """Run one part unless it is backing off; record the outcome on the region."""
        if st.unreachable is not None:
            return None
        retry_at = st.retry_at.get(part)
        if retry_at is not None and now < retry_at:
            return None
        try:
            value = await fetch()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            problem = classify(exc)
            if problem.kind in ("unreachable", "credentials"):
                st.unreachable = problem
                return None
            st.answered = True
            gate = st.gates.setdefault(part, Gate())
            gate.failures += 1
            if problem.kind in ("throttled", "server", "other"):
                delay = min(self.base_backoff * 2 ** (gate.failures - 1), MAX_BACKOFF_SECONDS)
            else:  # denied / unsupported: will not change soon
                delay = MAX_BACKOFF_SECONDS
            st.retry_at[part] = now + timedelta(seconds=delay)
            st.problems[part] = problem
            return None
        st.answered = True
        st.gates.pop(part, None)
        st.retry_at.pop(part, None)
        st.problems.pop(part, None)
        st.fresh.add(part)
        setattr(st, part, Cached(value, now))
        return value

    # -- phase A: discovery and alarms -----------------------------------------------------------------

    async def _phase_a(self, st: RegionState, now: datetime, index: asyncio.Future[None]) -> None:
        r, c = st.name, self.clients
        jobs: list[Awaitable[Any]] = [self._run(st, "alarms", now, lambda: firing_alarms(c, r))]
        if self._due(st.rds, self.discovery, now):
            jobs.append(self._run(st, "rds", now, lambda: discover_rds(c, r, self.include)))
        if self._due(st.secrets, self.discovery, now):
            jobs.append(self._run(st, "secrets", now, lambda: discover_secrets(c, r, self.include, self.limit)))
        if self._due(st.rules, self.discovery, now):
            jobs.append(self._run(st, "rules", now, lambda: self._rules(st, index)))
        await asyncio.gather(*jobs)

    async def _bucket_index(self, now: datetime) -> None:
        """Bucket names and their regions, read through the first region that answers (ListBuckets is global)."""
        if not self._due(self.bucket_names, self.discovery, now):
            return
        order = sorted(self.regions, key=lambda r: self.states[r].reachable is False)
        for region in order:
            try:
                listed = await asyncio.wait_for(list_bucket_names(self.clients, region), self.region_timeout)
                names = {n for n in listed if n not in self.bucket_regions}
                for n, loc in listed.items():
                    if loc:
                        self.bucket_regions[n] = loc
                await self._locate([n for n in names if n not in self.bucket_regions], region)
                self.bucket_names = Cached(set(listed), now)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if classify(exc).kind not in ("unreachable", "credentials"):
                    raise
        raise RuntimeError("no region answered ListBuckets")

    async def _locate(self, names: list[str], region: str) -> None:
        async def one(name: str) -> None:
            async with self.limit:
                try:
                    self.bucket_regions[name] = await bucket_location(self.clients, region, name)
                except Exception as exc:
                    if classify(exc).kind in ("unreachable", "credentials", "throttled", "server"):
                        raise
                    # A bucket of another account (a cross-account destination): its region stays unknown.

        await asyncio.gather(*(one(n) for n in names))

    async def _rules(self, st: RegionState, index: asyncio.Future[None]) -> list[BucketRule]:
        self._waiting.add(st.name)
        try:
            await asyncio.shield(index)
        finally:
            self._waiting.discard(st.name)
        names = self.bucket_names.value if self.bucket_names else set()
        mine = [n for n in sorted(names) if self.bucket_regions.get(n) == st.name]

        async def one(bucket: str) -> list[BucketRule]:
            async with self.limit:
                return await bucket_rules(self.clients, st.name, bucket)

        found = [rule for rules in await asyncio.gather(*(one(b) for b in mine)) for rule in rules]
        found = [rule for rule in found if included(self.include, rule.source, rule.target)]
        unknown = [rule.target for rule in found if rule.target not in self.bucket_regions]
        if unknown:
            await self._locate(sorted(set(unknown)), st.name)
        return found

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

    async def _phase_b(self, st: RegionState, now: datetime) -> None:
        r, c = st.name, self.clients
        instances = st.rds.value if st.rds else []
        rules = st.rules.value if st.rules else []
        queries = rds_queries(instances) + s3_queries(rules)
        jobs: list[Awaitable[Any]] = []
        if queries:
            previous = st.metrics.value if st.metrics else None
            jobs.append(self._run(st, "metrics", now, lambda: fetch_metrics(c, r, queries, now, previous)))
        if instances and self._due(st.snapshots, self.backups, now):
            jobs.append(self._run(st, "snapshots", now, lambda: list_snapshots(c, r)))
        buckets = self._buckets_in(r)
        if buckets and self._due(st.versioning, self.backups, now):
            jobs.append(self._run(st, "versioning", now, lambda: self._versioning(r, buckets)))
        await asyncio.gather(*jobs)

    def _buckets_in(self, region: str) -> list[str]:
        """Buckets in this region taking part in replication, as source or destination."""
        names: set[str] = set()
        for st in self.states.values():
            for rule in st.rules.value if st.rules else []:
                names.update(b for b in (rule.source, rule.target) if self.bucket_regions.get(b) == region)
        return sorted(names)

    async def _versioning(self, region: str, buckets: list[str]) -> dict[str, Versioning]:
        async def one(bucket: str) -> tuple[str, Versioning]:
            async with self.limit:
                return bucket, await bucket_versioning(self.clients, region, bucket)

        return dict(await asyncio.gather(*(one(b) for b in buckets)))

    async def aclose(self) -> None:
        await self.clients.aclose()
