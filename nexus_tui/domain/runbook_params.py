"""${name} placeholders of a runbook: which ones a step still needs, and substituting declare-time values.

A runbook declares its params with defaults (the seed's resource names). A param declared without a default
(`name: null` in YAML) is not in Runbook.params: its placeholder stays in the steps until someone supplies a
value (a restore time, an object version), so the engine asks for it before the step that needs it runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace

from nexus_tui.domain.runbook import AwsAction, HttpCheck, Precondition, Runbook, Step, placeholders, substitute


class ParamError(ValueError):
    """An override names a param the runbook does not have; str() is the one line shown to the user."""


def step_placeholders(step: Step) -> set[str]:
    """Params a step still refers to. Non-empty after resolve_params means the step cannot run yet."""
    values: list[object] = [step.title, step.description, step.command, step.confirm]
    if step.slack is not None:
        values.append(step.slack.message)  # ${incident.field} names are not params: the regex skips them
    if step.action is not None:
        values += [step.action.region, dict(step.action.params)]
    if step.http is not None:
        values.append(step.http.url)
    for p in step.preconditions:
        values += [dict(p.args), p.description]
    return placeholders(values)


def runbook_placeholders(runbook: Runbook) -> set[str]:
    found = placeholders([runbook.title, runbook.description, runbook.trigger])
    for step in runbook.steps:
        found |= step_placeholders(step)
    return found


def _sub_step(step: Step, params: Mapping[str, str]) -> Step:
    def s(value: str | None) -> str | None:
        return None if value is None else substitute(value, params)

    action = step.action
    if action is not None:
        action = AwsAction(action.name, s(action.region), substitute(dict(action.params), params))
    http = step.http
    if http is not None:
        http = HttpCheck(
            substitute(http.url, params), http.expected_status, http.timeout_seconds, http.retry_interval_seconds
        )
    slack = step.slack
    if slack is not None:
        slack = replace(slack, message=substitute(slack.message, params))
    return replace(
        step,
        slack=slack,
        title=substitute(step.title, params),
        description=substitute(step.description, params),
        command=s(step.command),
        confirm=s(step.confirm),
        action=action,
        http=http,
        preconditions=tuple(
            Precondition(p.check, substitute(dict(p.args), params), substitute(p.description, params))
            for p in step.preconditions
        ),
    )


def resolve_params(runbook: Runbook, overrides: Mapping[str, str]) -> Runbook:
    """The runbook with its defaults and `overrides` substituted; Runbook.params holds the values used.

    Raises ParamError for an override the runbook neither declares nor refers to (a typo would otherwise
    silently run against the default resource)."""
    known = set(runbook.params) | runbook_placeholders(runbook)
    for name in overrides:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParamError(
                f"runbook {runbook.id} has no param {name!r} (params: {', '.join(sorted(known)) or 'none'}){hint}"
            )
    values = {**runbook.params, **{k: str(v) for k, v in overrides.items()}}
    return replace(
        runbook,
        title=substitute(runbook.title, values),
        trigger=substitute(runbook.trigger, values),
        description=substitute(runbook.description, values),
        params=values,
        steps=tuple(_sub_step(st, values) for st in runbook.steps),
    )
