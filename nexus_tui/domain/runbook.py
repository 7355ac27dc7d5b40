"""The runbook model: plain, validated data. Parsing (YAML, line numbers) lives in nexus_tui.runbook."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

StepKind = Literal["manual", "command", "aws", "http", "slack"]
STEP_KINDS: tuple[str, ...] = ("manual", "command", "aws", "http", "slack")
# Where a `slack` step posts: the configured stakeholder channel, the incident channel, or a named channel.
# A drill always posts to the drill channel instead (see slack_messages.Routing).
SLACK_TARGETS: tuple[str, ...] = ("stakeholder", "incident")

# Upper bounds of a runbook's numbers: anything above is a typo, and .inf or 1e300 would break the clock,
# the journal's JSON and int() far from the file that caused it.
MAX_MINUTES = 7 * 24 * 60  # a step's expected_minutes, a runbook's rto_minutes
MAX_HTTP_TIMEOUT_SECONDS = 300.0
MAX_RETRY_INTERVAL_SECONDS = 3600.0
MAX_LAG_SECONDS = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An AWS action a step may run. `target` names the parameter holding the resource the user must type
    to confirm a destructive step; `required` are the parameters the runbook must give."""

    name: str
    destructive: bool
    target: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    description: str = ""


# The aws actions the engine can execute. Anything else in a runbook is a validation error.
SUPPORTED_ACTIONS: Mapping[str, ActionSpec] = {
    a.name: a
    for a in (
        ActionSpec(
            "rds.promote_read_replica",
            True,
            "DBInstanceIdentifier",
            ("DBInstanceIdentifier",),
            ("BackupRetentionPeriod",),
            "Promote a read replica to a standalone primary (breaks replication, cannot be undone)",
        ),
        ActionSpec(
            "rds.restore_db_instance_to_point_in_time",
            True,
            "TargetDBInstanceIdentifier",
            ("SourceDBInstanceIdentifier", "TargetDBInstanceIdentifier"),
            ("RestoreTime", "UseLatestRestorableTime", "DBInstanceClass"),
            "Restore a DB instance to a point in time into a new instance",
        ),
        ActionSpec(
            "rds.create_db_snapshot",
            False,
            "DBSnapshotIdentifier",
            ("DBInstanceIdentifier", "DBSnapshotIdentifier"),
            (),
            "Take a manual snapshot",
        ),
        ActionSpec(
            "rds.copy_db_snapshot",
            False,
            "TargetDBSnapshotIdentifier",
            ("SourceDBSnapshotIdentifier", "TargetDBSnapshotIdentifier"),
            ("SourceRegion",),
            "Copy a snapshot (e.g. to the DR region)",
        ),
        ActionSpec(
            "secretsmanager.update_secret_endpoint",
            True,
            "SecretId",
            ("SecretId", "Endpoint"),
            ("Key",),
            "Point the secret's endpoint key at a new host; other keys and values are kept and never shown",
        ),
        ActionSpec(
            "route53.change_resource_record_sets",
            True,
            "Name",
            ("HostedZoneId", "Name", "Type", "Value"),
            ("TTL", "SetIdentifier", "Failover", "Action"),
            "UPSERT a DNS record (e.g. fail over to the DR region load balancer)",
        ),
        ActionSpec(
            "s3.restore_object_version",
            True,
            "Key",
            ("Bucket", "Key", "VersionId"),
            (),
            "Copy an older object version over the current one",
        ),
    )
}

# The checks a precondition may name and the arguments each takes: the loader validates runbooks against this,
# domain/preconditions.py evaluates them.
PRECONDITION_ARGS: dict[str, tuple[str, ...]] = {
    "replica_lag_below_rpo": ("resource",),  # replica id (or its primary); lag < RPO target
    "replica_lag_below": ("resource", "max_seconds"),
    "region_reachable": ("region",),
    "region_unreachable": ("region",),  # confirms the outage before failing over
    "primary_unavailable": ("resource", "region"),  # the primary DB is down, or its region is
    "endpoint_up": ("name",),  # name of a [[health]] check
}
PRECONDITION_CHECKS: tuple[str, ...] = tuple(PRECONDITION_ARGS)

_PARAM_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Precondition:
    check: str
    args: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, slots=True)
class HttpCheck:
    url: str
    expected_status: int = 200
    timeout_seconds: float = 5.0
    retry_interval_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class AwsAction:
    name: str
    region: str | None
    params: Mapping[str, Any]

    @property
    def spec(self) -> ActionSpec:
        return SUPPORTED_ACTIONS[self.name]

    @property
    def target_resource(self) -> str:
        return str(self.params.get(self.spec.target, ""))


@dataclass(frozen=True, slots=True)
class SlackPost:
    """A `slack` step's message: posted when the step is confirmed. `message` may use ${param} and
    ${incident.field} placeholders; `channel` is "stakeholder", "incident" or a channel name ("#exec")."""

    message: str
    channel: str = "stakeholder"


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    kind: StepKind
    expected_seconds: float
    description: str = ""
    owner: str | None = None
    destructive: bool = False
    command: str | None = None
    action: AwsAction | None = None
    http: HttpCheck | None = None
    confirm: str | None = None  # what the user must type for a destructive step
    preconditions: tuple[Precondition, ...] = ()
    line: int | None = None  # where the step starts in its file, for error messages
    slack: SlackPost | None = None  # kind slack: the message posted on confirm

    @property
    def slack_message(self) -> str | None:
        return None if self.slack is None else self.slack.message

    @property
    def confirm_text(self) -> str | None:
        """The resource name a destructive step must be confirmed with (GitHub-style typed confirmation)."""
        if not self.destructive:
            return None
        if self.confirm:
            return self.confirm
        if self.action is not None:
            return self.action.target_resource or None
        return self.id


@dataclass(frozen=True, slots=True)
class Runbook:
    id: str
    title: str
    trigger: str
    rto_seconds: float | None
    steps: tuple[Step, ...]
    roles: tuple[str, ...] = ()
    description: str = ""
    source: str = ""  # which DR plan it comes from
    params: Mapping[str, str] = field(default_factory=dict)  # defaults for ${name} placeholders
    path: str | None = None

    @property
    def expected_seconds(self) -> float:
        return sum(s.expected_seconds for s in self.steps)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def index_of(self, step_id: str) -> int:
        return [s.id for s in self.steps].index(step_id)


def placeholders(value: Any) -> set[str]:
    """Names of ${param} placeholders anywhere in a value (strings, lists, dicts)."""
    if isinstance(value, str):
        return set(_PARAM_RE.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(placeholders(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    return set()


def substitute(value: Any, params: Mapping[str, str]) -> Any:
    """Replace ${name} with params[name]; unknown names are left as they are (validation reports them)."""
    if isinstance(value, str):
        return _PARAM_RE.sub(lambda m: params.get(m.group(1), m.group(0)), value)
    if isinstance(value, Mapping):
        return {k: substitute(v, params) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(substitute(v, params) for v in value)
    return value
