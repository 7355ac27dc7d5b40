"""What `nexus-tui validate` reports: every issue as `file:line: message`, then one summary line."""

from __future__ import annotations

from nexus_tui.domain.text import printable_line
from nexus_tui.runbook.library import Library


def report_lines(library: Library) -> list[str]:
    """Every line is printable: file names and messages quote the user's text (titles, ids, values)."""
    lines = [printable_line(str(issue)) for issue in library.issues]
    errors, warnings = len(library.errors), len(library.warnings)
    files = len(library.files)
    verdict = "ok" if not errors and files else "FAILED"
    if not files:
        lines.append("no runbook files (*.yaml, *.yml) found")
    lines.append(
        f"{verdict}: {files} runbook file{'s' if files != 1 else ''} checked, {len(library.runbooks)} "
        f"runbook{'s' if len(library.runbooks) != 1 else ''} valid, {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    return lines


def exit_code(library: Library) -> int:
    """0 clean (warnings allowed), 1 problems found (including no runbook file at all)."""
    return 1 if library.errors or not library.files else 0
