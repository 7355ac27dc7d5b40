"""Runbook `aws` actions against an in-process moto server the test seeds (not the demo world).

AccessDenied and throttling come from a tiny local HTTP server that answers every request with that AWS
error: moto does not enforce IAM, and a real answer over HTTP exercises the same client path.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from moto.server import ThreadedMotoServer

from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.domain.runbook import AwsAction
from nexus_tui.engine.actions import (
    ActionError,
    ActionProgress,
    ActionRunner,
    ConfirmationError,
    MutationNotAllowed,
)
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sources.aws.actions import execute, preview
from tests.integration.actions_support import (
    DR,
    PRIMARY,
    actions_config,
    aws_step,
    boto_client,
    describe_db,
    make_db,
    versioned_bucket,
)

SECRET_VALUE = "hunter2-do-not-show"
FAST = {"poll_interval": 0.01, "timeout_seconds": 5.0}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def config(moto_url: str) -> AppConfig:
    return actions_config(moto_url)


async def test_promote_cross_region_replica_via_runner(moto_url: str, config: AppConfig) -> None:
    arn = make_db(moto_url, "ledger-main")
    boto_client(moto_url, "rds", DR).create_db_instance_read_replica(
        DBInstanceIdentifier="ledger-dr", SourceDBInstanceIdentifier=arn, DBInstanceClass="db.t3.micro"
    )
    step = aws_step("promote", "rds.promote_read_replica", {"DBInstanceIdentifier": "${replica}"})
    params = {"dr": DR, "replica": "ledger-dr"}
    runner = ActionRunner(config, is_drill=True, poll_interval=0.01, timeout_seconds=5.0)

    shown = await runner.preview_step(step, params)
    assert (shown.region, shown.endpoint, shown.operation) == (DR, moto_url, "PromoteReadReplica")
    assert "aws rds promote-read-replica --region ap-southeast-2" in shown.cli
    assert "--db-instance-identifier ledger-dr" in shown.cli
    assert shown.confirm_text == "ledger-dr" and "DRY RUN" in shown.text

    seen: list[ActionProgress] = []
    result = await runner.execute_step(step, params, "ledger-dr", seen.append)

    assert result.ok and result.reached, result.error
    assert result.request_id and result.step_id == "promote" and result.region == DR
    assert [p.poll for p in seen if p.phase == "poll"] == [1, 2, 3]
    assert all(p.message for p in seen)
    # moto really keeps the source link after promotion; the poll accepts it after a grace and says so.
    assert describe_db(moto_url, DR, "ledger-dr").get("ReadReplicaSourceDBInstanceIdentifier") == arn
    assert any("still lists source" in n for n in result.notes)
    event = result.to_dict()
    assert event["kind"] == "aws_request" and event["request_id"] == result.request_id
    assert event["reached"] is True and event["duration_seconds"] >= 0 and event["started_at"].endswith("Z")
    json.dumps(event)


async def test_promote_times_out_with_one_line_error(moto_url: str, config: AppConfig) -> None:
    arn = make_db(moto_url, "ledger-slow")
    boto_client(moto_url, "rds", DR).create_db_instance_read_replica(
        DBInstanceIdentifier="ledger-slow-dr", SourceDBInstanceIdentifier=arn, DBInstanceClass="db.t3.micro"
    )
    action = AwsAction("rds.promote_read_replica", DR, {"DBInstanceIdentifier": "ledger-slow-dr"})
    result = await execute(action, config, confirmation="ledger-slow-dr", poll_interval=0.01, timeout_seconds=0)
    assert not result.ok and not result.reached and result.request_id
    assert result.error and "ledger-slow-dr" in result.error and "timed out" in result.error
    assert "\n" not in result.error


async def test_secret_endpoint_update_never_reveals_value(
    moto_url: str, config: AppConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sm = boto_client(moto_url, "secretsmanager", DR)
    original = {"host": "ledger-main.eu", "port": 5432, "username": "ledger", "password": SECRET_VALUE}
    sm.create_secret(Name="ledger/db", SecretString=json.dumps(original))
    action = AwsAction(
        "secretsmanager.update_secret_endpoint", DR, {"SecretId": "ledger/db", "Endpoint": "ledger-dr.ap"}
    )

    shown = preview(action, config)
    assert "<key 'host' set to 'ledger-dr.ap'; other keys unchanged>" in shown.text
    seen: list[ActionProgress] = []
    result = await execute(action, config, confirmation="ledger/db", on_progress=seen.append, **FAST)

    assert result.ok and result.reached and result.request_id, result.error
    after = json.loads(sm.get_secret_value(SecretId="ledger/db")["SecretString"])
    assert after == {**original, "host": "ledger-dr.ap"}
    assert dict(result.details)["keys"] == "host, password, port, username"
    everything = [shown.text, shown.cli, repr(shown.to_dict()), repr(result), repr(result.to_dict())]
    everything += [p.message for p in seen] + [caplog.text]
    assert all(SECRET_VALUE not in text for text in everything)
    assert "GetSecretValue" in caplog.text  # botocore did log at DEBUG: the filter, not silence, kept it out
    assert "ledger-dr.ap" in shown.text


async def test_secret_that_is_not_json_is_refused_without_echo(moto_url: str, config: AppConfig) -> None:
    boto_client(moto_url, "secretsmanager", DR).create_secret(Name="ledger/raw", SecretString=f"plain {SECRET_VALUE}")
    action = AwsAction("secretsmanager.update_secret_endpoint", DR, {"SecretId": "ledger/raw", "Endpoint": "x"})
    result = await execute(action, config, confirmation="ledger/raw", **FAST)
    assert not result.ok and result.error == "secret ledger/raw: SecretString is not a JSON object; refusing to edit it"


async def test_route53_upsert_switches_failover_record(moto_url: str, config: AppConfig) -> None:
    r53 = boto_client(moto_url, "route53", "us-east-1")
    zone = r53.create_hosted_zone(Name="ledger.test.", CallerReference="ledger")["HostedZone"]["Id"]

    def record(sid: str, failover: str, value: str) -> dict[str, Any]:
        rr = {"Name": "api.ledger.test.", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": value}]}
        return {"Action": "UPSERT", "ResourceRecordSet": {**rr, "SetIdentifier": sid, "Failover": failover}}

    batch = [record("eu", "PRIMARY", "lb-eu.ledger.test"), record("ap", "SECONDARY", "lb-ap.ledger.test")]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": batch})
    params = {
        "HostedZoneId": zone,
        "Name": "api.ledger.test.",
        "Type": "CNAME",
        "Value": "lb-ap.ledger.test",
        "SetIdentifier": "eu",
        "Failover": "PRIMARY",
    }
    action = AwsAction("route53.change_resource_record_sets", None, params)
    assert '"Action":"UPSERT"' in preview(action, config).cli

    result = await execute(action, config, confirmation="api.ledger.test.", **FAST)

    assert result.ok and result.reached and result.request_id and dict(result.details)["change_id"]
    sets = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    values = {r["SetIdentifier"]: r["ResourceRecords"][0]["Value"] for r in sets if "SetIdentifier" in r}
    assert values == {"eu": "lb-ap.ledger.test", "ap": "lb-ap.ledger.test"}


async def test_create_then_copy_snapshot_cross_region(moto_url: str, config: AppConfig) -> None:
    make_db(moto_url, "ledger-snap")
    create = AwsAction(
        "rds.create_db_snapshot", PRIMARY, {"DBInstanceIdentifier": "ledger-snap", "DBSnapshotIdentifier": "ls-1"}
    )
    made = await execute(create, config, confirmation="", **FAST)
    assert made.ok and made.reached and made.request_id
    copy = AwsAction(
        "rds.copy_db_snapshot",
        DR,
        {"SourceDBSnapshotIdentifier": "ls-1", "TargetDBSnapshotIdentifier": "ls-1-dr", "SourceRegion": PRIMARY},
    )
    assert any("DescribeDBSnapshots" in c for c in preview(copy, config).read_only_calls)
    copied = await execute(copy, config, confirmation="", **FAST)
    assert copied.ok and copied.reached, copied.error
    snap = boto_client(moto_url, "rds", DR).describe_db_snapshots(DBSnapshotIdentifier="ls-1-dr")["DBSnapshots"][0]
    assert snap["Status"] == "available"


async def test_point_in_time_restore(moto_url: str, config: AppConfig) -> None:
    make_db(moto_url, "ledger-pitr-src")
    params = {"SourceDBInstanceIdentifier": "ledger-pitr-src", "TargetDBInstanceIdentifier": "ledger-pitr"}
    action = AwsAction("rds.restore_db_instance_to_point_in_time", PRIMARY, params)
    assert "--use-latest-restorable-time" in preview(action, config).cli
    result = await execute(action, config, confirmation="ledger-pitr", **FAST)
    assert result.ok and result.reached and result.request_id
    assert describe_db(moto_url, PRIMARY, "ledger-pitr")["DBInstanceStatus"] == "available"


async def test_s3_restore_object_version(moto_url: str, config: AppConfig) -> None:
    s3, (good, _bad) = versioned_bucket(moto_url, "ledger-docs-restore")
    action = AwsAction(
        "s3.restore_object_version", DR, {"Bucket": "ledger-docs-restore", "Key": "ledger.csv", "VersionId": good}
    )
    assert f"--copy-source 'ledger-docs-restore/ledger.csv?versionId={good}'" in preview(action, config).cli
    result = await execute(action, config, confirmation="ledger.csv", **FAST)
    assert result.ok and result.reached and result.request_id
    assert s3.get_object(Bucket="ledger-docs-restore", Key="ledger.csv")["Body"].read() == b"good"
    assert len(s3.list_object_versions(Bucket="ledger-docs-restore")["Versions"]) == 3


async def test_wrong_confirmation_refuses_before_any_call(moto_url: str, config: AppConfig) -> None:
    s3, (good, _bad) = versioned_bucket(moto_url, "ledger-docs-refuse")
    action = AwsAction(
        "s3.restore_object_version", DR, {"Bucket": "ledger-docs-refuse", "Key": "ledger.csv", "VersionId": good}
    )
    with pytest.raises(ConfirmationError, match=r"type 'ledger\.csv' to confirm") as err:
        await execute(action, config, confirmation="ledger", **FAST)
    assert "\n" not in str(err.value)
    step = replace(aws_step("restore", action.name, dict(action.params), DR), confirm="RESTORE ledger")
    with pytest.raises(ConfirmationError):
        await ActionRunner(config).execute_step(step, {}, "ledger.csv")
    assert len(s3.list_object_versions(Bucket="ledger-docs-refuse")["Versions"]) == 2
    assert s3.get_object(Bucket="ledger-docs-refuse", Key="ledger.csv")["Body"].read() == b"bad"


async def test_drill_refuses_real_aws_before_any_call(moto_url: str) -> None:
    # DR has no endpoint override: in a drill that region is real AWS, so nothing may be called.
    config = AppConfig(aws=AwsConfig(regions=(PRIMARY, DR), endpoints={PRIMARY: moto_url}))
    step = aws_step("promote", "rds.promote_read_replica", {"DBInstanceIdentifier": "ledger-x"})
    with pytest.raises(MutationNotAllowed, match="ap-southeast-2 is not simulated"):
        await ActionRunner(config, is_drill=True).execute_step(step, {"dr": DR}, "ledger-x")
    with pytest.raises(ActionError, match=r"step promote \(line 7\): no value for \$\{dr\}"):
        await ActionRunner(config).preview_step(step, {})


async def test_not_found_is_one_line_naming_the_resource(config: AppConfig) -> None:
    action = AwsAction(
        "rds.create_db_snapshot", PRIMARY, {"DBInstanceIdentifier": "ledger-gone", "DBSnapshotIdentifier": "g-1"}
    )
    result = await execute(action, config, confirmation="", **FAST)
    assert not result.ok and result.request_id  # AWS refused it, and its request id is kept (CloudTrail)
    assert result.error == (
        "rds.create_db_snapshot g-1 in eu-central-1: DBInstanceNotFound: DBInstance ledger-gone not found."
    )
    secret = AwsAction("secretsmanager.update_secret_endpoint", DR, {"SecretId": "ledger/none", "Endpoint": "h"})
    missing = await execute(secret, config, confirmation="ledger/none", **FAST)
    assert missing.error and missing.error.startswith("secretsmanager.update_secret_endpoint ledger/none in")
    assert "ResourceNotFoundException" in missing.error


@pytest.fixture
async def denying_url() -> Any:
    """An endpoint that answers like AWS when the caller lacks permission (or is throttled by query)."""

    async def handler(request: web.Request) -> web.Response:
        code = "Throttling" if "throttle" in request.path else "AccessDenied"
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            "<Message>User: arn:aws:iam::123456789012:user/ro is not authorized to perform: rds:PromoteReadReplica"
            "</Message></Error><RequestId>denied-1</RequestId></ErrorResponse>"
        )
        return web.Response(status=403 if code == "AccessDenied" else 400, body=body, content_type="text/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_access_denied_throttling_and_unreachable_are_one_line(moto_url: str, denying_url: str) -> None:
    action = AwsAction("rds.promote_read_replica", DR, {"DBInstanceIdentifier": "ledger-dr"})
    denied = await execute(action, actions_config(denying_url), confirmation="ledger-dr", **FAST)
    assert denied.error == (
        "rds.promote_read_replica ledger-dr in ap-southeast-2: AccessDenied: User: arn:aws:iam::123456789012:"
        "user/ro is not authorized to perform: rds:PromoteReadReplica"
    )
    throttled = await execute(action, actions_config(denying_url + "/throttle"), confirmation="ledger-dr", **FAST)
    assert throttled.error and throttled.error.endswith("Throttling: " + denied.error.split(": ", 2)[2])

    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    down = await execute(action, actions_config(dead), confirmation="ledger-dr", **FAST)
    assert (
        down.error
        == "rds.promote_read_replica ledger-dr in ap-southeast-2: region unreachable (EndpointConnectionError)"
    )


async def test_bad_parameters_are_one_line_errors(config: AppConfig) -> None:
    bad = AwsAction("rds.promote_read_replica", DR, {"DBInstanceIdentifier": "x", "BackupRetentionPeriod": "week"})
    with pytest.raises(ActionError, match="BackupRetentionPeriod must be a whole number, got 'week'"):
        preview(bad, config)
    r53 = AwsAction(
        "route53.change_resource_record_sets",
        None,
        {"HostedZoneId": "Z", "Name": "a.", "Type": "A", "Value": "1.2.3.4", "Failover": "PRIMARY"},
    )
    with pytest.raises(ActionError, match="a Failover record needs SetIdentifier"):
        await execute(r53, config, confirmation="a.", **FAST)


async def test_replica_secret_is_promoted_then_updated_on_the_simulator(
    sim_env: SimEnvironment, sim_boto: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config, secret_id = sim_env.app_config(), "securenexus/secrets"
    west, east = sim_boto("secretsmanager", "us-west-2"), sim_boto("secretsmanager", "us-east-1")
    original = json.loads(west.get_secret_value(SecretId=secret_id)["SecretString"])
    assert west.describe_secret(SecretId=secret_id)["PrimaryRegion"] == "us-east-1"
    action = AwsAction(
        "secretsmanager.update_secret_endpoint", "us-west-2", {"SecretId": secret_id, "Endpoint": "db.west.internal"}
    )

    shown = preview(action, config)
    promote_line, put_line = shown.cli.splitlines()
    assert promote_line.startswith("aws secretsmanager stop-replication-to-replica --region us-west-2")
    assert "--secret-id securenexus/secrets" in promote_line and "#" not in promote_line
    assert "only if describe-secret shows a PrimaryRegion" in shown.text
    assert put_line.startswith("aws secretsmanager put-secret-value --region us-west-2")
    assert "StopReplicationToReplica in us-west-2" in shown.text and f"    {put_line}" in shown.text
    assert shown.destructive and shown.confirm_text == secret_id
    seen: list[ActionProgress] = []
    result = await execute(action, config, confirmation=secret_id, on_progress=seen.append, **FAST)

    assert result.ok and result.reached and result.request_id, result.error
    facts = dict(result.details)
    assert facts["promoted_from"] == "us-east-1"
    assert facts["promote_request_id"] and facts["promote_request_id"] != result.request_id
    assert any("promoted to a standalone secret" in p.message for p in seen)
    described = west.describe_secret(SecretId=secret_id)
    assert "PrimaryRegion" not in described and not described.get("ReplicationStatus")
    assert east.describe_secret(SecretId=secret_id).get("ReplicationStatus", []) == []
    after = json.loads(west.get_secret_value(SecretId=secret_id)["SecretString"])
    assert after == {**original, "host": "db.west.internal"}
    assert json.loads(east.get_secret_value(SecretId=secret_id)["SecretString"]) == original
    password = str(original["password"])
    everything = [shown.text, repr(result.to_dict()), caplog.text, *(p.message for p in seen)]
    assert all(password not in text for text in everything)

    # Run again: the secret is standalone now, so it is written without a second promotion.
    again = await execute(action, config, confirmation=secret_id, **FAST)
    assert again.ok and "promoted_from" not in dict(again.details), again.error


async def test_replica_secret_on_plain_moto_fails_in_one_line_and_stays_a_replica(
    moto_url: str, config: AppConfig
) -> None:
    # Stock moto lacks StopReplicationToReplica (only the simulator adds it): the error names secret and region.
    primary = boto_client(moto_url, "secretsmanager", PRIMARY)
    primary.create_secret(
        Name="ledger/replicated",
        SecretString=json.dumps({"host": "a", "password": SECRET_VALUE}),
        AddReplicaRegions=[{"Region": DR}],
    )
    action = AwsAction("secretsmanager.update_secret_endpoint", DR, {"SecretId": "ledger/replicated", "Endpoint": "b"})
    result = await execute(action, config, confirmation="ledger/replicated", **FAST)
    assert not result.ok and result.error and "\n" not in result.error, result.error
    assert result.error == (
        "secret ledger/replicated in ap-southeast-2 is a replica of the one in eu-central-1; promoting it to a "
        "standalone secret (StopReplicationToReplica) failed: 500"
    )
    assert SECRET_VALUE not in result.error
    replica = boto_client(moto_url, "secretsmanager", DR).describe_secret(SecretId="ledger/replicated")
    assert replica["PrimaryRegion"] == PRIMARY
