"""The whole read path as a user meets it: NexusApp driven by Pilot, fed by the real DashboardService over
aiobotocore, against the simulated SecureNexus account behind one fault proxy per region."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from textual.widgets import DataTable

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sim.faults import FaultProxy
from nexus_tui.ui.app import NexusApp

EAST, WEST = "us-east-1", "us-west-2"


@pytest.fixture
def proxies(sim_env: SimEnvironment) -> Iterator[dict[str, FaultProxy]]:
    made = {region: FaultProxy(sim_env.endpoint_url) for region in sim_env.regions}
    try:
        yield made
    finally:
        for proxy in made.values():
            proxy.close()


async def until(pilot: Any, predicate: Callable[[], bool], limit: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await pilot.pause(0.02)


def table_text(app: NexusApp, panel_id: str) -> str:
    table = app.screen.query_one(f"#{panel_id}").query_one(DataTable)
    rows = [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
    return "\n".join(rows)


async def test_discovers_every_pair_and_survives_a_dead_primary_region(
    sim_env: SimEnvironment, sim_clock: ManualClock, proxies: dict[str, FaultProxy]
) -> None:
    # Only regions and endpoints are configured: every resource is discovered, none is named.
    config = sim_env.app_config(endpoints={r: p.url for r, p in proxies.items()}, refresh_seconds=0.2, labels={})
    # Short timeouts: a dead region must not hold the test (or the IC) for long.
    aws = replace(config.aws, connect_timeout=0.5, read_timeout=1.0, max_attempts=1)
    config = replace(config, aws=aws)
    service = DashboardService(config, clock=sim_clock)
    app = NexusApp(config, service, clock=sim_clock)
    try:
        await drive(app, proxies)
    finally:
        await service.aclose()


async def drive(app: NexusApp, proxies: dict[str, FaultProxy]) -> None:
    async with app.run_test(size=(140, 45)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and len(app.snapshot.replication) == 3)
        snap = app.snapshot
        assert snap is not None
        kinds = {p.kind: p for p in snap.replication}
        assert kinds["rds"].source == "securenexus-db" and kinds["rds"].target == "securenexus-db-replica-west"
        assert kinds["rds"].lag_seconds is not None and kinds["rds"].target_region == WEST
        assert kinds["s3"].target == "securenexus-platform-dr-557845624595"
        assert kinds["secret"].status == "InSync"
        replication = table_text(app, "replication")
        assert "replicating" in replication and "InSync" in replication
        assert "03:00-04:00" in table_text(app, "backups")
        assert "/api/health" in table_text(app, "alarms")
        assert "reachable" in str(app.screen.query_one("#regions").render())

        # us-east-1 goes dark: connections refused.
        proxies[EAST].mode = "refuse"
        seq = app.poll_seq
        await until(pilot, lambda: app.poll_seq >= seq + 2)
        snap = app.snapshot
        assert snap is not None
        east = next(r for r in snap.regions if r.name == EAST)
        west = next(r for r in snap.regions if r.name == WEST)
        assert east.reachable is False and east.error
        assert west.reachable is True
        # The replica is still measured from the DR side; the S3 pair (metrics live in the source region) is stale.
        rds = next(p for p in snap.replication if p.kind == "rds")
        s3 = next(p for p in snap.replication if p.kind == "s3")
        assert not rds.stale and rds.lag_seconds is not None
        assert s3.stale
        assert "UNREACHABLE" in str(app.screen.query_one("#regions").render())
        assert "STALE" in table_text(app, "replication")

        # The UI keeps answering while polls against the dead region are in flight.
        await pilot.press("slash")
        await pilot.press(*"replica")
        await pilot.pause(0.3)
        assert "securenexus-db" in table_text(app, "replication")
        await pilot.press("escape")

        # Recovery: the region comes back and the rows are fresh again.
        proxies[EAST].mode = "pass"
        await until(pilot, lambda: app.snapshot is not None and all(r.reachable for r in app.snapshot.regions))
        await until(pilot, lambda: app.snapshot is not None and not any(p.stale for p in app.snapshot.replication))
        await pilot.press("q")
