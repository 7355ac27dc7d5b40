"""The account-wide S3 bucket index (name -> region) and the per-bucket parts that hang off it: replication
rules per region and bucket versioning per region.

ListBuckets is global and, on real S3 since late 2024, names each bucket's region (BucketRegion) and
paginates; GetBucketLocation is only needed for buckets the listing leaves without a region (an old
endpoint) and for destinations owned by another account.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from nexus_tui.domain.clock import Clock
from nexus_tui.sources.aws.background import Background, FanOut, Progress
from nexus_tui.sources.aws.backoff import PartRunner
from nexus_tui.sources.aws.backups import Versioning, bucket_versioning
from nexus_tui.sources.aws.discovery import BucketRule, bucket_location, bucket_rules, included, list_bucket_names
from nexus_tui.sources.aws.errors import classify
from nexus_tui.sources.aws.region_state import Cached, RegionState, due
from nexus_tui.sources.aws.session import AwsClients


class BucketIndex(PartRunner):
    """Mixed into the poller: the S3 side of discovery, sharing its clients, regions and background tasks."""

    clock: Clock
    clients: AwsClients
    regions: list[str]
    states: dict[str, RegionState]
    include: tuple[str, ...]
    region_timeout: float
    discovery: timedelta
    backups: timedelta
    background: Background
    bucket_regions: dict[str, str]  # bucket -> region; a bucket never moves
    bucket_names: Cached[set[str]] | None
    _index_error: Exception | None
    discovered: bool  # a refresh has seen replication discovery complete (versioning may be read)

    def _limit(self, region: str) -> FanOut:
        raise NotImplementedError

    def _slow_limit(self, region: str) -> FanOut:
        raise NotImplementedError

    def _live(self) -> list[RegionState]:
        raise NotImplementedError

    def _index(self, now: datetime) -> None:
        """A new account-wide bucket index when due and none is running."""
        if due(self.bucket_names, self.discovery, now):
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
        """Bucket names and their regions, read through the first region that answers (ListBuckets is global)."""
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
            async with self._limit(region):
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
            async with self._limit(st.name):
                found = await bucket_rules(self.clients, st.name, bucket)
            progress.done += 1
            return found

        found = [rule for rules in await asyncio.gather(*(one(b) for b in mine)) for rule in rules]
        found = [rule for rule in found if included(self.include, rule.source, rule.target)]
        unknown = [rule.target for rule in found if rule.target not in self.bucket_regions]
        if unknown:
            await self._locate(sorted(set(unknown)), st.name)
        return found

    def _more_versioning(self) -> None:
        """New S3 rules name new buckets: read their versioning now (once discovery is complete) instead of at
        the next refresh."""
        now = self.clock.now()
        for st in self._live():
            self._start_versioning(st, now)

    def _mark_discovered(self) -> None:
        """Once a refresh has seen the replication picture complete, the slow-cadence parts may start."""
        if not self.background.in_progress():
            self.discovered = True

    def _start_versioning(self, st: RegionState, now: datetime) -> None:
        """Versioning and MFA Delete change rarely: read on the slow cadence, and only once replication discovery
        is complete, so the per-bucket calls never delay the complete replication picture. Neither waited for by
        a budgeted refresh nor reported as in progress: the backups panel's bucket rows appear when read."""
        if not self.discovered:
            return
        have = st.versioning.value if st.versioning else {}
        full = due(st.versioning, self.backups, now)
        missing = [b for b in self._buckets_in(st.name) if b not in have]
        if (full and self._buckets_in(st.name)) or missing:
            keep = None if full or st.versioning is None else st.versioning.at
            self._start(
                st,
                "versioning",
                now,
                lambda p: self._versioning(st.name, {} if full else dict(have), p),
                partial=False,
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
        # The plan's noncurrent-version lifecycle concerns the production side: read it for sources only.
        sources = {rule.source for st in self.states.values() for rule in (st.rules.value if st.rules else [])}

        async def one(bucket: str) -> tuple[str, Versioning]:
            limit = self._slow_limit(region)
            async with limit:
                # Up to three calls a bucket: each waits while a refresh runs, not only the first.
                got = await bucket_versioning(
                    self.clients, region, bucket, lifecycle=bucket in sources, running=limit.running
                )
            progress.done += 1
            return bucket, got

        # Rules landing meanwhile may name more buckets: keep going until none is missing.
        while todo := [b for b in self._buckets_in(region) if b not in have]:
            progress.total = progress.done + len(todo)
            have.update(await asyncio.gather(*(one(b) for b in todo)))
        return have
