"""Short, fixed-width text for numbers an incident commander reads at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from nexus_tui.domain.models import Datapoint
from nexus_tui.domain.text import printable, printable_line

SPARK_CHARS = "▁▂▃▄▅▆▇█"


def duration(seconds: float | None) -> str:
    """45s, 3m 12s, 2h 5m, 3d 4h: two units at most."""
    if seconds is None:
        return "—"
    s = round(max(0.0, seconds))
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f}s"
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m {s:02d}s" if s else f"{m}m"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h {m:02d}m" if m else f"{h}h"
    d, h = divmod(h, 24)
    return f"{d}d {h}h" if h else f"{d}d"


def short_age(seconds: float | None) -> str:
    """One unit only (12s, 3m, 2h, 4d): for table cells that repaint every second."""
    if seconds is None:
        return "—"
    s = int(max(0.0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def ago(seconds: float | None) -> str:
    return "never" if seconds is None else f"{short_age(seconds)} ago"


def size(num_bytes: float | None) -> str:
    if num_bytes is None:
        return "—"
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover - loop always returns


def count(value: float | None) -> str:
    if value is None:
        return "—"
    v = float(value)
    if v >= 1_000_000:
        return f"{v / 1_000_000:.1f}M"
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    return f"{v:.0f}"


def clock(at: datetime) -> str:
    return at.strftime("%H:%M:%S UTC")


def sparkline(history: Sequence[Datapoint], width: int = 16, floor_max: float = 0.0) -> str:
    """Unicode bars of the last values, max per bucket so a short spike is never averaged away.

    floor_max keeps a quiet series low: 0.2 s of lag must not draw full-height bars just because it is
    the largest value in the window."""
    values = [p.value for p in history if p.value is not None and p.value >= 0]
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [max(values[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)]) for i in range(width)]
    top = max(max(values), floor_max)
    if top <= 0:
        return SPARK_CHARS[0] * len(values)
    last = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[min(last, int(v / top * last + 0.5))] for v in values)


def squeeze(name: str, limit: int) -> str:
    """Middle ellipsis: resource names differ at both ends (prefix-...-account-id), so keep both."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2 + (limit - 1) % 2
    tail = limit - 1 - head
    return f"{name[:head]}…{name[-tail:]}" if tail else name[:head] + "…"


def error_line(exc: BaseException) -> str:
    """An exception as one line for a notification: whitespace folded, the type name when it says nothing."""
    return printable_line(" ".join(str(exc).split())) or type(exc).__name__


def one_line(text: str | None, limit: int = 80) -> str:
    if not text:
        return ""
    flat = printable_line(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def line(text: object, limit: int | None = None) -> str:
    """User text (a title, a note, an actor, an AWS message) for one line of the screen: escape sequences and
    controls never reach the terminal (domain.text.printable_line), cut to `limit` with an ellipsis."""
    return printable_line("" if text is None else str(text), limit)


def block(text: str | None) -> str:
    """As `line`, keeping newlines: descriptions and previews."""
    return printable(text) if text else ""


def safe_text(body: str | Text) -> str | Text:
    """A modal's body as given by a screen: a str is cleaned; a rich Text keeps its styles, piece by piece."""
    if isinstance(body, str):
        return block(body)
    if printable(body.plain) == body.plain:
        return body
    cuts = sorted({i for span in body.spans for i in (span.start, span.end)} - {0, len(body.plain)})
    out = Text(style=body.style, justify=body.justify, no_wrap=body.no_wrap, end=body.end)
    for piece in body.divide(cuts):
        clean = Text(printable(piece.plain), style=piece.style)
        for span in piece.spans:
            clean.stylize(span.style)
        out.append_text(clean)
    return out
