"""Start `serve` in a subprocess on 127.0.0.1 with a free port, and wait until it answers."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.wall.chromium import stop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def served(tmp_path: Path, args: Sequence[str], env: dict[str, str] | None = None) -> AsyncIterator[str]:
    port = free_port()
    environ = dict(os.environ)
    environ.update(XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data"), NEXUS_TUI_NO_STS="1")
    environ.update(env or {})
    log_path = tmp_path / "serve.log"
    log = await asyncio.to_thread(log_path.open, "w")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nexus_tui.commands.serve",
        "--port",
        str(port),
        *args,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                if proc.returncode is not None:
                    raise AssertionError(f"serve exited: {await asyncio.to_thread(log_path.read_text)}")
                try:
                    async with http.get(base + "/") as r:
                        if r.status in (200, 401):
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        yield base
    finally:
        await stop(proc)
        log.close()
