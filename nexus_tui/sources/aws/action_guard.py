"""Deadlines and "was it sent?" bookkeeping around an action's AWS client.

botocore's read timeout is per socket read, so an endpoint trickling one byte a second never trips it: every
request an action makes gets a total deadline here instead. And an action must never call a lost answer
"not executed": `GuardedClient` records whether a mutating request was started, so a failure can be told
apart as nothing sent / sent and refused / sent and no answer (outcome unknown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from nexus_tui.sources.aws.action_types import Outcome
from nexus_tui.sources.aws.errors import nothing_sent

# Default total time one AWS request may take, answer included (connect + send + every byte back).
CALL_DEADLINE_SECONDS = 30.0
UNKNOWN = "outcome unknown: the request was sent, no answer; check the resource state before retrying"
_READ_ONLY = ("describe_", "get_", "head_", "list_")


class CallDeadline(Exception):
    """One AWS request got no complete answer in time; str() names the operation, region and deadline."""

    def __init__(self, operation: str, region: str, seconds: float) -> None:
        super().__init__(f"{operation} in {region}: no complete answer within {seconds:g} s")
        self.operation = operation


class GuardedClient:
    """Wraps an aiobotocore client: each API call is bounded by `deadline` seconds and mutating calls
    (anything but describe/get/head/list) are recorded in `mutations_started` before they go out."""

    def __init__(self, client: Any, region: str, deadline: float) -> None:
        self._client = client
        self.region = region
        self.deadline = deadline
        self.mutations_started: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or not callable(attr) or name in ("close", "get_paginator", "get_waiter"):
            return attr
        operation = _operation_name(self._client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if not name.startswith(_READ_ONLY):
                self.mutations_started.append(operation)
            return await bounded(attr(*args, **kwargs), operation, self.region, self.deadline)

        return call


async def bounded(awaitable: Awaitable[Any], operation: str, region: str, seconds: float) -> Any:
    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        raise CallDeadline(operation, region, seconds) from None


def _operation_name(client: Any, method: str) -> str:
    """The PascalCase API name of a client method (PromoteReadReplica), for messages."""
    try:
        for op in client.meta.service_model.operation_names:
            if xform_name(op) == method:
                return str(op)
    except AttributeError:
        pass
    return method


def outcome_of(exc: BaseException, guarded: GuardedClient) -> Outcome:
    """What a failure of the call phase means for the resource."""
    if not guarded.mutations_started:
        return "not_sent"  # only read-only look-ups ran: nothing was changed, whatever went wrong
    if isinstance(exc, ClientError):
        return "failed"  # AWS answered: the request was refused
    if nothing_sent(exc):
        # The last mutating request never left; an earlier one (a secret's promotion) did and was answered.
        return "not_sent" if len(guarded.mutations_started) == 1 else "failed"
    return "unknown"
