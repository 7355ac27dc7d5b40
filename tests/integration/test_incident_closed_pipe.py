"""`nexus-tui incident ... | head -1`: every incident command whose reader has gone ends quietly, never with a
BrokenPipeError traceback. The pipe's read end is closed before the process starts, so every write fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from incident_harness import IncidentCli

RUNBOOK = """\
id: pipe-drill
title: Pipe drill
trigger: a test says so
rto_minutes: 30
steps:
  - id: verify
    title: Verify the primary is down
    expected_minutes: 2
  - id: promote
    title: Promote the replica
    expected_minutes: 5
    action:
      name: rds.promote_read_replica
      region: us-west-2
      params: {DBInstanceIdentifier: db-replica-west}
"""


def _into_closed_pipe(cli: IncidentCli, *args: str) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(cli.argv(*args), env=cli.env, stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)


def test_every_incident_command_ends_quietly_into_a_closed_pipe(tmp_path: Path) -> None:
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "pipe-drill.yaml").write_text(RUNBOOK)
    cli = IncidentCli(tmp_path, books)
    iid = cli.ok("declare", "--runbook", "pipe-drill").strip()
    commands = [
        ("declare", "--runbook", "pipe-drill"),
        ("list",),
        ("list", "--json"),
        ("show", iid),
        ("show", iid, "--json"),
        ("preview", iid, "promote"),
        ("preview", iid, "promote", "--json"),
        ("step", iid, "verify", "start"),
        ("note", iid, "looking at the console"),
        ("override", iid, "--step", "verify", "--reason", "drill"),
        ("step", iid, "verify", "done"),
        ("undo", iid),
        ("step", iid, "verify", "done"),
        ("recheck", iid, "promote", "--not-done", "--reason", "nothing was sent"),
        ("report", iid),
        ("verify", iid),
        ("resolve", iid, "--force", "--reason", "drill over"),
        ("show", "INC-nope"),  # an error goes to stderr, which is still open: one line, no traceback
    ]
    noisy = []
    for args in commands:
        proc = _into_closed_pipe(cli, *args)
        if "Traceback" in proc.stderr or "BrokenPipeError" in proc.stderr:
            noisy.append(f"{' '.join(args)}: {proc.stderr.strip().splitlines()[-1]}")
    assert noisy == []
