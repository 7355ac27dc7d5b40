"""Practice drills, the pure part: the scenario catalogue and the score.

A scenario names the fault the simulator injects, the signal the dashboard must show, the runbook it
rehearses and the seed lines it comes from. The score is what a drill proves: did the runbook bring the
service back inside its RTO (simulated seconds, so real-world minutes whatever the speed), how much
acknowledged data the recovered system lacks (measured by the simulator's write ledger) against the RPO,
and where it stopped if a precondition bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "fail", "blocked"]


class DrillError(ValueError):
    """A drill that cannot be set up (unknown scenario, not against the simulator): one line for the user."""


@dataclass(frozen=True, slots=True)
class SanctionedOverride:
    """An override the runbook itself prescribes for this fault (the check's own description says "then
    override"), so an unattended rehearsal takes it as the IC would; every other failing check stops it."""

    step_id: str
    check: str
    reason: str
    # Only when the replica's last lag before the fault was under the RPO (its live value is -1 then:
    # replication stopped with the primary). Otherwise the check stands and the rehearsal stops.
    needs_lag_before_fault_below_rpo: bool = False

    def applies(self, lag_before_fault: float | None, rpo_seconds: float) -> bool:
        if not self.needs_lag_before_fault_below_rpo:
            return True
        return lag_before_fault is not None and 0 <= lag_before_fault < rpo_seconds


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    fault: str
    detection: str
    runbook: str
    alt_runbooks: tuple[str, ...]
    seed_lines: tuple[str, ...]
    at_risk: tuple[Literal["db", "s3"], ...]
    sanctioned: tuple[SanctionedOverride, ...] = ()

    def sanctioned_for(self, step_id: str, check: str) -> SanctionedOverride | None:
        return next((s for s in self.sanctioned if s.step_id == step_id and s.check == check), None)


_SEED_000 = "seed 000 (SecureNexus DR strategy)"
_SEED_003 = "seed 003 (DR testing schedule)"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        id="primary-db-failure",
        title="Primary database fails",
        fault="the primary RDS instance goes to `failed`; the application stops writing",
        detection="ReplicaLag -1 from the replica side (replication broken), app health red",
        runbook="rds-failover",
        alt_runbooks=(),
        seed_lines=(
            f"{_SEED_000}: Runbook 1, RDS failover; monthly RDS failover drill",
            f"{_SEED_003}: monthly failover simulation",
        ),
        at_risk=("db",),
        sanctioned=(
            SanctionedOverride(
                "verify-primary-down",
                "region_unreachable",
                "drill: the DB failed alone; CloudWatch shows it failed while the region still answers "
                "(the runbook prescribes this override)",
            ),
            SanctionedOverride(
                "promote-replica",
                "replica_lag_below_rpo",
                "drill: replication stopped when the primary failed (ReplicaLag -1); the last lag before the "
                "failure was under the RPO",
                needs_lag_before_fault_below_rpo=True,
            ),
        ),
    ),
    Scenario(
        id="region-outage",
        title="Primary region outage",
        fault="every endpoint of the primary region stops answering (fault proxy: connections refused)",
        detection="primary region unreachable on the dashboard; app health red",
        runbook="full-region-failure",
        alt_runbooks=("regional-outage",),
        seed_lines=(
            f"{_SEED_000}: full region failover, semi-annual; cross-region failover, quarterly",
            f"{_SEED_003}: quarterly regional failover; annual data-center-loss simulation",
        ),
        at_risk=("db", "s3"),
    ),
    Scenario(
        id="data-corruption",
        title="Bad migration corrupts the database",
        fault="a bad migration runs at a known time T; every write after it builds on corrupted rows",
        detection="application errors after T (health red); the IC must find T",
        runbook="data-corruption-recovery",
        alt_runbooks=("database-corruption",),
        seed_lines=(
            f"{_SEED_000}: data corruption recovery, quarterly; RDS PITR, monthly",
            f"{_SEED_003}: monthly backup restoration",
        ),
        at_risk=("db",),
    ),
    Scenario(
        id="s3-deletion",
        title="Objects deleted from the production bucket",
        fault="objects deleted (delete markers); their versions remain",
        detection="objects missing: 404 where the application expects them",
        runbook="s3-object-recovery",
        alt_runbooks=("accidental-deletion",),
        seed_lines=(f"{_SEED_000}: S3 object recovery, monthly",),
        at_risk=("s3",),
    ),
    Scenario(
        id="ransomware",
        title="Ransomware encrypts objects",
        fault="objects overwritten with encrypted-looking content from time T (older versions remain)",
        detection="objects' content unreadable; app health red",
        runbook="ransomware",
        alt_runbooks=(),
        seed_lines=(f"{_SEED_003}: quarterly full DR drill (security incident)",),
        at_risk=("s3",),
    ),
    Scenario(
        id="lag-storm",
        title="Replica lag storm during a failover",
        fault="the primary degrades while the replica's lag climbs past the RPO (two hours behind)",
        detection="ReplicaLag above the RPO line on the dashboard",
        runbook="rds-failover",
        alt_runbooks=(),
        seed_lines=(f"{_SEED_000}: RPO targets; Runbook 1 preconditions",),
        at_risk=("db",),
        sanctioned=(
            SanctionedOverride(
                "verify-primary-down",
                "region_unreachable",
                "drill: the DB failed alone; the region still answers (the runbook prescribes this override)",
            ),
        ),
    ),
)


def scenario(scenario_id: str) -> Scenario:
    for s in SCENARIOS:
        if s.id == scenario_id:
            return s
    known = ", ".join(s.id for s in SCENARIOS)
    raise DrillError(f"unknown drill scenario {scenario_id!r} (known: {known})")


# -- the score --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataLoss:
    """Acknowledged writes the recovered system lacks. None: the scenario does not put that kind at risk."""

    transactions: int | None = None
    seconds: float | None = None
    objects: int | None = None
    bytes: int | None = None

    def __add__(self, other: DataLoss) -> DataLoss:
        def add(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else a + b

        return DataLoss(
            add(self.transactions, other.transactions),
            add(self.seconds, other.seconds),
            add(self.objects, other.objects),
            add(self.bytes, other.bytes),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "transactions": self.transactions,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "objects": self.objects,
            "bytes": self.bytes,
        }


@dataclass(frozen=True, slots=True)
class StepScore:
    id: str
    expected_seconds: float
    actual_seconds: float | None
    state: str
    overrides: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "expected": self.expected_seconds,
            "actual": None if self.actual_seconds is None else round(self.actual_seconds, 1),
            "state": self.state,
            "overrides": list(self.overrides),
        }


@dataclass(frozen=True, slots=True)
class BlockedBy:
    step_id: str
    check: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"step": self.step_id, "precondition": self.check, "live_value": self.detail}


@dataclass(frozen=True, slots=True)
class DrillScore:
    scenario: str
    runbook: str
    verdict: Verdict
    rto_seconds: float | None
    rto_target_seconds: float
    detection_seconds: float | None
    data_loss: DataLoss
    rpo_target_seconds: float
    steps: tuple[StepScore, ...]
    blocked_by: BlockedBy | None = None
    reasons: tuple[str, ...] = ()
    speed: float = 1.0
    incident_id: str | None = None
    checks: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "runbook": self.runbook,
            "verdict": self.verdict,
            "rto_seconds": None if self.rto_seconds is None else round(self.rto_seconds, 1),
            "rto_target_seconds": self.rto_target_seconds,
            "detection_seconds": self.detection_seconds,
            "data_loss": self.data_loss.to_dict(),
            "rpo_target_seconds": self.rpo_target_seconds,
            "steps": [s.to_dict() for s in self.steps],
            "blocked_by": None if self.blocked_by is None else self.blocked_by.to_dict(),
            "reasons": list(self.reasons),
            "speed": self.speed,
            "incident_id": self.incident_id,
            "checks": dict(self.checks),
        }


def judge(
    *,
    rto_seconds: float | None,
    rto_target_seconds: float,
    data_loss: DataLoss,
    rpo_target_seconds: float,
    steps: tuple[StepScore, ...],
    blocked_by: BlockedBy | None,
    extra_failures: tuple[str, ...] = (),
) -> tuple[Verdict, tuple[str, ...]]:
    """The verdict and the reasons behind it. Blocked beats fail: a run stopped by a precondition has no RTO."""
    if blocked_by is not None:
        return "blocked", (f"stopped at {blocked_by.step_id}: {blocked_by.check} ({blocked_by.detail})",)
    reasons: list[str] = list(extra_failures)
    failed = [s.id for s in steps if s.state not in ("done", "skipped")]
    if failed:
        reasons.append(f"steps not done: {', '.join(failed)}")
    if rto_seconds is None:
        reasons.append("service not recovered")
    elif rto_seconds > rto_target_seconds:
        reasons.append(f"RTO {_minutes(rto_seconds)} exceeds the target {_minutes(rto_target_seconds)}")
    if data_loss.seconds is not None and data_loss.seconds > rpo_target_seconds:
        reasons.append(f"lost {_minutes(data_loss.seconds)} of data, over the RPO {_minutes(rpo_target_seconds)}")
    return ("fail" if reasons else "pass"), tuple(reasons)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def summary_line(score: DrillScore) -> str:
    loss = score.data_loss
    parts = []
    if loss.transactions is not None:
        parts.append(f"{loss.transactions} transactions ({loss.seconds or 0:.0f}s of data)")
    if loss.objects is not None:
        parts.append(f"{loss.objects} objects ({loss.bytes or 0} bytes)")
    rto = "-" if score.rto_seconds is None else _minutes(score.rto_seconds)
    return (
        f"{score.scenario}: {score.verdict.upper()}  RTO {rto} / target {_minutes(score.rto_target_seconds)}  "
        f"data loss {', '.join(parts) or 'none'} / RPO {_minutes(score.rpo_target_seconds)}"
    )
