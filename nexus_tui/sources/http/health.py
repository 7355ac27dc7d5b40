"""HTTP health endpoints (config [[health]]): up / down / unknown with latency, all checked concurrently."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from nexus_tui.config import HealthCheckConfig
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.models import EndpointHealth
from nexus_tui.domain.urls import mask_in, mask_url


class HealthChecker:
    def __init__(self, checks: tuple[HealthCheckConfig, ...], clock: Clock) -> None:
        self._checks = checks
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def check_all(self) -> tuple[EndpointHealth, ...]:
        if not self._checks:
            return ()
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return tuple(await asyncio.gather(*(self._check(c) for c in self._checks)))

    async def _check(self, check: HealthCheckConfig) -> EndpointHealth:
        assert self._session is not None
        started = time.perf_counter()
        try:
            async with asyncio.timeout(check.timeout_seconds):
                async with self._session.get(check.url, allow_redirects=False) as resp:
                    await resp.read()
                    status_code = resp.status
        except TimeoutError:
            return self._result(check, "down", None, started, f"no answer within {check.timeout_seconds:g}s")
        except aiohttp.ClientError as exc:
            return self._result(check, "down", None, started, one_line(exc))
        except OSError as exc:
            return self._result(check, "down", None, started, exc.strerror or type(exc).__name__)
        if status_code == check.expected_status:
            return self._result(check, "up", status_code, started, None)
        return self._result(
            check, "down", status_code, started, f"HTTP {status_code}, expected {check.expected_status}"
        )

    def _result(
        self, check: HealthCheckConfig, status: str, code: int | None, started: float, error: str | None
    ) -> EndpointHealth:
        # The url leaves this adapter masked (user info, query values): snapshots reach screens and JSON.
        return EndpointHealth(
            name=check.name,
            url=mask_url(check.url),
            status=status,  # type: ignore[arg-type]
            http_status=code,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            error=mask_in(error, check.url) if error else None,
            checked_at=self._clock.now(),
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def one_line(exc: BaseException) -> str:
    """An exception as one line of at most 160 characters, for notes and error columns."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
