"""Plain-text and JSON renderings of incidents for the headless CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nexus_tui.domain.clock import iso
from nexus_tui.domain.report import duration
from nexus_tui.engine.incidents import IncidentSummary, IncidentView


def render_list(items: Sequence[IncidentSummary]) -> str:
    if not items:
        return "no incidents"
    lines = [f"{'ID':<24} {'SEV':<5} {'STATE':<9} {'STEPS':<6} {'DECLARED (UTC)':<21} RUNBOOK"]
    for i in items:
        state = "resolved" if i.resolved_at else ("drill" if i.drill else "open")
        lines.append(
            f"{i.id:<24} {i.severity:<5} {state:<9} {f'{i.steps_done}/{i.steps_total}':<6} "
            f"{iso(i.declared_at)[:19] + 'Z':<21} {i.runbook_id}"  # type: ignore[index]
        )
    return "\n".join(lines)


def render_show(view: IncidentView) -> str:
    s, t, e = view.state, view.timers, view.escalation
    status = f"resolved {iso(s.resolved_at)}" if s.resolved else "OPEN"
    lines = [
        f"{s.id}  {s.severity}{'  DRILL' if s.drill else ''}  {status}",
        f"Runbook     {s.runbook.id}: {s.runbook.title}",
        f"IC          {s.ic} (declared {iso(s.declared_at)} by {s.declared_by})",
        f"Clock       elapsed {duration(t.elapsed_seconds)} of RTO {duration(t.rto_target_seconds)}"
        f" ({'BREACHED' if t.rto_breached else duration(t.rto_remaining_seconds) + ' left'})",
        f"Projected   finish at +{duration(t.projected_finish_seconds)} ({iso(t.projected_finish_at)})"
        + ("  EXCEEDS RTO" if t.projection_exceeds_rto else ""),
    ]
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
        who = f"{iso(st.finished_at)} {st.finished_by}" if st.finished_at else ""
        if st.reason:
            who += f" ({st.reason})"
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
    out["last_seq"] = s.last_seq
    return out
