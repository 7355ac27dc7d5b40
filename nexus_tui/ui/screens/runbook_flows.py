"""The runbook screen's key flows: which modal to show next, given the session's StepPlan. Every decision comes
from the plan (missing params, blocking checks, typed confirmation, claims, next action) or from the session
refusing a call; the flows only ask the operator and pass the answers on. Writes are session calls, which run
journal I/O off the event loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual import work

from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.report import describe
from nexus_tui.domain.runbook_params import runbook_placeholders, step_placeholders
from nexus_tui.domain.step_plan import StepPlan
from nexus_tui.domain.text import printable_line
from nexus_tui.engine.actions import ActionResult
from nexus_tui.engine.incidents import IncidentView
from nexus_tui.engine.session import IncidentSession
from nexus_tui.ui.format import error_line
from nexus_tui.ui.incident_port import IncidentHost
from nexus_tui.ui.min_size import SizeGuardedScreen
from nexus_tui.ui.screens.confirm import ConfirmScreen, ReasonScreen, TypedConfirmScreen
from nexus_tui.ui.screens.declare import ParamField, ParamsScreen
from nexus_tui.ui.themes import Palette


class RunbookFlows(SizeGuardedScreen[None]):
    host: IncidentHost
    palette: Palette
    running: str | None

    def plan(self, step_id: str | None = None) -> StepPlan | None:
        raise NotImplementedError  # the screen renders plans; declared here for the flows that read them

    def progress_line(self, incident_id: str, step_id: str, line: str) -> None:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------------------------

    def _open(self, *, idle: bool = False) -> tuple[IncidentSession, IncidentState] | None:
        if idle and self.running:
            self.notify(f"{self.running} is still running: wait for it to finish", severity="warning", timeout=3)
            return None
        session, state = self.host.session, self.host.state
        if session is None or state is None:
            self.notify("No incident", severity="warning")
            return None
        if state.resolved:
            self.notify(f"{state.id} is resolved", severity="warning")
            return None
        return session, state

    def _current_plan(self, *, idle: bool = True) -> tuple[IncidentSession, StepPlan] | None:
        got = self._open(idle=idle)
        if got is None:
            return None
        session, state = got
        if state.current_step is None:
            self.notify("All steps are done or skipped: press R to resolve", timeout=5)
            return None
        plan = self.plan(state.current_step.id)
        return None if plan is None else (session, plan)

    async def _write(
        self, change: Callable[..., Awaitable[IncidentView]], *args: Any, done: str | None = None, **kw: Any
    ) -> IncidentView | None:
        try:
            view = await change(*args, **kw)
        except Exception as exc:  # the engine's refusal, or a journal that cannot be written: one line either way
            self.notify(error_line(exc), severity="error", timeout=8)
            return None
        self.host.apply(view.state)
        if done:
            self.notify(done, timeout=4)
        return view

    async def _ask_params(self, session: IncidentSession, state: IncidentState, names: list[str] | None = None) -> bool:
        wanted = sorted(set(names) if names else runbook_placeholders(state.runbook) | set(state.supplied_params))
        if not wanted:
            self.notify("No open params: every ${param} has a value", timeout=4)
            return False
        used: dict[str, list[str]] = {}
        for s in state.runbook.steps:
            for n in step_placeholders(s):
                used.setdefault(n, []).append(s.id)
        fields = [
            ParamField(n, state.supplied_params.get(n, ""), tuple(used.get(n, ())), n not in state.supplied_params)
            for n in wanted
        ]
        values = await self.app.push_screen_wait(ParamsScreen(fields))
        if not values:
            return False
        return await self._write(session.supply_params, values, done="Params supplied") is not None

    async def _clear_blocks(self, session: IncidentSession, plan: StepPlan) -> bool:
        """Failing (or unknown) preconditions need an explicit, journaled override with a reason."""
        blocking = plan.blocking_checks
        if not blocking:
            return True
        body = Text(f"Step {plan.step.id} has preconditions that do not hold:\n", style="bold")
        for c in blocking:
            mark = "✖" if c.result.ok is False else "?"
            body.append(f"\n{mark} {c.pre.check}: {printable_line(c.result.detail)}", style=self.palette.critical)
            if c.pre.description:
                body.append(f"\n  {printable_line(c.pre.description)}", style="dim")
        body.append("\n\nGo ahead anyway? The override and its reason are journaled.")
        reason = await self.app.push_screen_wait(
            ReasonScreen("Override precondition", body, action_label="Override", danger=True)
        )
        if reason is None:
            return False
        try:
            names = await session.override_blocking(plan.step.id, reason, self.host.snapshot())
        except Exception as exc:
            self.notify(error_line(exc), severity="error", timeout=8)
            return False
        if session.state is not None:
            self.host.apply(session.state)
        self.notify(f"Overrode {', '.join(names)} on {plan.step.id}", severity="warning")
        return True

    async def _typed(self, step_id: str, body: str | Text, expected: str, label: str) -> str | None:
        return await self.app.push_screen_wait(
            TypedConfirmScreen(f"{label}: {step_id}", body, expected, action_label=label)
        )

    # -- step flows -----------------------------------------------------------------------------------------

    def action_advance(self) -> None:
        self._advance(manual=False)

    def action_by_hand(self) -> None:
        self._advance(manual=True)

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _advance(self, manual: bool) -> None:
        got = self._current_plan()
        if got is None:
            return
        session, plan = got
        if plan.next_action == "wait" and plan.claim is not None:
            c = plan.claim
            self.notify(f"{plan.step.id} is being executed by {c.holder} on {c.host}", severity="warning")
            return
        if plan.next_action == "recheck" and not manual:
            await self._recheck(session, plan)
            return
        if plan.missing:
            if not await self._ask_params(session, session.state or self.host.state, list(plan.missing)):  # type: ignore[arg-type]
                return
            fresh = self.plan(plan.step.id)
            if fresh is None or fresh.missing:
                return
            plan = fresh
        if not await self._clear_blocks(session, plan):
            return
        if plan.step.kind in ("aws", "http") and not manual:
            await self._execute(session, plan)
        else:
            await self._confirm(session, plan, manual=manual and plan.step.kind in ("aws", "http"))

    async def _confirm(self, session: IncidentSession, plan: StepPlan, *, manual: bool) -> None:
        typed: str | None = None
        step = plan.step
        if plan.slack is not None and not await self._confirm_post(plan):
            return
        if plan.confirm_text is not None:
            body = Text(f"{printable_line(step.title)}\n\n", style="bold")
            body.append(printable_line(step.description) if step.description else "")
            if manual:
                body.append("\n\nConfirm that this was carried out outside nexus-tui.")
            typed = await self._typed(step.id, body, plan.confirm_text, "Confirm")
            if typed is None:
                return
        await self._write(
            session.confirm,
            step.id,
            typed,
            manual=manual,
            snapshot=self.host.snapshot(),
            done=f"✔ {step.id} done" + (" (by hand)" if manual else ""),
        )

    async def _confirm_post(self, plan: StepPlan) -> bool:
        """A slack step: the message exactly as it will be posted, and where, before it goes to the outbox."""
        post = plan.slack
        if post is None:
            return True
        body = Text(f"{printable_line(plan.step.title)}\n\n", style="bold")
        body.append(f"to {printable_line(post.channel or '(no channel)')}\n", style="bold")
        body.append(post.text)
        body.append(f"\n\n{printable_line(post.status)}", style="dim")
        label = "Post and confirm" if post.status == "posted on confirm" else "Confirm"
        ok = await self.app.push_screen_wait(ConfirmScreen(f"Slack: {plan.step.id}", body, action_label=label))
        return bool(ok)

    async def _execute(self, session: IncidentSession, plan: StepPlan) -> None:
        step = plan.step
        if self.host.executor is None:
            self.notify(
                f"{step.id} is an {step.kind} step and this session cannot run it: do it by hand, then press m",
                severity="warning",
                timeout=8,
            )
            return
        confirmation: str | None = ""
        if step.kind == "aws":
            try:
                preview = await session.preview(step.id)
            except Exception as exc:
                self.notify(error_line(exc), severity="error", timeout=8)
                return
            if preview is None:
                return
            if preview.confirm_text:
                confirmation = await self._typed(step.id, preview.text, preview.confirm_text, "Execute")
            else:
                ok = await self.app.push_screen_wait(ConfirmScreen(f"Execute: {step.id}", preview.text))
                confirmation = "" if ok else None
        if confirmation is not None:
            self._run(session, step.id, confirmation)

    @work(exclusive=True, group="step-run", exit_on_error=False)
    async def _run(self, session: IncidentSession, step_id: str, confirmation: str) -> None:
        iid = session.id
        self.running = step_id
        self.progress_line(iid, step_id, "starting")
        try:
            result = await session.execute(
                step_id,
                confirmation,
                lambda line: self.progress_line(iid, step_id, line),
                snapshot=self.host.snapshot(),
            )
        except Exception as exc:  # refused before anything was sent, or something unexpected: one line
            self.progress_line(iid, step_id, f"refused: {error_line(exc)}")
            self.notify(error_line(exc), severity="error", timeout=10)
        else:
            ok = result.ok
            if isinstance(result, ActionResult):
                rid = f" (request id {result.request_id})" if result.request_id else ""
                line = f"done: {result.action} reached {result.target_state}{rid}" if ok else f"failed: {result.error}"
            else:
                line = result.summary
            self.progress_line(iid, step_id, line)
            self.notify(line, severity="information" if ok else "error", timeout=10 if ok else 12)
        finally:
            self.running = None
            if session.state is not None:
                self.host.apply(session.state)
            self.host.rediscover()

    async def _recheck(self, session: IncidentSession, plan: StepPlan) -> None:
        """An AWS call whose answer was lost: look at the resource instead of sending it again."""
        view = await self._write(session.recheck, plan.step.id)
        if view is not None:
            st = view.state.step_state(plan.step.id)
            self.notify(f"{plan.step.id}: re-check says {'done' if st.status == 'done' else 'not done'}", timeout=8)
            return
        reason = await self.app.push_screen_wait(
            ReasonScreen(
                f"Outcome unknown: {plan.step.id}",
                Text(
                    "The last call was sent and its answer was lost. Look at the resource.\n\n"
                    "If it took effect, cancel and press m (done by hand).\n"
                    "If it did not, say how you know: the step may then be executed again."
                ),
                action_label="Not done",
            )
        )
        if reason is not None:
            await self._write(session.recheck, plan.step.id, verdict=False, reason=reason, done="Marked not done")

    # -- reasons, notes, undo, override, params, resolve ----------------------------------------------------

    def action_skip(self) -> None:
        self._reasoned("skip")

    def action_fail(self) -> None:
        self._reasoned("fail")

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _reasoned(self, what: str) -> None:
        got = self._current_plan()
        if got is None:
            return
        session, plan = got
        verb = "Skip" if what == "skip" else "Fail"
        reason = await self.app.push_screen_wait(
            ReasonScreen(
                f"{verb} step {plan.step.id}",
                Text(f"{printable_line(plan.step.title)}\n\nWhy? (required, journaled)"),
                action_label=verb,
            )
        )
        if reason is None:
            return
        if what == "skip":
            await self._write(session.skip, plan.step.id, reason, done=f"↷ {plan.step.id} skipped")
        else:
            await self._write(session.fail, plan.step.id, reason, done=f"✖ {plan.step.id} failed")

    def action_note(self) -> None:
        self._note()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _note(self) -> None:
        session, plan = self.host.session, self.plan()
        if session is None:
            return
        on = f" on step {plan.step.id}" if plan is not None else ""
        text = await self.app.push_screen_wait(
            ReasonScreen(f"Note{on}", "Journaled with the time and your name. Start with 'todo' to make it a TODO.")
        )
        if text is not None:
            await self._write(session.note, text, step_id=None if plan is None else plan.step.id, done="Note added")

    def action_undo(self) -> None:
        self._undo()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _undo(self) -> None:
        got = self._open()
        if got is not None:
            view = await self._write(got[0].undo)
            if view is not None:
                self.notify(describe(view.state.events[-1]), severity="warning", timeout=6)

    def action_override(self) -> None:
        self._override()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _override(self) -> None:
        got = self._current_plan(idle=False)
        if got is None:
            return
        session, plan = got
        if not plan.blocked:
            sid = plan.step.id
            held = f"the preconditions of {sid} hold or are overridden"
            why = f"{sid} is under way or finished" if plan.blocking_checks else held
            self.notify(f"Nothing to override: {why}", timeout=4)
            return
        await self._clear_blocks(session, plan)

    def action_params(self) -> None:
        self._params()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _params(self) -> None:
        got = self._open()
        if got is not None:
            await self._ask_params(*got)

    def action_resolve(self) -> None:
        self._resolve()

    @work(exclusive=True, group="step-flow", exit_on_error=False)
    async def _resolve(self) -> None:
        got = self._open()
        if got is None:
            return
        session, state = got
        session.state = state
        check = session.can_resolve()
        if check.executing:
            self.notify(f"Cannot resolve yet: {check.message}", severity="error", timeout=6)
            return
        force, reason = False, None
        if not check.ok:
            reason = await self.app.push_screen_wait(
                ReasonScreen(
                    f"Resolve {state.id} with open steps?",
                    Text(f"{check.message}.\n\nResolve anyway? Why (required; journaled and in the report):"),
                    action_label="Resolve anyway",
                    danger=True,
                )
            )
            if reason is None:
                return
            force = True
        summary = await self.app.push_screen_wait(
            ReasonScreen(
                f"Resolve {state.id}", "Summary for the report (optional).", required=False, action_label="Resolve"
            )
        )
        if summary is None:
            return
        await self._write(session.resolve, summary or None, force=force, reason=reason, done=f"{state.id} resolved")
