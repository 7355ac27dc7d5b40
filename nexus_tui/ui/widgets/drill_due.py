"""One line on the dashboard: the overdue drills, else the next one due (the drill calendar, issue 10).

The calendar reads the whole journal, so it is computed in a worker thread (engine.schedule_for_service)
and refreshed on a slow timer (refresh_now() for at once), never on the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual import work
from textual.widgets import Static

from nexus_tui.domain.clock import Clock
from nexus_tui.domain.drill_calendar import DrillEntry, DrillStatus, most_urgent
from nexus_tui.engine.drill_calendar import schedule_for_service
from nexus_tui.engine.incidents import IncidentService
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette

REFRESH_SECONDS = 300.0  # due dates move by days; a drill finished here triggers refresh_now()
MAX_NAMED = 2


class DrillDue(Static):
    DEFAULT_CSS = """
    DrillDue {
        height: auto;
        background: $panel;
        color: $foreground-muted;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        service: IncidentService,
        entries: Sequence[DrillEntry],
        clock: Clock,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        id: str | None = "drill-due",
    ) -> None:
        super().__init__("Drills: reading the calendar…", id=id)
        self.service = service
        self.entries = tuple(entries)
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.statuses: list[DrillStatus] | None = None
        self.error: str | None = None

    def on_mount(self) -> None:
        self.display = bool(self.entries)
        self.refresh_now()
        self.set_interval(self.refresh_seconds, self.refresh_now, name="drill-calendar")

    def refresh_now(self) -> None:
        if self.entries:
            self._compute()

    @work(exclusive=True, exit_on_error=False, group="drill-calendar")
    async def _compute(self) -> None:
        try:
            statuses = await schedule_for_service(self.service, self.entries, self.clock)
        except Exception as exc:  # a journal problem must not take the dashboard down; say it on this line
            self.error = fmt.one_line(str(exc) or type(exc).__name__, 100)
        else:
            self.statuses, self.error = statuses, None
        self.show_line()

    def show_line(self) -> None:
        palette = Palette.from_variables(self.app.theme_variables)
        self.update(drill_line(self.statuses, self.error, self.clock.now(), palette))


def drill_line(statuses: Sequence[DrillStatus] | None, error: str | None, now: datetime, palette: Palette) -> Text:
    text = Text("Drills: ", style="bold")
    if error is not None:
        return text.append(f"calendar unavailable: {error}", style=palette.warning)
    if statuses is None:
        return text.append("reading the calendar…", style=palette.muted)
    late = [s for s in statuses if s.overdue]
    if late:
        late.sort(key=lambda s: s.next_due or datetime.min.replace(tzinfo=now.tzinfo))
        never = sum(1 for s in late if s.last_run is None and s.next_due is None)
        names = ", ".join(_late_name(s, now) for s in late[:MAX_NAMED])
        more = f" and {len(late) - MAX_NAMED} more" if len(late) > MAX_NAMED else ""
        head = f"{len(late)} overdue" + (f" ({never} never run)" if never else "")
        return text.append(f"{head}: {names}{more}", style=palette.warning)
    nxt = most_urgent(statuses)
    if nxt is None or nxt.next_due is None:
        return text.append("none scheduled", style=palette.muted)
    days = (nxt.next_due - now).total_seconds() / 86400
    return text.append(f"next due {nxt.entry.title} on {nxt.next_due:%Y-%m-%d} (in {days:.0f} d)", style=palette.ok)


def _late_name(status: DrillStatus, now: datetime) -> str:
    if status.next_due is None:
        return status.entry.title  # never run: the count says so
    assert status.next_due is not None
    days = (now - status.next_due).total_seconds() / 86400
    return f"{status.entry.title} ({days:.0f} d late)"
