"""The Markdown post-incident report."""

from __future__ import annotations

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.report import duration, render_markdown
from nexus_tui.domain.rto import compute_timers
from tests.incident_fixtures import Log


def full_incident() -> Log:
    log = Log(drill=True)
    log.clock.advance(95)
    log.do(lambda s: tr.confirm(s, "verify"))
    log.do(lambda s: tr.override(s, "promote", "lag metric stale", "replica_lag_below_rpo"), actor="bob")
    log.clock.advance(400)
    log.add(
        tr.aws_request(log.state, "promote", "rds.promote_read_replica", "us-west-2", "req-abc-123", True),
        actor="bob",
        identity="arn:aws:iam::123456789012:user/bob",
    )
    log.add(
        tr.confirm(log.state, "promote", "db-replica-west"), actor="bob", identity="arn:aws:iam::123456789012:user/bob"
    )
    log.do(lambda s: tr.fail(s, "dns", "zone locked | by change freeze"))
    log.do(lambda s: tr.note(s, "TODO: ask AWS why the zone was locked"))
    log.do(lambda s: tr.note(s, "customers informed"))
    log.do(lambda s: tr.record_rpo(s, 42.0, 3600.0))
    log.clock.advance(100)
    log.do(lambda s: tr.resolve(s, "running on us-west-2", force=True, reason="notify done by phone"))
    return log


def test_report_has_every_section_and_fact() -> None:
    log = full_incident()
    s = log.state
    md = render_markdown(s, compute_timers(s, log.clock.now(), 1800))
    assert md.startswith("# Drill report: INC-1")
    assert "| Severity | SEV2 |" in md and "| Incident commander | alice |" in md and "| Drill | yes |" in md
    assert "| Achieved RTO | 09:55 (within target) |" in md and "| RTO target | 30:00 |" in md
    assert "| RPO exposure | 00:42 vs target 1:00:00 (within target) |" in md
    # Per-step expected vs actual, with who confirmed (OS user and AWS identity).
    assert "| 1 | Verify the primary is down (`verify`) | done | 02:00 | 01:35 | alice |" in md
    assert (
        "| 2 | Promote the replica (`promote`) | done | 05:00 | 06:40 (over) "
        "| bob (arn:aws:iam::123456789012:user/bob) |" in md
    )
    # Timeline: relative and absolute times for every event.
    assert md.count("\n| ") >= len(s.events)
    assert (
        "| 1 | +00:00 | 2026-01-01T00:00:00Z | alice | Declared drill (SEV2) with runbook rds-failover, IC alice |"
        in md
    )
    assert "+09:55" in md and "Resolved: running on us-west-2" in md
    assert "replica_lag_below_rpo - lag metric stale" in md
    assert "| `req-abc-123` | yes |" in md
    # Open items: the failure (with its pipe escaped), steps not done, TODO notes.
    assert "- Step `dns` failed: zone locked | by change freeze" in md
    assert "- Step `health` is pending" in md
    assert "- TODO (alice): TODO: ask AWS why the zone was locked" in md
    assert "customers informed" in md.split("## Notes")[1]
    assert "zone locked \\| by change freeze" in md  # inside a table cell


def test_open_incident_report_says_so() -> None:
    log = Log()
    s = log.state
    md = render_markdown(s, compute_timers(s, log.clock.now(), 1800))
    assert "| Resolved | open |" in md and "| Achieved RTO | not resolved |" in md
    assert "- Incident is not resolved" in md and "None recorded." in md


def test_duration_format() -> None:
    assert [duration(x) for x in (None, 0, 59.6, 61, 3600, 3725, -30)] == [
        "-",
        "00:00",
        "01:00",
        "01:01",
        "1:00:00",
        "1:02:05",
        "-00:30",
    ]
