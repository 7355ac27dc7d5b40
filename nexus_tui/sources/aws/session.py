"""One aiobotocore session; one client per (service, region), created on first use and kept for the process.

Every request goes through `call`/`paginate`, which count requests per service and operation so the
benchmark and the snapshot can show how many calls a refresh costs.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore.exceptions import ClientError
from botocore.utils import parse_timestamp

from nexus_tui.config import AwsConfig


def client_config(aws: AwsConfig, *, max_pool_connections: int = 10) -> AioConfig:
    """The one botocore config every client uses: bounded timeouts so a dead region never freezes the
    screen, standard retries, and path-style S3 (a local endpoint has no bucket subdomains)."""
    return AioConfig(
        connect_timeout=aws.connect_timeout,
        read_timeout=aws.read_timeout,
        retries={"mode": "standard", "max_attempts": max(1, aws.max_attempts)},
        max_pool_connections=max_pool_connections,
        # Loading the service JSON models is blocking file I/O: do it in a thread, not on the loop.
        warm_up_loader_caches=True,
        s3={"addressing_style": "path"},
    )


class AwsClients:
    def __init__(self, aws: AwsConfig, *, max_pool_connections: int = 32) -> None:
        self._aws = aws
        self._session: AioSession = get_session()
        profile = aws.profile or os.environ.get("AWS_PROFILE")
        if profile:
            self._session.set_config_variable("profile", profile)
        # The dashboard's reads build their parameters in code; botocore checking each against the model cost a
        # quarter of a steady refresh at 1,000 resources (500 nested queries a GetMetricData). The clients that
        # mutate (action_clients) keep the check.
        self._config = client_config(aws, max_pool_connections=max_pool_connections).merge(
            AioConfig(parameter_validation=False)
        )
        self._session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=fast_timestamp)
        self._stack = AsyncExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        # One client at a time: created concurrently, each loads the same service models and endpoint rules in
        # its own thread before any of them has cached them (7 clients took ~1.6 s, one after another ~0.4 s).
        self._creating = asyncio.Lock()
        self.counts: Counter[str] = Counter()
        self.last_answer: dict[str, float] = {}  # region (or * for any) -> time.monotonic() of the latest answer

    def default_region(self) -> str | None:
        """The session's region: AWS_REGION / AWS_DEFAULT_REGION / the profile's region."""
        env = os.environ.get("AWS_REGION")
        if env:
            return env
        try:
            region = self._session.get_config_variable("region")
        except Exception:  # a broken profile file: no region rather than a crash
            return None
        return str(region) if region else None

    async def client(self, service: str, region: str) -> Any:
        key = (service, region)
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        async with self._creating:
            if key not in self._clients:
                kwargs: dict[str, Any] = {"region_name": region, "config": self._config}
                endpoint = self._aws.endpoints.get(region)
                if endpoint:
                    kwargs["endpoint_url"] = endpoint
                    if endpoint.lower().startswith("http://"):
                        # No TLS to verify: skip loading the CA bundle (~50 ms of CPU per client, on the path of
                        # the first refresh). An https endpoint keeps full verification.
                        kwargs["verify"] = False
                # Without an explicit endpoint botocore resolves it itself, honouring AWS_ENDPOINT_URL.
                self._clients[key] = await self._stack.enter_async_context(
                    self._session.create_client(service, **kwargs)
                )
            return self._clients[key]

    async def call(self, region: str, service: str, operation: str, **params: Any) -> dict[str, Any]:
        client = await self.client(service, region)
        self.counts[f"{service}:{operation}"] += 1
        method = getattr(client, _snake(operation))
        try:
            result: dict[str, Any] = await method(**params)
        except ClientError:
            self.last_answer[region] = self.last_answer["*"] = time.monotonic()  # an error answer is an answer
            raise
        self.last_answer[region] = self.last_answer["*"] = time.monotonic()
        return result

    async def paginate(
        self,
        region: str,
        service: str,
        operation: str,
        key: str,
        *,
        token: str = "Marker",
        out_token: str | None = None,
        **params: Any,
    ) -> list[dict[str, Any]]:
        """All items under `key`, following the continuation token by hand so every page is counted."""
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            page = await self.call(region, service, operation, **params)
            items.extend(page.get(key, []) or [])
            nxt = page.get(out_token or token)
            if not nxt or nxt in seen:
                return items
            seen.add(nxt)
            params = {**params, token: nxt}

    async def aclose(self) -> None:
        await self._stack.aclose()
        self._clients.clear()


def fast_timestamp(value: Any) -> datetime:
    """Response timestamps through the standard library. botocore's default converts each one to the local
    zone through dateutil (~50 us apiece), and at 1,000 resources one metrics run carries ~100,000 of them:
    that alone was most of the first refresh. Epoch numbers (JSON) and ISO 8601 (XML) are parsed here, to
    aware UTC datetimes; anything else (RFC 822 dates in headers) goes to botocore's own parser."""
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed
    result: datetime = parse_timestamp(value)
    return result


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if (
            ch.isupper()
            and i
            and (not operation[i - 1].isupper() or (i + 1 < len(operation) and operation[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
