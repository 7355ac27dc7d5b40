"""Property test of the journal reader (issue 7): 10,000 generated incidents, each a list of stored rows whose
text, types and payload shapes are drawn at random (what another version, a hand edit or a forged chain could
leave), read the way every command reads them: rows to events, the hash chain, the fold, the timers and the
views. Each either reads or fails with the journal's or the incident's own one-line error; never another
exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.domain.escalation import escalation_at
from nexus_tui.domain.fold import replay
from nexus_tui.domain.incident import EVENT_TYPES, IncidentError
from nexus_tui.domain.rto import compute_timers
from nexus_tui.domain.runbook_json import runbook_to_data
from nexus_tui.domain.settings import Settings
from nexus_tui.engine.incident_types import IncidentView
from nexus_tui.engine.views import view_json
from nexus_tui.journal.base import JournalError
from nexus_tui.journal.chain import GENESIS, StoredRow, check_chain, event_hash, format_at
from nexus_tui.journal.sqlite import to_event
from tests.incident_fixtures import sample_runbook

T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
RUNBOOK = runbook_to_data(sample_runbook())
STEP_IDS = ["verify", "promote", "dns", "health", "notify", "nope", "", 7, None]
KEYS = [
    "step", "step_id", "reason", "text", "typed", "confirm_text", "runbook", "params", "severity", "ic", "drill",
    "check", "action", "region", "request_id", "reached_target", "executed", "error", "outcome", "holder",
    "host", "pid", "deadline_seconds", "at", "exposure_seconds", "target_seconds", "summary", "force", "values",
    "key", "manual", "share", "todo", "verdict", "scenario", "reached", "detail",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(STEP_IDS),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
PAYLOADS = st.dictionaries(st.sampled_from(KEYS), VALUES | st.just(RUNBOOK), max_size=6)
TYPES = st.sampled_from([*EVENT_TYPES, "bogus", ""])
ATS = st.one_of(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "yesterday", "2026-13-40T00:00:00Z"]))


def rows_for(
    drawn: list[tuple[str, dict[str, object], object]], declare_first: bool, forge_chain: bool
) -> list[StoredRow]:
    rows: list[StoredRow] = []
    prev = GENESIS
    events = [("declared", {"runbook": RUNBOOK, "severity": "SEV2"}, 0)] if declare_first else []
    for seq, (type_, payload, at) in enumerate([*events, *drawn], start=1):
        at_text = format_at(T0 + timedelta(seconds=at)) if isinstance(at, int) else str(at)
        text = json.dumps(payload, sort_keys=True)
        digest = event_hash("INC-P", seq, type_, at_text, "alice", None, text, prev) if forge_chain else "0" * 64
        rows.append(StoredRow("INC-P", seq, type_, at_text, "alice", None, text, prev, digest))
        prev = digest
    return rows


# 10,000 examples take a few minutes on a loaded machine; the suite's 120 s timeout is meant for hangs.
@pytest.mark.timeout(1200)
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(TYPES, PAYLOADS, ATS), max_size=6), st.booleans(), st.booleans())
def test_any_stored_incident_reads_or_fails_in_one_line(
    drawn: list[tuple[str, dict[str, object], object]], declare_first: bool, forge_chain: bool
) -> None:
    rows = rows_for(drawn, declare_first, forge_chain)
    try:
        chain = check_chain(rows)
        events = [to_event(r, "journal.sqlite3") for r in rows]
        state = replay(events)
        now = T0 + timedelta(hours=1)
        timers = compute_timers(state, now, 1800.0)
        escalation = escalation_at(Settings().escalation, state.declared_at, now, state.resolved_at)
        json.dumps(view_json(IncidentView(state, timers, escalation)))
    except (JournalError, IncidentError) as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert chain.ok or not forge_chain
