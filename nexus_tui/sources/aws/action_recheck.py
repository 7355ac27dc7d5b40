"""After a lost answer ("outcome unknown"), look at the resource instead of resending: did the change happen?

Read-only: Describe/Get/Head/List calls only, each under the same per-call deadline as the action. The answer
is done (the change took effect: confirm the step), not done (nothing changed: running the step again is
safe) or undetermined (say why; a person decides). Secret values are compared, never shown.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from nexus_tui.config import AppConfig
from nexus_tui.domain.runbook import AwsAction
from nexus_tui.sources.aws.action_clients import ActionClients
from nexus_tui.sources.aws.action_guard import CALL_DEADLINE_SECONDS, GuardedClient
from nexus_tui.sources.aws.action_requests import Request
from nexus_tui.sources.aws.errors import classify, error_code

_NOT_FOUND = {"DBInstanceNotFound", "DBInstanceNotFoundFault", "DBSnapshotNotFound", "DBSnapshotNotFoundFault"}


@dataclass(frozen=True, slots=True)
class Recheck:
    done: bool | None  # True: took effect; False: did not (safe to run again); None: cannot tell
    message: str  # one line naming the resource

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "aws_recheck", "done": self.done, "message": self.message}


async def _instance(req: Request, client: Any) -> Recheck:
    promote = req.operation == "PromoteReadReplica"
    name = req.api_params["DBInstanceIdentifier" if promote else "TargetDBInstanceIdentifier"]
    try:
        found = (await client.describe_db_instances(DBInstanceIdentifier=name))["DBInstances"][0]
    except ClientError as exc:
        if error_code(exc) in _NOT_FOUND:
            if promote:
                return Recheck(None, f"{name}: not found in its region; cannot tell whether it was promoted")
            return Recheck(False, f"{name}: does not exist: the restore did not start; running it again is safe")
        raise
    status = found.get("DBInstanceStatus", "unknown")
    if not promote:
        return Recheck(True, f"{name}: exists (status {status}): the restore started; do not run it again")
    source = found.get("ReadReplicaSourceDBInstanceIdentifier")
    if source:
        return Recheck(
            False, f"{name}: still a read replica of {source} (status {status}): not promoted; running it again is safe"
        )
    return Recheck(True, f"{name}: standalone, no longer a read replica (status {status}): the promotion took effect")


async def _snapshot(req: Request, client: Any) -> Recheck:
    key = "TargetDBSnapshotIdentifier" if req.operation == "CopyDBSnapshot" else "DBSnapshotIdentifier"
    name = req.api_params[key]
    try:
        found = (await client.describe_db_snapshots(DBSnapshotIdentifier=name))["DBSnapshots"][0]
    except ClientError as exc:
        if error_code(exc) in _NOT_FOUND:
            return Recheck(False, f"snapshot {name}: does not exist: running the step again is safe")
        raise
    return Recheck(True, f"snapshot {name}: exists (status {found.get('Status', 'unknown')}); do not run it again")


async def _secret(req: Request, client: Any) -> Recheck:
    secret_id, key, endpoint = (req.api_params[k] for k in ("SecretId", "Key", "Endpoint"))
    raw = (await client.get_secret_value(SecretId=secret_id)).get("SecretString")
    try:
        document = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        document = None  # the parse error quotes the text: never surface it
    if not isinstance(document, dict):
        return Recheck(None, f"secret {secret_id}: SecretString is not a JSON object; cannot tell")
    if document.get(key) == endpoint:
        return Recheck(True, f"secret {secret_id}: key {key} already holds the new endpoint")
    return Recheck(False, f"secret {secret_id}: key {key} does not hold the new endpoint yet; running it again is safe")


def _values(record: dict[str, Any]) -> set[str]:
    return {str(r.get("Value", "")).rstrip(".").lower() for r in record.get("ResourceRecords", [])}


async def _route53(req: Request, client: Any) -> Recheck:
    zone = req.api_params["HostedZoneId"]
    change = req.api_params["ChangeBatch"]["Changes"][0]
    wanted = change["ResourceRecordSet"]
    name, rtype = wanted["Name"].rstrip(".").lower(), wanted["Type"]
    listed = await client.list_resource_record_sets(
        HostedZoneId=zone, StartRecordName=wanted["Name"], StartRecordType=rtype, MaxItems="10"
    )
    same = [
        r
        for r in listed.get("ResourceRecordSets", [])
        if r.get("Name", "").rstrip(".").lower() == name
        and r.get("Type") == rtype
        and r.get("SetIdentifier") == wanted.get("SetIdentifier")
    ]
    shown = f"{wanted['Name']} {rtype}" + (f" ({wanted['SetIdentifier']})" if wanted.get("SetIdentifier") else "")
    if change["Action"] == "DELETE":
        return Recheck(not same, f"record {shown}: {'gone' if not same else 'still there'}")
    if same and _values(same[0]) == _values(wanted):
        return Recheck(True, f"record {shown}: already has the new value")
    return Recheck(False, f"record {shown}: does not have the new value yet; running it again is safe")


async def _s3(req: Request, client: Any) -> Recheck:
    bucket, key = req.api_params["Bucket"], req.api_params["Key"]
    version = req.api_params["CopySource"]["VersionId"]
    current = await client.head_object(Bucket=bucket, Key=key)
    old = await client.head_object(Bucket=bucket, Key=key, VersionId=version)
    where = f"s3://{bucket}/{key}"
    if current.get("ETag") and current.get("ETag") == old.get("ETag"):
        return Recheck(True, f"{where}: the current version has the content of version {version}")
    return Recheck(False, f"{where}: the current version differs from version {version}; running it again is safe")


_RECHECKS: dict[str, Callable[[Request, Any], Awaitable[Recheck]]] = {
    "PromoteReadReplica": _instance,
    "RestoreDBInstanceToPointInTime": _instance,
    "CreateDBSnapshot": _snapshot,
    "CopyDBSnapshot": _snapshot,
    "PutSecretValue": _secret,
    "ChangeResourceRecordSets": _route53,
    "CopyObject": _s3,
}


async def recheck_request(
    action: AwsAction, req: Request, region: str, config: AppConfig, *, call_deadline: float | None = None
) -> Recheck:
    """Look, read-only, at what `req` was meant to change. Never raises for an AWS failure: an answer that
    cannot be had is Recheck(None, why)."""
    look = _RECHECKS.get(req.operation)
    if look is None:
        return Recheck(None, f"{action.name}: no read-only check known; look at {action.target_resource} by hand")
    clients = ActionClients(config.aws)
    deadline = CALL_DEADLINE_SECONDS if call_deadline is None else call_deadline
    try:
        async with clients.client(req.service, region) as client:
            return await look(req, GuardedClient(client, region, deadline))
    except Exception as exc:  # any failure to look is "cannot tell", in one line
        return Recheck(
            None, f"{action.name} {action.target_resource} in {region}: cannot check: {classify(exc).message}"
        )
