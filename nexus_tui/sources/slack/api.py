"""The Slack calls the sender makes, behind a small protocol, and their slack-sdk implementation.

Errors come out as two kinds only: `Transient` (try again later; `sent_unknown` when the request may have
reached Slack, so the sender must look for the message before it sends again) and `Permanent` (retrying
cannot help; carries the reason and the fix). slack-sdk's own retry handlers are switched off: a blind
resend after a lost answer is exactly the duplicate this package exists to avoid; the outbox retries instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from nexus_tui.domain.slack_delivery import matches
from nexus_tui.sources.slack.settings import SlackSettings

# Slack error codes after which the same request can never succeed, with what the operator must do.
FIXES: Mapping[str, str] = {
    "invalid_auth": "check SLACK_BOT_TOKEN: it must be the Bot User OAuth Token (xoxb-...) of an installed app",
    "not_authed": "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-...)",
    "token_revoked": "the token was revoked: reinstall the Slack app and set the new SLACK_BOT_TOKEN",
    "token_expired": "the token expired: reinstall the Slack app and set the new SLACK_BOT_TOKEN",
    "account_inactive": "the bot's account is deactivated: reinstall the Slack app",
    "missing_scope": "add the chat:write, channels:read and channels:history scopes to the app and reinstall it",
    "channel_not_found": "create the channel or fix [slack] channel; for a private channel invite the bot first",
    "not_in_channel": "invite the bot to the channel (/invite @your-bot) or use a channel it is in",
    "is_archived": "unarchive the channel or point [slack] channel at a live one",
    "restricted_action": "a workspace admin restricts posting in this channel: allow the bot or pick another",
    "msg_too_long": "the message is too long for Slack; shorten the note or template",
    "invalid_blocks": "the message's blocks were refused; report this as a bug in nexus-tui",
    "message_not_found": "the root message was deleted in Slack; updates to it are no longer possible",
    "thread_not_found": "the root message was deleted in Slack; its thread cannot take replies",
}
# Every request with these codes fails the same way: stop the sender rather than fail message after message.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})
# Slack-side trouble worth retrying (ok: false with these codes).
_TRANSIENT_CODES = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class Transient(Exception):
    def __init__(self, reason: str, *, retry_after: float | None = None, sent_unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.sent_unknown = sent_unknown


class Permanent(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        self.fix = FIXES.get(code, "see https://api.slack.com/methods for this error code")
        super().__init__(f"{code}: {self.fix}")

    @property
    def auth(self) -> bool:
        return self.code in AUTH_ERRORS


@dataclass(frozen=True, slots=True)
class Posted:
    channel_id: str
    ts: str


class SlackApi(Protocol):
    threads: bool  # False for a webhook: no threads, no updates, no lookups

    async def channel_id(self, channel: str) -> str: ...

    async def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
        *,
        thread_ts: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Posted: ...

    async def update(self, channel_id: str, ts: str, text: str, blocks: Sequence[Mapping[str, Any]]) -> None: ...

    async def find(
        self, channel_id: str, incident_id: str, key: str, *, thread_ts: str | None = None, oldest: float | None = None
    ) -> str | None:
        """The ts of the message carrying this delivery key, or None when Slack has none."""
        ...

    async def close(self) -> None: ...


def _looks_like_id(channel: str) -> bool:
    return len(channel) >= 9 and channel[0] in "CGD" and channel.isalnum() and channel.isupper()


class WebApi:
    """slack-sdk's AsyncWebClient. `timeout` bounds every call: a hung Slack becomes a Transient."""

    threads = True
    _LOOKUP_PAGES = 5

    def __init__(self, token: str, *, base_url: str | None = None, timeout: float = 10.0) -> None:
        kwargs: dict[str, Any] = {"token": token, "timeout": timeout, "retry_handlers": []}
        if base_url:
            kwargs["base_url"] = base_url
        self._client = AsyncWebClient(**kwargs)
        self._ids: dict[str, str] = {}
        self._session: aiohttp.ClientSession | None = None

    async def _call(self, method: str, *, sends: bool = False, **params: Any) -> Any:
        if self._session is None or self._session.closed:
            # One pooled session for the sender's life (slack-sdk would open one per call otherwise); made
            # here because a session belongs to the running event loop.
            self._session = aiohttp.ClientSession()
            self._client.session = self._session
        try:
            return await self._client.api_call(method, **params)
        except SlackApiError as exc:
            raise _from_api_error(exc, sends) from None
        except aiohttp.ClientConnectorError as exc:
            # Refused or unresolvable before the request left: Slack cannot have it.
            raise Transient(f"cannot connect: {_first_line(exc)}") from None
        except TimeoutError:
            raise Transient("no answer in time", sent_unknown=sends) from None
        except (aiohttp.ClientError, SlackClientError, OSError) as exc:
            raise Transient(f"connection lost: {type(exc).__name__}", sent_unknown=sends) from None

    async def channel_id(self, channel: str) -> str:
        name = channel.lstrip("#")
        if _looks_like_id(name):
            return name
        if name in self._ids:
            return self._ids[name]
        cursor = None
        for _ in range(20):
            params: dict[str, Any] = {
                "limit": 200,
                "exclude_archived": False,
                "types": "public_channel,private_channel",
            }
            if cursor:
                params["cursor"] = cursor
            res = await self._call("conversations.list", http_verb="GET", params=params)
            for ch in res.get("channels", []):
                self._ids[str(ch.get("name"))] = str(ch.get("id"))
            cursor = (res.get("response_metadata") or {}).get("next_cursor")
            if name in self._ids or not cursor:
                break
        if name not in self._ids:
            raise Permanent("channel_not_found")
        return self._ids[name]

    async def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
        *,
        thread_ts: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Posted:
        body: dict[str, Any] = {"channel": channel, "text": text, "blocks": list(blocks), "unfurl_links": False}
        if thread_ts:
            body["thread_ts"] = thread_ts
        if metadata:
            body["metadata"] = dict(metadata)
        res = await self._call("chat.postMessage", sends=True, json=body)
        ts, where = res.get("ts"), res.get("channel")
        if not isinstance(ts, str) or not ts:
            # ok, but no ts: it was very likely stored; the next try looks it up by its key.
            raise Transient("Slack's answer has no ts", sent_unknown=True)
        return Posted(str(where or channel), ts)

    async def update(self, channel_id: str, ts: str, text: str, blocks: Sequence[Mapping[str, Any]]) -> None:
        body = {"channel": channel_id, "ts": ts, "text": text, "blocks": list(blocks)}
        await self._call("chat.update", json=body)

    async def find(
        self, channel_id: str, incident_id: str, key: str, *, thread_ts: str | None = None, oldest: float | None = None
    ) -> str | None:
        method = "conversations.replies" if thread_ts else "conversations.history"
        params: dict[str, Any] = {"channel": channel_id, "include_all_metadata": "true", "limit": 200}
        if thread_ts:
            params["ts"] = thread_ts
        if oldest is not None:
            params["oldest"] = f"{oldest:.6f}"
        for _ in range(self._LOOKUP_PAGES):
            res = await self._call(method, http_verb="GET", params=params)
            for msg in res.get("messages", []):
                if matches(msg, incident_id, key):
                    return str(msg["ts"])
            cursor = (res.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            params["cursor"] = cursor
        return None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class WebhookApi:
    """An incoming webhook: one fixed channel, posts only. A lost answer cannot be checked (no lookup), so
    it is retried and may show twice; the UI says so."""

    threads = False

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        # The URL is itself the credential, and slack-sdk logs it at DEBUG: give the client a quiet logger.
        quiet = logging.getLogger("nexus_tui.slack.webhook")
        quiet.setLevel(logging.WARNING)
        self._client = AsyncWebhookClient(url, timeout=int(max(timeout, 1)), logger=quiet, retry_handlers=[])

    async def channel_id(self, channel: str) -> str:
        return "webhook"

    async def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
        *,
        thread_ts: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Posted:
        try:
            res = await self._client.send(text=text, blocks=[dict(b) for b in blocks])
        except TimeoutError:
            raise Transient("no answer in time", sent_unknown=True) from None
        except aiohttp.ClientConnectorError as exc:
            raise Transient(f"cannot connect: {_first_line(exc)}") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise Transient(f"connection lost: {type(exc).__name__}", sent_unknown=True) from None
        if res.status_code == 429:
            raise Transient("rate limited", retry_after=_retry_after(res.headers))
        if res.status_code >= 500:
            raise Transient(f"HTTP {res.status_code}", sent_unknown=True)
        if res.status_code != 200:
            raise Permanent(str(res.body or f"http_{res.status_code}").strip()[:60])
        return Posted("webhook", "")

    async def update(self, channel_id: str, ts: str, text: str, blocks: Sequence[Mapping[str, Any]]) -> None:
        return None

    async def find(
        self, channel_id: str, incident_id: str, key: str, *, thread_ts: str | None = None, oldest: float | None = None
    ) -> str | None:
        return None

    async def close(self) -> None:
        return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    if not headers:
        return None
    for k, v in headers.items():
        if str(k).lower() == "retry-after":
            value = v[0] if isinstance(v, list) and v else v
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return None
    return None


def _from_api_error(exc: SlackApiError, sends: bool) -> Exception:
    res = exc.response
    status = getattr(res, "status_code", 200)
    data = getattr(res, "data", None)
    code = str(data.get("error", "")) if isinstance(data, Mapping) else ""
    if status == 429 or code == "ratelimited":
        return Transient("rate limited by Slack", retry_after=_retry_after(getattr(res, "headers", None)))
    if status >= 500:
        # Slack documents that a 5xx post may or may not have been stored.
        return Transient(f"Slack answered HTTP {status}", sent_unknown=sends)
    if code in _TRANSIENT_CODES:
        return Transient(f"Slack error {code}", sent_unknown=sends)
    return Permanent(code or f"http_{status}")


def make_api(settings: SlackSettings, *, timeout: float = 10.0) -> SlackApi | None:
    """The API the settings call for, or None when Slack is not configured."""
    if settings.token is not None:
        return WebApi(settings.token.reveal(), base_url=settings.api_url, timeout=timeout)
    if settings.webhook_url is not None:
        return WebhookApi(settings.webhook_url.reveal(), timeout=timeout)
    return None
