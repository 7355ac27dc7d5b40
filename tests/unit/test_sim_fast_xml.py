"""The simulator's XML writer gives xmltodict's text for every body it accepts (and declines the rest): for
moto's own answers (RDS pages, snapshots, alarms, errors) and for generated bodies."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.sim import fast_xml


def _stock(body: dict[str, Any]) -> str:
    return str(xmltodict.unparse(body, full_document=False, short_empty_elements=True, pretty=False))


def _same_or_declined(body: dict[str, Any]) -> bool:
    """True when written here (and then identical); False when declined. xmltodict's own errors are raised."""
    try:
        fast = fast_xml.unparse_fragment(body)
    except fast_xml.Unsupported:
        return False
    assert fast == _stock(body)
    return True


@pytest.mark.parametrize(
    "body",
    [
        {"R": {"@xmlns": "https://rds.amazonaws.com/doc/2014-10-31/", "A": "1", "B": None, "C": ""}},
        {"R": {"L": {"member": [{"Id": "a & <b>"}, {"Id": "c"}]}, "Empty": [], "T": True, "F": False}},
        {"R": {"N": 3, "X": 2.5, "Neg": -1, "Q": {"@a": 'say "hi"', "@b": "it's", "#text": "t"}}},
        {"R": {"@a": "both \"' quotes\n\t\r", "#text": None}, "S": "second root"},
        {"R": [None, "", "x", {}, {"#text": ""}]},
        {"R": {"Deep": {"Deeper": {"Deepest": ["1", "2", {"K": "v"}]}}}},
    ],
)
def test_same_text_as_xmltodict(body: dict[str, Any]) -> None:
    assert _same_or_declined(body)


@pytest.mark.parametrize(
    "body",
    [
        {"#comment": "c", "R": "x"},
        {"R": {"#comment": "c"}},
        {"R": {"@xmlns": {"p": "urn:x"}}},
        {"R": b"bytes"},
        {"R": {"bad name": "x"}},
        {"R": [["nested", "list"]]},
        {"R": {"S": {"a", "b"}}},
    ],
)
def test_declines_what_it_does_not_write(body: dict[str, Any]) -> None:
    with contextlib.suppress(ValueError):  # xmltodict refuses some too; declining keeps that error for the caller
        _stock(body)
    assert not _same_or_declined(body)


_names = st.sampled_from(["A", "Db", "member", "x_y", "n.1", "ns:T"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(_names, st.sampled_from(["@a", "@b", "#text"])), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_names, _values, min_size=1, max_size=3))
def test_generated_bodies_match_xmltodict(body: dict[str, Any]) -> None:
    # xmltodict rejects some (e.g. an attribute holding a list), and so, through it, does the writer.
    with contextlib.suppress(ValueError):
        _same_or_declined(body)


def test_moto_answers_are_written_the_same() -> None:
    """Every body moto's query serializer writes while answering RDS and CloudWatch calls, errors included."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.core.serialize import BaseXMLSerializer

    fast_xml.install()
    bodies: list[dict[str, Any]] = []
    patched = BaseXMLSerializer._serialize_body

    def spy(self: BaseXMLSerializer, body: Any) -> str:
        bodies.append(copy.deepcopy(body))
        return patched(self, body)

    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setattr(BaseXMLSerializer, "_serialize_body", spy)
        east = boto3.client("rds", region_name="us-east-1", **creds)
        west = boto3.client("rds", region_name="us-west-2", **creds)
        for i in range(3):
            arn = east.create_db_instance(
                DBInstanceIdentifier=f"orders-{i}",
                DBInstanceClass="db.t3.micro",
                Engine="postgres",
                MasterUsername="sim",
                MasterUserPassword="not-a-password-1",
                AllocatedStorage=20,
                BackupRetentionPeriod=7,
                Tags=[{"Key": "team", "Value": "a & b <c>"}],
            )["DBInstance"]["DBInstanceArn"]
            west.create_db_instance_read_replica(DBInstanceIdentifier=f"orders-{i}-dr", SourceDBInstanceIdentifier=arn)
            east.create_db_snapshot(DBInstanceIdentifier=f"orders-{i}", DBSnapshotIdentifier=f"snap-{i}")
        east.describe_db_instances(MaxRecords=20)
        west.describe_db_instances()
        east.describe_db_snapshots()
        with pytest.raises(ClientError):
            east.describe_db_instances(DBInstanceIdentifier="missing")
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
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "orders-0-dr"}],
        )
        cw.describe_alarms()
    assert len(bodies) >= 10
    assert all(_same_or_declined(body) for body in bodies)


def test_s3_answers_are_written_the_same() -> None:
    """S3's whole documents (prolog and one root): replication, versioning, listing, lifecycle and errors."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.core.serialize import S3Serializer

    fast_xml.install()
    bodies: list[dict[str, Any]] = []
    patched = S3Serializer._serialize_body

    def spy(self: S3Serializer, body: Any) -> str:
        bodies.append(copy.deepcopy(body))
        return str(patched(self, body))

    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setattr(S3Serializer, "_serialize_body", spy)
        s3 = boto3.client("s3", region_name="us-east-1", **creds)
        s3.create_bucket(Bucket="src-a-b")
        s3.create_bucket(Bucket="dst-a", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        for b in ("src-a-b", "dst-a"):
            s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_replication(
            Bucket="src-a-b",
            ReplicationConfiguration={
                "Role": "arn:aws:iam::1:role/r",
                "Rules": [
                    {
                        "ID": "all <of> it & more",
                        "Status": "Enabled",
                        "Priority": 1,
                        "Filter": {},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": {"Bucket": "arn:aws:s3:::dst-a"},
                    }
                ],
            },
        )
        s3.get_bucket_replication(Bucket="src-a-b")
        s3.get_bucket_versioning(Bucket="dst-a")
        s3.get_bucket_location(Bucket="dst-a")
        s3.list_buckets()
        for call in (
            lambda: s3.get_bucket_replication(Bucket="dst-a"),
            lambda: s3.get_bucket_encryption(Bucket="missing-bucket"),
            lambda: s3.get_bucket_lifecycle_configuration(Bucket="dst-a"),
        ):
            with pytest.raises(ClientError):
                call()
    written = 0
    for body in bodies:
        stock = str(xmltodict.unparse(body, full_document=True, short_empty_elements=True, pretty=False))
        try:
            fast = fast_xml.PROLOG + fast_xml.unparse_fragment(body)
        except fast_xml.Unsupported:
            continue
        assert fast == stock
        written += 1
    assert written >= 7  # every answer above, errors included
