"""The line across the top of every screen while the shared journal is unreachable or offline work waits."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import Static

BANNER_ID = "journal-banner"


def banner_text(since: datetime | None, pending: int, waiting_decision: int) -> str | None:
    """What the banner says; None when there is nothing to say (the banner hides)."""
    events = f"{pending} event{'' if pending == 1 else 's'} to merge"
    if since is not None:
        return f"shared journal unreachable since {since:%H:%M:%S} UTC — working offline, {events}"
    if waiting_decision:
        return f"shared journal back — {events}: another responder wrote meanwhile, your decision is needed"
    if pending:
        return f"shared journal back — merging offline work, {events}"
    return None


class JournalBanner(Static):
    DEFAULT_CSS = """
    JournalBanner {
        dock: top;
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $critical;
        text-style: bold;
        display: none;
    }
    JournalBanner.-shown {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id=BANNER_ID, markup=False)
        self.text: str | None = None

    def show_text(self, text: str | None) -> None:
        self.text = text
        self.update(text or "")
        self.set_class(text is not None, "-shown")
