"""The delivery loop: claim due outbox messages from the journal store and post them to Slack, in order per
incident, paced per channel, for as long as it takes and across restarts.

- Claims: a message is claimed (leased) before it is sent, so two processes on one journal never both send it.
- Order: the store hands out at most one message per incident; the next one only once this one is settled.
- Pacing: at most one post per `pacing.interval` per channel (Slack allows ~1/s); a 429 blocks all posts for
  its Retry-After. 5xx, timeouts and lost connections back off (slack-sdk's backoff calculator) and retry.
- No duplicates after a lost answer: before the first try the attempt is recorded as "outcome unknown"; if
  that attempt's answer never comes (timeout, reset, a crash of this process), the next try first looks the
  delivery key up in the message metadata (conversations.history / .replies) and records the found ts.
- Permanent errors fail the message with the reason and the fix; auth errors stop the sender (every message
  would fail alike) and leave the queue as it is for when the token is fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from nexus_tui.domain.clock import Clock
from nexus_tui.domain.slack_delivery import metadata
from nexus_tui.domain.slack_messages import ROOT_KEY, render
from nexus_tui.journal.base import JournalError, JournalStore, OutboxMessage
from nexus_tui.sources.slack.api import Permanent, SlackApi, Transient

CHANNEL_PREFIX = "slack:"
# last_error markers: the sender reads them back (possibly in another process) to decide on a lookup.
UNKNOWN = "outcome unknown"
NOT_SENT = "not sent"


@dataclass(frozen=True, slots=True)
class Pacing:
    """Slack's limits and the retry schedule. Scaled down as a whole by tests and the benchmark."""

    interval: float = 1.0  # seconds between posts to one channel (chat.postMessage: ~1/s per channel)
    backoff_factor: float = 0.5  # 0.5, 1, 2, 4 ... seconds (plus jitter)
    # A retry at least this often during an outage, so a recovered Slack is noticed within ~15 s: after a
    # 60 s outage a 200-message backlog (200 s of pacing) then drains in at most (200 + 15 + 1) / 200 = 1.08x.
    backoff_cap: float = 15.0
    jitter: float = 1.0  # up to this much random extra wait, so many senders do not retry in step
    timeout: float = 10.0  # per call
    poll: float = 0.5  # seconds between claims when idle (a wake() call cuts the wait short)
    lease_extra: float = 10.0

    def scaled(self, factor: float) -> Pacing:
        return Pacing(*(getattr(self, n) * factor for n in self.__dataclass_fields__))


@dataclass
class DeliveryState:
    """What front ends show about delivery as a whole (per message state is in the outbox)."""

    down_since: datetime | None = None  # first failed try since the last success
    last_error: str | None = None
    stopped: str | None = None  # why the sender stopped (auth): reason and fix
    sent: int = 0
    looked_up: int = 0  # lost answers resolved by a metadata lookup instead of a resend


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{id(object()):x}"


class ScaledJitter(Jitter):
    """slack-sdk's RandomJitter adds up to 1 s; this adds up to `spread` (scaled with the rest in tests)."""

    def __init__(self, spread: float) -> None:
        self.spread = spread

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.spread


class Pacer:
    """Per-channel spacing of posts, plus a global hold after a 429."""

    def __init__(self, interval: float, monotonic: Callable[[], float], sleep: Callable[[float], Awaitable[Any]]):
        self.interval = interval
        self._mono = monotonic
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._hold_until = 0.0

    async def wait(self, channel: str) -> None:
        now = self._mono()
        at = max(self._next.get(channel, 0.0), self._hold_until)
        if at > now:
            await self._sleep(at - now)
        self._next[channel] = max(self._mono(), at) + self.interval

    def hold(self, seconds: float) -> None:
        self._hold_until = max(self._hold_until, self._mono() + seconds)


class Sender:
    def __init__(
        self,
        store: JournalStore,
        api: SlackApi,
        *,
        clock: Clock,
        pacing: Pacing | None = None,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        batch: int = 8,
    ) -> None:
        self.store = store
        self.api = api
        self.clock = clock
        self.pacing = pacing or Pacing()
        self.holder = holder or default_holder()
        self.state = DeliveryState()
        self.batch = batch
        self._pacer = Pacer(self.pacing.interval, monotonic, sleep)
        self._mono = monotonic
        self._backoff = BackoffRetryIntervalCalculator(
            backoff_factor=self.pacing.backoff_factor, jitter=ScaledJitter(self.pacing.jitter)
        )
        p = self.pacing
        self._max_exponent = max(int(math.log2(p.backoff_cap / p.backoff_factor)), 0) if p.backoff_factor > 0 else 0
        self._wake = asyncio.Event()
        self._roots: dict[tuple[str, str], str] = {}  # (incident, key) -> "channel_id/ts"
        self._listeners: list[Callable[[], None]] = []

    # -- running ------------------------------------------------------------------------------------------

    def wake(self) -> None:
        """New messages may be due (the change feed saw events): claim now instead of after the poll."""
        self._wake.set()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    @property
    def lease(self) -> float:
        return self.pacing.timeout * 3 + self.pacing.interval * self.batch + self.pacing.lease_extra

    async def run(self) -> None:
        """Deliver until cancelled or stopped by an auth error."""
        while self.state.stopped is None:
            n = await self.step()
            if n == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.pacing.poll)

    async def step(self) -> int:
        """One claim and the delivery of what it gave; the number of messages handled."""
        try:
            claimed = await asyncio.to_thread(
                self.store.outbox_claim, self.holder, self.clock.now(), self.lease, self.batch
            )
        except JournalError as exc:
            self.state.last_error = f"journal: {exc}"
            return 0
        for m in claimed:
            if self.state.stopped is not None:
                await self._release(m, self.state.stopped)
                continue
            await self.deliver(m)
        return len(claimed)

    # -- one message --------------------------------------------------------------------------------------

    async def _update(self, m: OutboxMessage, **changes: Any) -> bool:
        try:
            ok = await asyncio.to_thread(self._settle, m, changes)
        except JournalError as exc:
            self.state.last_error = f"journal: {exc}"
            return False
        self._changed()
        return bool(ok)

    def _settle(self, m: OutboxMessage, changes: dict[str, Any]) -> bool:
        # The store keeps our claim across the "sending" record; False means someone else holds it now.
        return bool(self.store.outbox_update(m.id, self.holder, **changes))

    async def deliver(self, m: OutboxMessage) -> None:
        payload = m.payload
        if payload.get("unroutable"):
            await self._update(m, status="dropped", error=f"{NOT_SENT}: {payload['unroutable']}")
            return
        if not m.channel.startswith(CHANNEL_PREFIX):
            await self._update(m, status="failed", error=f"{NOT_SENT}: unknown destination {m.channel!r}")
            return
        channel = m.channel[len(CHANNEL_PREFIX) :]
        thread_ts: str | None = None
        # An earlier try may have reached Slack (its answer was lost, or its process died waiting): until a
        # lookup says otherwise, a resend could double the message.
        maybe_sent = m.attempts > 0 and not (m.last_error or "").startswith(NOT_SENT)
        try:
            if payload.get("role") == "thread" and self.api.threads:
                root = await self._root(m.incident_id)
                if root is None:
                    await self._update(
                        m, status="failed", error=f"{NOT_SENT}: the incident's root message was not sent"
                    )
                    return
                channel_id, thread_ts = root.split("/", 1)
            else:
                channel_id = await self.api.channel_id(channel)
        except Transient as exc:
            await self._retry(m, exc, m.attempts + 1, maybe_sent)
            return
        except Permanent as exc:
            await self._permanent(m, exc)
            return
        attempts = m.attempts + 1
        # Recorded before the request leaves: if this process dies mid-call, the next holder looks first. The
        # claim stays ours across this record; next_attempt_at also keeps the message from being due before
        # the lease ends.
        held_until = self._mono() + self.lease - self.pacing.timeout
        await self._update(
            m,
            status="sending",
            attempts=attempts,
            next_attempt_at=self.clock.now() + timedelta(seconds=self.lease),
            error=f"{UNKNOWN}: try {attempts} in flight",
        )
        await self._pacer.wait(channel_id)
        if self._mono() > held_until:
            return  # paused past the hold (a suspended laptop): another sender may have it; it looks first
        try:
            ts = None
            if maybe_sent and self.api.threads:
                oldest = m.created_at.timestamp() - 300 if thread_ts is None else None
                ts = await self.api.find(channel_id, m.incident_id, m.key, thread_ts=thread_ts, oldest=oldest)
                if ts is not None:
                    self.state.looked_up += 1
                maybe_sent = False  # looked: Slack has it (ts) or it never arrived
            if ts is None:
                extra = await self._anchor(m) if payload.get("anchor") else ""
                try:
                    r = render(m.incident_id, payload, extra=extra)
                except (TypeError, ValueError, AttributeError) as exc:  # a damaged payload hurts only itself
                    await self._update(
                        m, status="failed", error=f"{NOT_SENT}: unreadable message in the journal: {exc}"
                    )
                    return
                posted = await self.api.post(
                    channel_id, r.text, r.blocks, thread_ts=thread_ts, metadata=metadata(m.incident_id, m.key)
                )
                channel_id, ts = posted.channel_id or channel_id, posted.ts
        except Transient as exc:
            await self._retry(m, exc, attempts, maybe_sent)
            return
        except Permanent as exc:
            await self._permanent(m, exc)
            return
        remote = f"{channel_id}/{ts}"
        if m.key == ROOT_KEY:
            self._roots[(m.incident_id, ROOT_KEY)] = remote
        self.state.down_since = None
        self.state.last_error = None
        self.state.sent += 1
        await self._update(m, status="sent", attempts=attempts, remote_id=remote, error="")

    async def _anchor(self, m: OutboxMessage) -> str:
        """The journal's head hash for the incident: once posted, the journal is anchored outside this machine
        and events removed from its end become detectable (the hash chain alone cannot show that)."""
        try:
            result = await asyncio.to_thread(self.store.verify, m.incident_id)
        except JournalError:
            return ""
        if not result.head_hash:
            return ""
        return f"Journal head: seq {result.checked}, sha256 `{result.head_hash}`"

    async def _root(self, incident_id: str) -> str | None:
        known = self._roots.get((incident_id, ROOT_KEY))
        if known:
            return known
        messages = await asyncio.to_thread(self.store.outbox_list, incident_id)
        for msg in messages:
            if msg.key == ROOT_KEY and msg.status == "sent" and msg.remote_id:
                self._roots[(incident_id, ROOT_KEY)] = msg.remote_id
                return msg.remote_id
        return None

    async def _retry(self, m: OutboxMessage, exc: Transient, attempts: int, maybe_sent: bool) -> None:
        now = self.clock.now()
        if exc.retry_after is not None:
            delay = exc.retry_after
            self._pacer.hold(delay)
        else:
            # The exponent is capped rather than the result, so retries at the cap still get their jitter.
            delay = self._backoff.calculate_sleep_duration(min(max(attempts - 1, 0), self._max_exponent))
        if self.state.down_since is None:
            self.state.down_since = now
        marker = UNKNOWN if exc.sent_unknown or maybe_sent else NOT_SENT
        self.state.last_error = exc.reason
        await self._update(
            m,
            status="pending",
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=delay),
            error=f"{marker}: {exc.reason}",
        )

    async def _permanent(self, m: OutboxMessage, exc: Permanent) -> None:
        if exc.auth:
            self.state.stopped = str(exc)
            self.state.last_error = str(exc)
            await self._release(m, str(exc))
            return
        await self._update(m, status="failed", error=str(exc))

    async def _release(self, m: OutboxMessage, why: str) -> None:
        """Back to the queue untouched, for when the token is fixed; a lookup marker is kept, not overwritten."""
        keep = m.last_error if (m.last_error or "").startswith(UNKNOWN) else f"{NOT_SENT}: {why}"
        await self._update(m, status="pending", error=keep)

    async def update_root(self, channel_and_ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.update of a root message, paced with the posts (Tier 3 allows far more than we send)."""
        channel_id, ts = channel_and_ts.split("/", 1)
        await self.api.update(channel_id, ts, text, blocks)


def pending_counts(messages: list[OutboxMessage]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for m in messages:
        counts[m.status] = counts.get(m.status, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class FlushResult:
    sent: int
    queued: int
    failed: int
    stopped: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
