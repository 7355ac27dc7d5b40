"""The snapshot index finds the same DR copies as testing every snapshot of every other region (the rule it
replaced); the fast timestamp parser reads what botocore's default reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botocore.utils import parse_timestamp
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.sources.aws.backups import SnapshotIndex, SnapshotRecord, _is_copy_of
from nexus_tui.sources.aws.session import fast_timestamp

NAMES = st.sampled_from(["orders", "orders-pg", "orders-pg-dr", "pay", "pay-1", "x"])
SUFFIX = st.sampled_from(["", "-20260101-0300-pre", "-copy", "-dr"])
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def snapshots(draw: st.DrawFn) -> SnapshotRecord:
    db = draw(NAMES)
    source = draw(
        st.one_of(st.none(), st.builds(lambda n, s: f"arn:aws:rds:us-east-1:1:snapshot:rds:{n}{s}", NAMES, SUFFIX))
    )
    return SnapshotRecord(
        identifier=draw(st.sampled_from(["", "rds:"])) + draw(NAMES) + draw(SUFFIX),
        db=db,
        region=draw(st.sampled_from(["us-east-1", "us-west-2", "eu-west-1"])),
        snapshot_type=draw(st.sampled_from(["manual", "automated"])),
        created_at=T0 + timedelta(minutes=draw(st.integers(0, 10_000))),
        status="available",
        source_snapshot=source,
        source_region=None,
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(snapshots(), max_size=25), st.sets(NAMES, min_size=1), NAMES, st.sampled_from(["us-east-1", "us-west-2"])
)
def test_index_finds_the_same_copies_as_the_scan(
    snaps: list[SnapshotRecord], known: set[str], db: str, region: str
) -> None:
    by_region: dict[str, list[SnapshotRecord]] = {}
    for s in snaps:
        by_region.setdefault(s.region, []).append(s)
    others = known - {db}
    expected = [s for r, ss in by_region.items() if r != region for s in ss if _is_copy_of(s, db, others)]
    found = SnapshotIndex(by_region, known).copies(db, besides=region)
    assert len(found) == len(expected)
    assert {id(s) for s in found} == {id(s) for s in expected}
    assert {id(s) for s in SnapshotIndex(by_region, known).own(region, db)} == {
        id(s) for s in by_region.get(region, []) if s.db == db
    }


def test_fast_timestamp_agrees_with_botocore() -> None:
    for value in (1767225600, 1767225600.25, "1767225600", "2026-01-01T00:00:00Z", "2026-01-01T02:00:00.5+02:00"):
        assert fast_timestamp(value) == parse_timestamp(value)
        assert fast_timestamp(value).utcoffset() == timedelta(0)
    assert fast_timestamp("Thu, 01 Jan 2026 00:00:00 GMT") == T0  # RFC 822: botocore's own parser
