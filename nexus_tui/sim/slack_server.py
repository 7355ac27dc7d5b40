"""A local Slack Web API stand-in (aiohttp on 127.0.0.1) for tests, benchmarks and `demo --slack-demo`.

It keeps channels and messages (with thread_ts and metadata) and implements the few methods nexus-tui uses:
auth.test, chat.postMessage, chat.update, conversations.list, conversations.history, conversations.replies.
Faults can be injected to exercise the sender: 429 with Retry-After, 500, hang, store-then-drop-the-connection,
down (the port refuses connections) for a while, invalid_auth, archived channels. It runs its own event loop
in a thread, so synchronous code (the demo, a test driving a subprocess) can use it as well as async tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from nexus_tui.domain.slack_messages import Routing
from nexus_tui.sources.slack.settings import Secret, SlackSettings


@dataclass
class Fault:
    mode: str  # rate_limit | error_500 | hang | drop_after_store | store_then_hang | invalid_auth
    count: int = 1  # how many matching requests it affects
    methods: tuple[str, ...] = ()  # empty: every method
    retry_after: int = 1
    after: int = 0  # let this many matching requests through first


@dataclass
class Channel:
    id: str
    name: str
    archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)


class SlackServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, hang_seconds: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.hang_seconds = hang_seconds
        self.channels: dict[str, Channel] = {}
        self.requests: list[tuple[float, str, dict[str, Any]]] = []  # (monotonic time, method, params)
        self.auth_headers: list[str] = []
        self._faults: deque[Fault] = deque()
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._up = True
        for name in ("incident-response", "stakeholders", "dr-drills"):
            self.add_channel(name)

    # -- control (thread-safe) ----------------------------------------------------------------------------

    def add_channel(self, name: str, *, archived: bool = False) -> Channel:
        with self._lock:
            ch = Channel(id=f"C{next(self._ids):08d}", name=name, archived=archived)
            self.channels[ch.id] = ch
            return ch

    def fault(
        self, mode: str, count: int = 1, *, methods: tuple[str, ...] = (), retry_after: int = 1, after: int = 0
    ) -> None:
        with self._lock:
            self._faults.append(Fault(mode, count, methods, retry_after, after))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def messages(self, name: str) -> list[dict[str, Any]]:
        """A channel's messages (top level and replies), oldest first."""
        with self._lock:
            ch = self._find(name)
            return [dict(m) for m in ch.messages] if ch else []

    def posts(self) -> list[tuple[float, str, dict[str, Any]]]:
        with self._lock:
            return [r for r in self.requests if r[1] == "chat.postMessage"]

    def environ(self) -> dict[str, str]:
        """Environment that points nexus-tui at this server (demo and subprocess tests): a fake bot token."""
        return {"NEXUS_TUI_SLACK_API_URL": self.url, "SLACK_BOT_TOKEN": "xoxb-local-simulator"}

    def demo_settings(self) -> SlackSettings:
        """Settings for `demo --slack-demo`: demo incidents are drills, so they go to the drill channel."""
        routing = Routing(channel="#incident-response", stakeholder_channel="#stakeholders", drill_channel="#dr-drills")
        return SlackSettings(routing=routing, api_url=self.url, token=Secret("xoxb-local-simulator"))

    def set_down(self, down: bool) -> None:
        """Down: the port refuses connections (as when Slack or the network is unreachable)."""
        asyncio.run_coroutine_threadsafe(self._set_site(not down), self._loop).result(10)

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> SlackServer:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="slack-sim", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    @property
    def url(self) -> str:
        """The base_url for slack-sdk's clients."""
        return f"http://{self.host}:{self.port}/api/"

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/services/{hook:.*}", self._webhook)
        # handler_cancellation: a hung handler ends when its client goes away (a killed sender).
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await self._set_site(True)

    async def _set_site(self, up: bool) -> None:
        assert self._runner is not None
        if up and self._site is None:
            self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
            await self._site.start()
            if self.port == 0:
                server = self._site._server
                sockets = getattr(server, "sockets", None) or []
                self.port = sockets[0].getsockname()[1]
        elif not up and self._site is not None:
            await self._site.stop()
            self._site = None

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the API ------------------------------------------------------------------------------------------

    def _find(self, ref: str) -> Channel | None:
        ref = ref.lstrip("#")
        return self.channels.get(ref) or next((c for c in self.channels.values() if c.name == ref), None)

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if not f.methods or method in f.methods:
                    if f.after > 0:
                        f.after -= 1
                        return None
                    f.count -= 1
                    if f.count <= 0:
                        self._faults.remove(f)
                    return f
        return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for k in ("metadata", "blocks"):
            if isinstance(params.get(k), str):
                with contextlib.suppress(ValueError):
                    params[k] = json.loads(params[k])
        return params

    @property
    def webhook_url(self) -> str:
        """An incoming webhook into #incident-response."""
        return f"http://{self.host}:{self.port}/services/T000/B000/sim-webhook-secret"

    async def _webhook(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        with self._lock:
            self.requests.append((time.monotonic(), "webhook", body))
        fault = self._take_fault("webhook")
        if fault is not None and fault.mode == "error_500":
            return web.Response(status=500, text="internal error")
        with self._lock:
            self._post({"channel": "incident-response", "text": body.get("text", ""), "blocks": body.get("blocks")})
        return web.Response(text="ok")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        with self._lock:
            self.requests.append((time.monotonic(), method, params))
            self.auth_headers.append(auth)
        fault = self._take_fault(method)
        if fault is not None:
            if fault.mode == "rate_limit":
                body = {"ok": False, "error": "ratelimited"}
                return web.json_response(body, status=429, headers={"Retry-After": str(fault.retry_after)})
            if fault.mode == "error_500":
                return web.Response(status=500, text="internal error")
            if fault.mode == "hang":
                # A black hole: no answer for hang_seconds, then the connection drops; nothing is stored.
                await asyncio.sleep(self.hang_seconds)
                return _abort(request)
            if fault.mode == "invalid_auth":
                return web.json_response({"ok": False, "error": "invalid_auth"})
        if not auth.startswith("Bearer xox"):
            return web.json_response({"ok": False, "error": "not_authed"})
        body = self._answer(method, params)
        if fault is not None and fault.mode == "drop_after_store":
            # The post is stored; the answer never arrives (a reset after the request left).
            return _abort(request)
        if fault is not None and fault.mode == "store_then_hang":
            # Stored, and the answer is held back: the sender is still waiting when it is killed.
            await asyncio.sleep(self.hang_seconds)
            return _abort(request)
        return web.json_response(body)

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            handler = {
                "auth.test": self._auth_test,
                "chat.postMessage": self._post,
                "chat.update": self._update,
                "conversations.list": self._list,
                "conversations.history": self._history,
                "conversations.replies": self._replies,
            }.get(method)
            if handler is None:
                return {"ok": False, "error": "unknown_method"}
            return handler(p)

    def _auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team": "sim", "user": "nexus-bot", "bot_id": "B0001", "url": "https://sim.slack/"}

    def _channel_error(self, ch: Channel | None) -> dict[str, Any] | None:
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        if ch.archived:
            return {"ok": False, "error": "is_archived"}
        return None

    def _post(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._find(str(p.get("channel", "")))
        err = self._channel_error(ch)
        if err or ch is None:
            return err or {}
        # Real time, as Slack's ts is (lookups bound their search by it), and strictly increasing.
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        ts = f"{self._last_ts:.6f}"
        msg: dict[str, Any] = {"type": "message", "ts": ts, "text": p.get("text", ""), "user": "U0BOT"}
        if p.get("blocks"):
            msg["blocks"] = p["blocks"]
        if p.get("thread_ts"):
            parent = next((m for m in ch.messages if m["ts"] == p["thread_ts"]), None)
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
            msg["thread_ts"] = p["thread_ts"]
            parent.setdefault("thread_ts", parent["ts"])
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        if p.get("metadata"):
            msg["metadata"] = p["metadata"]
        ch.messages.append(msg)
        return {"ok": True, "channel": ch.id, "ts": ts, "message": _public(msg, True)}

    def _update(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(str(p.get("channel", "")))  # chat.update takes a channel id only
        err = self._channel_error(ch)
        if err or ch is None:
            return err or {}
        msg = next((m for m in ch.messages if m["ts"] == p.get("ts")), None)
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        msg["text"] = p.get("text", msg["text"])
        if p.get("blocks"):
            msg["blocks"] = p["blocks"]
        msg["edited"] = {"user": "U0BOT", "ts": f"{time.time():.6f}"}
        return {"ok": True, "channel": ch.id, "ts": msg["ts"], "text": msg["text"]}

    def _list(self, p: dict[str, Any]) -> dict[str, Any]:
        chans = [{"id": c.id, "name": c.name, "is_archived": c.archived} for c in self.channels.values()]
        return {"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}}

    def _page(self, items: list[dict[str, Any]], p: dict[str, Any], meta: bool) -> dict[str, Any]:
        limit = int(p.get("limit") or 100)
        start = int(p.get("cursor") or 0)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "ok": True,
            "messages": [_public(m, meta) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _history(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(str(p.get("channel", "")))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(p.get("oldest") or 0)
        top = [m for m in ch.messages if m.get("thread_ts", m["ts"]) == m["ts"] and float(m["ts"]) >= oldest]
        return self._page(list(reversed(top)), p, _truthy(p.get("include_all_metadata")))

    def _replies(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(str(p.get("channel", "")))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(p.get("ts", ""))
        thread = [m for m in ch.messages if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(thread, p, _truthy(p.get("include_all_metadata")))


def _abort(request: web.Request) -> web.Response:
    """Close the connection without an answer; the response returned is never written."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _public(msg: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
    out = {k: v for k, v in msg.items() if k != "metadata"}
    if with_metadata and "metadata" in msg:
        out["metadata"] = msg["metadata"]
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m nexus_tui.sim.slack_server [--port N]`: run the stand-in and print messages as they arrive,
    to watch the threads build while nexus-tui runs in another terminal with the printed environment."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m nexus_tui.sim.slack_server")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    server = SlackServer(port=args.port).start()
    print("  ".join(f"export {k}={v}" for k, v in server.environ().items()), flush=True)
    seen: dict[str, int] = {}
    try:
        while True:
            for ch in list(server.channels.values()):
                msgs = server.messages(ch.id)
                for m in msgs[seen.get(ch.id, 0) :]:
                    indent = "    " if m.get("thread_ts", m["ts"]) != m["ts"] else ""
                    print(f"#{ch.name} {indent}{str(m.get('text', '')).splitlines()[0][:150]}", flush=True)
                seen[ch.id] = len(msgs)
            time.sleep(0.2)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
