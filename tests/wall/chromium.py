"""Headless Debian Chromium driven over the DevTools protocol (aiohttp websocket), for the served wall.

textual-serve draws the terminal on a canvas, so the page's DOM has no text to read. The page's own
websocket carries what the app draws; the DevTools Network domain reports every frame the page receives,
so "the wall's text is on the page" is checked on exactly the bytes the page's terminal renders, and the
screenshot shows the rendered result."""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def plain(data: str) -> str:
    return _ANSI.sub("", data)


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.received: list[str] = []  # decoded frames of the page's own websockets
        self.sockets: list[str] = []  # URLs of the websockets the page opened (textual-serve's carries the size)
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = msg.json()
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            elif data.get("method") == "Network.webSocketCreated":
                self.sockets.append(data["params"]["url"])
            elif data.get("method") == "Network.webSocketFrameReceived":
                response = data["params"]["response"]
                payload = response.get("payloadData", "")
                if response.get("opcode") == 2:
                    payload = base64.b64decode(payload).decode("utf-8", "replace")
                self.received.append(payload)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        mid = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[mid] = future
        await self.ws.send_json({"id": mid, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def text(self) -> str:
        return plain("".join(self.received))

    async def screenshot(self, path: Path) -> None:
        result = await self.send("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(result["data"]))


@asynccontextmanager
async def chromium_page(binary: str, width: int = 1920, height: int = 1080) -> AsyncIterator[Page]:
    profile = tempfile.mkdtemp(prefix="nexus-chromium-")
    proc = await asyncio.create_subprocess_exec(
        binary,
        *FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        f"--window-size={width},{height}",
        "about:blank",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        content = ""
        for _ in range(600):
            content = await asyncio.to_thread(_read, port_file)
            if content:
                break
            if proc.returncode is not None:
                raise RuntimeError(f"chromium exited with {proc.returncode}")
            await asyncio.sleep(0.1)
        port = int(content.split()[0])
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as r:
                targets = await r.json()
            target = next(t for t in targets if t.get("type") == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.send("Network.enable")
                await page.send("Page.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
                )
                try:
                    yield page
                finally:
                    page.reader.cancel()
    finally:
        await stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


def _read(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
