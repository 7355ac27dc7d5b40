"""Driving `nexus-tui incident ...` as a real process (one at a time or several at once) next to an in-process
IncidentService on the same journal file: the harness the parity, claim and preview tests share."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        """The one-line refusal, without the program prefix (what the session's exception says)."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in self.err, self.err
        return lines[0].removeprefix("nexus-tui incident: ")


class IncidentCli:
    """`nexus-tui incident` in a subprocess on `journal`, with the runbooks in `runbooks` and `config`."""

    def __init__(self, tmp: Path, runbooks: Path, config: Path | None = None, env: dict[str, str] | None = None):
        self.runbooks = runbooks
        self.journal = tmp / "journal.sqlite3"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEXUS_TUI_"))}
        self.env = {
            **clean,
            "NEXUS_TUI_JOURNAL": str(self.journal),
            "NEXUS_TUI_CONFIG": str(config or tmp / "no-config.toml"),
            "XDG_DATA_HOME": str(tmp / "data"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "none"),
            "AWS_CONFIG_FILE": str(tmp / "none"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "NEXUS_TUI_NO_STS": "1",
            "USER": "alice",
            "LOGNAME": "alice",
            **(env or {}),
        }

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "nexus_tui", "incident", *args, "--runbooks", str(self.runbooks)]

    def run(self, *args: str) -> Run:
        proc = subprocess.run(self.argv(*args), env=self.env, capture_output=True, text=True, timeout=120)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str) -> str:
        r = self.run(*args)
        assert r.code == 0, (args, r)
        return r.out

    def refused(self, *args: str) -> str:
        r = self.run(*args)
        assert r.code == 1, (args, r)
        return r.line

    async def arun(self, *args: str) -> Run:
        """`run` without blocking the event loop (a test's loopback server may have to answer the process)."""
        return await asyncio.wait_for(finished(await self.start(*args)), 120)

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *self.argv(*args), env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )


async def finished(proc: asyncio.subprocess.Process) -> Run:
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())
