"""A paused FanOut lets no call start, including calls already queued for a slot when the pause began."""

from __future__ import annotations

import asyncio

from nexus_tui.sources.aws.background import FanOut


async def test_pause_holds_back_calls_queued_for_a_slot() -> None:
    limit = FanOut(2)
    started: list[int] = []
    release = asyncio.Event()

    async def call(i: int) -> None:
        async with limit:
            started.append(i)
            await release.wait()

    tasks = [asyncio.create_task(call(i)) for i in range(6)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert started == [0, 1]  # two slots; the other four wait for one
    limit.running.clear()  # a refresh begins
    release.set()  # the two running calls finish during it
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == [0, 1]  # nobody started while paused
    limit.running.set()  # the refresh is over
    await asyncio.gather(*tasks)
    assert sorted(started) == list(range(6))
