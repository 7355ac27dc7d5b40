"""Keeps the TUI told about the shared journal: the banner while it is unreachable or offline work waits, the
automatic merge when it is back and nobody else wrote meanwhile, the IC's decision when somebody did.

Every look at the journal (a ping, the offline file, a merge) runs in a worker thread; the event loop only
renders. The check interval is injected so tests drive it with `check_now()` instead of waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App
from textual.css.query import NoMatches

from nexus_tui.engine.journal_link import Conflict, JournalLink, LinkStatus, MergeResult
from nexus_tui.ui.format import error_line
from nexus_tui.ui.screens.merge_conflict import Decision, MergeConflictScreen
from nexus_tui.ui.widgets.journal_banner import BANNER_ID, JournalBanner, banner_text

CHECK_SECONDS = 2.0


class JournalWatch:
    def __init__(
        self,
        app: App[Any],
        link: JournalLink,
        *,
        on_merged: Callable[[str], Awaitable[None]] | None = None,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.app = app
        self.link = link
        self._on_merged = on_merged
        self.check_seconds = check_seconds  # read by start(): a test sets it before the app mounts
        self.status: LinkStatus | None = None
        self.text: str | None = None
        self._conflicts: dict[str, Conflict] = {}
        self._asking: str | None = None  # the incident whose conflict modal is up
        self._lock = asyncio.Lock()
        self._again = False

    def start(self) -> None:
        self.app.set_interval(self.check_seconds, self._tick, name="journal-watch")
        loop = asyncio.get_running_loop()
        # The append that found the database gone runs in a worker thread: the banner comes up at once.
        self.link.on_offline(lambda: loop.call_soon_threadsafe(self._tick))
        self._tick()

    def _tick(self) -> None:
        if self._lock.locked():  # a look is under way (a ping can wait for a connect timeout): no pile-up,
            self._again = True  # but one more look when it ends, for what happened meanwhile
            return
        self.app.run_worker(self.check_now(), group="journal-watch", exclusive=False, exit_on_error=False)

    async def check_now(self) -> None:
        """One look: status, merge what can be merged, ask about a conflict. Overlapping calls queue up."""
        try:
            await self._check()
        finally:
            if self._again:
                self._again = False
                self._tick()

    async def _check(self) -> None:
        async with self._lock:
            try:
                status, merged, conflicts = await asyncio.to_thread(self.link.check)
            except Exception as exc:  # a damaged offline file, say: say so, keep the dashboard alive
                self.app.notify(error_line(exc), title="Offline journal", severity="error", timeout=15)
                return
            self._conflicts = {c.incident_id: c for c in conflicts}
            self._show(status)
            for result in merged:
                await self._merged(result, automatic=True)
            if conflicts and self._asking is None:
                self._ask(conflicts[0])

    def _show(self, status: LinkStatus) -> None:
        self.status = status
        self.text = banner_text(status.unreachable_since, status.pending, len(self._conflicts))
        screen = self.app.screen
        try:
            banner = screen.query_one(f"#{BANNER_ID}", JournalBanner)
        except NoMatches:
            if self.text is None:
                return
            banner = JournalBanner()
            screen.mount(banner)
        banner.show_text(self.text)

    def _ask(self, conflict: Conflict) -> None:
        self._asking = conflict.incident_id
        screen = MergeConflictScreen(conflict.incident_id, conflict.theirs, conflict.mine)
        self.app.push_screen(screen, lambda decision: self._decided(conflict.incident_id, decision))

    def _decided(self, incident_id: str, decision: Decision | None) -> None:
        self._asking = None
        if decision is None:
            self.app.notify(
                f"{incident_id}: offline events kept aside, not merged; the banner stays until you decide",
                title="Shared journal",
                severity="warning",
                timeout=8,
            )
            return
        self.app.run_worker(self._decide(incident_id, decision == "mine"), group="journal-watch", exit_on_error=False)

    async def _decide(self, incident_id: str, keep_mine: bool) -> None:
        async with self._lock:
            try:
                result = await asyncio.to_thread(self.link.decide, incident_id, keep_mine=keep_mine)
                status = await asyncio.to_thread(self.link.status)
            except Exception as exc:
                self.app.notify(error_line(exc), title="Merge failed", severity="error", timeout=15)
                return
            self._conflicts.pop(incident_id, None)
            self._show(status)
            await self._merged(result, automatic=False)

    async def _merged(self, result: MergeResult, *, automatic: bool) -> None:
        iid = result.incident_id
        if result.discarded:
            text = f"{iid}: took theirs; your {result.discarded} offline event(s) are listed in a note, not applied"
        else:
            how = "merged automatically (nobody else wrote meanwhile)" if automatic else "merged after theirs"
            text = f"{iid}: {result.merged} offline event(s) {how} into the shared journal"
        self.app.notify(text, title="Shared journal back", timeout=10)
        if self._on_merged is not None:
            await self._on_merged(iid)
