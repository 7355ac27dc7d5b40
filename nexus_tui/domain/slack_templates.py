"""The fields a Slack message template may use (`${param}`, `${incident.field}`) and their values: what a
`slack` runbook step posts, filled in from the incident at the moment it is confirmed. Pure."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime

from nexus_tui.domain.incident import IncidentState


def duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = round(abs(seconds))
    sign = "-" if seconds < 0 else ""
    if s >= 3600:
        return f"{sign}{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{sign}{s // 60}m{s % 60:02d}s"
    return f"{sign}{s}s"


INCIDENT_FIELDS: tuple[str, ...] = (
    "incident.id",
    "incident.severity",
    "incident.ic",
    "incident.runbook",
    "incident.runbook_id",
    "incident.steps_done",
    "incident.steps_total",
    "incident.declared_at",
    "incident.elapsed",
    "incident.rto",
    "incident.rpo",
    "incident.rpo_target",
)


def template_names(template: str) -> list[str]:
    """Every ${name} and ${incident.field} in a template, in order."""
    return _FIELD_RE.findall(template)


def unknown_template_fields(template: str, param_names: Iterable[str]) -> list[str]:
    """Placeholders a runbook's `slack` message uses that neither a parameter nor an incident field fills:
    runbook validation reports them (file and line) instead of posting `${typo}` to stakeholders."""
    known = set(param_names) | set(INCIDENT_FIELDS)
    return sorted({name for name in template_names(template) if name not in known})


_FIELD_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def post_rto(state: IncidentState, default_rto_seconds: float = 1800.0) -> float:
    return float(state.runbook.rto_seconds) if state.runbook.rto_seconds else float(default_rto_seconds)


def template_fields(
    state: IncidentState, rto_seconds: float | None = None, now: datetime | None = None
) -> dict[str, str]:
    """The values of a template's fields (keep INCIDENT_FIELDS in step). The elapsed time runs to `now`
    (or the last event: the confirmation being appended is the moment the message speaks of)."""
    done = state.done_count
    end = state.resolved_at or now or (state.events[-1].at if state.events else state.declared_at)
    rpo, rpo_target = state.rpo_exposure_seconds, state.rpo_target_seconds
    return {
        "incident.id": state.id,
        "incident.severity": state.severity,
        "incident.ic": state.ic,
        "incident.runbook": state.runbook.title,
        "incident.runbook_id": state.runbook.id,
        "incident.steps_done": str(done),
        "incident.steps_total": str(len(state.steps)),
        "incident.declared_at": state.declared_at.strftime("%Y-%m-%d %H:%M UTC"),
        "incident.elapsed": duration((end - state.declared_at).total_seconds()),
        "incident.rto": duration(rto_seconds if rto_seconds is not None else post_rto(state)),
        "incident.rpo": duration(rpo) if rpo is not None else "not recorded",
        "incident.rpo_target": duration(rpo_target) if rpo_target is not None else "-",
        **{str(k): str(v) for k, v in state.params.items()},
    }


def render_template(
    template: str, state: IncidentState, rto_seconds: float | None = None, now: datetime | None = None
) -> str:
    """`${param}` and `${incident.field}` filled in; unknown names stay visible rather than vanish."""
    values = template_fields(state, rto_seconds, now)
    return _FIELD_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)
