"""The mutating call of each action and the read-only look that tells whether its target state is reached.

Each `call_*` returns the request id plus what its poll needs; each `poll_*` looks once and never raises for
"not there yet". Secret values live only inside `_call_secret` and are never put in a message or context.
The secret action may make two mutating calls: StopReplicationToReplica when the secret in its region is a
read-only replica (a DR region's usual case), then PutSecretValue.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from botocore.exceptions import ClientError

from nexus_tui.sources.aws.action_requests import Request
from nexus_tui.sources.aws.action_types import ActionError, CallOutcome, PollState

# moto keeps ReadReplicaSourceDBInstanceIdentifier after PromoteReadReplica (real RDS clears it once the
# promotion finishes, after passing through "modifying"/"rebooting"). A replica that stays "available" with
# the link for this many consecutive polls is taken as promoted, with a note in the result. Real RDS leaves
# "available" within seconds of the call, so the grace does not hide a promotion that is still running.
PROMOTE_LINK_GRACE_POLLS = 3

Clients = Any  # an ActionClients; Any keeps this module free of session details
Client = Any


def _request_id(response: dict[str, Any]) -> str | None:
    meta = response.get("ResponseMetadata", {})
    return meta.get("RequestId") or meta.get("HTTPHeaders", {}).get("x-amz-request-id")


async def _call_plain(req: Request, client: Client, clients: Clients, region: str) -> CallOutcome:
    response = await getattr(client, req.method)(**req.api_params)
    return CallOutcome(_request_id(response))


async def _call_copy(req: Request, client: Client, clients: Clients, region: str) -> CallOutcome:
    params = dict(req.api_params)
    source_region = params.get("SourceRegion")
    if source_region and source_region != region and not str(params["SourceDBSnapshotIdentifier"]).startswith("arn:"):
        async with clients.client("rds", source_region) as src:
            found = await src.describe_db_snapshots(DBSnapshotIdentifier=params["SourceDBSnapshotIdentifier"])
        params["SourceDBSnapshotIdentifier"] = found["DBSnapshots"][0]["DBSnapshotArn"]
    response = await client.copy_db_snapshot(**params)
    return CallOutcome(_request_id(response), {"arn": response.get("DBSnapshot", {}).get("DBSnapshotArn", "")})


def _current_version(described: dict[str, Any]) -> str | None:
    for version, stages in (described.get("VersionIdsToStages") or {}).items():
        if "AWSCURRENT" in stages:
            return str(version)
    return None


def _short(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        first = (str(err.get("Message") or "").splitlines() or [""])[0][:300]
        first = "" if first.lstrip().startswith("<") else first  # an HTML error page (a 5xx) says nothing useful
        return f"{err.get('Code', 'Error')}: {first}" if first else str(err.get("Code", "Error"))
    return str(exc) if isinstance(exc, ActionError) else type(exc).__name__


async def _promote_if_replica(client: Client, secret_id: str, region: str) -> tuple[dict[str, Any], dict[str, str]]:
    """DescribeSecret in `region`; a replica there is read-only, so it is first made a standalone secret
    (StopReplicationToReplica works in the replica's region, with the primary's region down)."""
    described = await client.describe_secret(SecretId=secret_id)
    primary = described.get("PrimaryRegion")
    if not primary or primary == region:
        return described, {}
    try:
        response = await client.stop_replication_to_replica(SecretId=secret_id)
    except ClientError as exc:
        raise ActionError(
            f"secret {secret_id} in {region} is a replica of the one in {primary}; promoting it to a standalone "
            f"secret (StopReplicationToReplica) failed: {_short(exc)}"
        ) from None
    return described, {"promoted_from": str(primary), "promote_request_id": _request_id(response) or ""}


async def _call_secret(req: Request, client: Client, clients: Clients, region: str) -> CallOutcome:
    secret_id, key, endpoint = (req.api_params[k] for k in ("SecretId", "Key", "Endpoint"))
    described, promoted = await _promote_if_replica(client, secret_id, region)
    before = _current_version(described)
    try:
        raw = (await client.get_secret_value(SecretId=secret_id)).get("SecretString")
        try:
            document = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            document = None  # the parse error quotes the text: never surface it
        if not isinstance(document, dict):
            raise ActionError(f"secret {secret_id}: SecretString is not a JSON object; refusing to edit it")
        if key not in document:
            raise ActionError(f"secret {secret_id} has no key {key!r} (keys: {', '.join(sorted(document))})")
        keys = ", ".join(sorted(document))
        document[key] = endpoint
        response = await client.put_secret_value(
            SecretId=secret_id, SecretString=json.dumps(document), ClientRequestToken=str(uuid.uuid4())
        )
        del document, raw
    except Exception as exc:
        if not promoted:
            raise
        # The promotion already happened and cannot be undone: the error must say so, with its request id.
        raise ActionError(
            f"secret {secret_id} in {region}: promoted to a standalone secret (StopReplicationToReplica request "
            f"id {promoted['promote_request_id']}), then the endpoint update failed: {_short(exc)}"
        ) from None
    return CallOutcome(
        _request_id(response),
        {"before": before or "", "version_id": str(response.get("VersionId", "")), "keys": keys, **promoted},
    )


async def _call_route53(req: Request, client: Client, clients: Clients, region: str) -> CallOutcome:
    response = await client.change_resource_record_sets(**req.api_params)
    return CallOutcome(_request_id(response), {"change_id": response["ChangeInfo"]["Id"]})


async def _call_s3(req: Request, client: Client, clients: Clients, region: str) -> CallOutcome:
    try:
        head = await client.head_object(Bucket=req.api_params["Bucket"], Key=req.api_params["Key"])
        before = str(head.get("VersionId") or "")
    except ClientError as exc:
        # A deleted object (its current version a delete marker) answers 404: the case this action exists for.
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise
        before = "deleted"
    response = await client.copy_object(**req.api_params)
    return CallOutcome(_request_id(response), {"before": before, "version_id": str(response.get("VersionId") or "")})


async def _poll_instance(req: Request, client: Client, ctx: dict[str, Any], name_key: str) -> PollState:
    name = req.api_params[name_key]
    found = (await client.describe_db_instances(DBInstanceIdentifier=name))["DBInstances"][0]
    status = found.get("DBInstanceStatus", "unknown")
    if req.operation != "PromoteReadReplica":
        return PollState(status == "available", f"{name}: status {status}")
    source = found.get("ReadReplicaSourceDBInstanceIdentifier")
    if status != "available":
        ctx["stale"] = 0
        return PollState(False, f"{name}: status {status}, promotion in progress")
    if not source:
        return PollState(True, f"{name}: available, standalone (no longer a read replica)")
    ctx["stale"] = ctx.get("stale", 0) + 1
    if ctx["stale"] >= PROMOTE_LINK_GRACE_POLLS:
        note = (
            f"{name} still lists source {source} after promotion while available; "
            f"accepted after {ctx['stale']} polls (the simulator keeps the link, real RDS clears it)"
        )
        return PollState(True, f"{name}: available (source link still reported)", note)
    return PollState(False, f"{name}: available, still lists source {source}")


async def _poll_snapshot(req: Request, client: Client, ctx: dict[str, Any], name_key: str) -> PollState:
    name = req.api_params[name_key]
    found = (await client.describe_db_snapshots(DBSnapshotIdentifier=name))["DBSnapshots"][0]
    status = found.get("Status", "unknown")
    progress = found.get("PercentProgress")
    shown = f"{name}: status {status}" + (f", {progress}%" if progress is not None and status != "available" else "")
    return PollState(status == "available", shown)


async def _poll_secret(req: Request, client: Client, ctx: dict[str, Any]) -> PollState:
    secret_id = req.api_params["SecretId"]
    current = _current_version(await client.describe_secret(SecretId=secret_id))
    changed = bool(current) and current == ctx["version_id"] and current != ctx["before"]
    state = "new version is AWSCURRENT" if changed else f"AWSCURRENT still {current}"
    return PollState(changed, f"secret {secret_id}: {state}")


async def _poll_route53(req: Request, client: Client, ctx: dict[str, Any]) -> PollState:
    info = (await client.get_change(Id=ctx["change_id"]))["ChangeInfo"]
    status = info.get("Status", "unknown")
    return PollState(status == "INSYNC", f"change {ctx['change_id'].rsplit('/', 1)[-1]}: {status}")


async def _poll_s3(req: Request, client: Client, ctx: dict[str, Any]) -> PollState:
    bucket, key = req.api_params["Bucket"], req.api_params["Key"]
    if not ctx["version_id"]:
        return PollState(True, f"s3://{bucket}/{key}: copied", "bucket returned no VersionId (not versioned?)")
    current = (await client.head_object(Bucket=bucket, Key=key)).get("VersionId")
    done = current == ctx["version_id"]
    return PollState(done, f"s3://{bucket}/{key}: current version {current}" + ("" if done else " (waiting)"))


Call = Callable[[Request, Client, Clients, str], Awaitable[CallOutcome]]
Poll = Callable[[Request, Client, dict[str, Any]], Awaitable[PollState]]

CALLS: dict[str, tuple[Call, Poll]] = {
    "rds.promote_read_replica": (_call_plain, lambda r, c, x: _poll_instance(r, c, x, "DBInstanceIdentifier")),
    "rds.restore_db_instance_to_point_in_time": (
        _call_plain,
        lambda r, c, x: _poll_instance(r, c, x, "TargetDBInstanceIdentifier"),
    ),
    "rds.create_db_snapshot": (_call_plain, lambda r, c, x: _poll_snapshot(r, c, x, "DBSnapshotIdentifier")),
    "rds.copy_db_snapshot": (_call_copy, lambda r, c, x: _poll_snapshot(r, c, x, "TargetDBSnapshotIdentifier")),
    "secretsmanager.update_secret_endpoint": (_call_secret, _poll_secret),
    "route53.change_resource_record_sets": (_call_route53, _poll_route53),
    "s3.restore_object_version": (_call_s3, _poll_s3),
}

# Default (timeout, poll interval) in seconds: promotion and restores take minutes, DNS and secrets seconds.
TIMING: dict[str, tuple[float, float]] = {
    "rds.promote_read_replica": (1800.0, 15.0),
    "rds.restore_db_instance_to_point_in_time": (3600.0, 30.0),
    "rds.create_db_snapshot": (3600.0, 20.0),
    "rds.copy_db_snapshot": (7200.0, 30.0),
    "secretsmanager.update_secret_endpoint": (60.0, 2.0),
    "route53.change_resource_record_sets": (300.0, 5.0),
    "s3.restore_object_version": (120.0, 2.0),
}
