"""The shapes every front end shares: an incident as JSON and as plain text, a step plan and its dry run as
JSON. The CLI prints them, the wall and the Slack sender read the same fields, so no front end has to import
another. User text (titles, reasons, notes) goes through printable(): it may hold escape sequences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nexus_tui.domain.clock import iso
from nexus_tui.domain.report import duration
from nexus_tui.domain.step_plan import StepPlan
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.incidents import IncidentSummary, IncidentView
from nexus_tui.engine.outcomes import ActionPreview


def render_list(items: Sequence[IncidentSummary]) -> str:
    if not items:
        return "no incidents"
    lines = [f"{'ID':<24} {'SEV':<5} {'STATE':<9} {'STEPS':<6} {'DECLARED (UTC)':<21} RUNBOOK"]
    for i in items:
        state = "resolved" if i.resolved_at else ("drill" if i.drill else "open")
        lines.append(
            f"{i.id:<24} {i.severity:<5} {state:<9} {f'{i.steps_done}/{i.steps_total}':<6} "
            f"{iso(i.declared_at)[:19] + 'Z':<21} {printable_line(i.runbook_id)}"  # type: ignore[index]
            + ("  [drill]" if i.drill and i.resolved_at else "")  # a finished drill is never read as a real one
        )
    return "\n".join(lines)


def render_show(view: IncidentView) -> str:
    s, t, e = view.state, view.timers, view.escalation
    status = f"resolved {iso(s.resolved_at)}" if s.resolved else "OPEN"
    lines = [
        f"{s.id}  {s.severity}{'  DRILL' if s.drill else ''}  {status}",
        f"Runbook     {printable_line(s.runbook.id)}: {printable_line(s.runbook.title)}",
        f"IC          {printable_line(s.ic)} (declared {iso(s.declared_at)} by {printable_line(s.declared_by)})",
        f"Clock       elapsed {duration(t.elapsed_seconds)} of RTO {duration(t.rto_target_seconds)}"
        f" ({'BREACHED' if t.rto_breached else duration(t.rto_remaining_seconds) + ' left'})",
        f"Projected   finish at +{duration(t.projected_finish_seconds)} ({iso(t.projected_finish_at)})"
        + ("  EXCEEDS RTO" if t.projection_exceeds_rto else ""),
    ]
    if s.resolved_forced:
        lines.append(
            f"Forced      resolved with {', '.join(s.open_at_resolve)} open: {printable_line(s.forced_reason or '')}"
        )
    for sid, claim in s.claims.items():
        lines.append(f"Executing   {sid} by {claim.holder} on {claim.host} since {iso(claim.at)}")
    if e.current is not None:
        nxt = f"; next {e.next.who} in {duration(e.next_in_seconds)}" if e.next else ""
        lines.append(f"Escalation  {', '.join(lv.who for lv in e.engaged)}{nxt}")
    lines.append("")
    lines.append(f"   {'#':>2} {'STEP':<28} {'STATUS':<12} {'EXPECTED':>8} {'ACTUAL':>8}  FINISHED / BY")
    for st, spec in zip(s.steps, s.runbook.steps, strict=True):
        mark = ">" if st.id == t.current_step_id else " "
        if st.id == t.current_step_id and t.step_elapsed_seconds is not None:
            actual = duration(t.step_elapsed_seconds) + ("!" if t.step_timing != "ok" else "")
        else:
            actual = duration(st.actual_seconds)
        flags = f" DESTRUCTIVE (--confirm {spec.confirm_text})" if spec.destructive else ""
        who = f"{iso(st.finished_at)} {printable_line(st.finished_by or '')}" if st.finished_at else ""
        if st.reason:
            who += f" ({printable_line(st.reason)})"
        lines.append(
            f" {mark} {st.index + 1:>2} {st.id:<28} {st.status:<12} {duration(spec.expected_seconds):>8} "
            f"{actual:>8}  {who}{flags}"
        )
    return "\n".join(lines)


def view_json(view: IncidentView, *, brief: bool = False) -> dict[str, Any]:
    s, t, e = view.state, view.timers, view.escalation
    out: dict[str, Any] = {
        "id": s.id,
        "runbook": {"id": s.runbook.id, "title": s.runbook.title, "digest": s.runbook_digest},
        "severity": s.severity,
        "ic": s.ic,
        "drill": s.drill,
        "declared_at": iso(s.declared_at),
        "declared_by": s.declared_by,
        "resolved_at": iso(s.resolved_at),
        "resolved_forced": s.resolved_forced,
        "steps_done": s.done_count,
        "steps_total": len(s.steps),
        "current_step": t.current_step_id,
        "clock": {
            "elapsed_seconds": t.elapsed_seconds,
            "rto_target_seconds": t.rto_target_seconds,
            "rto_remaining_seconds": t.rto_remaining_seconds,
            "rto_breached": t.rto_breached,
            "step_elapsed_seconds": t.step_elapsed_seconds,
            "step_expected_seconds": t.step_expected_seconds,
            "step_timing": t.step_timing,
            "projected_finish_seconds": t.projected_finish_seconds,
            "projected_finish_at": iso(t.projected_finish_at),
            "projection_exceeds_rto": t.projection_exceeds_rto,
        },
    }
    if brief:
        return out
    out["params"] = dict(s.params)
    out["steps"] = [
        {
            "id": st.id,
            "title": spec.title,
            "kind": spec.kind,
            "destructive": spec.destructive,
            "confirm": spec.confirm_text,
            "status": st.status,
            "expected_seconds": spec.expected_seconds,
            "actual_seconds": st.actual_seconds,
            "started_at": iso(st.clock_start),
            "finished_at": iso(st.finished_at),
            "finished_by": st.finished_by,
            "reason": st.reason,
            "manual": st.manual,
        }
        for st, spec in zip(s.steps, s.runbook.steps, strict=True)
    ]
    out["escalation"] = {
        "engaged": [lv.who for lv in e.engaged],
        "next": None if e.next is None else e.next.who,
        "next_at": iso(e.next_at),
    }
    out["forced_reason"] = s.forced_reason
    out["open_at_resolve"] = list(s.open_at_resolve)
    out["executing"] = [
        {"step": c.step_id, "holder": c.holder, "host": c.host, "pid": c.pid, "since": iso(c.at)}
        for c in s.claims.values()
    ]
    out["last_seq"] = s.last_seq
    return out


def plan_json(plan: StepPlan, preview: ActionPreview | None, preview_error: str | None = None) -> dict[str, Any]:
    """`incident preview --json`: what the step needs now and exactly what --execute would send."""
    out: dict[str, Any] = {
        "step": plan.step.id,
        "title": plan.step.title,
        "kind": plan.step.kind,
        "status": plan.st.status,
        "current": plan.is_current,
        "destructive": plan.destructive,
        "confirm": plan.confirm_text,
        "missing_params": list(plan.missing),
        "preconditions": [
            {
                "check": c.pre.check,
                "ok": c.result.ok,
                "detail": c.result.detail,
                "blocking": c.blocking,
                "override": None
                if c.override is None
                else {"by": c.override.actor, "reason": c.override.reason, "at": iso(c.override.at)},
            }
            for c in plan.checks
        ],
        "executing": None
        if plan.claim is None
        else {"holder": plan.claim.holder, "host": plan.claim.host, "since": iso(plan.claim.at)},
        "outcome_unknown": plan.outcome_unknown,
        "blockers": list(plan.blockers),
        "next": plan.next_action,
        "request": None,
    }
    if plan.slack is not None:
        out["slack"] = {"channel": plan.slack.channel, "text": plan.slack.text, "status": plan.slack.status}
    if preview_error:
        out["preview_error"] = preview_error
    if preview is not None:
        out["request"] = {
            "action": preview.action,
            "service": preview.service,
            "operation": preview.operation,
            "region": preview.region,
            "endpoint": preview.endpoint,
            "parameters": dict(preview.parameters),
            "target_state": preview.target_state,
            "confirm": preview.confirm_text,
            "read_only_calls": list(preview.read_only_calls),
            "notes": list(preview.notes),
            "cli": cli_lines(preview),
        }
    return out


def cli_lines(preview: ActionPreview) -> list[str]:
    """The equivalent `aws` command lines, in order (one per line of the preview's cli text)."""
    lines = getattr(preview, "cli_lines", None)
    if lines:
        return list(lines)
    return [line for line in preview.cli.splitlines() if line.strip()]


def render_plan(plan: StepPlan, preview: ActionPreview | None, preview_error: str | None = None) -> str:
    lines = [f"Step {plan.step.id}: {printable_line(plan.step.title)}  [{plan.step.kind}, {plan.st.status}]"]
    for c in plan.checks:
        mark = "ok" if c.result.ok else ("OVERRIDDEN" if c.override else ("FAIL" if c.result.ok is False else "?"))
        lines.append(f"  precondition {c.pre.check}: {mark}: {printable_line(c.result.detail)}")
    if plan.missing:
        lines.append("  needs params: " + ", ".join("${" + m + "}" for m in plan.missing))
    for b in plan.blockers:
        lines.append(f"  blocked: {printable_line(b)}")
    if plan.slack is not None:
        lines.append(f"  slack message to {plan.slack.channel or '(no channel)'} ({plan.slack.status}):")
        lines.extend(f"    {printable_line(line)}" for line in plan.slack.text.splitlines() or [""])
    if preview is not None:
        lines.append(preview.text)  # it ends with the equivalent aws CLI lines
    if preview_error:
        lines.append(f"  preview: {printable_line(preview_error)}")
    if plan.confirm_text:
        lines.append(f"  typed confirmation: --confirm {plan.confirm_text}")
    lines.append(f"  next: {plan.next_action}")
    return "\n".join(lines)
