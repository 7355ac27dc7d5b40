"""The post-incident report (Markdown), written from the same events the TUI showed: summary, timeline,
per-step expected vs actual, overrides, AWS request ids for CloudTrail, who confirmed what, open items."""

from __future__ import annotations

from datetime import datetime

from nexus_tui.domain.clock import iso
from nexus_tui.domain.incident import Event, IncidentState
from nexus_tui.domain.rto import Timers


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m:02d}:{sec:02d}"


def _rel(state: IncidentState, at: datetime) -> str:
    return "+" + duration((at - state.declared_at).total_seconds())


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _seconds(value: object) -> float | None:
    """A duration from a payload that may have been damaged: anything but a finite number reads as unknown."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def describe(ev: Event) -> str:
    """One line per event, for the timeline (also used by the TUI's event log)."""
    p = ev.payload
    step = p.get("step_id")
    match ev.type:
        case "declared":
            kind = "drill" if p.get("drill") else "incident"
            return f"Declared {kind} ({p.get('severity')}) with runbook {p.get('runbook_id')}, IC {p.get('ic')}"
        case "step_started":
            return f"Started step {step}"
        case "step_confirmed":
            extra = f" ({p['note']})" if p.get("note") else ""
            return f"Confirmed step {step}{extra}"
        case "step_skipped":
            return f"Skipped step {step}: {p.get('reason')}"
        case "step_failed":
            return f"Step {step} failed: {p.get('reason')}"
        case "step_undone":
            return f"Undid {str(p.get('undone_type', '')).removeprefix('step_')} of step {step} (seq {p.get('undoes')})"
        case "note":
            tag = "TODO " if p.get("todo") else ""
            on = f" [{step}]" if step else ""
            return f"{tag}Note{on}: {p.get('text')}"
        case "aws_request":
            outcome = "target reached" if p.get("reached_target") else "target not reached"
            if p.get("error"):
                outcome = f"error: {p['error']}"
            if p.get("outcome") == "unknown" and "outcome unknown" not in outcome:
                outcome = f"OUTCOME UNKNOWN: {outcome}"
            return (
                f"AWS {p.get('action')} in {p.get('region') or '-'} (request {p.get('request_id') or '-'}): {outcome}"
            )
        case "precondition_override":
            check = f" {p['check']}" if p.get("check") else ""
            return f"Overrode precondition{check} on step {step or '-'}: {p.get('reason')}"
        case "rpo_recorded":
            return f"RPO exposure recorded: {duration(p.get('exposure_seconds'))}"
        case "params_supplied":
            values = p.get("values") or {}
            return "Supplied params " + ", ".join(f"{k}={v}" for k, v in sorted(dict(values).items()))
        case "resolved":
            forced = ""
            if p.get("forced"):
                forced = f" (FORCED with {', '.join(p.get('open_steps') or [])} open: {p.get('reason')})"
            return "Resolved" + (f": {p['summary']}" if p.get("summary") else "") + forced
        case "step_claimed":
            return f"Step {step} claimed for execution by {p.get('holder')} on {p.get('host')} (pid {p.get('pid')})"
        case "escalated":
            return f"Escalation: engage {p.get('who')} ({p.get('after_minutes')} min since declaration)"
        case "rto_projection_exceeded":
            return (
                f"Projected finish {duration(_seconds(p.get('projected_seconds')))} is past the RTO target "
                f"{duration(_seconds(p.get('target_seconds')))}"
            )
        case "step_overdue":
            return (
                f"Step {step} overdue: {duration(_seconds(p.get('elapsed_seconds')))}, over twice its "
                f"{duration(_seconds(p.get('expected_seconds')))}"
            )
    return f"{ev.type} {p}"


def render_markdown(state: IncidentState, timers: Timers) -> str:
    rb = state.runbook
    out: list[str] = []
    kind = "Drill" if state.drill else "Incident"
    out.append(f"# {kind} report: {state.id}")
    out.append("")
    out.append("## Summary")
    out.append("")
    achieved = "not resolved" if not state.resolved else duration(timers.elapsed_seconds)
    verdict = ""
    if state.resolved:
        verdict = " (within target)" if not timers.rto_breached else " (**target missed**)"
    rows = [
        ("Runbook", f"{rb.title} (`{rb.id}`, sha256 {state.runbook_digest[:12]})"),
        ("Severity", state.severity),
        ("Incident commander", state.ic),
        ("Drill", "yes" if state.drill else "no"),
        ("Declared", f"{iso(state.declared_at)} by {state.declared_by}"),
        ("Resolved", f"{iso(state.resolved_at)} by {state.resolved_by}" if state.resolved else "open"),
        ("Achieved RTO", f"{achieved}{verdict}"),
        ("RTO target", duration(timers.rto_target_seconds)),
        ("Steps", f"{state.done_count}/{len(state.steps)} done or skipped"),
    ]
    if state.rpo_exposure_seconds is not None:
        target = state.rpo_target_seconds
        over = "" if target is None else (" (within target)" if state.rpo_exposure_seconds <= target else " (**over**)")
        rows.append(("RPO exposure", f"{duration(state.rpo_exposure_seconds)} vs target {duration(target)}{over}"))
    if state.params:
        rows.append(("Parameters", ", ".join(f"{k}={v}" for k, v in sorted(state.params.items()))))
    if state.resolution:
        rows.append(("Resolution", state.resolution))
    if state.resolved_forced:
        rows.append(
            (
                "Resolved with open steps",
                f"{', '.join(state.open_at_resolve)}: {state.forced_reason or '(no reason)'}",
            )
        )
    out += ["| | |", "|---|---|", *(f"| {k} | {_cell(v)} |" for k, v in rows), ""]

    out += [
        "## Steps",
        "",
        "| # | Step | Status | Expected | Actual | By | Finished (UTC) |",
        "|---|---|---|---|---|---|---|",
    ]
    for st, spec in zip(state.steps, rb.steps, strict=True):
        actual = duration(st.actual_seconds)
        if st.actual_seconds is not None and st.actual_seconds > spec.expected_seconds:
            actual += " (over)"
        by = st.finished_by or "-"
        if st.finished_identity:
            by += f" ({st.finished_identity})"
        status = st.status + (" (manual)" if st.manual else "")
        out.append(
            f"| {st.index + 1} | {_cell(spec.title)} (`{st.id}`) | {status} | {duration(spec.expected_seconds)} "
            f"| {actual} | {_cell(by)} | {iso(st.finished_at) or '-'} |"
        )
    out.append("")

    out += ["## Timeline", "", "| Seq | T+ | UTC | Who | Event |", "|---|---|---|---|---|"]
    for ev in state.events:
        who = ev.actor + (f" ({ev.aws_identity})" if ev.aws_identity else "")
        out.append(f"| {ev.seq} | {_rel(state, ev.at)} | {iso(ev.at)} | {_cell(who)} | {_cell(describe(ev))} |")
    out.append("")

    out += ["## Precondition overrides", ""]
    if state.overrides:
        out += [
            f"- {_rel(state, o.at)} {o.actor}: step `{o.step_id or '-'}` {o.check or ''} - {o.reason}"
            for o in state.overrides
        ]
    else:
        out.append("None.")
    out.append("")

    out += ["## AWS requests (for CloudTrail)", ""]
    if state.aws_requests:
        out += ["| T+ | Step | Action | Region | Request id | Target reached |", "|---|---|---|---|---|---|"]
        for r in state.aws_requests:
            reached = {True: "yes", False: "no", None: "-"}[r.reached_target]
            if r.error:
                reached += f" ({r.error})"
            out.append(
                f"| {_rel(state, r.at)} | {r.step_id or '-'} | {r.action} | {r.region or '-'} "
                f"| `{r.request_id or '-'}` | {_cell(reached)} |"
            )
    else:
        out.append("None recorded.")
    out.append("")

    out += ["## Open items", ""]
    items = [
        f"Step `{st.id}` failed: {st.reason}" if st.status == "failed" else f"Step `{st.id}` is {st.status}"
        for st in state.steps
        if st.status not in ("done", "skipped")
    ]
    items += [f"Step `{st.id}` was skipped: {st.reason}" for st in state.steps if st.status == "skipped"]
    items += [
        f"AWS {r.action} (request {r.request_id or '-'}) did not reach its target"
        for r in state.aws_requests
        if r.reached_target is False
    ]
    items += [f"TODO ({n.actor}): {n.text}" for n in state.notes if n.todo]
    if not state.resolved:
        items.append("Incident is not resolved")
    out += [f"- {i}" for i in dict.fromkeys(items)] or ["None."]
    notes = [n for n in state.notes if not n.todo]
    if notes:
        out += ["", "## Notes", ""]
        out += [f"- {_rel(state, n.at)} {n.actor}: {n.text}" for n in notes]
    out.append("")
    return "\n".join(out)
