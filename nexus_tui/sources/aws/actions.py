"""Run a runbook's `aws` step safely: dry-run preview, typed confirmation, drill guard, call, wait.

preview() makes no AWS call at all. execute() makes, in order: the read-only look-ups its preview lists
(`read_only_calls`), the mutating call (for a secret that is a read-only replica in the action's region, the
promotion its preview announces comes first), then read-only polls until the target state or the timeout.
A bad parameter, a wrong confirmation or the drill guard raise ActionError (ConfirmationError and
MutationNotAllowed are kinds of it) with a one-line message before any AWS call. Anything found by talking
to AWS (AccessDenied, not found, throttling, unreachable region, a secret that is not a JSON object, a
timeout) is an ActionResult with ok=False and a one-line error naming the resource, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from nexus_tui.config import AppConfig
from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.domain.runbook import SUPPORTED_ACTIONS, AwsAction
from nexus_tui.domain.urls import mask_url
from nexus_tui.sources.aws import secret_log_filter
from nexus_tui.sources.aws.action_calls import CALLS, TIMING
from nexus_tui.sources.aws.action_clients import GLOBAL_SERVICE_REGION, ActionClients, endpoint_for, is_simulated
from nexus_tui.sources.aws.action_guard import (
    CALL_DEADLINE_SECONDS,
    UNKNOWN,
    CallDeadline,
    GuardedClient,
    outcome_of,
)
from nexus_tui.sources.aws.action_recheck import Recheck, recheck_request
from nexus_tui.sources.aws.action_requests import Request, build_request, cli_line
from nexus_tui.sources.aws.action_types import (
    ActionError,
    ActionPreview,
    ActionProgress,
    ActionResult,
    ConfirmationError,
    MutationNotAllowed,
    PollState,
)
from nexus_tui.sources.aws.errors import UNREADABLE, nothing_sent, unreadable_answer

__all__ = [
    "ActionError",
    "ActionPreview",
    "ActionProgress",
    "ActionResult",
    "ConfirmationError",
    "MutationNotAllowed",
    "Recheck",
    "action_regions",
    "execute",
    "preview",
    "recheck",
]

log = logging.getLogger(__name__)
secret_log_filter.install()

ProgressCallback = Callable[[ActionProgress], None]


def _region(action: AwsAction, config: AppConfig) -> str:
    if action.region:
        return action.region
    if action.name.startswith("route53."):
        return config.primary_region or GLOBAL_SERVICE_REGION
    if config.primary_region:
        return config.primary_region
    raise ActionError(f"{action.name}: no region (give the step a region or set aws.regions in the config)")


def _check_name(action: AwsAction) -> None:
    if action.name not in SUPPORTED_ACTIONS:
        raise ActionError(f"unsupported action {action.name!r} (supported: {', '.join(SUPPORTED_ACTIONS)})")


def _plan(action: AwsAction, config: AppConfig) -> tuple[Request, str]:
    _check_name(action)
    region = _region(action, config)
    return build_request(action.name, action.params, region), region


def action_regions(action: AwsAction, config: AppConfig) -> tuple[str, ...]:
    """Every region the action touches (a cross-region copy reads the source region too)."""
    req, region = _plan(action, config)
    return (region, *req.extra_regions)


def required_confirmation(action: AwsAction, step_confirm_text: str | None = None) -> str | None:
    """What must be typed: the step's confirm text when given, else the target resource of a destructive
    action, else nothing (a non-destructive action still needs the caller's explicit go, just not typed)."""
    if step_confirm_text:
        return step_confirm_text
    return action.target_resource if action.spec.destructive else None


def preview(action: AwsAction, config: AppConfig, *, confirm_text: str | None = None) -> ActionPreview:
    """The exact request as a dry run. Makes no AWS call; raises ActionError for bad parameters."""
    req, region = _plan(action, config)
    raw = endpoint_for(config.aws, region)
    endpoint = mask_url(raw) if raw else None  # shown and journaled: an endpoint may carry credentials
    return ActionPreview(
        action=action.name,
        description=action.spec.description,
        service=req.service,
        operation=req.operation,
        region=region,
        endpoint=endpoint,
        parameters=req.display,
        cli=cli_line(req, region, endpoint),
        destructive=action.spec.destructive,
        confirm_text=required_confirmation(action, confirm_text),
        target_state=req.target_state,
        read_only_calls=req.read_only_calls,
        notes=req.notes,
    )


async def recheck(action: AwsAction, config: AppConfig, *, call_deadline: float | None = None) -> Recheck:
    """After "outcome unknown": read-only look at the target resource, done / not done / cannot tell."""
    req, region = _plan(action, config)
    return await recheck_request(action, req, region, config, call_deadline=call_deadline)


def describe_error(exc: BaseException, action: str, resource: str, region: str) -> str:
    """One line naming the resource; AWS messages are cut to their first line.

    Order matters: ReadTimeoutError is an OSError too, and a lost answer is not an unreachable region."""
    where = f"{action} {resource} in {region}"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Error")
        message = str(err.get("Message") or "").splitlines()[0:1]
        return f"{where}: {code}: {message[0][:300]}" if message else f"{where}: {code}"
    if isinstance(exc, CallDeadline):
        return f"{action} {resource}: {exc}"
    if unreadable_answer(exc):
        return f"{where}: {UNREADABLE}"
    if isinstance(exc, ReadTimeoutError | asyncio.TimeoutError):
        return f"{where}: no answer from AWS in time ({type(exc).__name__})"
    if isinstance(exc, ConnectionClosedError):
        return f"{where}: the connection closed before the answer ({type(exc).__name__})"
    if nothing_sent(exc):
        return f"{where}: region unreachable ({type(exc).__name__})"
    if isinstance(exc, NoCredentialsError):
        return f"{where}: no AWS credentials found (profile, environment or instance role)"
    if isinstance(exc, BotoCoreError):
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return f"{where}: {first[:300]}"
    if isinstance(exc, OSError):
        return f"{where}: connection failed ({type(exc).__name__})"
    return f"{where}: {type(exc).__name__}"


# Display-safe facts a call returns that the journal keeps (the secret action's promotion among them).
_DETAIL_KEYS = ("arn", "version_id", "change_id", "keys", "promoted_from", "promote_request_id")
_AWS_ERRORS = (
    ClientError,
    BotoCoreError,
    OSError,
    asyncio.TimeoutError,
    CallDeadline,
    ResponseParserError,
    ValueError,  # a JSON answer that does not decode (UnicodeDecodeError, JSONDecodeError)
    KeyError,
    IndexError,
)


@dataclass
class _Run:
    action: AwsAction
    resource: str
    region: str
    on_progress: ProgressCallback | None
    loop: asyncio.AbstractEventLoop
    start: float

    def elapsed(self) -> float:
        return self.loop.time() - self.start

    def emit(self, phase: str, message: str, poll: int = 0) -> None:
        if self.on_progress is None:
            return
        try:
            self.on_progress(
                ActionProgress(self.action.name, self.resource, self.region, phase, message, self.elapsed(), poll)
            )
        except Exception:  # a broken display must not abort an action half way
            log.exception("progress callback failed for %s", self.action.name)


async def execute(
    action: AwsAction,
    config: AppConfig,
    *,
    confirmation: str,
    on_progress: ProgressCallback | None = None,
    confirm_text: str | None = None,
    allow_mutation: bool = True,
    timeout_seconds: float | None = None,
    poll_interval: float | None = None,
    call_deadline: float | None = None,
    clock: Clock | None = None,
) -> ActionResult:
    """Run the action and wait for its target state.

    `confirmation` is what the user typed; it must equal required_confirmation(action, confirm_text).
    `allow_mutation=False` (a drill outside the simulator) refuses before any call.
    Every AWS request gets `call_deadline` seconds in total; the wait for the target state `timeout_seconds`
    (so the whole run is bounded by about call deadline x requests + timeout + one poll).
    """
    req, region = _plan(action, config)
    resource = action.target_resource
    required = required_confirmation(action, confirm_text)
    if required is not None and confirmation != required:
        raise ConfirmationError(f"{action.name}: type {required!r} to confirm (got {confirmation!r}); nothing was done")
    regions = (region, *req.extra_regions)
    if not allow_mutation:
        where = ", ".join(r for r in regions if not is_simulated(config.aws, [r])) or region
        raise MutationNotAllowed(
            f"{action.name} on {resource}: drills only mutate the simulator, and {where} is not simulated"
        )
    default_timeout, default_interval = TIMING[action.name]
    timeout = default_timeout if timeout_seconds is None else timeout_seconds
    interval = default_interval if poll_interval is None else poll_interval
    per_call = CALL_DEADLINE_SECONDS if call_deadline is None else call_deadline
    started_at = (clock or SystemClock()).now()
    loop = asyncio.get_running_loop()
    run = _Run(action, resource, region, on_progress, loop, loop.time())
    call, poll = CALLS[action.name]
    clients = ActionClients(config.aws)

    def result(ok: bool, **kw: object) -> ActionResult:
        return ActionResult(
            action=action.name,
            resource=resource,
            region=region,
            ok=ok,
            target_state=req.target_state,
            duration_seconds=run.elapsed(),
            started_at=started_at,
            **kw,  # type: ignore[arg-type]
        )

    def failed(exc: BaseException, guarded: GuardedClient, error: str) -> ActionResult:
        outcome = outcome_of(exc, guarded)
        if outcome == "unknown":
            error = f"{error}; {UNKNOWN}"
        run.emit("done", f"failed: {error}")
        # AWS's answer to a refused call still names the request: CloudTrail and AWS support need it.
        response = getattr(exc, "response", None)
        metadata = response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}
        request_id = metadata.get("RequestId") if isinstance(metadata, dict) else None
        return result(False, error=error, outcome=outcome, request_id=request_id or None)

    run.emit("request", f"calling {req.service} {req.operation} for {resource} in {region}")
    try:
        async with (
            clients.client(req.service, region, retries=False) as once,
            clients.client(req.service, region) as client,
        ):
            sender = GuardedClient(once, region, per_call)
            try:
                outcome = await call(req, sender, clients, region)
            except ActionError as exc:
                # Raised by the call itself: the cause (kept as context) tells whether anything was sent.
                return failed(exc.__context__ or exc, sender, str(exc))
            except _AWS_ERRORS as exc:
                return failed(exc, sender, describe_error(exc, action.name, resource, region))
            if primary := outcome.context.get("promoted_from"):
                promote_id = outcome.context.get("promote_request_id")
                log.info("%s: replica %s in %s promoted, request id %s", action.name, resource, region, promote_id)
                run.emit(
                    "request",
                    f"{resource} in {region} was a read-only replica of the one in {primary}: promoted to a "
                    f"standalone secret (StopReplicationToReplica request id {promote_id})",
                )
            log.info("%s on %s in %s accepted, request id %s", action.name, resource, region, outcome.request_id)
            run.emit("request", f"accepted by AWS (request id {outcome.request_id})")
            details = tuple((k, str(v)) for k, v in outcome.context.items() if k in _DETAIL_KEYS)
            ctx = dict(outcome.context)
            polls, state, notes = 0, PollState(False, "not polled yet"), []
            deadline = run.start + timeout
            looker = GuardedClient(client, region, per_call)
            while True:
                polls += 1
                try:
                    state = await poll(req, looker, ctx)
                except _AWS_ERRORS as exc:
                    # Transient (throttling, a new resource not listed yet): keep waiting until the deadline.
                    state = PollState(False, f"poll failed: {describe_error(exc, action.name, resource, region)}")
                run.emit("poll", f"{state.message} (poll {polls}, {run.elapsed():.0f}s)", polls)
                if state.note:
                    notes.append(state.note)
                if state.done or loop.time() + interval > deadline:
                    break
                await asyncio.sleep(interval)
    except _AWS_ERRORS as exc:  # opening the client (credentials, endpoint resolution): nothing was sent
        error = describe_error(exc, action.name, resource, region)
        run.emit("done", f"failed: {error}")
        return result(False, error=error, outcome="not_sent")

    common = {"request_id": outcome.request_id, "polls": polls, "notes": tuple(notes), "details": details}
    if not state.done:
        # Accepted by AWS but not seen in its target state: the change may still be under way.
        error = (
            f"{action.name} {resource} in {region}: timed out after {timeout:.0f}s waiting for "
            f"{req.target_state} (last: {state.message})"
        )
        run.emit("done", error)
        return result(False, error=error, reached=False, outcome="accepted", **common)
    run.emit("done", f"{resource}: {req.target_state} after {run.elapsed():.1f}s")
    return result(True, reached=True, outcome="done", **common)
