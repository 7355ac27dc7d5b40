"""The shipped rds-failover runbook walked end to end against the simulated SecureNexus account: every step
through StepRunner + IncidentService, then moto's own state, a dashboard refresh and the report checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nexus_tui.domain.clock import ManualClock
from nexus_tui.engine.actions import ActionProgress
from nexus_tui.engine.dashboard import DashboardService
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.session import IncidentSession, StepExecutor
from nexus_tui.journal.sqlite import SqliteJournal
from nexus_tui.runbook.library import find_runbook
from nexus_tui.sim.environment import SimEnvironment

PRIMARY_DB = "securenexus-db"


def _s(svc: IncidentService, iid: str, executor: StepExecutor) -> IncidentSession:
    return IncidentSession(svc, iid, executor=executor)


REPLICA = "securenexus-db-replica-west"
SECRET = "securenexus/secrets"
RECORD = "nexus.aricatech.xyz"
OVERRIDE_REASON = "primary DB refuses connections; CloudWatch shows it down while us-east-1 still answers"


def _secret_host(sim_boto: Any) -> str:
    raw = sim_boto("secretsmanager", "us-west-2").get_secret_value(SecretId=SECRET)["SecretString"]
    return str(json.loads(raw)["host"])


def _secret_password(sim_boto: Any) -> str:
    raw = sim_boto("secretsmanager", "us-west-2").get_secret_value(SecretId=SECRET)["SecretString"]
    return str(json.loads(raw)["password"])


async def test_rds_failover_walked_end_to_end(
    sim_env: SimEnvironment, sim_clock: ManualClock, sim_boto: Any, tmp_path: Path
) -> None:
    sim = sim_env
    config = sim.app_config()
    rds_west = sim_boto("rds", "us-west-2")
    replica = rds_west.describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
    assert replica.get("ReadReplicaSourceDBInstanceIdentifier")
    replica_endpoint = replica["Endpoint"]["Address"]
    dns = sim.world.dns[0]
    r53 = sim_boto("route53", "us-east-1")
    zone_id = r53.list_hosted_zones_by_name(DNSName=dns.zone)["HostedZones"][0]["Id"].rsplit("/", 1)[-1]
    dr_lb = dns.secondary.dns_name
    app_url = sim.health_url.removesuffix("/api/health")
    host_before = _secret_host(sim_boto)
    password = _secret_password(sim_boto)

    svc = IncidentService(
        SqliteJournal(tmp_path / "journal.sqlite3"),
        clock=sim_clock,
        runbook_loader=lambda rid: find_runbook(rid, config=config),
        settings=config.settings,
        actor="ic-alice",
    )
    runner = StepExecutor(config, sim_clock, poll_interval=0.05, action_timeout=15.0)
    dashboard = DashboardService(config, sim_clock)
    lines: list[str] = []

    def progress(p: ActionProgress) -> None:
        lines.append(p.message)

    try:
        # replica_endpoint is left open on purpose: it is supplied once the replica is promoted.
        iid = svc.declare(
            "rds-failover",
            severity="SEV1",
            drill=True,
            params={"hosted_zone_id": zone_id, "dr_load_balancer": dr_lb, "app_url": app_url},
        )
        assert list((await _s(svc, iid, runner).plan("update-secret-endpoint")).missing) == ["replica_endpoint"]
        assert list((await _s(svc, iid, runner).plan("promote-replica")).missing) == []
        snap = await dashboard.refresh()

        # 1. The primary still reports available (this world injects no fault), so primary_unavailable fails:
        #    the IC, who saw it fail by other means, overrides it with a reason.
        [(pre, res)] = [
            (c.pre, c.result) for c in (await _s(svc, iid, runner).plan("verify-primary-down", snap)).checks
        ]
        assert (pre.check, res.ok) == ("primary_unavailable", False), res.detail
        svc.override(iid, "verify-primary-down", OVERRIDE_REASON, pre.check)
        svc.confirm(iid, "verify-primary-down")

        # 2. Promote, with the replica's name typed back.
        [(pre, res)] = [(c.pre, c.result) for c in (await _s(svc, iid, runner).plan("promote-replica", snap)).checks]
        assert res.ok is True, res.detail
        preview = await _s(svc, iid, runner).preview("promote-replica")
        assert preview is not None and preview.confirm_text == REPLICA
        promoted = await _s(svc, iid, runner).execute_aws("promote-replica", REPLICA, progress, snapshot=snap)
        assert promoted.ok and promoted.reached, promoted.error
        assert promoted.request_id

        # 3. The secret's endpoint, once the promoted replica's address is supplied.
        svc.supply_params(iid, {"replica_endpoint": replica_endpoint})
        assert list((await _s(svc, iid, runner).plan("update-secret-endpoint")).missing) == []
        # The secret in us-west-2 is a read-only replica of us-east-1's: the step promotes it to a standalone
        # secret (its preview says so, and the CLI lines start with the promotion), then writes the endpoint.
        secret_preview = await _s(svc, iid, runner).preview("update-secret-endpoint")
        assert secret_preview is not None and secret_preview.confirm_text == SECRET
        first, second = secret_preview.cli.splitlines()
        assert first.startswith("aws secretsmanager stop-replication-to-replica --region us-west-2")
        assert second.startswith("aws secretsmanager put-secret-value --region us-west-2")
        assert "StopReplicationToReplica in us-west-2" in secret_preview.text
        secret = await _s(svc, iid, runner).execute_aws("update-secret-endpoint", SECRET, progress)
        assert secret.ok and secret.reached, secret.error
        facts = dict(secret.details)
        assert facts["promoted_from"] == "us-east-1" and facts["promote_request_id"]
        assert facts["promote_request_id"] != secret.request_id
        assert any("was a read-only replica of the one in us-east-1" in line for line in lines)
        west_secret = sim_boto("secretsmanager", "us-west-2").describe_secret(SecretId=SECRET)
        assert "PrimaryRegion" not in west_secret
        east_secret = sim_boto("secretsmanager", "us-east-1").describe_secret(SecretId=SECRET)
        assert "us-west-2" not in [r["Region"] for r in east_secret.get("ReplicationStatus", [])]

        # 4. No AWS action for the deployment restart: done by hand.
        svc.confirm(iid, "update-eks-deployment", note="kubectl rollout restart done")

        # 5. DNS to the DR load balancer.
        dns_result = await _s(svc, iid, runner).execute_aws("update-dns", RECORD, progress)
        assert dns_result.ok, dns_result.error

        # 6. /api/health through the simulator's health server.
        health = await _s(svc, iid, runner).check_http("verify-health", deadline_seconds=5.0)
        assert health.ok and health.status == 200 and health.attempts == 1

        # 7. Notify.
        svc.confirm(iid, "notify-stakeholders")

        state = svc.state(iid)
        assert [s.status for s in state.steps] == ["done"] * 7
        assert state.current_step is None

        # moto itself: the replica is standalone, the secret moved, DNS points at the DR load balancer.
        after = rds_west.describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
        assert "ReadReplicaSourceDBInstanceIdentifier" not in after
        host_after = _secret_host(sim_boto)
        moved = host_after == replica_endpoint and host_after != host_before
        assert moved, "the secret's host key was not changed to the replica endpoint"
        records = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        plain = [
            r for r in records if r["Name"].rstrip(".") == RECORD and r["Type"] == "CNAME" and "SetIdentifier" not in r
        ]
        assert [v["Value"] for r in plain for v in r["ResourceRecords"]] == [dr_lb]

        # The dashboard sees it: the pair that was replicating is gone (the promoted db is standalone).
        assert [(p.source, p.target, p.status) for p in snap.replication if p.kind == "rds"] == [
            (PRIMARY_DB, REPLICA, "replicating")
        ]
        # What the TUI does after an executed step: drop cached discovery and poll again. Secrets are
        # re-discovered in the background, so wait for the complete picture, as `status` does.
        dashboard.invalidate()
        snap_after = await dashboard.refresh(complete=True)
        rds_pairs = [p for p in snap_after.replication if p.kind == "rds"]
        assert not any(p.target == REPLICA and p.status == "replicating" for p in rds_pairs), rds_pairs
        assert not any(p.source == PRIMARY_DB and p.target == REPLICA for p in rds_pairs), rds_pairs
        # ... and so is the secret pair: the promoted secret no longer replicates from us-east-1.
        assert [(p.source_region, p.target_region) for p in snap.replication if p.kind == "secret"] == [
            ("us-east-1", "us-west-2")
        ]
        secret_pairs = [p for p in snap_after.replication if p.kind == "secret" and p.source == SECRET]
        assert secret_pairs == [], secret_pairs

        svc.resolve(iid, "failed over to us-west-2")
        report = svc.report(iid)
        executed = [r for r in state.aws_requests if r.executed]
        assert [r.step_id for r in executed] == ["promote-replica", "update-secret-endpoint", "update-dns"]
        assert [r.step_id for r in state.aws_requests] == [r.step_id for r in executed]  # no failed attempt
        for req in executed:
            assert req.request_id and req.request_id in report and req.reached_target
        assert OVERRIDE_REASON in report
        assert "Supplied params replica_endpoint=" in report
        # Secret values never leave the edge: not in progress lines, the journal, or the report.
        journal_text = json.dumps([dict(e.payload) for e in svc.state(iid).events], default=str)
        for text in (*lines, journal_text, report):
            assert password not in text
    finally:
        await dashboard.aclose()
        svc.close()
