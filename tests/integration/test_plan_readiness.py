"""Readiness against the plan on the simulated SecureNexus account: green as seeded (the plan's alarms exist and
are OK, MFA Delete on production, lifecycle, KMS); removing an alarm and turning MFA Delete off each show up
as a warning naming the resource, the setting, the plan's value and the actual one."""

from __future__ import annotations

import dataclasses

from nexus_tui.domain.health import overall_state
from nexus_tui.domain.models import State
from nexus_tui.domain.plan import Plan
from nexus_tui.domain.readiness import readiness
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.sim import s3_hooks
from nexus_tui.sim.environment import SimEnvironment


async def _snapshot(sim: SimEnvironment):  # type: ignore[no-untyped-def]
    config = sim.app_config(health_checks=())
    config = dataclasses.replace(config, aws=dataclasses.replace(config.aws, read_timeout=30.0))
    service = DashboardService(config, region_timeout=60.0)
    try:
        return await service.refresh(complete=True)
    finally:
        await service.aclose()


async def test_seeded_world_meets_the_plan_then_each_break_is_a_warning(sim_env: SimEnvironment, sim_boto) -> None:  # type: ignore[no-untyped-def]
    sim_env.tick(60)
    snap = await _snapshot(sim_env)
    ready = readiness(snap, Plan())
    assert ready.deviations == ()
    states = {(c.rule, c.resource): c.state for c in ready.coverage}
    assert states == {
        ("RDS replication lag", "securenexus-db-replica-west"): "OK",
        ("RDS free storage", "securenexus-db"): "OK",
        ("S3 replication latency", "securenexus-platform-557845624595"): "OK",
        ("Backup completion", "securenexus-db"): "OK",
    }
    assert overall_state(snap, Plan and sim_env.app_config().settings, snap.generated_at, ready) is State.OK
    production = next(b for b in snap.backups if b.resource == "securenexus-platform-557845624595")
    assert production.mfa_delete == "Enabled" and production.noncurrent_expiration_days == 365

    sim_boto("cloudwatch", "us-east-1").delete_alarms(AlarmNames=["securenexus-db-free-storage"])
    s3_hooks.set_mfa_delete(sim_env.account_id, "securenexus-platform-557845624595", False)
    snap = await _snapshot(sim_env)
    ready = readiness(snap, Plan())
    lines = sorted(d.line() for d in ready.deviations)
    assert lines == [
        "securenexus-db (us-east-1): alarm RDS free storage is missing, plan FreeStorageSpace < 5 GiB",
        "securenexus-platform-557845624595 (us-east-1): MFA Delete is Disabled, plan Enabled",
    ]
    assert overall_state(snap, sim_env.app_config().settings, snap.generated_at, ready) is State.WARNING
