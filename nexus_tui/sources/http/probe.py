"""A runbook `http` step: GET a URL until it answers the expected status or the deadline passes.

Unlike the dashboard's health checks (one look per refresh), this keeps asking on purpose: right after a
failover the DNS and the new region's load balancer take a little while to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from nexus_tui.domain.urls import mask_in
from nexus_tui.sources.http.health import one_line


@dataclass(frozen=True, slots=True)
class HttpCheckResult:
    ok: bool
    url: str  # display-safe: no query string or credentials
    expected_status: int
    status: int | None  # the last HTTP status seen; None when nothing answered
    attempts: int
    elapsed_seconds: float
    error: str | None = None  # one line: why the last attempt was not healthy

    @property
    def summary(self) -> str:
        if self.ok:
            return (
                f"{self.url} healthy (HTTP {self.status}) after {self.attempts} attempt(s),"
                f" {self.elapsed_seconds:.1f} s"
            )
        return (
            f"{self.url} not healthy after {self.attempts} attempt(s) in {self.elapsed_seconds:.1f} s"
            f" (last: {self.error or 'no answer'})"
        )


def display_url(url: str) -> str:
    """Drop user info and query: a health URL may carry a token, and the result ends up in the journal."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


async def _attempt(session: aiohttp.ClientSession, url: str, limit: float) -> tuple[int | None, str | None]:
    try:
        async with asyncio.timeout(limit), session.get(url, allow_redirects=False) as resp:
            await resp.read()
            return resp.status, None
    except TimeoutError:
        return None, f"no answer within {limit:g} s"
    except aiohttp.ClientError as exc:
        return None, one_line(exc)
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__


async def wait_healthy(
    url: str,
    *,
    expected_status: int = 200,
    timeout_seconds: float = 5.0,
    interval_seconds: float = 10.0,
    deadline_seconds: float = 120.0,
    on_progress: Callable[[str], None] | None = None,
) -> HttpCheckResult:
    """At least one attempt, then one every `interval_seconds` while another fits before the deadline."""
    shown = display_url(url)
    loop = asyncio.get_running_loop()
    start = loop.time()
    attempts, status, error = 0, None, None

    def say(message: str) -> None:
        if on_progress is not None:
            with contextlib.suppress(Exception):  # a broken display must not stop the check
                on_progress(message)

    async with aiohttp.ClientSession() as session:
        while True:
            attempts += 1
            remaining = deadline_seconds - (loop.time() - start)
            status, error = await _attempt(session, url, max(min(timeout_seconds, remaining), 0.05))
            error = mask_in(error, url) if error else error
            elapsed = loop.time() - start
            if status == expected_status:
                say(f"{shown}: HTTP {status} (attempt {attempts}, {elapsed:.1f} s)")
                return HttpCheckResult(True, shown, expected_status, status, attempts, elapsed)
            if status is not None:
                error = f"HTTP {status}, expected {expected_status}"
            say(f"{shown}: {error} (attempt {attempts}, {elapsed:.1f} s)")
            if elapsed + interval_seconds > deadline_seconds:
                return HttpCheckResult(False, shown, expected_status, status, attempts, elapsed, error)
            await asyncio.sleep(interval_seconds)
