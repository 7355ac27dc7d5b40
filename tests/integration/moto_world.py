"""A small replicated account seeded into a moto server by the tests themselves (independent of nexus_tui.sim):
orders-pg (eu-west-1) -> orders-pg-dr (eu-central-1), bucket orders-assets -> orders-assets-dr, secret orders/app.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

PRIMARY, DR = "eu-west-1", "eu-central-1"
CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()


def client(url: str, service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=url, **CREDS)


@dataclass
class Seeded:
    now: datetime
    lag_seconds: float
    latency_seconds: float


def seed(url: str, *, lag: float = 4.0, latency: float = 120.0, now: datetime | None = None) -> Seeded:
    now = now or datetime.now(UTC)
    rds1, rds2 = client(url, "rds", PRIMARY), client(url, "rds", DR)
    db = rds1.create_db_instance(
        DBInstanceIdentifier="orders-pg",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="app",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=50,
        BackupRetentionPeriod=14,
        PreferredBackupWindow="02:00-03:00",
    )["DBInstance"]
    rds2.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-pg-dr",
        SourceDBInstanceIdentifier=db["DBInstanceArn"],
        DBInstanceClass="db.t3.micro",
    )
    good = rds1.create_db_snapshot(
        DBInstanceIdentifier="orders-pg", DBSnapshotIdentifier="orders-pg-20260101-1200-pre-mig"
    )
    rds1.create_db_snapshot(DBInstanceIdentifier="orders-pg", DBSnapshotIdentifier="orders-adhoc")
    rds2.copy_db_snapshot(
        SourceDBSnapshotIdentifier=good["DBSnapshot"]["DBSnapshotArn"],
        TargetDBSnapshotIdentifier="orders-pg-20260101-1200-pre-mig-dr",
        SourceRegion=PRIMARY,
    )

    s3a, s3b = client(url, "s3", PRIMARY), client(url, "s3", DR)
    s3a.create_bucket(Bucket="orders-assets", CreateBucketConfiguration={"LocationConstraint": PRIMARY})
    s3b.create_bucket(Bucket="orders-assets-dr", CreateBucketConfiguration={"LocationConstraint": DR})
    s3a.create_bucket(Bucket="orders-logs", CreateBucketConfiguration={"LocationConstraint": PRIMARY})
    for c, b in ((s3a, "orders-assets"), (s3b, "orders-assets-dr")):
        c.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    s3a.put_bucket_replication(
        Bucket="orders-assets",
        ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/replication",
            "Rules": [
                {
                    "ID": "everything",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::orders-assets-dr"},
                }
            ],
        },
    )
    client(url, "secretsmanager", PRIMARY).create_secret(
        Name="orders/app", SecretString="never-shown", AddReplicaRegions=[{"Region": DR}]
    )

    def points(metric: str, dims: list[dict[str, str]], value: float, unit: str = "Seconds") -> list[dict[str, Any]]:
        return [
            {"MetricName": metric, "Dimensions": dims, "Timestamp": now - timedelta(minutes=m), "Value": value + m}
            for m in range(5, -1, -1)
        ]

    dr_db = [{"Name": "DBInstanceIdentifier", "Value": "orders-pg-dr"}]
    cw_dr = client(url, "cloudwatch", DR)
    cw_dr.put_metric_data(Namespace="AWS/RDS", MetricData=points("ReplicaLag", dr_db, lag))
    cw_dr.put_metric_data(Namespace="AWS/RDS", MetricData=points("FreeStorageSpace", dr_db, 40 * 1024**3))
    s3_dims = [
        {"Name": "SourceBucket", "Value": "orders-assets"},
        {"Name": "DestinationBucket", "Value": "orders-assets-dr"},
        {"Name": "RuleId", "Value": "everything"},
    ]
    cw1 = client(url, "cloudwatch", PRIMARY)
    cw1.put_metric_data(Namespace="AWS/S3", MetricData=points("ReplicationLatency", s3_dims, latency))
    cw1.put_metric_data(Namespace="AWS/S3", MetricData=points("OperationsPendingReplication", s3_dims, 3))
    return Seeded(now=now, lag_seconds=lag, latency_seconds=latency)


def fire_alarm(url: str, region: str, name: str, db: str) -> None:
    cw = client(url, "cloudwatch", region)
    cw.put_metric_alarm(
        AlarmName=name,
        MetricName="ReplicaLag",
        Namespace="AWS/RDS",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=60,
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": db}],
    )
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold crossed: lag 95 s")


def start_server() -> tuple[Any, str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns test output

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def fake_credentials(monkeypatch: Any) -> None:
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
