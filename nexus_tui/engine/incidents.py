"""The incident service: the one place that wires the runbook loader, the domain rules and the journal store.
Its calls are synchronous and may block on the store; front ends reach it through IncidentSession
(engine/session.py), which runs them off the event loop.

Every change is read-check-append: replay the incident, ask the domain whether the request is allowed, then
append with the seq it was checked against. If another process appended in between, the journal refuses
(SeqConflict) and the request is re-checked against the fresh state, so two operators can never both
confirm the same step."""

from __future__ import annotations

import builtins
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.clock import Clock
from nexus_tui.domain.escalation import escalation_at
from nexus_tui.domain.fold import Replayer
from nexus_tui.domain.incident import Event, IncidentError, IncidentState
from nexus_tui.domain.report import render_markdown
from nexus_tui.domain.rto import compute_timers
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.runbook_params import ParamError, resolve_params
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import Routing
from nexus_tui.domain.timer_events import due_timer_events
from nexus_tui.engine.incident_types import (
    IncidentSummary,
    IncidentView,
    current_user,
    random_incident_id,
    run_sync,
    summarize,
)
from nexus_tui.journal.base import JournalStore, OutboxDraft, Position, SeqConflict, VerifyResult

ParamResolver = Callable[[Runbook, Mapping[str, str]], Runbook]
# Which messages (Slack) an event about to be appended produces; they are written in the same transaction.
OutboxPolicy = Callable[[IncidentState | None, tr.Draft, str], Sequence[OutboxDraft]]
IdFactory = Callable[[datetime], str]
_RETRIES = 5
T = TypeVar("T")
__all__ = ["IdFactory", "IncidentService", "IncidentSummary", "IncidentView", "current_user"]


class IncidentService:
    def __init__(
        self,
        store: JournalStore,
        *,
        clock: Clock,
        runbook_loader: Callable[[str], Runbook],
        identity: Callable[[], Awaitable[str | None]] | None = None,
        settings: Settings,
        actor: str | None = None,
        param_resolver: ParamResolver | None = None,
        undo_grace_seconds: float = tr.UNDO_GRACE_SECONDS,
        id_factory: IdFactory | None = None,
        outbox_policy: OutboxPolicy | None = None,
    ) -> None:
        self.journal = store
        self.id_factory = id_factory or random_incident_id
        self.outbox_policy = outbox_policy
        self.clock = clock
        self.settings = settings
        self.actor = actor or current_user()
        self.undo_grace_seconds = undo_grace_seconds
        self._loader = runbook_loader
        # `nexus-tui drill SCENARIO`: drills declared from the TUI name the scenario they rehearse.
        self.drill_scenario: str | None = None
        self._identity = identity
        self._identity_known = identity is None
        self._arn: str | None = None
        self._resolve = param_resolver or resolve_params
        # One incremental fold per incident: each read fetches only the events appended since the last one.
        self._folds: dict[str, Replayer] = {}
        # The folds are mutable; the TUI may call from more than one worker thread.
        self._lock = threading.RLock()

    def close(self) -> None:
        self.journal.close()

    @property
    def slack_routing(self) -> Routing | None:
        """Where this service's Slack messages go, for previews; None when Slack is not configured here.
        Read from the outbox policy (engine.comms.SlackOutboxPolicy carries `routing` and `configured`)."""
        policy = self.outbox_policy
        if policy is None or not getattr(policy, "configured", False):
            return None
        routing = getattr(policy, "routing", None)
        return routing if isinstance(routing, Routing) else None

    def runbook(self, runbook_id: str) -> Runbook:
        """The runbook as a declaration would use it (the loader may fill parameter defaults)."""
        return self._loader(runbook_id)

    def __enter__(self) -> IncidentService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity -----------------------------------------------------------------------------------------

    def aws_identity(self) -> str | None:
        """Asked once per service, on the first write: STS is a network call and the ARN does not change."""
        if not self._identity_known and self._identity is not None:
            self._identity_known = True
            self._arn = run_sync(self._identity)
        return self._arn

    # -- reading ------------------------------------------------------------------------------------------

    def state(self, incident_id: str) -> IncidentState:
        with self._lock:
            return self._fold(incident_id).state()

    def _fold(self, incident_id: str) -> Replayer:
        fold = self._folds.get(incident_id)
        try:
            if fold is None:
                events = self.journal.events_since(incident_id, 0)
                if not events:
                    raise IncidentError(f"no incident {incident_id!r} in {self.journal.location}")
                fold = Replayer(events[0])
                fold.feed(events[1:])
                self._folds[incident_id] = fold
            else:
                fold.feed(self.journal.events_since(incident_id, fold.last_seq))
        except IncidentError:
            # A fold that stopped half way through an event is not kept: the next read would skip that event.
            self._folds.pop(incident_id, None)
            raise
        return fold

    def renumbering(self, incident_id: str, change: Callable[[], T]) -> T:
        """Run `change`, which renumbers the incident's events (an offline episode merged back after what others
        wrote meanwhile), with reads held off, then drop the cached fold so the next read folds it afresh."""
        with self._lock:
            try:
                return change()
            finally:
                self._folds.pop(incident_id, None)

    def view(self, state: IncidentState) -> IncidentView:
        now = self.clock.now()
        return IncidentView(
            state=state,
            timers=compute_timers(state, now, self.settings.targets.rto_seconds),
            escalation=escalation_at(self.settings.escalation, state.declared_at, now, state.resolved_at),
        )

    def get(self, incident_id: str) -> IncidentView:
        return self.view(self.state(incident_id))

    def list(self) -> list[IncidentSummary]:
        return [summarize(self.state(iid)) for iid in self.journal.incident_ids()]

    def open_incident(self) -> IncidentView | None:
        """The newest unresolved incident, so a restarted TUI picks up where it left off. Not in a drill session:
        its simulated world is new, and an incident left open (a real one, or a drill whose world is gone)
        does not belong to it."""
        if self.drill_scenario is not None:
            return None
        ids = self.journal.unresolved_ids()
        return self.get(ids[0]) if ids else None

    def events_since(self, incident_id: str, seq: int) -> builtins.list[Event]:
        return self.journal.events_since(incident_id, seq)

    def follow(self, since: Position | None = None, *, interval: float = 0.05) -> AsyncIterator[builtins.list[Event]]:
        """The change feed: new events from any writer (this process, the CLI, another machine's TUI)."""
        return self.journal.follow(since, interval=interval)

    def verify(self, incident_id: str) -> VerifyResult:
        return self.journal.verify(incident_id)

    def report(self, incident_id: str, fmt: str = "md") -> str:
        if fmt not in ("md", "markdown"):
            raise IncidentError(f"unknown report format {fmt!r} (supported: md)")
        v = self.get(incident_id)
        return render_markdown(v.state, v.timers)

    def head_hash(self, incident_id: str) -> str | None:
        return self.verify(incident_id).head_hash

    # -- writing ------------------------------------------------------------------------------------------

    def declare(
        self,
        runbook_id: str,
        severity: str = "SEV2",
        ic: str | None = None,
        drill: bool = False,
        params: Mapping[str, str] | None = None,
        scenario: str | None = None,
    ) -> str:
        # Always resolved, also without overrides: the snapshot must hold the defaults' values, not ${names}.
        try:
            runbook = self._resolve(self._loader(runbook_id), params or {})
        except ParamError as exc:
            raise IncidentError(str(exc)) from None
        draft = tr.declare(runbook, params or {}, severity, ic or self.actor, drill)
        scenario = scenario or (self.drill_scenario if drill else None)
        if scenario is not None and drill:
            draft.payload["scenario"] = scenario  # the drill calendar reads it for each scenario's last run
        now = self.clock.now()
        for _ in range(_RETRIES):
            incident_id = self.id_factory(now)
            if self.journal.exists(incident_id):
                continue
            try:
                self._append(incident_id, None, draft, expect_seq=0)
            except SeqConflict:
                continue
            return incident_id
        raise IncidentError("could not allocate an incident id; try again")

    def _append(self, incident_id: str, state: IncidentState | None, draft: tr.Draft, expect_seq: int) -> Event:
        outbox = self.outbox_policy(state, draft, incident_id) if self.outbox_policy is not None else ()
        return self.journal.append(
            incident_id,
            draft.type,
            draft.payload,
            at=self.clock.now(),
            actor=self.actor,
            aws_identity=self.aws_identity(),
            expect_seq=expect_seq,
            outbox=outbox,
        )

    def _change(self, incident_id: str, decide: Callable[[IncidentState], tr.Draft]) -> IncidentView:
        for _ in range(_RETRIES):
            with self._lock:
                fold = self._fold(incident_id)
                state = fold.state()
                draft = decide(state)
                try:
                    event = self._append(incident_id, state, draft, expect_seq=state.last_seq)
                except SeqConflict:
                    continue
                fold.feed([event])
                state = fold.state()
            return self.view(state)
        raise IncidentError(f"incident {incident_id} is changing too fast to apply this; try again")

    def fire_timers(self, incident_id: str) -> builtins.list[Event]:
        """Journal the timer events due now (escalation stages, the RTO projection crossing its target, a step
        past twice its expected time), each once, with its Slack message in the same append. Safe to call
        from any number of processes at once: each append expects the seq it was decided on, and a loser
        re-reads, recomputes and usually finds nothing left. Returns the events this call appended."""
        appended: builtins.list[Event] = []
        conflicts = 0
        while conflicts < _RETRIES:
            with self._lock:
                fold = self._fold(incident_id)
                state = fold.state()
                due = due_timer_events(state, self.settings, self.clock.now())
                if not due:
                    return appended
                try:
                    event = self._append(incident_id, state, due[0], expect_seq=state.last_seq)
                except SeqConflict:
                    conflicts += 1
                    continue
                fold.feed([event])
                appended.append(event)
        return appended

    def fire_all_timers(self) -> builtins.list[Event]:
        """fire_timers for every unresolved incident in the journal (a headless sender's loop)."""
        out: builtins.list[Event] = []
        for incident_id in self.journal.unresolved_ids():
            out += self.fire_timers(incident_id)
        return out

    def start(self, incident_id: str, step_id: str) -> IncidentView:
        return self._change(incident_id, lambda s: tr.start(s, step_id))

    def confirm(
        self, incident_id: str, step_id: str, confirm_text: str | None = None, *, manual: bool = False, note: str = ""
    ) -> IncidentView:
        return self._change(incident_id, lambda s: tr.confirm(s, step_id, confirm_text, manual=manual, note=note))

    def skip(self, incident_id: str, step_id: str, reason: str | None) -> IncidentView:
        return self._change(incident_id, lambda s: tr.skip(s, step_id, reason))

    def fail(self, incident_id: str, step_id: str, reason: str | None) -> IncidentView:
        return self._change(incident_id, lambda s: tr.fail(s, step_id, reason))

    def undo(self, incident_id: str) -> IncidentView:
        return self._change(incident_id, lambda s: tr.undo(s, self.clock.now(), self.undo_grace_seconds))

    def note(
        self, incident_id: str, text: str, *, step_id: str | None = None, todo: bool = False, share: bool = False
    ) -> IncidentView:
        return self._change(incident_id, lambda s: tr.note(s, text, step_id=step_id, todo=todo, share=share))

    def override(
        self, incident_id: str, step_id: str | None, reason: str | None, check: str | None = None
    ) -> IncidentView:
        return self._change(incident_id, lambda s: tr.override(s, step_id, reason, check))

    def record_aws_request(
        self,
        incident_id: str,
        step_id: str | None,
        action: str,
        region: str | None,
        request_id: str | None,
        reached_target: bool | None,
        *,
        executed: bool = True,
        error: str | None = None,
        outcome: str | None = None,
    ) -> IncidentView:
        return self._change(
            incident_id,
            lambda s: tr.aws_request(
                s, step_id, action, region, request_id, reached_target, executed=executed, error=error, outcome=outcome
            ),
        )

    def claim(self, incident_id: str, step_id: str, *, host: str, pid: int, deadline_seconds: float) -> IncidentView:
        """Claim an AWS step for execution (exclusive across processes: see transitions.claim)."""
        now = self.clock.now()
        return self._change(
            incident_id,
            lambda s: tr.claim(
                s, step_id, holder=self.actor, host=host, pid=pid, now=now, deadline_seconds=deadline_seconds
            ),
        )

    def release_unknown(self, incident_id: str, step_id: str, *, reached: bool | None, detail: str) -> IncidentView:
        now = self.clock.now()
        return self._change(
            incident_id, lambda s: tr.release_unknown(s, step_id, reached=reached, detail=detail, now=now)
        )

    def supply_params(self, incident_id: str, values: Mapping[str, str]) -> IncidentView:
        return self._change(incident_id, lambda s: tr.supply_params(s, values))

    def record_rpo(
        self, incident_id: str, exposure_seconds: float, target_seconds: float | None = None
    ) -> IncidentView:
        target = self.settings.targets.rpo_seconds if target_seconds is None else target_seconds
        return self._change(incident_id, lambda s: tr.record_rpo(s, exposure_seconds, target))

    def resolve(
        self,
        incident_id: str,
        summary: str | None = None,
        *,
        force: bool = False,
        reason: str | None = None,
        verdict: str | None = None,
    ) -> IncidentView:
        def decide(state: IncidentState) -> tr.Draft:
            draft = tr.resolve(state, summary, force=force, reason=reason)
            if verdict is not None and state.drill:
                draft.payload["verdict"] = verdict  # a drill's score (pass/fail/blocked): the calendar shows it
            return draft

        return self._change(incident_id, decide)
