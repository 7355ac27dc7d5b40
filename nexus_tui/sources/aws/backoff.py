"""Running one part of a region's poll: skipped while backing off, its outcome recorded on the region.

Throttling, 5xx and unexpected errors back off exponentially (capped); a refusal (denied, unsupported) waits
the cap at once since it will not change soon; an unreachable endpoint marks the region (or, for a background
part, only that part) without backoff, since the endpoint may be back next refresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from nexus_tui.sources.aws.background import Background, Progress
from nexus_tui.sources.aws.errors import classify
from nexus_tui.sources.aws.region_state import Cached, Gate, RegionState

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 300.0


class PartRunner:
    background: Background
    base_backoff: float

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
