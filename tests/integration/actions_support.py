"""What test_actions seeds its own moto server with, and how it builds steps: names and regions unlike the demo's."""

from __future__ import annotations

from typing import Any

import boto3

from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.domain.runbook import AwsAction, Step

PRIMARY, DR = "eu-central-1", "ap-southeast-2"


def actions_config(url: str) -> AppConfig:
    endpoints = {PRIMARY: url, DR: url, "us-east-1": url}
    return AppConfig(aws=AwsConfig(regions=(PRIMARY, DR), endpoints=endpoints, max_attempts=1))


def boto_client(url: str, service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=url)


def make_db(url: str, name: str) -> str:
    rds = boto_client(url, "rds", PRIMARY)
    out = rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="ledger",
        MasterUserPassword="ledger-pass-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
    )
    return str(out["DBInstance"]["DBInstanceArn"])


def describe_db(url: str, region: str, name: str) -> dict[str, Any]:
    return boto_client(url, "rds", region).describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def aws_step(step_id: str, name: str, params: dict[str, Any], region: str | None = "${dr}") -> Step:
    return Step(step_id, step_id, "aws", 60, destructive=True, action=AwsAction(name, region, params), line=7)


def versioned_bucket(url: str, name: str) -> tuple[Any, list[str]]:
    s3 = boto_client(url, "s3", DR)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": DR})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    versions = [s3.put_object(Bucket=name, Key="ledger.csv", Body=body)["VersionId"] for body in (b"good", b"bad")]
    return s3, versions
