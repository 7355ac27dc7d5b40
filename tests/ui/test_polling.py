"""The poll loop: snapshots flow as messages, polls never overlap, a crashing source does not kill the UI."""

from __future__ import annotations

import itertools

from textual.message import Message

from nexus_tui.ui.messages import PollFailed, PollStarted, SnapshotUpdated
from tests.ui.conftest import SIZE, FailingSource, SlowSource, wait_for
from tests.ui.sample_data import healthy_snapshot, outage_snapshot


async def test_snapshots_flow_as_messages_and_polls_never_overlap(make_app) -> None:
    seen: list[Message] = []
    source = SlowSource([healthy_snapshot(), outage_snapshot()], delay=0.05)
    app = make_app(source=source, refresh_seconds=0.01)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        # Hammer `r` while polls are in flight: each press queues at most one follow-up poll.
        for _ in range(5):
            await pilot.press("r")
        await wait_for(lambda: source.refresh_count >= 4, pilot)
        await pilot.press("q")
    assert source.max_active == 1
    polls = [m for m in seen if isinstance(m, PollStarted | SnapshotUpdated)]
    # Strictly alternating started(n) -> updated(n) -> started(n+1): the next poll is armed only after one ends.
    for before, after in itertools.pairwise(polls):
        assert type(before) is not type(after)
        if isinstance(before, PollStarted):
            assert isinstance(after, SnapshotUpdated) and after.seq == before.seq
        else:
            assert isinstance(after, PollStarted) and after.seq == before.seq + 1
    updates = [m for m in polls if isinstance(m, SnapshotUpdated)]
    assert updates[0].snapshot is source._snapshots[0]
    assert updates[-1].snapshot is source._snapshots[1]


async def test_refresh_key_polls_now_when_idle(make_app) -> None:
    source = SlowSource([healthy_snapshot()], delay=0)
    app = make_app(source=source, refresh_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: source.refresh_count == 1 and not app.polling, pilot)
        await pilot.press("r")
        await wait_for(lambda: source.refresh_count == 2 and not app.polling, pilot)
        assert app.poll_seq == 2


async def test_snapshot_updates_coalesce() -> None:
    older = SnapshotUpdated(healthy_snapshot(), 1, 0.1)
    newer = SnapshotUpdated(outage_snapshot(), 2, 0.1)
    assert older.can_replace(newer)
    assert not older.can_replace(PollStarted(3))


async def test_a_crashing_source_is_reported_and_polling_goes_on(make_app) -> None:
    seen: list[Message] = []
    source = FailingSource([healthy_snapshot()])
    app = make_app(source=source, refresh_seconds=0.01)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_for(lambda: sum(isinstance(m, PollFailed) for m in seen) >= 2, pilot)
        failure = next(m for m in seen if isinstance(m, PollFailed))
        assert failure.error == "RuntimeError: source exploded"
        assert "poll failed" in str(app.screen.query_one("#refresh-status").render())
        assert app.is_running


async def test_a_partial_first_picture_is_filled_in_without_waiting_a_whole_interval(make_app) -> None:
    from dataclasses import replace

    from nexus_tui.domain.models import Unavailable

    partial = replace(
        healthy_snapshot(),
        unavailable=(
            Unavailable("replication", "us-east-1", "S3 replication discovery (12/800 buckets)", "in progress"),
        ),
    )
    source = SlowSource([partial, healthy_snapshot()], delay=0)
    app = make_app(source=source, refresh_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: source.refresh_count >= 2, pilot, limit=5)
        # Complete now: back to the configured interval.
        await pilot.pause(1.5)
        assert source.refresh_count == 2
        await pilot.press("q")
