"""What Slack hears about an incident, as plain data: which messages an event produces, where they go, and how
they read (Block Kit plus the plain-text fallback Slack shows in notifications).

Pure: the engine wraps `messages_for` into the journal's outbox policy and the sender renders a message's
payload with `render` when it delivers it (only then is the incident id and the root's thread known). The
root message is rendered from facts captured at declaration; its later `chat.update`s are rendered from the
current state by `root_update`, at most one per 5 s per incident (see slack_delivery.Debounce).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.rto import Timers
from nexus_tui.domain.runbook import SlackPost
from nexus_tui.domain.slack_templates import duration as _duration
from nexus_tui.domain.slack_templates import post_rto, render_template
from nexus_tui.domain.text import printable, printable_line

ROOT_KEY = "root"
DRILL_PREFIX = "[DRILL] "
_TEXT_LIMIT = 2900  # a section block's text is capped at 3000 characters


@dataclass(frozen=True, slots=True)
class Routing:
    """Where messages go. None means "nowhere": a drill without a drill channel is not posted unless
    `drill_in_production` says so explicitly (a drill must never alarm the production channel)."""

    channel: str | None = "#incident-response"
    stakeholder_channel: str | None = None
    drill_channel: str | None = None
    drill_in_production: bool = False
    mention: str | None = None  # who escalations ping, e.g. "<!subteam^S0123>"
    default_rto_seconds: float = 1800.0

    def incident_channel(self, drill: bool) -> str | None:
        if not drill:
            return self.channel
        if self.drill_channel:
            return self.drill_channel
        return self.channel if self.drill_in_production else None

    def stakeholders(self, drill: bool) -> str | None:
        if drill:
            # Stakeholders of a drill are the drill channel's readers; never the real stakeholder channel.
            return self.incident_channel(True)
        return self.stakeholder_channel or self.channel


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """An outbox message before the journal stores it. channel "" means unroutable: the sender drops it
    with `payload["unroutable"]` as the reason, so the comms pane still shows it was not sent and why."""

    key: str
    channel: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "post"


def _clean(text: Any, limit: int = 500) -> str:
    return printable_line(str(text), limit)


def _unroutable(drill: bool) -> str:
    if drill:
        return "drill with no drill channel: set [slack] drill_channel (or drill_in_production = true)"
    return "no Slack channel configured: set [slack] channel"


def _spec(key: str, channel: str | None, payload: dict[str, Any], drill: bool, kind: str = "post") -> MessageSpec:
    body = {**payload, "drill": drill}
    if channel is None:
        body["unroutable"] = _unroutable(drill)
    return MessageSpec(key=key, channel=channel or "", payload=body, kind=kind)


def _step_label(state: IncidentState, step_id: Any) -> str:
    try:
        idx = state.runbook.index_of(str(step_id))
    except ValueError:
        return f"step {_clean(step_id, 80)}"
    step = state.runbook.steps[idx]
    return f"Step {idx + 1}/{len(state.runbook.steps)} {_clean(step.title, 120)}"


def root_facts(payload: Mapping[str, Any], routing: Routing) -> dict[str, Any]:
    """What the root message says, from the declaration's payload (the state does not exist yet)."""
    runbook = payload.get("runbook") or {}
    rto = runbook.get("rto_seconds") if isinstance(runbook, Mapping) else None
    steps = runbook.get("steps", []) if isinstance(runbook, Mapping) else []
    return {
        "severity": str(payload.get("severity", "")),
        "runbook_id": str(payload.get("runbook_id", "")),
        "runbook_title": str(runbook.get("title", "")) if isinstance(runbook, Mapping) else "",
        "ic": str(payload.get("ic", "")),
        "rto_seconds": float(rto) if rto else routing.default_rto_seconds,
        "steps": len(steps) if isinstance(steps, list) else 0,
    }


def messages_for(
    state: IncidentState | None,
    event_type: str,
    payload: Mapping[str, Any],
    seq: int,
    routing: Routing,
    at: datetime | None = None,
) -> list[MessageSpec]:
    """The messages an event about to be appended as `seq` produces. `state` is the incident before the
    event (None for the declaration). Keys are unique per incident: the event's seq makes them so."""
    if event_type == "declared":
        drill = bool(payload.get("drill", False))
        facts = root_facts(payload, routing)
        return [_spec(ROOT_KEY, routing.incident_channel(drill), {"role": "root", "facts": facts}, drill)]
    if state is None:
        return []
    drill = state.drill
    channel = routing.incident_channel(drill)
    text = thread_text(state, event_type, payload, at, routing.mention)
    out: list[MessageSpec] = []
    if text is not None:
        body: dict[str, Any] = {"role": "thread", "event": event_type, "text": text}
        if event_type == "resolved":
            body["anchor"] = True  # the sender adds the journal's head hash when it delivers
        out.append(_spec(f"ev:{seq}", channel, body, drill))
    post = _slack_post(state, payload.get("step_id")) if event_type == "step_confirmed" else None
    if post is not None:
        text = render_template(post.message, state, post_rto(state, routing.default_rto_seconds), at)
        body = {"role": "top", "event": event_type, "text": text}
        out.append(_spec(f"stakeholders:{seq}", slack_step_channel(post, routing, drill), body, drill))
    return out


def thread_text(
    state: IncidentState,
    event_type: str,
    p: Mapping[str, Any],
    at: datetime | None = None,
    mention: str | None = None,
) -> str | None:
    """One line (mrkdwn) for the incident's thread, or None when the event is not news to responders."""
    step = _step_label(state, p.get("step_id")) if p.get("step_id") is not None else None
    if event_type == "step_started":
        return f":arrow_forward: {step} started"
    if event_type == "step_confirmed":
        manual = " (done by hand)" if p.get("manual") else ""
        return f":white_check_mark: {step} done{manual}"
    if event_type == "step_skipped":
        return f":fast_forward: {step} skipped: {_clean(p.get('reason', ''))}"
    if event_type == "step_failed":
        return f":x: {step} failed: {_clean(p.get('reason', ''))}"
    if event_type == "step_undone":
        return f":leftwards_arrow_with_hook: undone: seq {_clean(p.get('undoes', '?'), 20)}"
    if event_type == "aws_request":
        return _aws_text(p, step)
    if event_type == "precondition_override":
        check = _clean(p.get("check") or "all checks", 80)
        where = f" on {step}" if step else ""
        return f":warning: precondition override{where} ({check}): {_clean(p.get('reason', ''))}"
    if event_type == "note":
        if not p.get("share"):
            return None
        where = f" ({step})" if step else ""
        return f":memo: note{where}: {_clean(p.get('text', ''), 1500)}"
    if event_type == "params_supplied":
        values = p.get("values")
        names = ", ".join(sorted(str(k) for k in values)) if isinstance(values, Mapping) else "?"
        # Names only: a parameter's value is not the channel's business and could be sensitive.
        return f":pencil2: parameters supplied: {_clean(names, 300)}"
    if event_type == "rpo_recorded":
        exp, tgt = p.get("exposure_seconds"), p.get("target_seconds")
        return f":hourglass: RPO exposure {_duration(_num(exp))} (target {_duration(_num(tgt))})"
    if event_type == "resolved":
        return _resolved_text(state, p, at)
    return _timed_text(state, event_type, p, step, mention)


def _timed_text(
    state: IncidentState, event_type: str, p: Mapping[str, Any], step: str | None, mention: str | None
) -> str | None:
    """Time-driven news, posted when the engine journals it (the journal is what the outbox follows)."""
    if event_type == "escalated":
        ping = f" {mention}" if mention else ""
        return f":rotating_light: escalation: engage {_clean(p.get('who', '?'), 80)} now{ping}"
    if event_type == "rto_projection_exceeded":
        projected, target = _num(p.get("projected_seconds")), _num(p.get("target_seconds"))
        return f":warning: projected finish {_duration(projected)} is past the RTO target {_duration(target)}"
    if event_type == "step_overdue":
        elapsed, expected = _num(p.get("elapsed_seconds")), _num(p.get("expected_seconds"))
        return f":hourglass_flowing_sand: {step} has run {_duration(elapsed)}, over twice its {_duration(expected)}"
    return None


def _num(value: Any) -> float | None:
    try:
        number = None if value is None else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _aws_text(p: Mapping[str, Any], step: str | None) -> str:
    outcome = str(p.get("outcome") or ("done" if p.get("executed", True) and not p.get("error") else "failed"))
    icon = {"done": ":white_check_mark:", "failed": ":x:", "unknown": ":question:", "not_sent": ":no_entry:"}
    parts = [f"{icon.get(outcome, ':grey_question:')} AWS {_clean(p.get('action', '?'), 80)}"]
    if p.get("region"):
        parts.append(f"in {_clean(p['region'], 30)}")
    parts.append(f"· outcome {_clean(outcome, 20)}")
    if p.get("request_id"):
        parts.append(f"· request id `{_clean(p['request_id'], 80)}`")
    if p.get("error"):
        parts.append(f"· {_clean(p['error'], 300)}")
    if step:
        parts.append(f"({step})")
    return " ".join(parts)


def _resolved_text(state: IncidentState, p: Mapping[str, Any], at: datetime | None) -> str:
    rto = state.runbook.rto_seconds
    elapsed = None if at is None else (at - state.declared_at).total_seconds()
    summary = _clean(p.get("summary") or "", 800)
    text = f":checkered_flag: resolved: {summary}" if summary else ":checkered_flag: resolved"
    if p.get("forced"):
        text += f" (forced: {_clean(p.get('reason', ''))})"
    if elapsed is not None and rto:
        verdict = "met" if elapsed <= rto else "missed"
        text += f" · RTO {_duration(elapsed)} vs target {_duration(rto)} ({verdict})"
    return text


def _slack_post(state: IncidentState, step_id: Any) -> SlackPost | None:
    try:
        step = state.runbook.step(str(step_id))
    except KeyError:
        return None
    return step.slack if step.kind == "slack" or step.slack is not None else None


def slack_step_channel(post: SlackPost, routing: Routing, drill: bool) -> str | None:
    """Where a `slack` step posts. A drill goes to the drill channel whatever the step names: a drill must never
    reach real stakeholders (None: nowhere, the message is kept as unroutable)."""
    if drill:
        return routing.stakeholders(True)
    if post.channel == "stakeholder":
        return routing.stakeholders(False)
    if post.channel == "incident":
        return routing.incident_channel(False)
    return post.channel


@dataclass(frozen=True, slots=True)
class SlackPreview:
    """What a `slack` step will post on confirm: shown before the operator confirms it."""

    channel: str | None  # None: nowhere (a drill without a drill channel)
    text: str  # as Slack will show it, [DRILL] prefix included
    status: str  # "posted on confirm", or why it will not be sent

    @property
    def line(self) -> str:
        return f"{self.channel or '(no channel)'}: {self.text}"


def preview_slack_step(
    state: IncidentState, step_id: str, routing: Routing, *, configured: bool = True, now: datetime | None = None
) -> SlackPreview | None:
    """The preview of a `slack` step (None for other steps). `configured` False: Slack is not set up in this
    process, so the message is kept in the outbox and shown as not sent."""
    post = _slack_post(state, step_id)
    if post is None:
        return None
    text = render_template(post.message, state, post_rto(state, routing.default_rto_seconds), now)
    channel = slack_step_channel(post, routing, state.drill)
    if not configured:
        status = "not sent: Slack not configured"
    elif channel is None:
        status = f"not sent: {_unroutable(state.drill)}"
    else:
        status = "posted on confirm"
    return SlackPreview(channel, _prefix(state.drill) + text, status)


# -- rendering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # the plain-text fallback (notifications, screen readers, clients without blocks)
    blocks: list[dict[str, Any]]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_TEXT_LIMIT]}}


def _prefix(drill: bool) -> str:
    return DRILL_PREFIX if drill else ""


def render(incident_id: str, payload: Mapping[str, Any], *, status: str | None = None, extra: str = "") -> Rendered:
    """A stored outbox payload as Slack text + blocks. `status` replaces the root's status line (updates);
    `extra` is appended (the head hash on resolve)."""
    drill = payload.get("drill") is True
    if payload.get("role") == "root":
        facts = payload.get("facts")
        facts = facts if isinstance(facts, Mapping) else {}
        return render_root(incident_id, facts, drill, status or "declared, no step started")
    # Written by this program, but read back from a file that may have been damaged or edited.
    body = printable(str(payload.get("text", "")))[:_TEXT_LIMIT]
    text = _prefix(drill) + body + (f"\n{extra}" if extra else "")
    return Rendered(text=f"{incident_id}: {text}", blocks=[_section(text)])


def render_root(incident_id: str, facts: Mapping[str, Any], drill: bool, status: str) -> Rendered:
    sev = _clean(facts.get("severity", ""), 10)
    title = _clean(facts.get("runbook_title") or facts.get("runbook_id", ""), 120)
    head = f"{_prefix(drill)}{sev} {incident_id}: {title}"
    rpo = facts.get("rpo_exposure_seconds")
    lines = [
        f"*Runbook* `{_clean(facts.get('runbook_id', ''), 80)}` · *IC* {_clean(facts.get('ic', ''), 60)}",
        f"*RTO target* {_duration(_num(facts.get('rto_seconds')))}"
        + (
            f" · *RPO target* {_duration(_num(facts.get('rpo_target_seconds')))}"
            if facts.get("rpo_target_seconds")
            else ""
        )
        + (f" · *RPO exposure* {_duration(_num(rpo))}" if rpo is not None else ""),
        f"*Status* {_clean(status, 400)}",
    ]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": head[:150]}},
        _section("\n".join(lines)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Updates in the thread :thread:"}]},
    ]
    return Rendered(text=f"{head} · {status}", blocks=blocks)


def status_line(state: IncidentState, timers: Timers) -> str:
    """The root's status: step N of M, elapsed / RTO, projected finish, last event."""
    total = len(state.steps)
    last = state.events[-1].type.replace("_", " ") if state.events else "declared"
    if state.resolved:
        verdict = "met" if not timers.rto_breached else "missed"
        return (
            f"resolved after {_duration(timers.elapsed_seconds)} (RTO {_duration(timers.rto_target_seconds)}: "
            f"{verdict}) · {state.done_count}/{total} steps done"
        )
    cur = state.current_index
    step = f"step {cur + 1} of {total}" if cur is not None else f"all {total} steps done"
    over = " (over RTO)" if timers.projection_exceeds_rto else ""
    return (
        f"{step} · elapsed {_duration(timers.elapsed_seconds)} / RTO {_duration(timers.rto_target_seconds)} · "
        f"projected finish {_duration(timers.projected_finish_seconds)}{over} · last: {last}"
    )


def root_update(incident_id: str, root_payload: Mapping[str, Any], state: IncidentState, timers: Timers) -> Rendered:
    facts = dict(root_payload.get("facts") or {})
    if state.rpo_exposure_seconds is not None:
        facts["rpo_exposure_seconds"] = state.rpo_exposure_seconds
    if state.rpo_target_seconds is not None:
        facts["rpo_target_seconds"] = state.rpo_target_seconds
    return render_root(incident_id, facts, state.drill, status_line(state, timers))
