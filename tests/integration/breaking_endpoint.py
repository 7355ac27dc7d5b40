"""An endpoint in front of the simulator that breaks the ways a request can go wrong once it left: the answer
lost after the server acted on the request, the connection reset after it, an answer trickling one byte a
second, and bytes that are not AWS at all. (The sim's FaultProxy breaks before forwarding; these break after.)

Runs on the test's event loop (aiohttp); the upstream moto server runs in its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

MODES = ("pass", "lose", "reset", "trickle", "trickle_reads", "garbage")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class BreakingEndpoint:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mode = "pass"
        self.forwarded: list[str] = []  # operations (X-Amz-Target or Action=) that reached the upstream
        self.closing = asyncio.Event()
        self._changed = asyncio.Condition()
        self.url = ""

    async def _forward(self, request: web.Request, body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with (
            aiohttp.ClientSession() as session,
            session.request(request.method, self.upstream + request.path_qs, data=body, headers=headers) as resp,
        ):
            payload = await resp.read()
            async with self._changed:
                self.forwarded.append(_operation(request, body))
                self._changed.notify_all()
            return resp.status, {k: v for k, v in resp.headers.items() if k.lower() not in _HOP}, payload

    async def wait_forwarded(self, count: int = 1, limit: float = 30.0) -> list[str]:
        """The operations forwarded so far, once `count` of them reached the upstream (a loaded machine may
        answer after the caller's deadline)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit), self._changed:
                await self._changed.wait_for(lambda: len(self.forwarded) >= count)
        return self.forwarded

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        mode = self.mode
        if mode == "garbage":
            return web.Response(status=200, body=os.urandom(256), content_type="text/xml")
        if mode == "trickle_reads":
            mode = "trickle" if _operation(request, body).startswith(("Describe", "Get", "List")) else "pass"
        if mode == "trickle":
            resp = web.StreamResponse(status=200, headers={"Content-Type": "text/xml", "Content-Length": "4096"})
            await resp.prepare(request)
            while not self.closing.is_set():
                await resp.write(b"<")
                await asyncio.sleep(1.0)
            return resp
        status, headers, payload = await self._forward(request, body)
        if mode == "lose":
            await self.closing.wait()  # the server acted; its answer never comes
            raise ConnectionResetError("endpoint closing")
        if mode == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("reset after the request was served")
        return web.Response(status=status, headers=headers, body=payload)


def _operation(request: web.Request, body: bytes) -> str:
    target = request.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    for part in body.decode("utf-8", "replace").split("&"):
        if part.startswith("Action="):
            return part[len("Action=") :]
    return request.method + " " + request.path


@asynccontextmanager
async def breaking_endpoint(upstream: str) -> AsyncIterator[BreakingEndpoint]:
    endpoint = BreakingEndpoint(upstream)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", endpoint.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    endpoint.url = f"http://127.0.0.1:{port}"
    try:
        yield endpoint
    finally:
        endpoint.closing.set()
        await runner.cleanup()
