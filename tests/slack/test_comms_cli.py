"""`nexus-tui comms flush` exit codes and output, and the `incident comms ID` listing."""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nexus_tui.commands import comms as cmd
from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.comms import Comms
from nexus_tui.sim.slack_server import SlackServer
from nexus_tui.sources.slack.settings import load_slack_settings
from tests.slack.memory_store import MemoryJournal
from tests.slack.support import TOKEN, Driver, SystemUTC


def _parse(argv: list[str], store: MemoryJournal) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=None)
    sub = parser.add_subparsers(dest="command")
    cmd.register(sub, open_store=lambda args: store)
    return parser.parse_args(argv)


@pytest.fixture
def env(slack: SlackServer, monkeypatch: pytest.MonkeyPatch) -> SlackServer:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("NEXUS_TUI_SLACK_API_URL", slack.url)
    return slack


def test_flush_exits_0_when_everything_went(env: SlackServer, capsys: pytest.CaptureFixture[str]) -> None:
    store = MemoryJournal()
    d = Driver(store).declare()
    d.walk(1)
    args = _parse(["comms", "flush", "--timeout", "20"], store)
    assert args.func(args) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "Slack: 3 sent, 0 queued, 0 failed"
    assert TOKEN not in out.out + out.err
    assert len(env.messages("incident-response")) == 3


def test_flush_exits_1_while_slack_is_down(env: SlackServer, capsys: pytest.CaptureFixture[str]) -> None:
    store = MemoryJournal()
    Driver(store).declare()
    env.set_down(True)
    args = _parse(["comms", "flush", "--timeout", "0.3"], store)
    assert args.func(args) == 1
    assert "0 sent, 1 queued, 0 failed (they stay in the journal" in capsys.readouterr().out


def test_flush_exits_1_without_slack(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    store = MemoryJournal()
    Driver(store).declare()
    args = _parse(["comms", "flush"], store)
    assert args.func(args) == 1
    assert "Slack not configured (set SLACK_BOT_TOKEN): 1 message(s) kept" in capsys.readouterr().out


def test_bad_config_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[slack]\nchanel = '#x'\n")
    args = _parse(["--config", str(cfg), "comms", "flush"], MemoryJournal())
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{cfg}:2: slack.chanel: unknown key" in err


def test_incident_comms_lists_states(env: SlackServer) -> None:
    store = MemoryJournal()
    d = Driver(store).declare()
    d.walk(1)
    env.set_down(True)
    comms = Comms(store, load_slack_settings(None), clock=SystemUTC())
    out = io.StringIO()
    assert cmd.incident_comms(comms, d.id, as_json=True, out=out) == 0
    doc = json.loads(out.getvalue())
    assert doc["slack"] == "bot"
    assert [m["state"] for m in doc["messages"]] == ["queued"] * 3
    assert doc["messages"][0]["key"] == "root"
    text = io.StringIO()
    cmd.incident_comms(comms, d.id, as_json=False, out=text)
    assert "queued" in text.getvalue() and TOKEN not in text.getvalue() + out.getvalue()


def test_deliver_briefly_says_what_stays_queued(env: SlackServer) -> None:
    store = MemoryJournal()
    Driver(store).declare()
    env.set_down(True)
    err = io.StringIO()
    left = cmd.deliver_briefly(store, load_slack_settings(None), out=err, budget=0.3)
    assert left == 1
    assert "1 queued" in err.getvalue()


def test_flush_opens_the_journal_given_with_journal(env: SlackServer, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from nexus_tui.journal.sqlite import SqliteJournal

    db = tmp_path / "j.sqlite3"
    store = SqliteJournal(db)
    Driver(store).declare()
    store.close()
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=None)
    cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["comms", "flush", "--journal", str(db), "--timeout", "20"])
    assert args.func(args) == 0
    assert capsys.readouterr().out.strip() == "Slack: 1 sent, 0 queued, 0 failed"


def test_flush_journals_and_posts_due_timer_events_once(env: SlackServer, capsys: pytest.CaptureFixture[str]) -> None:
    store = MemoryJournal()
    # Declared 18 minutes ago: the team lead stage (15 min) and the first step (2 min) overdue are due.
    Driver(store, clock=ManualClock(datetime.now(UTC) - timedelta(minutes=18))).declare()
    args = _parse(["comms", "flush", "--timeout", "20"], store)
    assert args.func(args) == 0
    assert args.func(args) == 0  # a second flush finds them fired
    iid = store.incident_ids()[0]
    assert [e.type for e in store.events_since(iid, 0)] == ["declared", "escalated", "step_overdue"]
    texts = [m["text"] for m in env.messages("incident-response")]
    assert len(texts) == 3 and "escalation: engage Team lead now" in texts[1]
    assert TOKEN not in capsys.readouterr().out


def test_retry_and_drop_from_the_shell(env: SlackServer, capsys: pytest.CaptureFixture[str]) -> None:
    """`comms retry|drop MESSAGE`: the pane's verbs with the pane's rules, for when no TUI is open."""
    store = MemoryJournal()
    d = Driver(store).declare()
    d.walk(1)
    first, second, _ = (m.id for m in store.outbox_list())
    for failed in (first, second):
        assert store.outbox_update(failed, "*", status="failed", error="channel_not_found") is True
    args = _parse(["comms", "retry", str(first)], store)
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert f"message #{first} queued again" in out
    assert next(m for m in store.outbox_list() if m.id == first).status == "sent"  # delivered at once
    assert len(env.messages("incident-response")) == 2  # the retried one and the queued one; not the failed one

    args = _parse(["comms", "retry", str(first)], store)
    assert args.func(args) == 1
    assert f"message #{first} is sent: only a failed or retrying one can be retried" in capsys.readouterr().err

    args = _parse(["comms", "drop", str(second)], store)
    assert args.func(args) == 0
    assert "dropped" in capsys.readouterr().out
    assert next(m for m in store.outbox_list() if m.id == second).status == "dropped"

    args = _parse(["comms", "drop", "9999"], store)
    assert args.func(args) == 2
    assert "no message #9999" in capsys.readouterr().err
