"""The simulated AWS account: what is seeded, and what the ticker adds that moto never does."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sim.world import scaled_world

REPLICA = "securenexus-db-replica-west"
PRIMARY = "securenexus-db"
SRC = "securenexus-platform-557845624595"
DST = "securenexus-platform-dr-557845624595"
EAST, WEST = "us-east-1", "us-west-2"


def lag_values(sim, sim_boto, minutes: int = 60, stat: str = "Maximum"):  # type: ignore[no-untyped-def]
    now = sim.clock.now()
    answer = sim_boto("cloudwatch", WEST).get_metric_data(
        MetricDataQueries=[
            {
                "Id": "lag",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/RDS",
                        "MetricName": "ReplicaLag",
                        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": REPLICA}],
                    },
                    "Period": 60,
                    "Stat": stat,
                },
            }
        ],
        StartTime=now - timedelta(minutes=minutes),
        EndTime=now + timedelta(minutes=1),
        ScanBy="TimestampAscending",
    )
    return answer["MetricDataResults"][0]["Values"]


def test_seeded_inventory_is_visible_through_the_api(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    primary = sim_boto("rds", EAST).describe_db_instances(DBInstanceIdentifier=PRIMARY)["DBInstances"][0]
    assert primary["DBInstanceArn"] == f"arn:aws:rds:us-east-1:557845624595:db:{PRIMARY}"
    assert (primary["Engine"], primary["BackupRetentionPeriod"], primary["PreferredBackupWindow"]) == (
        "postgres",
        35,
        "03:00-04:00",
    )
    replica = sim_boto("rds", WEST).describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == primary["DBInstanceArn"]
    assert replica["StatusInfos"][0]["Status"] == "replicating"

    manual = sim_boto("rds", EAST).describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert manual and all(s["DBSnapshotIdentifier"].startswith(f"{PRIMARY}-20") for s in manual)
    copies = sim_boto("rds", WEST).describe_db_snapshots()["DBSnapshots"]
    assert {c["DBSnapshotIdentifier"] for c in copies} == {f"{s['DBSnapshotIdentifier']}-dr" for s in manual}
    automated = sim_boto("rds", EAST).describe_db_snapshots(SnapshotType="automated")["DBSnapshots"]
    assert len(automated) >= 7

    s3 = sim_boto("s3", EAST)
    assert s3.get_bucket_versioning(Bucket=SRC)["Status"] == "Enabled"
    rule = s3.get_bucket_replication(Bucket=SRC)["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{DST}"
    secret = sim_boto("secretsmanager", EAST).describe_secret(SecretId="securenexus/secrets")
    assert [r["Region"] for r in secret["ReplicationStatus"]] == [WEST]
    zone = sim_boto("route53").list_hosted_zones()["HostedZones"][0]["Id"]
    records = sim_boto("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert sorted(r["Failover"] for r in records if "Failover" in r) == ["PRIMARY", "SECONDARY"]
    assert sorted(sim_boto("eks", EAST).list_clusters()["clusters"]) == [
        "securenexus-production",
        "securenexus-staging",
    ]


def test_ticker_backfills_an_hour_and_publishes_each_minute(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    values = lag_values(sim, sim_boto)
    assert len(values) >= 59
    assert all(0 <= v <= 100 for v in values)
    assert sim.tick(60) == 1
    assert len(lag_values(sim, sim_boto, minutes=2)) == 3  # now-2, now-1 and the minute just published


def test_s3_metrics_carry_the_replication_rule_dimensions(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    now = sim.clock.now()
    dims = [
        {"Name": "SourceBucket", "Value": SRC},
        {"Name": "DestinationBucket", "Value": DST},
        {"Name": "RuleId", "Value": "replicate-entire-bucket"},
    ]
    queries = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/S3", "MetricName": m, "Dimensions": dims},
                "Period": 60,
                "Stat": "Maximum",
            },
        }
        for i, m in enumerate(("ReplicationLatency", "OperationsPendingReplication", "BytesPendingReplication"))
    ]
    results = sim_boto("cloudwatch", EAST).get_metric_data(
        MetricDataQueries=queries, StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=1)
    )["MetricDataResults"]
    assert [len(r["Values"]) >= 59 for r in results] == [True, True, True]


def test_same_seed_same_world(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    first = lag_values(sim, sim_boto)
    sim.stop()
    again = SimEnvironment(clock=sim.clock, seed=7).start()
    try:
        assert lag_values(again, _boto_for(again)) == first
    finally:
        again.stop()


def _boto_for(sim):  # type: ignore[no-untyped-def]
    import boto3

    env = sim.environ()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]
    )
    return lambda service, region=EAST: session.client(service, region_name=region, endpoint_url=sim.endpoint_url)


def test_s3_objects_replicate_on_tick_and_stop_when_told(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    sim_boto("s3", EAST).put_object(Bucket=SRC, Key="incident/evidence.txt", Body=b"v1")
    sim.tick(60)
    assert sim_boto("s3", WEST).get_object(Bucket=DST, Key="incident/evidence.txt")["Body"].read() == b"v1"

    sim.stop_replication(SRC)
    sim_boto("s3", EAST).put_object(Bucket=SRC, Key="incident/late.txt", Body=b"late")
    sim.tick(60)
    with pytest.raises(ClientError):
        sim_boto("s3", WEST).head_object(Bucket=DST, Key="incident/late.txt")


def test_promote_clears_the_source_link_both_ways(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    sim_boto("rds", WEST).promote_read_replica(DBInstanceIdentifier=REPLICA)
    promoted = sim_boto("rds", WEST).describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    primary = sim_boto("rds", EAST).describe_db_instances(DBInstanceIdentifier=PRIMARY)["DBInstances"][0]
    assert primary.get("ReadReplicaDBInstanceIdentifiers", []) == []
    with pytest.raises(ClientError, match="not a read replica"):
        sim_boto("rds", WEST).promote_read_replica(DBInstanceIdentifier=REPLICA)


def test_stop_replication_to_replica_promotes_the_secret(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    name = "securenexus/secrets"
    west, east = sim_boto("secretsmanager", WEST), sim_boto("secretsmanager", EAST)
    replica = west.describe_secret(SecretId=name)
    value = west.get_secret_value(SecretId=name)["SecretString"]
    with pytest.raises(ClientError, match="replica secret"):
        west.put_secret_value(SecretId=name, SecretString="{}")

    answer = west.stop_replication_to_replica(SecretId=name)

    assert answer["ARN"] == replica["ARN"] and answer["ResponseMetadata"]["RequestId"]
    standalone = west.describe_secret(SecretId=name)
    assert "PrimaryRegion" not in standalone and not standalone.get("ReplicationStatus")
    assert standalone["VersionIdsToStages"] == replica["VersionIdsToStages"]
    assert west.get_secret_value(SecretId=name)["SecretString"] == value
    assert east.describe_secret(SecretId=name).get("ReplicationStatus", []) == []
    listed = [s for s in west.list_secrets()["SecretList"] if s["Name"] == name]
    assert len(listed) == 1 and "PrimaryRegion" not in listed[0]
    west.put_secret_value(SecretId=name, SecretString='{"host": "db.west"}')  # writable now
    assert east.get_secret_value(SecretId=name)["SecretString"] == value  # the primary is on its own
    with pytest.raises(ClientError, match="not a replica secret"):
        west.stop_replication_to_replica(SecretId=name)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        west.stop_replication_to_replica(SecretId="no/such/secret")


def test_stop_replication_to_replica_stays_stock_outside_the_sim(sim) -> None:  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    plain = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    plain.start()
    try:
        host, port = plain.get_host_and_port()
        url = f"http://{host}:{port}"

        def client(region: str):  # type: ignore[no-untyped-def]
            return boto3.client(
                "secretsmanager",
                region_name=region,
                endpoint_url=url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"max_attempts": 1}),
            )

        client(EAST).create_secret(Name="plain/secret", SecretString="{}", AddReplicaRegions=[{"Region": WEST}])
        with pytest.raises(ClientError, match="500"):  # moto: "action has not been implemented"
            client(WEST).stop_replication_to_replica(SecretId="plain/secret")
        assert client(WEST).describe_secret(SecretId="plain/secret")["PrimaryRegion"] == EAST
    finally:
        plain.stop()


def test_latest_restorable_time_trails_now(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    primary = sim_boto("rds", EAST).describe_db_instances(DBInstanceIdentifier=PRIMARY)["DBInstances"][0]
    behind = (sim.clock.now() - primary["LatestRestorableTime"]).total_seconds()
    assert 240 <= behind <= 360


def test_point_in_time_restore_honours_restore_time(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    rds = sim_boto("rds", EAST)
    wanted = sim.clock.now() - timedelta(hours=2)
    made = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=PRIMARY, TargetDBInstanceIdentifier="securenexus-db-restored", RestoreTime=wanted
    )["DBInstance"]
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=made["DBInstanceArn"])["TagList"]}
    assert tags["nexus-sim:restored-to"] == wanted.isoformat().replace("+00:00", "Z")
    assert made.get("ReadReplicaDBInstanceIdentifiers", []) == []
    with pytest.raises(ClientError, match="InvalidRestoreFault"):
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=PRIMARY, TargetDBInstanceIdentifier="too-new", RestoreTime=sim.clock.now()
        )


def test_alarm_goes_off_after_five_breaching_minutes_and_clears(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    name = f"{REPLICA}-replica-lag"

    def state() -> str:
        return sim_boto("cloudwatch", WEST).describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]

    assert state() == "OK"
    sim.set_replica_lag(REPLICA, 120)  # the current minute already breaches
    for _ in range(3):
        sim.tick(60)
    assert state() == "OK"
    sim.tick(60)
    assert state() == "ALARM"
    sim.set_replica_lag(REPLICA, None)
    sim.tick(60)
    assert state() == "OK"


def test_stop_replication_reports_minus_one_and_error(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    sim.stop_replication(REPLICA)
    sim.tick(60)
    assert lag_values(sim, sim_boto, minutes=1)[-1] == -1.0
    replica = sim_boto("rds", WEST).describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]
    assert replica["StatusInfos"][0]["Status"] == "error"
    assert replica["StatusInfos"][0]["Normal"] is False


def test_automated_snapshot_taken_in_the_backup_window(sim, sim_boto) -> None:  # type: ignore[no-untyped-def]
    before = {s["DBSnapshotIdentifier"] for s in sim_boto("rds", EAST).describe_db_snapshots()["DBSnapshots"]}
    sim.tick(24 * 3600)
    after = sim_boto("rds", EAST).describe_db_snapshots(SnapshotType="automated")["DBSnapshots"]
    new = [s for s in after if s["DBSnapshotIdentifier"] not in before]
    assert len(new) == 1
    assert new[0]["SnapshotCreateTime"].strftime("%H:%M") == "03:07"


def test_health_endpoint_switches(sim) -> None:  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(sim.health_url, timeout=2) as answer:
        assert json.load(answer) == {"status": "ok"}
    sim.set_health(False)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(sim.health_url, timeout=2)
    assert err.value.code == 503


def test_app_config_points_every_region_at_the_simulator(sim) -> None:  # type: ignore[no-untyped-def]
    config = sim.app_config()
    assert config.aws.regions == (EAST, WEST)
    assert config.aws.endpoints == {EAST: sim.endpoint_url, WEST: sim.endpoint_url}
    assert config.health_checks[0].url.endswith("/api/health")
    proxied = sim.app_config(endpoints={EAST: "http://127.0.0.1:1", WEST: "http://127.0.0.1:2"}, refresh_seconds=5.0)
    assert proxied.aws.endpoints[WEST] == "http://127.0.0.1:2" and proxied.refresh_seconds == 5.0
    env = sim.environ()
    assert env["AWS_ACCESS_KEY_ID"].startswith("AKIA") and env["AWS_DEFAULT_REGION"] == EAST


def test_sim_env_applies_credentials(sim_env) -> None:  # type: ignore[no-untyped-def]
    import boto3

    # A fresh Session: boto3.client() reuses a process-wide session whose credentials an earlier test cached.
    client = boto3.Session().client("sts", endpoint_url=sim_env.endpoint_url)
    assert client.get_caller_identity()["Account"] == "557845624595"


def test_server_writes_nothing_to_stderr() -> None:
    code = (
        "from nexus_tui.sim.environment import SimEnvironment\n"
        "import urllib.request, urllib.error\n"
        "with SimEnvironment() as sim:\n"
        "    sim.tick(60)\n"
        "    try: urllib.request.urlopen(sim.endpoint_url + '/no-such-thing', timeout=2)\n"
        "    except urllib.error.HTTPError: pass\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""


@pytest.mark.timeout(90)
def test_scaled_world_counts(sim_clock) -> None:  # type: ignore[no-untyped-def]
    world = scaled_world(1000)
    assert world.replicated_count == 1000
    with SimEnvironment(world, clock=sim_clock) as big:
        boto = _boto_for(big)
        pages = boto("rds", WEST).get_paginator("describe_db_instances").paginate()
        assert sum(len(p["DBInstances"]) for p in pages) == 400
        assert len(boto("s3", EAST).list_buckets()["Buckets"]) == 800
        secrets = boto("secretsmanager", EAST).get_paginator("list_secrets").paginate()
        assert sum(len(p["SecretList"]) for p in secrets) == 200
