"""The platform's DR drill API (seed 000, "Drill Execution via API", lines 197-212):
GET {base}/api/v1/dr/runbooks and POST {base}/api/v1/dr/run-drill {"runbookId": ..., "dryRun": true},
authenticated by the session cookie (`Cookie: connect.sid=...`).

The cookie is a secret. It travels only in the Cookie header, is never part of a URL, a message or a log
line, and any text the platform sends back is scrubbed of it before it is shown (a server may echo headers).
Every failure is a PlatformError with a one-line message; nothing here raises anything else."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from nexus_tui.domain.text import printable_line

RUNBOOKS_PATH = "/api/v1/dr/runbooks"
RUN_DRILL_PATH = "/api/v1/dr/run-drill"
MAX_ANSWER_BYTES = 1024 * 1024
# RFC 6265 cookie-octets: no controls, spaces, quotes, commas, semicolons or backslashes; anything else would
# be a header injection or a value the server cannot have issued.
_COOKIE_VALUE_RE = re.compile(r"^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$")
_FAILED = frozenset({"failed", "failure", "error", "errored", "aborted"})


class PlatformError(Exception):
    """str() is one line, safe to show: it never holds the cookie."""


@dataclass(frozen=True, slots=True)
class PlatformRunbook:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class DrillAnswer:
    ok: bool
    summary: str
    answer: Mapping[str, Any]


def shown_url(url: str) -> str:
    """The URL as it may be shown: without user info (a password in a URL is still a password)."""
    try:
        return str(URL(url).with_user(None))
    except (ValueError, TypeError):
        return "(invalid URL)"


class PlatformDrillApi:
    def __init__(
        self,
        base_url: str,
        cookie_value: str,
        *,
        cookie_name: str = "connect.sid",
        timeout_seconds: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.where = shown_url(self.base_url)
        if not cookie_value or not _COOKIE_VALUE_RE.match(cookie_value):
            raise PlatformError("the platform session cookie is empty or has characters a cookie cannot have")
        self._cookie = cookie_value
        self._cookie_name = cookie_name
        self.timeout_seconds = timeout_seconds

    def _scrub(self, text: str, limit: int = 160) -> str:
        return printable_line(text.replace(self._cookie, "***"), limit)

    async def runbooks(self) -> list[PlatformRunbook]:
        data = await self._call("GET", RUNBOOKS_PATH, None, write=False)
        items = data.get("runbooks", data.get("data")) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise PlatformError(f"platform answer of {self.where}{RUNBOOKS_PATH} is not a list of runbooks")
        out = []
        for i, item in enumerate(items, 1):
            rid = item.get("id", item.get("runbookId")) if isinstance(item, dict) else None
            if not isinstance(rid, str | int) or isinstance(rid, bool) or not str(rid).strip():
                raise PlatformError(f"platform runbook #{i} of {self.where}{RUNBOOKS_PATH} has no id")
            assert isinstance(item, dict)
            name = item.get("name", item.get("title", ""))
            description = item.get("description", "")
            out.append(
                PlatformRunbook(
                    id=self._scrub(str(rid), 200),
                    name=self._scrub(str(name or rid), 200),
                    description=self._scrub(str(description or ""), 300),
                )
            )
        return out

    async def run_drill(self, runbook_id: str) -> DrillAnswer:
        """A dry-run only: this client has no way to ask for anything else."""
        data = await self._call("POST", RUN_DRILL_PATH, {"runbookId": runbook_id, "dryRun": True}, write=True)
        if not isinstance(data, dict):
            raise PlatformError(f"platform answer of {self.where}{RUN_DRILL_PATH} is not a JSON object")
        # The answer is journaled: it must not carry the cookie either (a quote or backslash cannot be in the
        # cookie, so replacing inside the JSON text keeps it valid JSON).
        data = json.loads(json.dumps(data).replace(self._cookie, "***"))
        return judge(data, self._scrub)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None, *, write: bool) -> Any:
        url = self.base_url + path
        where = f"{self.where}{path}"
        unknown = " (whether the dry-run started is unknown)" if write else ""
        headers = {"Cookie": f"{self._cookie_name}={self._cookie}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            # No cookie jar: a Set-Cookie from the server is not kept, and nothing but this header carries it.
            async with (
                aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as session,
                session.request(method, url, json=body, headers=headers, allow_redirects=False) as resp,
            ):
                raw = await resp.content.read(MAX_ANSWER_BYTES + 1)
                status = resp.status
        except TimeoutError:
            raise PlatformError(
                f"platform did not answer within {self.timeout_seconds:g} s ({where}){unknown}"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            raise PlatformError(
                f"cannot reach the platform at {self.where}: {self._scrub(str(exc.os_error))}"
            ) from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise PlatformError(
                f"platform request failed ({where}): {self._scrub(str(exc) or type(exc).__name__)}{unknown}"
            ) from None
        if status == 401:
            raise PlatformError("platform session expired or invalid (401)")
        if status == 403:
            raise PlatformError(f"platform refused this session (403) for {where}")
        if status == 404:
            raise PlatformError(f"platform has no drill API at {where} (404)")
        if 300 <= status < 400:
            raise PlatformError(f"platform redirected {where} ({status}): a login page? check the base_url and cookie")
        if status >= 400:
            snippet = self._scrub(raw[:300].decode("utf-8", "replace"), 120)
            detail = f": {snippet}" if snippet.strip() else ""
            raise PlatformError(f"platform error {status} at {where}{detail}{unknown if status >= 500 else ''}")
        if len(raw) > MAX_ANSWER_BYTES:
            raise PlatformError(f"platform answer of {where} is larger than {MAX_ANSWER_BYTES // 1024} KiB")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PlatformError(f"platform answer of {where} is not JSON (status {status})") from None


def judge(data: Mapping[str, Any], scrub: Any = None) -> DrillAnswer:
    """Whether the platform's answer says the dry-run passed. Its schema is not documented (seed 000 shows
    only the request), so the usual fields are read: success/ok booleans, a status or result word."""
    clean = scrub or (lambda text, limit=160: printable_line(text, limit))
    failed = any(data.get(k) is False for k in ("success", "ok", "passed"))
    words = {str(data.get(k, "")).strip().lower() for k in ("status", "result", "outcome")}
    failed = failed or bool(words & _FAILED)
    parts = []
    for key in ("status", "result", "drillId", "id", "message", "error"):
        value = data.get(key)
        if value not in (None, "") and not isinstance(value, dict | list):
            parts.append(f"{key}={value}")
    summary = clean(", ".join(parts) or ("failed" if failed else "accepted"), 200)
    return DrillAnswer(ok=not failed, summary=summary, answer=data)
