"""Slack settings: the `[slack]` table of the config file and the environment.

The bot token comes from SLACK_BOT_TOKEN only (a token in a config file ends up in backups and screenshots);
it is held in a `Secret`, whose repr and str are masked, so no dump, log line or error message can show it.
NEXUS_TUI_SLACK_API_URL overrides `api_url` (another Slack-compatible endpoint, e.g. the local simulator).
SLACK_WEBHOOK_URL is the fallback for teams without a bot: posts only, no threads, no updates.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from nexus_tui.domain.slack_messages import Routing

TOKEN_ENV = "SLACK_BOT_TOKEN"
WEBHOOK_ENV = "SLACK_WEBHOOK_URL"
API_URL_ENV = "NEXUS_TUI_SLACK_API_URL"
DEFAULT_CHANNEL = "#incident-response"
KEYS = frozenset(
    {
        "channel",
        "stakeholder_channel",
        "drill_channel",
        "drill_in_production",
        "mention",
        "api_url",
        # Older names, still read: base_url (= api_url); token_env is ignored, the token is SLACK_BOT_TOKEN.
        "base_url",
        "token_env",
    }
)
Mode = Literal["bot", "webhook", "off"]


class SlackSettingsError(Exception):
    """A mistake in the [slack] table; str() is one line naming file, line and key."""


class Secret:
    """A value that is never shown: repr/str/format give a mask; only `reveal()` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class SlackSettings:
    routing: Routing = field(default_factory=Routing)
    api_url: str | None = None  # None: slack-sdk's default, https://slack.com/api/
    token: Secret | None = None
    webhook_url: Secret | None = None  # a webhook URL is itself a credential

    @property
    def mode(self) -> Mode:
        if self.token is not None:
            return "bot"
        if self.webhook_url is not None:
            return "webhook"
        return "off"

    def describe(self) -> str:
        """One line for the UI and `comms` output; never a secret."""
        if self.mode == "off":
            return "Slack not configured (set SLACK_BOT_TOKEN): messages are kept, not sent"
        if self.mode == "webhook":
            return "Slack via incoming webhook: no threads or root updates (set SLACK_BOT_TOKEN for those)"
        where = _mask_url(self.api_url) if self.api_url else "slack.com"
        return f"Slack bot via {where}, channel {self.routing.channel or '-'}"


def _mask_url(url: str) -> str:
    """scheme://host[:port]/path without user info or query (where credentials could hide)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _line(text: str, key: str) -> int | None:
    in_table = False
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.replace(" ", "") == "[slack]"
        elif in_table and re.match(rf"""^["']?{re.escape(key)}["']?\s*=""", stripped):
            return i
    return None


def _fail(path: Path | None, text: str, key: str, message: str) -> SlackSettingsError:
    where = str(path) if path else "config"
    line = _line(text, key)
    return SlackSettingsError(f"{where}{f':{line}' if line else ''}: slack.{key}: {message}")


def _channel(table: Mapping[str, Any], key: str, path: Path | None, text: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"#?[A-Za-z0-9._-]{1,80}", value.strip()):
        raise _fail(path, text, key, f"must be a channel name like '#incident-response' or an id, got {value!r}")
    return value.strip() or None


def parse_slack(
    table: Mapping[str, Any],
    environ: Mapping[str, str],
    *,
    path: Path | None = None,
    text: str = "",
    default_rto_seconds: float = 1800.0,
) -> SlackSettings:
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise _fail(path, text, unknown[0], f"unknown key (known: {', '.join(sorted(KEYS - {'token_env'}))})")
    for forbidden in ("token", "bot_token", "webhook_url"):
        if forbidden in table:  # unreachable via KEYS, kept explicit for the message
            raise _fail(path, text, forbidden, f"secrets go in {TOKEN_ENV} / {WEBHOOK_ENV}, not the config file")
    drill_prod = table.get("drill_in_production", False)
    if not isinstance(drill_prod, bool):
        raise _fail(path, text, "drill_in_production", f"must be true or false, got {drill_prod!r}")
    mention = table.get("mention")
    if mention is not None and not isinstance(mention, str):
        raise _fail(path, text, "mention", f"must be a string such as '<!subteam^S0123>', got {mention!r}")
    api_url = environ.get(API_URL_ENV) or table.get("api_url") or table.get("base_url")
    if api_url is not None:
        if not isinstance(api_url, str) or not re.match(r"^https?://[^\s]+$", api_url):
            raise _fail(path, text, "api_url", "must be an http(s) URL")
        if not api_url.endswith("/"):
            api_url += "/"  # slack-sdk joins method names onto base_url
    channel = _channel(table, "channel", path, text)
    token = environ.get(TOKEN_ENV, "").strip()
    webhook = environ.get(WEBHOOK_ENV, "").strip()
    return SlackSettings(
        routing=Routing(
            channel=channel if "channel" in table else DEFAULT_CHANNEL,
            stakeholder_channel=_channel(table, "stakeholder_channel", path, text),
            drill_channel=_channel(table, "drill_channel", path, text),
            drill_in_production=drill_prod,
            mention=(mention or None),
            default_rto_seconds=default_rto_seconds,
        ),
        api_url=api_url,
        token=Secret(token) if token else None,
        webhook_url=Secret(webhook) if webhook else None,
    )


def load_slack_settings(
    config_path: Path | None, environ: Mapping[str, str] | None = None, *, default_rto_seconds: float = 1800.0
) -> SlackSettings:
    """The [slack] table of the config file the app loaded (None or missing: defaults) plus the environment."""
    env = os.environ if environ is None else environ
    text = ""
    data: dict[str, Any] = {}
    if config_path is not None:
        try:
            text = config_path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except FileNotFoundError:
            data = {}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SlackSettingsError(f"{config_path}: cannot read [slack]: {exc}") from None
    table = data.get("slack", {})
    if not isinstance(table, Mapping):
        raise SlackSettingsError(f"{config_path}: slack must be a table ([slack])")
    return parse_slack(table, env, path=config_path, text=text, default_rto_seconds=default_rto_seconds)
