"""What an action says when its request went out and the answer did not come back whole: never "not
executed" for a request the server acted on, a deadline per AWS call that names what timed out, a read-only
re-check that decides done / not done, and a clear line for an answer that is not AWS at all.

Deadlines are injected (fractions of a second) so nothing here depends on the machine's speed.
"""

from __future__ import annotations

import socket
from typing import Any

from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from breaking_endpoint import breaking_endpoint

from nexus_tui.domain.runbook import AwsAction, Step
from nexus_tui.engine.actions import ActionRunner
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sim.faults import FaultProxy
from nexus_tui.sources.aws.actions import describe_error, execute, recheck
from nexus_tui.sources.aws.errors import UNREADABLE, classify, nothing_sent

WEST = "us-west-2"
REPLICA = "securenexus-db-replica-west"
PROMOTE = AwsAction("rds.promote_read_replica", WEST, {"DBInstanceIdentifier": REPLICA})
FAST = {"poll_interval": 0.01, "timeout_seconds": 5.0}
UNKNOWN_TEXT = "outcome unknown: the request was sent, no answer; check the resource state before retrying"


def _config(sim: SimEnvironment, west_url: str, **aws: Any) -> Any:
    config = sim.app_config(endpoints={"us-east-1": sim.endpoint_url, WEST: west_url})
    if aws:
        from dataclasses import replace

        config = replace(config, aws=replace(config.aws, **aws))
    return config


def _is_replica(sim_boto: Any) -> bool:
    found = sim_boto("rds", WEST).describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
    return bool(found.get("ReadReplicaSourceDBInstanceIdentifier"))


async def test_promote_whose_answer_is_lost_is_outcome_unknown_and_the_recheck_says_done(
    sim_env: SimEnvironment, sim_boto: Any
) -> None:
    async with breaking_endpoint(sim_env.endpoint_url) as west:
        west.mode = "lose"
        config = _config(sim_env, west.url)
        result = await execute(PROMOTE, config, confirmation=REPLICA, call_deadline=0.5, **FAST)
        assert await west.wait_forwarded() == ["PromoteReadReplica"]  # the server got it, and acted
        assert not _is_replica(sim_boto)
        assert not result.ok and result.outcome == "unknown" and result.executed is None
        assert result.error == (
            f"rds.promote_read_replica {REPLICA}: PromoteReadReplica in {WEST}: no complete answer within 0.5 s; "
            + UNKNOWN_TEXT
        )
        assert result.to_dict()["outcome"] == "unknown"
        west.mode = "pass"
        step = Step("promote", "Promote", "aws", 5, destructive=True, action=PROMOTE, line=3)
        checked = await ActionRunner(config, call_deadline=2.0).recheck_step(step, {})
        assert checked.done is True and "promotion took effect" in checked.message and REPLICA in checked.message


async def test_a_read_timeout_after_sending_is_unknown_not_region_unreachable(sim_env: SimEnvironment) -> None:
    # botocore's own read timeout (ReadTimeoutError is an OSError too: it used to read "region unreachable").
    async with breaking_endpoint(sim_env.endpoint_url) as west:
        west.mode = "lose"
        config = _config(sim_env, west.url, read_timeout=0.3, max_attempts=3)
        result = await execute(PROMOTE, config, confirmation=REPLICA, call_deadline=30.0, **FAST)
        assert await west.wait_forwarded() == ["PromoteReadReplica"]  # sent once: never retried
    assert result.outcome == "unknown" and result.error
    assert "unreachable" not in result.error and result.error.endswith(UNKNOWN_TEXT)
    assert "no answer from AWS in time (ReadTimeoutError)" in result.error


async def test_a_reset_after_sending_is_unknown(sim_env: SimEnvironment, sim_boto: Any) -> None:
    async with breaking_endpoint(sim_env.endpoint_url) as west:
        west.mode = "reset"
        result = await execute(PROMOTE, _config(sim_env, west.url), confirmation=REPLICA, call_deadline=5.0, **FAST)
        assert await west.wait_forwarded() == ["PromoteReadReplica"]
    assert not _is_replica(sim_boto)
    assert result.outcome == "unknown" and result.error and result.error.endswith(UNKNOWN_TEXT)


async def test_a_refused_connection_is_not_sent_and_the_recheck_says_not_done(sim_env: SimEnvironment) -> None:
    with FaultProxy(sim_env.endpoint_url) as proxy:
        proxy.mode = "refuse"
        config = _config(sim_env, proxy.url)
        result = await execute(PROMOTE, config, confirmation=REPLICA, call_deadline=5.0, **FAST)
        assert result.outcome == "not_sent" and result.executed is False
        assert (
            result.error
            == f"rds.promote_read_replica {REPLICA} in {WEST}: region unreachable (EndpointConnectionError)"
        )
        proxy.mode = "pass"
        checked = await recheck(PROMOTE, config, call_deadline=5.0)
    assert checked.done is False and "still a read replica" in checked.message


async def test_the_recheck_of_an_unreachable_region_cannot_tell(sim_env: SimEnvironment) -> None:
    with FaultProxy(sim_env.endpoint_url) as proxy:
        proxy.mode = "hang"
        checked = await recheck(PROMOTE, _config(sim_env, proxy.url), call_deadline=0.3)
    assert checked.done is None
    assert checked.message.startswith(f"rds.promote_read_replica {REPLICA} in {WEST}: cannot check:")


async def test_an_answer_trickling_one_byte_a_second_meets_the_call_deadline(sim_env: SimEnvironment) -> None:
    async with breaking_endpoint(sim_env.endpoint_url) as west:
        west.mode = "trickle"
        result = await execute(PROMOTE, _config(sim_env, west.url), confirmation=REPLICA, call_deadline=0.5, **FAST)
    assert result.outcome == "unknown"
    assert result.error and result.error.startswith(
        f"rds.promote_read_replica {REPLICA}: PromoteReadReplica in {WEST}: no complete answer within 0.5 s"
    )
    assert "KeyError" not in result.error


async def test_polls_trickling_end_at_the_step_deadline_with_a_named_error(sim_env: SimEnvironment) -> None:
    snapshot = AwsAction(
        "rds.create_db_snapshot", WEST, {"DBInstanceIdentifier": REPLICA, "DBSnapshotIdentifier": "trickled-1"}
    )
    async with breaking_endpoint(sim_env.endpoint_url) as west:
        west.mode = "trickle_reads"  # the create is answered; every poll trickles
        result = await execute(
            snapshot,
            _config(sim_env, west.url),
            confirmation="",
            call_deadline=3.0,
            poll_interval=0.05,
            timeout_seconds=0.1,
        )
    assert result.outcome == "accepted" and result.executed is True and result.request_id, result.error
    assert result.error and "timed out after 0s waiting for" in result.error
    assert "DescribeDBSnapshots in us-west-2: no complete answer within 3 s" in result.error


async def test_a_region_answering_garbage_is_described_as_such(sim_env: SimEnvironment) -> None:
    async with breaking_endpoint(sim_env.endpoint_url) as west:
        west.mode = "garbage"
        config = _config(sim_env, west.url)
        result = await execute(PROMOTE, config, confirmation=REPLICA, call_deadline=5.0, **FAST)
        assert result.error == f"rds.promote_read_replica {REPLICA} in {WEST}: {UNREADABLE}; {UNKNOWN_TEXT}"
        assert result.outcome == "unknown"
        from nexus_tui.sources.aws.session import AwsClients

        clients = AwsClients(config.aws)
        problems = []
        for service, op, kw in (
            ("rds", "describe_db_instances", {}),
            ("secretsmanager", "list_secrets", {}),
            ("cloudwatch", "describe_alarms", {}),
        ):
            try:
                await clients.call(WEST, service, op, **kw)
            except Exception as exc:
                problems.append(classify(exc))
        await clients.aclose()
    assert [p.message for p in problems] == [UNREADABLE] * 3
    assert {p.kind for p in problems} == {"server"}


def test_only_a_connection_never_made_counts_as_nothing_sent() -> None:
    import aiohttp

    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("h", 1, False, True, None, None, None),  # type: ignore[arg-type]
        OSError(111, "refused"),
    )
    assert nothing_sent(EndpointConnectionError(endpoint_url="http://h", error=refused))
    reset = aiohttp.ClientOSError(104, "Connection reset by peer")
    assert not nothing_sent(EndpointConnectionError(endpoint_url="http://h", error=reset))
    assert not nothing_sent(ReadTimeoutError(endpoint_url="http://h"))
    assert nothing_sent(socket.gaierror(-2, "Name or service not known"))
    line = describe_error(ReadTimeoutError(endpoint_url="http://h"), "rds.promote_read_replica", "db", WEST)
    assert line == "rds.promote_read_replica db in us-west-2: no answer from AWS in time (ReadTimeoutError)"
