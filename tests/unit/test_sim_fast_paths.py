"""The simulator's fast paths answer exactly what moto would: timestamps as moto's serializer writes them
(UTC epoch seconds, milliseconds kept), the module list moto's router uses."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone

from moto import backends
from moto.core.serialize import TimestampSerializer

from nexus_tui.sim import hooks


def _moto(value: datetime) -> int | float:
    # moto's own rule (serialize.TimestampSerializer._timestamp_unixtimestamp on an aware datetime).
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    base = calendar.timegm(aware.utctimetuple())
    return base + (value.microsecond // 1000) / 1000.0 if value.microsecond else base


def test_timestamps_match_moto() -> None:
    hooks.install()
    ts = TimestampSerializer("unixtimestamp")
    for value in (
        datetime(2026, 12, 1, 22, 0),
        datetime(2026, 12, 1, 22, 0, 0, 123456),
        datetime(2026, 12, 1, 22, 0, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000),
        datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1969, 12, 31, 23, 59, 59, 999),
        datetime(1900, 1, 1, 0, 0, 1),
        datetime(2026, 6, 30, 23, 59, 59, 1000, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ):
        got = ts._convert_timestamp_to_str(value, "unixtimestamp")
        assert got == _moto(value) and type(got) is type(_moto(value))
    assert ts._convert_timestamp_to_str(datetime(2026, 1, 1), "iso8601") == "2026-01-01T00:00:00Z"


def test_module_list_is_moto_s() -> None:
    hooks.install()
    modules = list(backends.list_of_moto_modules())
    assert "s3" in modules and "rds" in modules and "cloudwatch" in modules


def test_remembered_attribute_names_still_read_each_object() -> None:
    """The lookup remembers which attribute names to try, never the values: every instance answers its own."""
    import boto3
    from moto import mock_aws

    hooks.install()
    with mock_aws():
        rds = boto3.client("rds", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        for name, retention in (("alpha-db", 7), ("beta-db", 35)):
            rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBInstanceClass="db.t3.micro",
                Engine="postgres",
                MasterUsername="sim",
                MasterUserPassword="not-a-password-1",
                AllocatedStorage=20,
                BackupRetentionPeriod=retention,
            )
        for _ in range(2):
            found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
            assert found["alpha-db"]["BackupRetentionPeriod"] == 7
            assert found["beta-db"]["BackupRetentionPeriod"] == 35
            assert found["beta-db"]["Engine"] == "postgres" and found["beta-db"]["DBInstanceClass"] == "db.t3.micro"


def test_error_answers_keep_their_codes_with_shared_lookups() -> None:
    """The error tables are shared per service: each error still answers its own code, again and again."""
    import boto3
    import pytest
    from botocore.exceptions import ClientError
    from moto import mock_aws

    hooks.install()
    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", **creds)
        rds = boto3.client("rds", region_name="us-east-1", **creds)
        s3.create_bucket(Bucket="plain-bucket")
        for _ in range(2):
            with pytest.raises(ClientError) as s3_error:
                s3.get_bucket_replication(Bucket="plain-bucket")
            assert s3_error.value.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"
            with pytest.raises(ClientError) as rds_error:
                rds.describe_db_instances(DBInstanceIdentifier="missing-db")
            assert rds_error.value.response["Error"]["Code"] == "DBInstanceNotFound"
            assert "missing-db" in rds_error.value.response["Error"]["Message"]


def test_json_lists_are_written_as_moto_writes_them() -> None:
    """A GetMetricData answer (timestamps naive and aware, with and without milliseconds; doubles and ints),
    and a list of structures, serialised with the fast lists and with moto's own method: the same body."""
    import pytest
    from moto.core.serialize import BaseJSONSerializer, JSONSerializer
    from moto.core.utils import get_service_model

    from nexus_tui.sim import fast_lists

    fast_lists.install()
    cloudwatch = get_service_model("cloudwatch")
    secrets = get_service_model("secretsmanager")
    at = datetime(2026, 12, 1, 22, 0, 30, 123456)
    metric_answer = {
        "MetricDataResults": [
            {
                "Id": "m0",
                "Label": "ReplicaLag Maximum",
                "Timestamps": [at, at.replace(microsecond=0), at.replace(tzinfo=UTC), at - timedelta(minutes=1)],
                "Values": [1.5, 2, 0.0, 1e-3],
                "StatusCode": "Complete",
            },
            {"Id": "m1", "Label": "empty", "Timestamps": [], "Values": [], "StatusCode": "Complete"},
        ]
    }
    secrets_answer = {"SecretList": [{"Name": "a", "ARN": "arn:x", "LastChangedDate": at}], "NextToken": None}
    for model, operation, answer in (
        (cloudwatch, "GetMetricData", metric_answer),
        (secrets, "ListSecrets", secrets_answer),
    ):
        fast = JSONSerializer(model.operation_model(operation)).serialize(answer)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(BaseJSONSerializer, "_serialize_type_list", fast_lists.STOCK["list"])
            stock = JSONSerializer(model.operation_model(operation)).serialize(answer)
        assert fast == stock


def test_remembered_field_plans_write_what_moto_writes() -> None:
    """Answers re-serialised with moto's own field lookup and with the remembered one: the same bodies, for RDS
    (query XML), Secrets Manager and CloudWatch (JSON)."""
    import boto3
    import pytest
    from moto import mock_aws
    from moto.core.serialize import ResponseSerializer
    from moto.rds.models import DBInstance

    hooks.install()
    captured: list[tuple[ResponseSerializer, object]] = []
    serialize = ResponseSerializer.serialize

    def spy(self: ResponseSerializer, result: object) -> object:
        captured.append((self, result))
        return serialize(self, result)

    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    fixed = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setattr(DBInstance, "latest_restorable_time", property(lambda self: fixed))
        rds = boto3.client("rds", region_name="us-east-1", **creds)
        for i in range(3):
            rds.create_db_instance(
                DBInstanceIdentifier=f"orders-{i}",
                DBInstanceClass="db.t3.micro",
                Engine="postgres",
                MasterUsername="sim",
                MasterUserPassword="not-a-password-1",
                AllocatedStorage=20,
                BackupRetentionPeriod=7,
                Tags=[{"Key": "team", "Value": "a"}],
            )
        sm = boto3.client("secretsmanager", region_name="us-east-1", **creds)
        sm.create_secret(Name="app/db", SecretString="x", AddReplicaRegions=[{"Region": "us-west-2"}])
        s3 = boto3.client("s3", region_name="us-east-1", **creds)
        s3.create_bucket(Bucket="plain-bucket")
        cw = boto3.client("cloudwatch", region_name="us-east-1", **creds)
        cw.put_metric_alarm(
            AlarmName="lag",
            MetricName="ReplicaLag",
            Namespace="AWS/RDS",
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=5,
            Threshold=60.0,
            ComparisonOperator="GreaterThanThreshold",
        )
        mp.setattr(ResponseSerializer, "serialize", spy)
        rds.describe_db_instances()
        sm.list_secrets()
        sm.describe_secret(SecretId="app/db")
        s3.list_buckets()
        s3.get_bucket_versioning(Bucket="plain-bucket")
        cw.describe_alarms()
        mp.setattr(ResponseSerializer, "serialize", serialize)
        remembered = [serializer.serialize(result) for serializer, result in captured]
        mp.setattr(ResponseSerializer, "get_value", hooks.STOCK["get_value"])
        stock = [serializer.serialize(result) for serializer, result in captured]
    # RDS, the two Secrets Manager answers and CloudWatch's (stock S3 writes these two from templates).
    assert len(captured) >= 4
    assert remembered == stock
