"""How the offline-capable journal calls the shared store: one call at a time, without knocking at an unreachable
host on every call, and the outbox, which only the shared store delivers."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from nexus_tui.journal.base import JournalStore, JournalUnavailable, OutboxMessage, OutboxStatus

HOLD_DOWN_SECONDS = 10.0
_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


def serialised(method: _F) -> _F:
    """One call at a time (on `self._lock`): the TUI calls from several worker threads, and going offline, reading
    the offline file and merging change shared state (the shared store serialises its calls on one connection
    anyway)."""

    @functools.wraps(method)
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        lock: threading.RLock = self._lock
        with lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class HoldDown:
    """After a failure, the everyday calls do not knock again for `seconds`: an unreachable host (a cut network,
    not a refused connection) costs a connect timeout per call. Probes and merges `knock` all the same."""

    def __init__(self, seconds: float, monotonic: Callable[[], float]) -> None:
        self._seconds = seconds
        self._monotonic = monotonic
        self._until = 0.0
        self._reason = ""

    def call(self, fn: Callable[..., _T], *args: Any, knock: bool = False, **kwargs: Any) -> _T:
        if not knock and self._monotonic() < self._until:
            raise JournalUnavailable(self._reason)
        try:
            return fn(*args, **kwargs)
        except JournalUnavailable as exc:
            self._until = self._monotonic() + self._seconds
            self._reason = str(exc)
            raise

    def reset(self) -> None:
        self._until = 0.0


class SharedOutbox:
    """The outbox calls, passed to the shared store: offline messages wait in the offline file until merged."""

    shared: JournalStore

    def outbox_claim(self, holder: str, now: datetime, lease_seconds: float, limit: int = 10) -> list[OutboxMessage]:
        return self.shared.outbox_claim(holder, now, lease_seconds, limit)

    def outbox_update(
        self,
        message_id: int,
        holder: str,
        *,
        status: OutboxStatus,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
        remote_id: str | None = None,
        error: str | None = None,
    ) -> bool:
        return self.shared.outbox_update(
            message_id,
            holder,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            remote_id=remote_id,
            error=error,
        )

    def outbox_list(self, incident_id: str | None = None) -> list[OutboxMessage]:
        return self.shared.outbox_list(incident_id)
