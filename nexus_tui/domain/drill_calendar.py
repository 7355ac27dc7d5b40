"""The drill calendar: which drills the DR plans schedule, how often, when each last ran and when it is due.

Pure: the journal's drill incidents come in as DrillRun values (engine/drill_calendar.py reads them), the
config's [[drill]] tables come in as DrillEntry values (config/drill_sections.py). Month arithmetic is
dateutil's relativedelta, which clamps to the month's last day (Jan 31 + 1 month = Feb 28 or 29)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True, slots=True)
class Period:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def times(self, n: int) -> relativedelta:
        return relativedelta(years=self.years * n, months=self.months * n, weeks=self.weeks * n, days=self.days * n)

    @property
    def approx_days(self) -> float:
        """Mean length, only to estimate how many periods fit in a span (then corrected exactly)."""
        return self.years * 365.2425 + self.months * 30.436875 + self.weeks * 7 + self.days


NAMED_FREQUENCIES: Mapping[str, Period] = {
    "weekly": Period(weeks=1),
    "monthly": Period(months=1),
    "quarterly": Period(months=3),
    "semi-annually": Period(months=6),
    "annually": Period(years=1),
}
_ALIASES = {"semiannually": "semi-annually", "half-yearly": "semi-annually", "yearly": "annually"}
# The ISO 8601 duration subset a calendar needs (P1M, P6W, P1Y6M, P10D): no time part, every part optional but
# at least one. A full ISO parser would also accept hours and fractions, which a drill calendar has no use for.
_ISO_RE = re.compile(r"^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$")


class FrequencyError(ValueError):
    """str() is the one-line reason, without the file and key (the config reader adds them)."""


def parse_frequency(text: str) -> Period:
    key = text.strip().lower()
    key = _ALIASES.get(key, key)
    if key in NAMED_FREQUENCIES:
        return NAMED_FREQUENCIES[key]
    m = _ISO_RE.match(text.strip().upper())
    if m and any(m.groups()):
        years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
        period = Period(years, months, weeks, days)
        if period.approx_days >= 1:
            return period
    named = ", ".join(NAMED_FREQUENCIES)
    raise FrequencyError(f"{text!r} is not a frequency (one of {named}, or an ISO 8601 period such as P2M or P6W)")


def add_periods(start: datetime, period: Period, n: int = 1) -> datetime:
    """start + n periods, computed from `start` in one step so month ends do not drift (Jan 31, Feb 28,
    Mar 31; not Mar 28)."""
    return start + period.times(n)


def next_due(last_run: datetime | None, period: Period, anchor: datetime | None = None) -> datetime | None:
    """When the drill is next due. Without an anchor the period rolls from the last run; with one, drills are
    due on the anchor's dates (anchor + k periods) and the next due is the first of those after the last run.
    Never run: the anchor, or None (due now: the seeds schedule the first drill right after deployment)."""
    if last_run is None:
        return anchor
    if anchor is None:
        return add_periods(last_run, period)
    if last_run < anchor:
        return anchor
    span_days = (last_run - anchor).total_seconds() / 86400
    k = max(int(span_days / period.approx_days) - 1, 0)
    while add_periods(anchor, period, k) <= last_run:
        k += 1
    return add_periods(anchor, period, k)


def overdue(due: datetime | None, now: datetime) -> bool:
    return due is None or now > due


@dataclass(frozen=True, slots=True)
class DrillEntry:
    """A scheduled drill. It is satisfied by a resolved drill incident whose scenario is in `scenarios` or
    whose runbook is in `runbooks`, or by a platform dry-run of a runbook in `platform_runbooks` or `runbooks`."""

    name: str
    title: str
    frequency: str  # as written: "monthly", "P6W"
    owner: str
    scenarios: tuple[str, ...] = ()
    runbooks: tuple[str, ...] = ()
    platform_runbooks: tuple[str, ...] = ()
    anchor: datetime | None = None
    source: str = ""  # the plan and line it comes from, or the config file

    @property
    def period(self) -> Period:
        return parse_frequency(self.frequency)


_S000 = "seed 000 (SecureNexus Multi-Region Backup/Restore Strategy), Backup/Restore Drill Schedule"
_S003 = "seed 003 (Nexus Studio Disaster Recovery Plan), Testing Schedule"

# The seeds' schedules. Scenario ids are the drill runner's (issue 10), runbook ids the shipped runbooks/.
# Left out on purpose: 003's monthly "Communication drill" and quarterly "Security incident simulation" (no
# scenario or runbook practises them), its "Third-party DR audit" and "Procedure review" (not drills), and
# its "Weekly restore tests in staging" (003:42, a CI job rather than a team drill). 003:43 also says
# "Monthly full disaster recovery drills" while its Testing Schedule (003:238) says quarterly: the schedule
# table is the more specific of the two and is used here; override with [[drill]] if the team means monthly.
SEED_DRILLS: tuple[DrillEntry, ...] = (
    DrillEntry(  # 000:191 | RDS point-in-time restore | Monthly | Platform Team |
        "rds-pitr-restore",
        "RDS point-in-time restore",
        "monthly",
        "Platform Team",
        scenarios=("data-corruption",),
        runbooks=("data-corruption-recovery", "database-corruption"),
        source=f"{_S000} (000:191)",
    ),
    DrillEntry(  # 000:192 | Cross-region failover | Quarterly | Platform Team |
        "cross-region-failover",
        "Cross-region failover",
        "quarterly",
        "Platform Team",
        scenarios=("primary-db-failure",),
        runbooks=("rds-failover",),
        source=f"{_S000} (000:192)",
    ),
    DrillEntry(  # 000:193 | S3 object recovery | Monthly | Platform Team |
        "s3-object-recovery",
        "S3 object recovery",
        "monthly",
        "Platform Team",
        scenarios=("s3-deletion",),
        runbooks=("s3-object-recovery", "accidental-deletion"),
        source=f"{_S000} (000:193)",
    ),
    DrillEntry(  # 000:194 | Full region failover | Semi-annually | Platform Team + SRE |
        "full-region-failover",
        "Full region failover",
        "semi-annually",
        "Platform Team + SRE",
        scenarios=("region-outage",),
        runbooks=("full-region-failure",),
        source=f"{_S000} (000:194)",
    ),
    DrillEntry(  # 000:195 | Data corruption recovery | Quarterly | Platform Team |
        "data-corruption-recovery",
        "Data corruption recovery",
        "quarterly",
        "Platform Team",
        scenarios=("data-corruption",),
        runbooks=("data-corruption-recovery",),
        source=f"{_S000} (000:195)",
    ),
    # 003 names no owner per drill; its document owner (003:351) is the Infrastructure Team.
    DrillEntry(  # 003:232-233 Monthly: Backup restoration test
        "backup-restoration",
        "Backup restoration test",
        "monthly",
        "Infrastructure Team",
        scenarios=("data-corruption", "ransomware"),
        runbooks=("database-corruption", "ransomware"),
        source=f"{_S003} (003:233)",
    ),
    DrillEntry(  # 003:232-234 Monthly: Failover simulation
        "failover-simulation",
        "Failover simulation",
        "monthly",
        "Infrastructure Team",
        scenarios=("primary-db-failure", "lag-storm"),
        runbooks=("rds-failover",),
        source=f"{_S003} (003:234)",
    ),
    DrillEntry(  # 003:237-238 Quarterly: Full DR drill
        "full-dr-drill",
        "Full DR drill",
        "quarterly",
        "Infrastructure Team",
        scenarios=("region-outage",),
        runbooks=("regional-outage", "full-region-failure", "data-center-loss"),
        source=f"{_S003} (003:238)",
    ),
    DrillEntry(  # 003:237-239 Quarterly: Regional failover
        "regional-failover",
        "Regional failover",
        "quarterly",
        "Infrastructure Team",
        scenarios=("region-outage",),
        runbooks=("regional-outage",),
        source=f"{_S003} (003:239)",
    ),
    DrillEntry(  # 003:242-243 Annually: Complete data center loss simulation
        "data-center-loss",
        "Complete data center loss simulation",
        "annually",
        "Infrastructure Team",
        scenarios=("region-outage",),
        runbooks=("data-center-loss",),
        source=f"{_S003} (003:243)",
    ),
)


# -- runs, read from the journal --------------------------------------------------------------------------

PLATFORM_PREFIX = "platform:"  # the runbook id of a platform dry-run's incident; ':' is no runbook file's id


@dataclass(frozen=True, slots=True)
class DrillRun:
    incident_id: str
    at: datetime  # when the drill was resolved (finished)
    scenario: str | None
    runbook_id: str
    platform_runbook_id: str | None = None
    verdict: str | None = None


def drill_run(
    incident_id: str,
    declared: Mapping[str, Any],
    resolved_at: datetime | None,
    resolved: Mapping[str, Any] | None = None,
) -> DrillRun | None:
    """The drill run of an incident, from its declared payload and resolution; None when it is no finished
    drill (a real incident never counts as practice, an open drill has not happened yet)."""
    if not declared.get("drill") or resolved_at is None:
        return None
    runbook_id = str(declared.get("runbook_id") or "")
    scenario = declared.get("scenario")
    platform = runbook_id[len(PLATFORM_PREFIX) :] if runbook_id.startswith(PLATFORM_PREFIX) else None
    verdict = (resolved or {}).get("verdict")
    return DrillRun(
        incident_id=incident_id,
        at=resolved_at,
        scenario=str(scenario) if isinstance(scenario, str) and scenario else None,
        runbook_id=runbook_id,
        platform_runbook_id=platform,
        verdict=str(verdict) if isinstance(verdict, str) else None,
    )


def matches(entry: DrillEntry, run: DrillRun) -> bool:
    if run.platform_runbook_id is not None:
        return run.platform_runbook_id in entry.platform_runbooks or run.platform_runbook_id in entry.runbooks
    if run.scenario is not None and run.scenario in entry.scenarios:
        return True
    return run.runbook_id in entry.runbooks


@dataclass(frozen=True, slots=True)
class DrillStatus:
    entry: DrillEntry
    last_run: DrillRun | None
    next_due: datetime | None  # None: never run and no anchor, due now
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            "name": e.name,
            "title": e.title,
            "frequency": e.frequency,
            "owner": e.owner,
            "scenarios": list(e.scenarios),
            "runbooks": list(e.runbooks),
            "platform_runbooks": list(e.platform_runbooks),
            "last_run": _iso(self.last_run.at) if self.last_run else None,
            "last_incident": self.last_run.incident_id if self.last_run else None,
            "last_verdict": self.last_run.verdict if self.last_run else None,  # when the runner journals one
            "next_due": _iso(self.next_due) if self.next_due else None,
            "overdue": self.overdue,
            "source": e.source,
        }


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def schedule(entries: Sequence[DrillEntry], runs: Iterable[DrillRun], now: datetime) -> list[DrillStatus]:
    runs = list(runs)
    out = []
    for entry in entries:
        mine = [r for r in runs if matches(entry, r)]
        last = max(mine, key=lambda r: r.at) if mine else None
        due = next_due(last.at if last else None, entry.period, entry.anchor)
        out.append(DrillStatus(entry, last, due, overdue(due, now)))
    return out


def most_urgent(statuses: Sequence[DrillStatus]) -> DrillStatus | None:
    """The drill to show first: the overdue one due longest ago (never run first), else the next due."""
    if not statuses:
        return None
    far_past = datetime.min.replace(tzinfo=UTC)
    return min(statuses, key=lambda s: s.next_due or far_past)
