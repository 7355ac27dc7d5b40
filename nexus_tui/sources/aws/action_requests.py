"""Turn an action's runbook parameters into the exact AWS request, a display-safe rendering and a CLI line.

Pure: no AWS call. Values from YAML or ${param} substitution arrive as strings, so they are coerced here,
and a bad one is a one-line ActionError naming the parameter.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore import xform_name

from nexus_tui.sources.aws.action_types import ActionError

CLI_SERVICE = {"rds": "rds", "secretsmanager": "secretsmanager", "route53": "route53", "s3": "s3api"}
_BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True, slots=True)
class Request:
    service: str
    operation: str  # AWS API name (PascalCase)
    api_params: dict[str, Any]  # what the client gets; for the secret action: no payload (built at run time)
    display: tuple[tuple[str, str], ...]
    target_state: str
    read_only_calls: tuple[str, ...] = ()
    extra_regions: tuple[str, ...] = ()  # regions touched besides the action's own (copy's source)
    cli_params: dict[str, Any] = field(default_factory=dict)  # overrides api_params for the CLI line
    # Mutating calls execute() may make before the main one, as (operation, CLI params): CLI lines first.
    cli_before: tuple[tuple[str, dict[str, Any]], ...] = ()
    # Shown in the preview. Conditions and file contents for the CLI lines go here, never into a line:
    # every CLI line must run unchanged (a trailing `# comment` would reach `aws` as arguments when not
    # pasted into a shell).
    notes: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        return xform_name(self.operation)


def _str(name: str, params: Mapping[str, Any], action: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ActionError(f"{action}: parameter {name} is required")
        return None
    if isinstance(value, bool | dict | list):
        raise ActionError(f"{action}: parameter {name} must be a string, got {value!r}")
    text = str(value)
    if "${" in text:
        raise ActionError(f"{action}: parameter {name} has an unresolved placeholder: {text}")
    return text


def _int(name: str, params: Mapping[str, Any], action: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ActionError(f"{action}: parameter {name} must be a whole number, got {value!r}") from None


def _bool(name: str, params: Mapping[str, Any], action: str) -> bool | None:
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return value
    flag = _BOOL.get(str(value).strip().lower())
    if flag is None:
        raise ActionError(f"{action}: parameter {name} must be true or false, got {value!r}")
    return flag


def _time(name: str, params: Mapping[str, Any], action: str) -> datetime | None:
    value = params.get(name)
    if value is None or value == "" or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ActionError(f"{action}: parameter {name} must be an ISO 8601 time, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _rds(name: str, operation: str, params: Mapping[str, Any], target_state: str, **extra: Any) -> Request:
    spec_required = {
        "PromoteReadReplica": ("DBInstanceIdentifier",),
        "RestoreDBInstanceToPointInTime": ("SourceDBInstanceIdentifier", "TargetDBInstanceIdentifier"),
        "CreateDBSnapshot": ("DBInstanceIdentifier", "DBSnapshotIdentifier"),
        "CopyDBSnapshot": ("SourceDBSnapshotIdentifier", "TargetDBSnapshotIdentifier"),
    }[operation]
    api: dict[str, Any] = {k: _str(k, params, name) for k in spec_required}
    api.update({k: v for k, v in extra.items() if v is not None})
    shown = tuple((k, _shown(v)) for k, v in api.items())
    return Request("rds", operation, api, shown, target_state, read_only_calls=("rds DescribeDB* (until done)",))


def build_request(name: str, params: Mapping[str, Any], region: str) -> Request:
    """The request `execute` will send for action `name` in `region`. Raises ActionError for bad params."""
    if name == "rds.promote_read_replica":
        return _rds(
            name,
            "PromoteReadReplica",
            params,
            "instance available and no longer a read replica",
            BackupRetentionPeriod=_int("BackupRetentionPeriod", params, name),
        )
    if name == "rds.restore_db_instance_to_point_in_time":
        restore_time = _time("RestoreTime", params, name)
        latest = _bool("UseLatestRestorableTime", params, name)
        if restore_time is None and latest is None:
            latest = True  # the usual DR choice; said explicitly in the preview
        if restore_time is not None and latest:
            raise ActionError(f"{name}: give RestoreTime or UseLatestRestorableTime, not both")
        return _rds(
            name,
            "RestoreDBInstanceToPointInTime",
            params,
            "new instance available",
            RestoreTime=restore_time,
            UseLatestRestorableTime=latest or None,
            DBInstanceClass=_str("DBInstanceClass", params, name, required=False),
        )
    if name == "rds.create_db_snapshot":
        return _rds(name, "CreateDBSnapshot", params, "snapshot available")
    if name == "rds.copy_db_snapshot":
        source_region = _str("SourceRegion", params, name, required=False)
        req = _rds(name, "CopyDBSnapshot", params, "snapshot copy available", SourceRegion=source_region)
        if not source_region or source_region == region:
            return req
        # A cross-region copy needs the source snapshot's ARN; a bare name is looked up (read-only) first.
        bare = not str(req.api_params["SourceDBSnapshotIdentifier"]).startswith("arn:")
        return Request(
            req.service,
            req.operation,
            req.api_params,
            req.display,
            req.target_state,
            read_only_calls=req.read_only_calls
            + ((f"rds DescribeDBSnapshots in {source_region} (name to ARN)",) if bare else ()),
            extra_regions=(source_region,),
        )
    if name == "secretsmanager.update_secret_endpoint":
        return _secret(name, params, region)
    if name == "route53.change_resource_record_sets":
        return _route53(name, params)
    if name == "s3.restore_object_version":
        bucket, key, version = (_str(k, params, name) for k in ("Bucket", "Key", "VersionId"))
        api = {"Bucket": bucket, "Key": key, "CopySource": {"Bucket": bucket, "Key": key, "VersionId": version}}
        return Request(
            "s3",
            "CopyObject",
            api,
            (("Bucket", str(bucket)), ("Key", str(key)), ("CopySource", f"{bucket}/{key}?versionId={version}")),
            "a new current version of the object",
            read_only_calls=("s3 HeadObject (current version, before and after)",),
            cli_params={"Bucket": bucket, "Key": key, "CopySource": f"{bucket}/{key}?versionId={version}"},
        )
    raise ActionError(f"unsupported action {name!r}")


def secret_placeholder(key: str, endpoint: str) -> str:
    return f"<key {key!r} set to {endpoint!r}; other keys unchanged>"


def _secret(name: str, params: Mapping[str, Any], region: str) -> Request:
    secret_id = _str("SecretId", params, name)
    endpoint = _str("Endpoint", params, name)
    key = _str("Key", params, name, required=False) or "host"
    # Whether the secret in `region` is a read-only replica is only known by asking (preview never does), and
    # in a DR region it usually is: the preview states the promotion execute() makes when DescribeSecret says so.
    promotion = (
        f"if {secret_id} in {region} is a replica of a secret in another region, it is first promoted to a "
        f"standalone secret (StopReplicationToReplica in {region}): it stops receiving the primary's changes "
        "for good, and the primary region need not answer"
    )
    return Request(
        "secretsmanager",
        "PutSecretValue",
        {"SecretId": secret_id, "Key": key, "Endpoint": endpoint},
        (("SecretId", str(secret_id)), ("SecretString", secret_placeholder(key, str(endpoint)))),
        "a new AWSCURRENT secret version",
        read_only_calls=(
            f"secretsmanager DescribeSecret in {region} (replica of another region? current version id)",
            "secretsmanager GetSecretValue (the JSON to edit; never shown)",
        ),
        cli_params={"SecretId": secret_id, "SecretString": "file://secret.json"},
        cli_before=(("StopReplicationToReplica", {"SecretId": secret_id}),),
        notes=(
            promotion,
            f"CLI: run stop-replication-to-replica only if describe-secret shows a PrimaryRegion other than "
            f"{region}; secret.json is the current SecretString with key {key!r} set to {endpoint!r}",
        ),
    )


def _route53(name: str, params: Mapping[str, Any]) -> Request:
    zone = str(_str("HostedZoneId", params, name)).rsplit("/", 1)[-1]
    record_name = str(_str("Name", params, name))
    rtype = str(_str("Type", params, name)).upper()
    raw = params.get("Value")
    values = [str(v) for v in raw] if isinstance(raw, list | tuple) else [str(_str("Value", params, name))]
    if not values or any(not v or "${" in v for v in values):
        raise ActionError(f"{name}: parameter Value must be one or more non-empty values, got {raw!r}")
    change_action = (_str("Action", params, name, required=False) or "UPSERT").upper()
    if change_action not in ("UPSERT", "CREATE", "DELETE"):
        raise ActionError(f"{name}: parameter Action must be UPSERT, CREATE or DELETE, got {change_action!r}")
    record: dict[str, Any] = {
        "Name": record_name,
        "Type": rtype,
        "TTL": _int("TTL", params, name) or 60,
        "ResourceRecords": [{"Value": v} for v in values],
    }
    set_id = _str("SetIdentifier", params, name, required=False)
    failover = _str("Failover", params, name, required=False)
    if failover:
        failover = failover.upper()
        if failover not in ("PRIMARY", "SECONDARY"):
            raise ActionError(f"{name}: parameter Failover must be PRIMARY or SECONDARY, got {failover!r}")
        if not set_id:
            raise ActionError(f"{name}: a Failover record needs SetIdentifier")
        record["Failover"] = failover
    if set_id:
        record["SetIdentifier"] = set_id
    batch = {"Comment": "nexus-tui runbook step", "Changes": [{"Action": change_action, "ResourceRecordSet": record}]}
    display = [("HostedZoneId", zone), ("Action", change_action), ("Name", record_name), ("Type", rtype)]
    display += [("TTL", str(record["TTL"])), ("Value", ", ".join(values))]
    display += [(k, str(record[k])) for k in ("SetIdentifier", "Failover") if k in record]
    return Request(
        "route53",
        "ChangeResourceRecordSets",
        {"HostedZoneId": zone, "ChangeBatch": batch},
        tuple(display),
        "change INSYNC",
        read_only_calls=("route53 GetChange (until INSYNC)",),
    )


def cli_line(req: Request, region: str, endpoint: str | None) -> str:
    """The equivalent `aws` command; one line per mutating call when execute() may make more than one."""
    main = _cli_one(req.service, req.operation, req.cli_params or dict(req.api_params), region, endpoint)
    before = [_cli_one(req.service, op, params, region, endpoint) for op, params in req.cli_before]
    return "\n".join([*before, main])


def _cli_one(service: str, operation: str, cli: dict[str, Any], region: str, endpoint: str | None) -> str:
    parts = ["aws", CLI_SERVICE[service], xform_name(operation, "-"), "--region", region]
    if endpoint:
        parts += ["--endpoint-url", endpoint]
    for key, value in cli.items():
        flag = "--" + xform_name(key, "-")
        if value is True:
            parts.append(flag)
        elif value is False:
            parts.append("--no-" + flag[2:])
        else:
            parts += [flag, _shown(value)]
    return " ".join(shlex.quote(p) for p in parts)
