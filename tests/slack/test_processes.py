"""Separate processes on one SQLite journal: a sender killed mid-request and restarted sends nothing twice;
two senders at once never post the same message twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nexus_tui.sim.slack_server import SlackServer
from tests.slack.support import Driver

sqlite = pytest.importorskip("nexus_tui.journal.sqlite", reason="SqliteJournal with the outbox not merged yet")
ROOT = Path(__file__).resolve().parents[2]


def _sender(db: Path, slack: SlackServer, budget: float, holder: str) -> subprocess.Popen[str]:
    env = {**os.environ, **slack.environ()}
    cmd = [sys.executable, "-m", "tests.slack.sender_proc", str(db), str(budget), holder]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until(cond: Callable[[], bool], limit: float = 60.0) -> None:
    # A generous ceiling against a hung test, not a timing assertion: the condition is what is checked.
    end = time.monotonic() + limit
    while not cond() and time.monotonic() < end:
        time.sleep(0.02)


def _delivered(slack: SlackServer) -> list[tuple[str, str]]:
    return [
        (m["metadata"]["event_payload"]["incident"], m["metadata"]["event_payload"]["key"])
        for m in slack.messages("incident-response")
    ]


def test_killed_mid_request_then_restarted_sends_nothing_twice(slack: SlackServer, tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    store = sqlite.SqliteJournal(db)
    d = Driver(store).declare()
    d.walk(2)  # root + 4 replies
    slack.hang_seconds = 30
    # The third post is stored by Slack but its answer is held back; the sender is killed while waiting.
    slack.fault("store_then_hang", 1, methods=("chat.postMessage",), after=2)
    first = _sender(db, slack, 60, "first")
    _until(lambda: len(slack.posts()) == 3)
    first.kill()
    first.wait()
    assert len(slack.posts()) == 3
    states = [m.status for m in store.outbox_list(d.id)]
    assert states[:2] == ["sent", "sent"] and states[2] == "sending"

    second = _sender(db, slack, 60, "second")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert json.loads(out)["queued"] == 0
    assert _delivered(slack) == [(d.id, k) for k in ("root", "ev:2", "ev:3", "ev:4", "ev:5")]
    assert [m.status for m in store.outbox_list(d.id)] == ["sent"] * 5
    store.close()


def test_two_sender_processes_on_one_journal(slack: SlackServer, tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    store = sqlite.SqliteJournal(db)
    drivers = [Driver(store, incident_id=f"INC-20260101-0000-{i:04x}").declare() for i in range(3)]
    for d in drivers:
        d.walk(2)
    slack.fault("error_500", 2, methods=("chat.postMessage",))
    a, b = _sender(db, slack, 60, "a"), _sender(db, slack, 60, "b")
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    delivered = _delivered(slack)
    assert len(delivered) == len(set(delivered)) == 3 * 5
    for d in drivers:  # and each incident's thread in order
        assert [k for i, k in delivered if i == d.id] == ["root", "ev:2", "ev:3", "ev:4", "ev:5"]
    store.close()
