"""One step of a runbook YAML -> domain Step: kind-specific keys, aws actions, http checks, preconditions."""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from nexus_tui.domain.runbook import (
    MAX_HTTP_TIMEOUT_SECONDS,
    MAX_LAG_SECONDS,
    MAX_MINUTES,
    MAX_RETRY_INTERVAL_SECONDS,
    PRECONDITION_ARGS,
    PRECONDITION_CHECKS,
    SLACK_TARGETS,
    STEP_KINDS,
    SUPPORTED_ACTIONS,
    AwsAction,
    HttpCheck,
    Precondition,
    SlackPost,
    Step,
    placeholders,
)
from nexus_tui.domain.slack_templates import INCIDENT_FIELDS, template_names
from nexus_tui.runbook.fields import Fields, check_keys, ident, number, text
from nexus_tui.runbook.issues import did_you_mean
from nexus_tui.runbook.yamlfile import Collector, kind_name, line_of, mapping, plain

STEP_REQUIRED = ("id", "title", "expected_minutes")
STEP_OPTIONAL = (
    "description",
    "owner",
    "kind",
    "destructive",
    "command",
    "action",
    "http",
    "confirm",
    "preconditions",
    "slack",
)
# The key that carries each kind's payload; a step without `kind` is inferred from the one it has.
PAYLOAD = {"command": "command", "aws": "action", "http": "http", "slack": "slack"}
# "#name", or a channel id ("C0123ABCD"): a bare word is more likely a typo of stakeholder/incident.
SLACK_CHANNEL_RE = re.compile(r"^(#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{8,})$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def _kind(fields: Fields, what: str, out: Collector) -> str | None:
    if "kind" in fields:
        node = fields["kind"][1]
        value = str(plain(node))
        if value not in STEP_KINDS:
            out.add(
                node,
                f"{what}: unknown kind {value!r}{did_you_mean(value, STEP_KINDS)}; expected one of: "
                f"{', '.join(STEP_KINDS)}",
            )
            return None
        return value
    present = [k for k, key in PAYLOAD.items() if key in fields]
    if len(present) > 1:
        out.add(fields[PAYLOAD[present[1]]][0], f"{what}: a step does one thing; set kind: to one of {present}")
        return None
    return present[0] if present else "manual"


def _action(node: Node, what: str, out: Collector) -> AwsAction | None:
    fields = mapping(node, f"{what}: action", out)
    if fields is None:
        return None
    check_keys(fields, node, f"{what}: action", ("name",), ("region", "params"), out)
    name = text(fields, "name", f"{what}: action", out)
    region = text(fields, "region", f"{what}: action", out)
    if region is not None and not placeholders(region) and not REGION_RE.match(region):
        out.add(fields["region"][1], f"{what}: action region {region!r} is not an AWS region name")
    if name is None:
        return None
    spec = SUPPORTED_ACTIONS.get(name)
    if spec is None:
        out.add(
            fields["name"][1],
            f"{what}: unsupported aws action {name!r}{did_you_mean(name, SUPPORTED_ACTIONS)}; "
            f"supported: {', '.join(SUPPORTED_ACTIONS)}",
        )
        return None
    params: dict[str, Any] = {}
    where: Node = node
    if "params" in fields:
        where = fields["params"][1]
        pfields = mapping(where, f"{what}: action params", out)
        for pname, (key, value) in (pfields or {}).items():
            allowed = (*spec.required, *spec.optional)
            if pname not in allowed:
                out.add(
                    key,
                    f"{what}: {name} has no parameter {pname!r}{did_you_mean(pname, allowed)}; "
                    f"it takes: {', '.join(allowed)}",
                )
            elif not isinstance(value, ScalarNode) or plain(value) is None:
                out.add(value, f"{what}: {name} parameter {pname} must be a plain value, got {kind_name(value)}")
            else:
                params[pname] = plain(value)
        if pfields is None:
            return None
    missing = [p for p in spec.required if p not in params]
    if missing:
        out.add(where, f"{what}: {name} needs parameter(s) {', '.join(missing)}")
        return None
    return AwsAction(name, region, params)


def _http(node: Node, what: str, out: Collector) -> HttpCheck | None:
    fields = mapping(node, f"{what}: http", out)
    if fields is None:
        return None
    check_keys(
        fields, node, f"{what}: http", ("url",), ("expected_status", "timeout_seconds", "retry_interval_seconds"), out
    )
    url = text(fields, "url", f"{what}: http", out)
    if url is not None and not re.match(r"^(https?://|\$\{)", url):
        out.add(fields["url"][1], f"{what}: http url must start with http:// or https://, got {url!r}")
        url = None
    status = number(fields, "expected_status", f"{what}: http", out, minimum=100, maximum=599)
    if status is not None and status != int(status):
        out.add(fields["expected_status"][1], f"{what}: http expected_status must be an HTTP status code")
        status = None
    timeout = number(fields, "timeout_seconds", f"{what}: http", out, strict=True, maximum=MAX_HTTP_TIMEOUT_SECONDS)
    retry = number(
        fields, "retry_interval_seconds", f"{what}: http", out, strict=True, maximum=MAX_RETRY_INTERVAL_SECONDS
    )
    if url is None:
        return None
    d = HttpCheck(url)
    return HttpCheck(
        url, int(status or d.expected_status), timeout or d.timeout_seconds, retry or d.retry_interval_seconds
    )


def _slack(node: Node, what: str, out: Collector) -> SlackPost | None:
    fields = mapping(node, f"{what}: slack", out)
    if fields is None:
        return None
    check_keys(fields, node, f"{what}: slack", ("message",), ("channel",), out)
    message = text(fields, "message", f"{what}: slack", out)
    channel = text(fields, "channel", f"{what}: slack", out) or "stakeholder"
    if channel not in SLACK_TARGETS and not placeholders(channel) and not SLACK_CHANNEL_RE.match(channel):
        out.add(
            fields["channel"][1],
            f"{what}: slack channel {channel!r} is not {' or '.join(SLACK_TARGETS)} or a channel name like '#exec'"
            f"{did_you_mean(channel, SLACK_TARGETS)}",
        )
        return None
    if message is None:
        return None
    # Plain ${param} names are checked against `params` with every other string of the file; incident
    # fields are checked here, so a typo is reported now instead of posted to stakeholders as `${typo}`.
    for name in template_names(message):
        if "." in name and name not in INCIDENT_FIELDS:
            out.add(
                fields["message"][1],
                f"{what}: slack message: unknown field ${{{name}}}{did_you_mean(name, INCIDENT_FIELDS)}; "
                f"incident fields: {', '.join(INCIDENT_FIELDS)}",
            )
            return None
    return SlackPost(message, channel)


def _preconditions(node: Node, what: str, out: Collector) -> tuple[Precondition, ...]:
    if not isinstance(node, SequenceNode):
        out.add(node, f"{what}: preconditions must be a list, got {kind_name(node)}")
        return ()
    result = []
    for item in node.value:
        fields = mapping(item, f"{what}: precondition", out)
        if fields is None:
            continue
        check = text(fields, "check", f"{what}: precondition", out)
        if check is None:
            if "check" not in fields:
                out.add(item, f"{what}: precondition: missing required key 'check'")
            continue
        if check not in PRECONDITION_CHECKS:
            out.add(
                fields["check"][1],
                f"{what}: unknown precondition check {check!r}"
                f"{did_you_mean(check, PRECONDITION_CHECKS)}; expected one of: {', '.join(PRECONDITION_CHECKS)}",
            )
            continue
        args_allowed = PRECONDITION_ARGS.get(check, ())
        check_keys(fields, item, f"{what}: precondition {check}", ("check", *args_allowed), ("description",), out)
        args = {k: plain(v) for k, (_, v) in fields.items() if k in args_allowed}
        if "max_seconds" in args:
            number(fields, "max_seconds", f"{what}: precondition {check}", out, maximum=MAX_LAG_SECONDS)
        description = text(fields, "description", f"{what}: precondition", out) or ""
        result.append(Precondition(check, args, description))
    return tuple(result)


def build_step(node: Node, index: int, roles: tuple[str, ...], out: Collector) -> Step | None:
    what = f"step {index}"
    fields = mapping(node, what, out)
    if fields is None:
        return None
    step_id = ident(fields, what, out)
    if step_id is not None:
        what = f"step {step_id}"
    check_keys(fields, node, what, STEP_REQUIRED, STEP_OPTIONAL, out)
    title = text(fields, "title", what, out)
    description = text(fields, "description", what, out) or ""
    minutes = number(fields, "expected_minutes", what, out, maximum=MAX_MINUTES)
    owner = text(fields, "owner", what, out)
    if owner is not None and roles and owner not in roles:
        out.add(
            fields["owner"][1],
            f"{what}: owner {owner!r} is not one of the runbook's roles{did_you_mean(owner, roles)}; "
            f"roles: {', '.join(roles)}",
        )
    kind = _kind(fields, what, out)
    for k, key in PAYLOAD.items():
        if kind is not None and key in fields and kind != k:
            out.add(fields[key][0], f"{what}: {key} belongs to kind: {k} steps, this step is kind: {kind}")
    if kind in PAYLOAD and PAYLOAD[kind] not in fields:
        out.add(node, f"{what}: a kind: {kind} step needs {PAYLOAD[kind]}")

    command = text(fields, "command", what, out) if kind == "command" else None
    action = _action(fields["action"][1], what, out) if kind == "aws" and "action" in fields else None
    http = _http(fields["http"][1], what, out) if kind == "http" and "http" in fields else None
    slack = _slack(fields["slack"][1], what, out) if kind == "slack" and "slack" in fields else None
    pre = _preconditions(fields["preconditions"][1], what, out) if "preconditions" in fields else ()

    destructive = action.spec.destructive if action is not None else False
    if "destructive" in fields:
        dnode = fields["destructive"][1]
        value = plain(dnode)
        if not isinstance(value, bool):
            out.add(dnode, f"{what}: destructive must be true or false, got {value!r}")
        elif action is not None and action.spec.destructive and not value:
            out.add(dnode, f"{what}: {action.name} is destructive; the step cannot say destructive: false")
        else:
            destructive = value
    confirm = text(fields, "confirm", what, out)
    if confirm is not None and not destructive:
        out.warn(fields["confirm"][1], f"{what}: confirm is ignored: the step is not destructive")
    if step_id is None or title is None or minutes is None or kind is None:
        return None
    return Step(
        id=step_id,
        title=title,
        kind=kind,  # type: ignore[arg-type]
        expected_seconds=minutes * 60,
        description=description,
        owner=owner,
        destructive=destructive,
        command=command,
        action=action,
        http=http,
        confirm=confirm,
        preconditions=pre,
        line=line_of(node),
        slack=slack,
    )
