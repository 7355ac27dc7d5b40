"""The hash chain every store computes identically, so an incident copied between stores (SQLite <->
PostgreSQL, or salvaged into a new file) verifies with the same hashes.

Each event stores sha256(canonical JSON of the event + previous hash); the first event's previous hash is
GENESIS. The chain proves that nothing before the head was changed or removed; it cannot prove that events
were not removed from the END (the head itself): that needs the head hash anchored somewhere else (Slack, the
report), which is why `incident verify` prints it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def format_at(dt: datetime) -> str:
    """Fixed-width UTC with microseconds: sorts as text, and hashes the same on every platform."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_at(text: str) -> datetime:
    # fromisoformat reads the Z suffix (3.11+) and is several times faster than strptime on a long replay.
    return datetime.fromisoformat(text)


def canonical(value: Any) -> str:
    # allow_nan=False: NaN/Infinity are not JSON, and a payload that holds one could not be read back by
    # every store or hashed the same way; the domain refuses such numbers before they get here.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(
    incident_id: str,
    seq: int,
    type_: str,
    at: str,
    actor: str,
    aws_identity: str | None,
    payload_json: str,
    prev_hash: str,
) -> str:
    head = canonical(
        {
            "incident_id": incident_id,
            "seq": seq,
            "type": type_,
            "at": at,
            "actor": actor,
            "aws_identity": aws_identity,
            "payload": payload_json,
        }
    )
    return hashlib.sha256((head + prev_hash).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredRow:
    """An event as a store keeps it: the text that was hashed, not the parsed values."""

    incident_id: str
    seq: int
    type: str
    at: str
    actor: str
    aws_identity: str | None
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_hash: str | None = None


def check_chain(rows: Iterable[StoredRow]) -> ChainCheck:
    """Walk one incident's rows in seq order; the first break is named by seq."""
    prev = GENESIS
    n = 0
    for n, row in enumerate(rows, start=1):
        if row.seq != n:
            return ChainCheck(False, n - 1, n, f"seq {n} is missing (found {row.seq})")
        if row.prev_hash != prev:
            return ChainCheck(False, n - 1, row.seq, f"seq {row.seq}: previous-hash link is broken")
        digest = event_hash(
            row.incident_id, row.seq, row.type, row.at, row.actor, row.aws_identity, row.payload, row.prev_hash
        )
        if digest != row.hash:
            return ChainCheck(False, n - 1, row.seq, f"seq {row.seq}: content does not match its hash")
        prev = row.hash
    if n == 0:
        return ChainCheck(False, 0, None, "no events")
    return ChainCheck(True, n, head_hash=prev)
