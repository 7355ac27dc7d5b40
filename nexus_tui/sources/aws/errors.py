"""Sorting AWS failures into the few kinds the dashboard reacts to differently, each as one readable line.

unreachable: the region's endpoint refused, hung or dropped us -> the region is marked down.
throttled / server: the service answered but cannot serve now -> back off that service for a while.
denied / unsupported: will not get better by retrying soon -> one Unavailable entry, the rest carries on.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass
from typing import Literal

import aiohttp
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProxyConnectionError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

ProblemKind = Literal["unreachable", "throttled", "server", "denied", "unsupported", "credentials", "other"]

_THROTTLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "PriorRequestNotComplete",
}
_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthFailure",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
}
_UNSUPPORTED_CODES = {"NotImplemented", "UnknownOperationException", "InvalidAction", "404"}


@dataclass(frozen=True, slots=True)
class AwsProblem:
    kind: ProblemKind
    message: str  # one line, no traceback, no secrets (AWS error messages carry none)


def _first_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    if "<" in line and ">" in line:
        # An HTML error page (e.g. a 404 from an endpoint lacking the API): the markup says nothing useful.
        line = ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


UNREADABLE = "unreadable answer (not AWS XML/JSON)"


def unreadable_answer(exc: BaseException) -> bool:
    """The endpoint answered, but with bytes no AWS parser reads (a proxy's page, line noise, a wrong port):
    botocore raises ResponseParserError for XML, and a bare decode error for JSON protocols."""
    return isinstance(exc, ResponseParserError | UnicodeDecodeError | json.JSONDecodeError)


def nothing_sent(exc: BaseException) -> bool:
    """True only when the request certainly never left: the connection was never made. A timeout or a reset
    once connected may come after the endpoint received the request (and acted on it)."""
    if isinstance(exc, ConnectTimeoutError | ProxyConnectionError | ConnectionRefusedError | socket.gaierror):
        return True
    if isinstance(exc, EndpointConnectionError):
        # aiobotocore maps every aiohttp ClientConnectionError here, a reset mid-answer among them: only a
        # failure to connect (or to resolve the name) proves nothing was sent.
        inner = getattr(exc, "kwargs", {}).get("error")
        return inner is None or isinstance(inner, aiohttp.ClientConnectorError | socket.gaierror)
    return False


def classify(exc: BaseException) -> AwsProblem:
    if unreadable_answer(exc):
        return AwsProblem("server", UNREADABLE)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return AwsProblem("unreachable", "no answer in time")
    if isinstance(exc, ConnectTimeoutError):
        return AwsProblem("unreachable", "connection timed out")
    if isinstance(exc, ReadTimeoutError):
        return AwsProblem("unreachable", "endpoint accepted the connection but did not answer in time")
    if isinstance(exc, EndpointConnectionError):
        return AwsProblem(
            "unreachable", f"cannot connect to {getattr(exc, 'kwargs', {}).get('endpoint_url', 'endpoint')}"
        )
    if isinstance(exc, ConnectionClosedError):
        return AwsProblem("unreachable", "connection closed by the endpoint")
    if isinstance(exc, NoCredentialsError):
        return AwsProblem("credentials", "no AWS credentials found (set AWS_PROFILE or configure aws.profile)")
    if isinstance(exc, NoRegionError):
        return AwsProblem("credentials", "no AWS region configured (set aws.regions or AWS_REGION)")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {}) or {}
        code = str(err.get("Code") or "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        detail = _first_line(err.get("Message") or "")
        text = f"{code}: {detail}" if detail else code or f"HTTP {status}"
        if code in _THROTTLE_CODES or status == 429:
            return AwsProblem("throttled", text)
        if code in _DENIED_CODES or status == 403:
            return AwsProblem("denied", text)
        if code in _UNSUPPORTED_CODES or status in (404, 501):
            return AwsProblem("unsupported", f"API not available at this endpoint ({text})")
        if status >= 500 or code in {"ServiceUnavailable", "InternalError", "InternalFailure", "503", "500"}:
            return AwsProblem("server", text or f"HTTP {status}")
        return AwsProblem("other", text)
    if isinstance(exc, BotoCoreError):
        return AwsProblem("other", _first_line(str(exc)))
    if isinstance(exc, RuntimeError):
        return AwsProblem("other", _first_line(str(exc)))
    if isinstance(exc, OSError):
        return AwsProblem("unreachable", _first_line(exc.strerror or str(exc)) or type(exc).__name__)
    detail = _first_line(str(exc))
    return AwsProblem("other", f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str((exc.response.get("Error") or {}).get("Code") or "")
    return ""
