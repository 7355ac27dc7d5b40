"""The engine side of Slack: the outbox policy the incident service calls on every append, the sender running
as an asyncio task over the journal store, the debounced root `chat.update`, and the delivery state the front
ends show (per message queued / sent / retrying / failed, and "down since").

Root updates are not outbox messages: a root update carries no news of its own (it restates the current
state), so losing one to a crash loses nothing; the next change, or the restart, renders the state again.
They follow the change feed and go out at most once per DEBOUNCE_SECONDS per incident, newest state wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nexus_tui.domain.clock import Clock
from nexus_tui.domain.fold import replay
from nexus_tui.domain.incident import Event, IncidentError, IncidentState
from nexus_tui.domain.rto import compute_timers
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_delivery import DEBOUNCE_SECONDS, Debounce
from nexus_tui.domain.slack_messages import ROOT_KEY, Routing, messages_for, root_update
from nexus_tui.domain.text import printable_line
from nexus_tui.domain.transitions import Draft
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.engine.message_views import MessageView, header_line, pane_title, view_of
from nexus_tui.engine.slack_sender import CHANNEL_PREFIX, NOT_SENT, UNKNOWN, DeliveryState, FlushResult, Pacing, Sender
from nexus_tui.journal.base import JournalError, JournalStore, OutboxDraft, OutboxMessage
from nexus_tui.sources.slack.api import Permanent, SlackApi, Transient, make_api
from nexus_tui.sources.slack.settings import SlackSettings

OutboxPolicy = Callable[[IncidentState | None, Draft, str], Sequence[OutboxDraft]]


@dataclass(frozen=True, slots=True)
class SlackOutboxPolicy:
    """The policy IncidentService calls for every event about to be appended (state None for a declaration);
    its drafts go into the event's transaction, so a message exists exactly when its event does. It also
    tells the service where messages go (`routing`) and whether this process has Slack set up at all
    (`configured`), for previews such as a slack step's."""

    routing: Routing
    clock: Clock | None = None
    configured: bool = True

    def __call__(self, state: IncidentState | None, draft: Draft, incident_id: str) -> Sequence[OutboxDraft]:
        at = self.clock.now() if self.clock is not None else None
        # The event's seq: append checks expect_seq = state.last_seq, so this is the one it will get.
        next_seq = 1 if state is None else state.last_seq + 1
        specs = messages_for(state, draft.type, draft.payload, next_seq, self.routing, at)
        return [
            OutboxDraft(channel=CHANNEL_PREFIX + s.channel, key=s.key, payload=s.payload, kind=s.kind) for s in specs
        ]


def make_outbox_policy(routing: Routing, clock: Clock | None = None, *, configured: bool = True) -> SlackOutboxPolicy:
    return SlackOutboxPolicy(routing, clock, configured)


def fire_due_timers(
    store: JournalStore, settings: Settings, slack: SlackSettings, clock: Clock, *, actor: str | None = None
) -> list[Event]:
    """Journal the timer events due now in every unresolved incident (escalation stages, RTO projection, overdue
    steps), each with its messages, so a headless sender (`comms flush` from cron) announces them even when no
    TUI is open. Each fires once across every process on the journal (IncidentService.fire_timers)."""
    service = IncidentService(
        store,
        clock=clock,
        runbook_loader=_no_runbooks,
        settings=settings,
        actor=actor,
        outbox_policy=make_outbox_policy(slack.routing, clock, configured=slack.mode != "off"),
    )
    return service.fire_all_timers()  # not closed: the store is the caller's


def _no_runbooks(runbook_id: str) -> Runbook:
    raise IncidentError(f"runbook {runbook_id!r}: timers never load runbooks (incidents carry their own)")


class Comms:
    """One per process that delivers (the TUI, or a CLI command for its ~10 s). Safe alongside others on the
    same journal: messages are claimed before they are sent."""

    def __init__(
        self,
        store: JournalStore,
        settings: SlackSettings,
        *,
        clock: Clock,
        api: SlackApi | None = None,
        pacing: Pacing | None = None,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        debounce_seconds: float = DEBOUNCE_SECONDS,
        default_rto_seconds: float | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.pacing = pacing or Pacing()
        self.api = api if api is not None else make_api(settings, timeout=self.pacing.timeout)
        self.sender = (
            None
            if self.api is None
            else Sender(
                store, self.api, clock=clock, pacing=self.pacing, holder=holder, monotonic=monotonic, sleep=sleep
            )
        )
        self.debounce = Debounce(debounce_seconds)
        self.root_errors: dict[str, str] = {}
        self.root_updates = 0
        self._mono = monotonic
        self._rto = default_rto_seconds or settings.routing.default_rto_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []
        if self.sender is not None:
            self.sender.on_change(self._notify)

    @property
    def delivery(self) -> DeliveryState | None:
        return None if self.sender is None else self.sender.state

    def policy(self) -> OutboxPolicy:
        return make_outbox_policy(self.settings.routing, self.clock, configured=self.settings.mode != "off")

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Called (on the event loop) whenever a message's delivery state changes: the pane refreshes."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in self._listeners:
            # A front end that is closing must not stop delivery.
            with contextlib.suppress(Exception):
                listener()

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start delivering in the running event loop (the TUI calls this from on_mount)."""
        if self.sender is None or self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self.sender.run(), name="slack-sender"),
            asyncio.create_task(self._follow(), name="slack-follow"),
            asyncio.create_task(self._updater(), name="slack-root-updates"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self.api is not None:
            await self.api.close()

    async def _follow(self) -> None:
        async for events in self.store.follow(None):
            for ev in events:
                self.debounce.changed(ev.incident_id)
            if self.sender is not None:
                self.sender.wake()
            self._changed.set()

    async def _updater(self) -> None:
        while True:
            await self.update_roots()
            wait = self.debounce.next_due(self._mono())
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=max(wait if wait is not None else 1.0, 0.05))

    # -- root updates -------------------------------------------------------------------------------------

    def _root(self, incident_id: str) -> OutboxMessage | None:
        return next((m for m in self.store.outbox_list(incident_id) if m.key == ROOT_KEY), None)

    async def update_roots(self) -> int:
        """Send the root updates that are due now; the number sent."""
        if self.sender is None or not self.sender.api.threads:
            return 0
        sent = 0
        for incident_id in self.debounce.due(self._mono()):
            root = await asyncio.to_thread(self._root, incident_id)
            if root is None or root.status != "sent" or not root.remote_id:
                # Not posted yet: the root post itself will render the state then. Forget this change.
                self.debounce.sent(incident_id, float("-inf"))
                continue
            try:
                events = await asyncio.to_thread(self.store.events_since, incident_id, 0)
                state = replay(events)
            except (JournalError, Exception) as exc:  # a damaged incident must not stop the others
                self.root_errors[incident_id] = printable_line(str(exc), 200)
                self.debounce.sent(incident_id, self._mono())
                continue
            timers = compute_timers(state, self.clock.now(), self._rto)
            rendered = root_update(incident_id, root.payload, state, timers)
            self.debounce.sent(incident_id, self._mono())
            try:
                await self.sender.update_root(root.remote_id, rendered.text, rendered.blocks)
            except Transient:
                self.debounce.changed(incident_id)  # try again after the interval, newest state then
                continue
            except Permanent as exc:
                self.root_errors[incident_id] = str(exc)
                continue
            self.root_errors.pop(incident_id, None)
            self.root_updates += 1
            sent += 1
        return sent

    # -- headless -----------------------------------------------------------------------------------------

    async def flush(self, budget: float, *, incident_id: str | None = None) -> FlushResult:
        """Deliver what is pending, for at most `budget` seconds (CLI commands, `comms flush`)."""
        if self.sender is None:
            kept = await asyncio.to_thread(self.store.outbox_list, incident_id)
            queued = sum(1 for m in kept if m.status in ("pending", "sending"))
            return FlushResult(0, queued, sum(1 for m in kept if m.status == "failed"), "Slack not configured")
        deadline = self._mono() + budget
        sent_before = self.sender.state.sent
        task = asyncio.create_task(self.sender.run())
        try:
            while True:
                msgs = await asyncio.to_thread(self.store.outbox_list, incident_id)
                waiting = [m for m in msgs if m.status in ("pending", "sending")]
                if not waiting or self.sender.state.stopped or self._mono() >= deadline or task.done():
                    break
                await asyncio.sleep(min(0.05, max(deadline - self._mono(), 0.0)))
            # The roots, once posted, show the state as of now.
            for iid in {m.incident_id for m in msgs}:
                self.debounce.changed(iid)
            self.debounce = _undelayed(self.debounce)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.update_roots(), timeout=max(deadline - self._mono(), 1.0))
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        failed = sum(1 for m in msgs if m.status == "failed")
        counts: dict[str, int] = {}
        for m in msgs:
            counts[m.status] = counts.get(m.status, 0) + 1
        return FlushResult(
            self.sender.state.sent - sent_before, len(waiting), failed, self.sender.state.stopped, counts
        )

    # -- views and operator actions -----------------------------------------------------------------------

    def views(self, incident_id: str | None = None) -> list[MessageView]:
        now = self.clock.now()
        return [view_of(m, self.settings, now) for m in self.store.outbox_list(incident_id)]

    def header(self, incident_id: str | None = None) -> str | None:
        return header_line(self.views(incident_id), self.delivery, self.settings)

    def title(self, views: Sequence[MessageView]) -> str:
        return pane_title(views, self.delivery, self.settings)

    def retry(self, message_id: int) -> bool:
        """Put a failed message back in the queue (after fixing the channel, say)."""
        return self._settle(message_id, "pending")

    def drop(self, message_id: int) -> bool:
        return self._settle(message_id, "dropped")

    def _settle(self, message_id: int, status: str) -> bool:
        msg = next((m for m in self.store.outbox_list() if m.id == message_id), None)
        if msg is None:
            return False
        view = view_of(msg, self.settings, self.clock.now())
        if not (view.can_drop if status == "dropped" else view.can_retry):
            return False
        error = f"{NOT_SENT}: dropped by the operator" if status == "dropped" else f"{NOT_SENT}: retry requested"
        # "*": the operator acts on an unclaimed message. A message still marked "outcome unknown" keeps its
        # marker on retry, so the sender looks it up before it sends again.
        if status == "pending" and (msg.last_error or "").startswith(UNKNOWN):
            error = msg.last_error or error
        ok = self.store.outbox_update(message_id, "*", status=status, next_attempt_at=None, error=error)  # type: ignore[arg-type]
        if ok and self.sender is not None:
            self.sender.wake()
        self._notify()
        return ok


def _undelayed(debounce: Debounce) -> Debounce:
    """The same held changes, due at once: a CLI about to exit sends the final state now."""
    fresh = Debounce(debounce.interval)
    for iid in debounce.pending():
        fresh.changed(iid)
    return fresh
