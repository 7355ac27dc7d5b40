"""Messages between the poll worker and the screens."""

from __future__ import annotations

from textual.message import Message

from nexus_tui.domain.models import DashboardSnapshot


class PollStarted(Message):
    """A poll began; seq increases by one per poll, so tests can check polls never overlap."""

    def __init__(self, seq: int) -> None:
        super().__init__()
        self.seq = seq


class SnapshotUpdated(Message):
    """A poll finished with a new snapshot."""

    def __init__(self, snapshot: DashboardSnapshot, seq: int, duration_seconds: float) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.seq = seq
        self.duration_seconds = duration_seconds

    def can_replace(self, message: Message) -> bool:
        # A newer snapshot waiting in the queue supersedes this one: render only the latest when a
        # fast source (the simulator) outruns the screen.
        return isinstance(message, SnapshotUpdated)


class PollFailed(Message):
    """The source raised (it should report AWS trouble inside the snapshot; this is a bug or a crash)."""

    def __init__(self, seq: int, error: str) -> None:
        super().__init__()
        self.seq = seq
        self.error = error
