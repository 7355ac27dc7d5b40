"""A small runbook and an in-memory event log for incident tests (the domain needs no journal)."""

from __future__ import annotations

from collections.abc import Callable

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.clock import ManualClock
from nexus_tui.domain.fold import replay
from nexus_tui.domain.incident import Event, IncidentState
from nexus_tui.domain.runbook import AwsAction, Runbook, Step


def sample_runbook(rto_seconds: float | None = 1800.0) -> Runbook:
    return Runbook(
        id="rds-failover",
        title="RDS failover",
        trigger="Primary unavailable > 5 min",
        rto_seconds=rto_seconds,
        steps=(
            Step("verify", "Verify the primary is down", "manual", 120.0),
            Step(
                "promote",
                "Promote the replica",
                "aws",
                300.0,
                destructive=True,
                action=AwsAction("rds.promote_read_replica", "us-west-2", {"DBInstanceIdentifier": "db-replica-west"}),
            ),
            Step("dns", "Point DNS at the DR region", "manual", 120.0, destructive=True, confirm="app.example.com"),
            Step("health", "Check /api/health", "manual", 120.0),
            Step("notify", "Notify stakeholders", "manual", 60.0),
        ),
        roles=("ic",),
    )


class Log:
    """Appends drafts the way the service does, with a manual clock, and keeps the folded state."""

    def __init__(self, runbook: Runbook | None = None, clock: ManualClock | None = None, drill: bool = False) -> None:
        self.clock = clock or ManualClock()
        self.events: list[Event] = []
        self.add(tr.declare(runbook or sample_runbook(), {}, "SEV2", "alice", drill))

    @property
    def state(self) -> IncidentState:
        return replay(self.events)

    def add(self, draft: tr.Draft, actor: str = "alice", identity: str | None = None) -> IncidentState:
        ev = Event(len(self.events) + 1, "INC-1", draft.type, self.clock.now(), actor, identity, draft.payload)
        self.events.append(ev)
        return self.state

    def do(self, decide: Callable[[IncidentState], tr.Draft], actor: str = "alice") -> IncidentState:
        return self.add(decide(self.state), actor)
