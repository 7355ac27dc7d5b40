"""Below a minimum terminal size the screens do not degrade into nonsense (a step list collapsed to nothing,
a header without state or RPO): they say so instead, and come back as soon as the terminal is large enough.

80x24 is the smallest size at which every screen keeps what an incident commander needs: the header with
state, RPO and the incident clock on one line, and the runbook's step list next to the step's detail.

Any screen gets this by deriving from `SizeGuardedScreen` instead of `Screen` (or by yielding a `SizeNotice`
and calling `guard_size(self, event.size)` from its resize handler).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual import events, on
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24
TOO_SMALL = "-too-small"

_R = TypeVar("_R")


def too_small(size: Size) -> bool:
    return size.width < MIN_WIDTH or size.height < MIN_HEIGHT


def notice_text(size: Size) -> str:
    return (
        f"Enlarge the terminal: nexus-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}; now {size.width}x{size.height}."
        "\nq quits."
    )


class SizeNotice(Static):
    """Shown in place of the screen's content while the terminal is too small; hidden otherwise."""

    SCOPED_CSS = False  # the rules below style the screen's other children too

    DEFAULT_CSS = f"""
    SizeNotice {{
        display: none;
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        text-style: bold;
        color: $warning;
    }}
    .{TOO_SMALL} > * {{
        display: none;
    }}
    .{TOO_SMALL} > SizeNotice {{
        display: block;
    }}
    """


def guard_size(screen: Screen[Any], size: Size) -> None:
    small = too_small(size)
    screen.set_class(small, TOO_SMALL)
    if small:
        for notice in screen.query(SizeNotice):
            notice.update(notice_text(size))


class SizeGuardedScreen(Screen[_R]):
    """A Screen that shows a SizeNotice instead of its content below MIN_WIDTH x MIN_HEIGHT."""

    @on(events.Mount)
    async def _mount_size_notice(self) -> None:
        if not self.query(SizeNotice):
            await self.mount(SizeNotice())
        guard_size(self, self.app.size)

    @on(events.Resize)
    def _guard_size(self, event: events.Resize) -> None:
        guard_size(self, event.size)

    @on(events.ScreenResume)
    def _guard_on_resume(self) -> None:
        # A resize while another screen was on top reached that screen only.
        guard_size(self, self.app.size)
