"""A small stand-in for the platform's DR API (seed 000, lines 197-212), in its own thread so both async
client tests and the synchronous CLI (asyncio.run inside) can call it. `mode` picks the answer."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

COOKIE = "s%3AvEry-secret.session-Value"
RUNBOOKS = [
    {"id": "rds-failover", "name": "RDS Failover", "description": "Promote the DR replica"},
    {"id": "s3-restore", "name": "S3 Object Recovery"},
]


@dataclass
class PlatformServer:
    mode: str = "ok"  # ok | fail | 401 | 500 | 500-echo | slow | badjson | notalist | redirect
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    release: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None

    def _authorised(self, request: web.Request) -> bool:
        return request.cookies.get("connect.sid") == COOKIE

    async def _common(self, request: web.Request) -> web.StreamResponse | None:
        body = await request.text()
        self.requests.append(
            {"method": request.method, "path": request.path, "body": body, "headers": dict(request.headers)}
        )
        if self.mode == "401" or not self._authorised(request):
            return web.json_response({"error": "Unauthorized"}, status=401)
        if self.mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "500-echo":  # a careless server that echoes the request's headers
            return web.Response(status=500, text=f"boom: {request.headers.get('Cookie')}")
        if self.mode == "slow":
            assert self.release is not None
            await asyncio.wait_for(self.release.wait(), 30)
        if self.mode == "badjson":
            return web.Response(text="<html>login</html>{", content_type="application/json")
        if self.mode == "redirect":
            raise web.HTTPFound("/login")
        return None

    async def runbooks(self, request: web.Request) -> web.StreamResponse:
        early = await self._common(request)
        if early is not None:
            return early
        if self.mode == "notalist":
            return web.json_response({"runbooks": "none"})
        return web.json_response({"runbooks": RUNBOOKS})

    async def run_drill(self, request: web.Request) -> web.StreamResponse:
        early = await self._common(request)
        if early is not None:
            return early
        data = json.loads(self.requests[-1]["body"])
        if data.get("dryRun") is not True:
            return web.json_response({"error": "only dry runs here"}, status=400)
        if self.mode == "fail":
            return web.json_response(
                {"success": False, "status": "failed", "drillId": "d-2", "message": "step 3 timed out"}
            )
        return web.json_response(
            {
                "success": True,
                "status": "completed",
                "drillId": "d-1",
                "runbookId": data["runbookId"],
                "durationMs": 812,
            }
        )


def serve() -> Iterator[PlatformServer]:
    server = PlatformServer()
    started = threading.Event()
    stop: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        server.loop = loop
        asyncio.set_event_loop(loop)
        server.release = asyncio.Event()
        app = web.Application()
        app.router.add_get("/api/v1/dr/runbooks", server.runbooks)
        app.router.add_post("/api/v1/dr/run-drill", server.run_drill)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        server.base_url = f"http://127.0.0.1:{port}"
        stop["future"] = loop.create_future()
        started.set()
        loop.run_until_complete(stop["future"])
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="platform-server", daemon=True)
    thread.start()
    assert started.wait(30), "the platform stand-in did not start"
    try:
        yield server
    finally:
        assert server.loop is not None and server.release is not None
        server.loop.call_soon_threadsafe(server.release.set)
        server.loop.call_soon_threadsafe(stop["future"].set_result, None)
        thread.join(30)
