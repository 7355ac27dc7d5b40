"""aiobotocore clients for runbook actions, honouring [aws] endpoints (per region), timeouts and profile.

Kept apart from the dashboard's session factory on purpose: actions want one session per execution (a
profile switch between steps takes effect) and their own retry budget, and the drill guard needs to know
whether a region is the simulator.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession

from nexus_tui.config import AwsConfig
from nexus_tui.sources.aws.session import client_config

# Route 53 is global; its API lives in us-east-1 unless the config says otherwise.
GLOBAL_SERVICE_REGION = "us-east-1"


def endpoint_for(aws: AwsConfig, region: str) -> str | None:
    return aws.endpoints.get(region)


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_simulated(aws: AwsConfig, regions: Iterable[str]) -> bool:
    """True when every region the action touches is served by an endpoint on this machine (the in-process
    simulator, or any emulator on loopback). A region with no override resolves to real AWS."""
    regions = list(regions)
    return bool(regions) and all((url := endpoint_for(aws, r)) is not None and _is_loopback(url) for r in regions)


class ActionClients:
    """Opens clients on one AioSession; `client(service, region)` is an async context manager."""

    def __init__(self, aws: AwsConfig) -> None:
        self.aws = aws
        self._session = AioSession(profile=aws.profile) if aws.profile else AioSession()
        self._config = client_config(aws)
        # A mutating request is never resent by botocore's retry: after a lost answer a resend is blind.
        # (botocore's `max_attempts` counts retries, not attempts: total_max_attempts=1 is "send once".)
        self._once = self._config.merge(AioConfig(retries={"mode": "standard", "total_max_attempts": 1}))

    def client(self, service: str, region: str, *, retries: bool = True) -> Any:
        return self._session.create_client(
            service,
            region_name=region,
            endpoint_url=endpoint_for(self.aws, region),
            config=self._config if retries else self._once,
        )
