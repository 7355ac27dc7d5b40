"""One step in full: what to do, who owns it, the command to copy, the dry-run preview of an aws step, its
preconditions judged against the live dashboard, and the progress of a running action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from nexus_tui.domain.incident import StepState
from nexus_tui.domain.runbook import Step
from nexus_tui.domain.step_plan import Check
from nexus_tui.domain.urls import mask_url
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.incident_clock import clock_text


@dataclass(frozen=True, slots=True)
class StepDetailModel:
    step: Step
    st: StepState
    total: int
    is_current: bool
    current_id: str | None
    resolved: bool
    checks: Sequence[Check] = ()  # the step plan's own, with its blocking rule
    missing: Sequence[str] = ()  # ${params} the step still needs
    preview: str | None = None  # ActionPreview.text of an aws step; channel and text of a slack step
    preview_error: str | None = None
    progress: Sequence[str] = ()
    running: bool = False
    can_execute: bool = False  # a StepRunner is wired in
    blocked: bool = False  # StepPlan.blocked, the step plan's rule


def copy_text(step: Step, preview_cli: str | None) -> str | None:
    """What `c` copies: the shell command, the equivalent aws CLI line, or a curl for an http check."""
    if step.kind == "command" and step.command:
        return step.command
    if step.kind == "aws":
        return preview_cli
    if step.kind == "http" and step.http is not None:
        return f"curl -sS -o /dev/null -w '%{{http_code}}\\n' {step.http.url}"
    return step.command


class StepDetail(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step-detail")
        self.can_focus = False

    def compose(self) -> ComposeResult:
        yield Static("", id="sd-title")
        yield Static("", id="sd-desc")
        yield Static("", id="sd-command", classes="sd-block")
        yield Static("", id="sd-checks", classes="sd-block")
        yield Static("", id="sd-progress", classes="sd-block")
        yield Static("", id="sd-keys")

    def show(self, m: StepDetailModel, p: Palette) -> None:
        step, st = m.step, m.st
        self.border_title = f"Step {st.index + 1}/{m.total} · {step.id}"
        title = Text(fmt.line(step.title), style="bold")
        if step.destructive:
            title.append("  ⚠ DESTRUCTIVE", style=p.critical)
        meta = Text(
            f"\n{step.kind} step · owner {fmt.line(step.owner) or '—'} · expected {clock_text(step.expected_seconds)}"
        )
        if st.reason:
            meta.append(f" · {st.status}: {fmt.line(st.reason)}", style=p.warning)
        if not m.is_current and not m.resolved and m.current_id is not None:
            meta.append(f"\nnot the current step: actions apply to {m.current_id}", style="dim")
        self.query_one("#sd-title", Static).update(title + meta)
        self.query_one("#sd-desc", Static).update(Text(fmt.one_line(step.description, 100_000)))
        self._show_command(m, p)
        self._show_checks(m, p)
        progress = self.query_one("#sd-progress", Static)
        progress.update(Text("\n".join(fmt.line(line) for line in m.progress[-12:])))
        progress.display = bool(m.progress)
        progress.border_title = "running…" if m.running else "last run"
        self.query_one("#sd-keys", Static).update(self._keys(m, p))

    def _show_command(self, m: StepDetailModel, p: Palette) -> None:
        block = self.query_one("#sd-command", Static)
        step = m.step
        text = Text()
        if m.missing:
            names = ", ".join("${" + n + "}" for n in m.missing)
            text.append(f"needs values for {names}: press p to supply them\n", style=p.warning)
        if step.kind == "command" and step.command:
            block.border_title = "command · c to copy"
            text.append(f"$ {fmt.block(step.command)}", style="bold")
        elif step.kind == "aws":
            block.border_title = "dry run (no AWS call yet) · c copies the aws CLI line"
            if m.preview:
                text.append(fmt.block(m.preview))
            elif m.preview_error:
                text.append(fmt.line(m.preview_error), style=p.critical)
            else:
                text.append("preparing the preview…", style="dim")
        elif step.kind == "slack":
            block.border_title = "Slack message, posted when you confirm · c to copy"
            if m.preview:
                text.append(fmt.block(m.preview))
            if m.preview_error:
                text.append(f"\n{fmt.line(m.preview_error)}", style=p.warning)
        elif step.kind == "http" and step.http is not None:
            block.border_title = "health check · c copies a curl"
            h = step.http
            text.append(f"GET {fmt.line(mask_url(h.url))}  expect HTTP {h.expected_status}", style="bold")
            text.append(f"\nevery {h.retry_interval_seconds:g} s, for up to {clock_text(step.expected_seconds)}")
        elif step.command:
            block.border_title = "c to copy"
            text.append(fmt.block(step.command), style="bold")
        block.update(text)
        block.display = bool(text.plain)

    def _show_checks(self, m: StepDetailModel, p: Palette) -> None:
        block = self.query_one("#sd-checks", Static)
        block.display = bool(m.checks)
        block.set_class(m.blocked, "-blocked")
        block.border_title = "preconditions (live)" + (" · BLOCKED: o to override" if m.blocked else "")
        text = Text()
        for i, c in enumerate(m.checks):
            if i:
                text.append("\n")
            if c.result.ok is True:
                text.append("✔ ", style=p.ok).append(c.pre.check, style="bold").append(f"  {fmt.line(c.result.detail)}")
                continue
            style = p.critical if c.result.ok is False else p.warning
            mark = "✖ " if c.result.ok is False else "? "
            detail = fmt.line(c.result.detail)
            text.append(mark, style=style).append(c.pre.check, style=style).append(f"  {detail}", style=style)
            if c.override is not None:
                who, why = fmt.line(c.override.actor), fmt.line(c.override.reason)
                text.append(f"\n   overridden by {who}: {why}", style=p.warning)
            elif c.pre.description:
                text.append(f"\n   {fmt.one_line(c.pre.description, 100_000)}", style="dim")
        block.update(text)

    @staticmethod
    def _keys(m: StepDetailModel, p: Palette) -> Text:
        if m.resolved:
            return Text("incident resolved: esc back to the dashboard", style="dim")
        if m.current_id is None:
            return Text("all steps finished: R to resolve", style=p.ok)
        if not m.is_current:
            return Text("")
        if m.running:
            return Text("running… n to add a note", style="bold")
        kind = m.step.kind
        if kind == "aws":
            go = "enter: execute (after confirmation)" if m.can_execute else "m: confirm done by hand"
            extra = " · m: done by hand" if m.can_execute else ""
        elif kind == "http":
            go = "enter: run the check" if m.can_execute else "m: confirm done by hand"
            extra = " · m: done by hand" if m.can_execute else ""
        elif kind == "slack":
            go, extra = "enter/y: post the message and confirm", ""
        else:
            go, extra = "enter/y: confirm done", ""
        text = Text(go, style="bold")
        text.append(f"{extra} · s skip · f fail · n note · u undo")
        if m.blocked:
            text.append(" · o override precondition", style=p.critical)
        return text
