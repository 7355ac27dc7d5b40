"""One poll cycle over every region, with caches, per-service backoff and a hard time bound per region.

Phase A (per region, concurrently): RDS discovery and firing alarms; the slow discovery parts (secrets, S3
rules behind the account-wide bucket index) start as background tasks. Regions newly found in replica ARNs /
destinations are added and get phase A too.
Phase B (per reachable region): one batched GetMetricData run; snapshots and bucket versioning start in the
background (slow cadence).
Then the refresh waits for parts being filled for the first time until its budget runs out (or, for a complete
picture, until they finish) and returns what is ready; the rest lands in RegionState when it arrives and the
next refresh shows it. Results land in RegionState as they arrive, so a region cut off keeps what it finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from nexus_tui.config import AwsConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.models import AlarmInfo, Datapoint
from nexus_tui.sources.aws.alarms import firing_alarms
from nexus_tui.sources.aws.background import Background, FanOut, Key, Progress
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
from nexus_tui.sources.aws.metrics import MetricKey, MetricQuery, fetch_metrics, rds_queries, s3_queries
from nexus_tui.sources.aws.session import AwsClients

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 300.0
MAX_REGION_SECONDS = 120.0  # even a region that keeps answering gets no more than this per refresh
FIRST_DATA_SECONDS = 1.5  # how long a refresh waits for first-time discovery before showing what is ready


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


# Parts a mutating runbook step can change (a promoted replica, a new snapshot, a promoted secret).
DISCOVERED_PARTS = ("rds", "secrets", "rules", "snapshots", "versioning")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
        self.limit = FanOut(concurrency)
        self.regions: list[str] = list(aws.regions)
        self.configured = bool(aws.regions)
        self.states: dict[str, RegionState] = {r: RegionState(r) for r in self.regions}
        self.bucket_regions: dict[str, str] = {}  # bucket -> region; a bucket never moves
        self.bucket_names: Cached[set[str]] | None = None
        self.setup_error: str | None = None
        self.budget = budget_seconds  # None: every refresh waits for a complete picture
        self.background = Background()
        self._index_error: Exception | None = None

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
        try:
            pending = list(self.regions)
            for _ in range(3):  # discovered DR regions get their own discovery in the same refresh
                await asyncio.gather(
                    *(self._bounded(self.states[r], self._phase_a(self.states[r], now)) for r in pending)
                )
                if complete:  # secrets and S3 rules name regions too; a complete picture includes theirs
                    await self._await_background(None)
                pending = sorted(self._found_regions() - set(self.states))
                if self.configured or not pending:
                    break
                self._add_regions(pending)
            await asyncio.gather(*(self._bounded(st, self._phase_b(st, now)) for st in self._live()))
        finally:
            self.limit.running.set()
        await self._await_background(deadline)
        # S3 rules that arrived while waiting: read their metrics now rather than one refresh later.
        await asyncio.gather(*(self._bounded(st, self._missing_metrics(st, now)) for st in self._live()))
        for st in self.states.values():
            if st.unreachable is not None:
                self.background.cancel_region(st.name)  # its calls would only time out
            self._settle(st, now)

    def _add_regions(self, regions: list[str]) -> None:
        for r in regions:
            self.regions.append(r)
            self.states[r] = RegionState(r)

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

    def _due(self, cached: Cached[Any] | None, every: timedelta, now: datetime) -> bool:
        return cached is None or now - cached.at >= every

    def _backing_off(self, st: RegionState, part: str, now: datetime) -> bool:
        retry_at = st.retry_at.get(part)
        return retry_at is not None and now < retry_at

    async def _run(
        self,
        st: RegionState,
        part: str,
        now: datetime,
        fetch: Callable[[], Awaitable[T]],
        *,
        background: bool = False,
        at: datetime | None = None,
    ) -> T | None:
        """Run one part unless it is backing off; record the outcome on the region.

        A background part that cannot reach its endpoint records that against the part only: whether the
        region is down is decided by the calls every refresh makes (alarms, RDS, metrics)."""
        if st.unreachable is not None or self._backing_off(st, part, now):
            return None
        try:
            value = await fetch()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            problem = classify(exc)
            if problem.kind in ("unreachable", "credentials"):
                if background:
                    st.problems[part] = problem  # retried next refresh, no backoff: the endpoint may be back
                else:
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
        setattr(st, part, Cached(value, at or now))
        return value

    def _start(
        self,
        st: RegionState,
        part: str,
        now: datetime,
        fetch: Callable[[Progress], Awaitable[Any]],
        *,
        partial: bool,
        at: datetime | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run a slow part as a background task, unless it already runs or is backing off."""
        if st.unreachable is not None or self._backing_off(st, part, now):
            return

        async def work(progress: Progress) -> None:
            got = await self._run(st, part, now, lambda: fetch(progress), background=True, at=at)
            if got is not None and then is not None:
                then()

        self.background.start((st.name, part), work, partial=partial)

    # -- phase A: discovery and alarms -----------------------------------------------------------------

    async def _phase_a(self, st: RegionState, now: datetime) -> None:
        r, c = st.name, self.clients
        if self._due(st.secrets, self.discovery, now):
            self._start(
                st,
                "secrets",
                now,
                lambda p: discover_secrets(c, r, self.include, self.limit, p),
                partial=st.secrets is None,
            )
        if self._due(st.rules, self.discovery, now) and not self._backing_off(st, "rules", now):
            self._index(now)
            self._start(
                st, "rules", now, lambda p: self._rules(st, p), partial=st.rules is None, then=self._more_versioning
            )
        jobs: list[Awaitable[Any]] = [self._run(st, "alarms", now, lambda: firing_alarms(c, r))]
        if self._due(st.rds, self.discovery, now):
            jobs.append(self._run(st, "rds", now, lambda: discover_rds(c, r, self.include)))
        await asyncio.gather(*jobs)
        if st.unreachable is not None:
            self.background.cancel_region(r)

    def _index(self, now: datetime) -> None:
        """A new account-wide bucket index when due and none is running."""
        if self._due(self.bucket_names, self.discovery, now):
            self.background.start((None, "index"), self._bucket_index_or_error, partial=self.bucket_names is None)

    async def _bucket_index_or_error(self, progress: Progress) -> None:
        # The failure is kept for the rules parts waiting on the index, which report it as their own.
        self._index_error = None
        try:
            await self._bucket_index(progress)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._index_error = exc

    async def _bucket_index(self, progress: Progress) -> None:
        """Bucket names and their regions, read through the first region that answers (ListBuckets is global).
        Real S3 lists each bucket's region (BucketRegion); only buckets without it need GetBucketLocation."""
        now = self.clock.now()
        order = sorted(self.regions, key=lambda r: self.states[r].reachable is False)
        for region in order:
            try:
                listed = await asyncio.wait_for(list_bucket_names(self.clients, region), self.region_timeout)
                for n, loc in listed.items():
                    if loc:
                        self.bucket_regions[n] = loc
                await self._locate([n for n in sorted(listed) if n not in self.bucket_regions], region, progress)
                self.bucket_names = Cached(set(listed), now)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if classify(exc).kind not in ("unreachable", "credentials"):
                    raise
        raise RuntimeError("no region answered ListBuckets")

    async def _locate(self, names: list[str], region: str, progress: Progress | None = None) -> None:
        progress = progress or Progress()
        progress.total = len(names)

        async def one(name: str) -> None:
            async with self.limit:
                try:
                    self.bucket_regions[name] = await bucket_location(self.clients, region, name)
                except Exception as exc:
                    if classify(exc).kind in ("unreachable", "credentials", "throttled", "server"):
                        raise
                    # A bucket of another account (a cross-account destination): its region stays unknown.
            progress.done += 1

        await asyncio.gather(*(one(n) for n in names))

    async def _rules(self, st: RegionState, progress: Progress) -> list[BucketRule]:
        index = self.background.running((None, "index"))
        if index is not None:
            await asyncio.shield(index)  # other regions' rules wait on the same index: never cancel it from here
        if self._index_error is not None:
            raise self._index_error
        if self.bucket_names is None:
            raise RuntimeError("the bucket list is not available")
        names = self.bucket_names.value if self.bucket_names else set()
        mine = [n for n in sorted(names) if self.bucket_regions.get(n) == st.name]
        progress.total = len(mine)

        async def one(bucket: str) -> list[BucketRule]:
            async with self.limit:
                found = await bucket_rules(self.clients, st.name, bucket)
            progress.done += 1
            return found

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

    def _queries(self, st: RegionState) -> list[MetricQuery]:
        return rds_queries(st.rds.value if st.rds else []) + s3_queries(st.rules.value if st.rules else [])

    async def _phase_b(self, st: RegionState, now: datetime) -> None:
        r, c = st.name, self.clients
        if st.rds and st.rds.value and self._due(st.snapshots, self.backups, now):
            self._start(st, "snapshots", now, lambda _: list_snapshots(c, r), partial=st.snapshots is None)
        self._start_versioning(st, now)
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

    def _more_versioning(self) -> None:
        """New S3 rules name new buckets: read their versioning now instead of at the next refresh."""
        now = self.clock.now()
        for st in self._live():
            self._start_versioning(st, now)

    def _start_versioning(self, st: RegionState, now: datetime) -> None:
        have = st.versioning.value if st.versioning else {}
        full = self._due(st.versioning, self.backups, now)
        missing = [b for b in self._buckets_in(st.name) if b not in have]
        if (full and self._buckets_in(st.name)) or missing:
            keep = None if full or st.versioning is None else st.versioning.at
            self._start(
                st,
                "versioning",
                now,
                lambda p: self._versioning(st.name, {} if full else dict(have), p),
                partial=st.versioning is None or bool(missing),
                at=keep,
            )

    def _buckets_in(self, region: str) -> list[str]:
        """Buckets in this region taking part in replication, as source or destination."""
        names: set[str] = set()
        for st in self.states.values():
            for rule in st.rules.value if st.rules else []:
                names.update(b for b in (rule.source, rule.target) if self.bucket_regions.get(b) == region)
        return sorted(names)

    async def _versioning(self, region: str, have: dict[str, Versioning], progress: Progress) -> dict[str, Versioning]:
        async def one(bucket: str) -> tuple[str, Versioning]:
            async with self.limit:
                got = await bucket_versioning(self.clients, region, bucket)
            progress.done += 1
            return bucket, got

        # Rules landing meanwhile may name more buckets: keep going until none is missing.
        while todo := [b for b in self._buckets_in(region) if b not in have]:
            progress.total = progress.done + len(todo)
            have.update(await asyncio.gather(*(one(b) for b in todo)))
        return have

    def in_progress(self) -> list[tuple[Key, Progress]]:
        """Parts being filled for the first time right now (the picture is partial until they finish)."""
        return self.background.in_progress()

    async def aclose(self) -> None:
        await self.background.aclose()
        await self.clients.aclose()
