"""Short, fixed-width text for numbers an incident commander reads at a glance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def repeated_ends(names: Iterable[str]) -> dict[str, tuple[int, int]]:
    """For each name of a column, the longest start and the longest end it shares with another name. The
    longest shared start is with a neighbour in sorted order (the end likewise, reversed), so a column of 1,000
    names costs two sorts, not a million comparisons."""
    unique = sorted(set(names))
    ends = dict.fromkeys(unique, (0, 0))
    for i, name in enumerate(unique):
        head = max((shared_prefix(name, unique[j]) for j in (i - 1, i + 1) if 0 <= j < len(unique)), default=0)
        ends[name] = (head, 0)
    backwards = sorted(n[::-1] for n in unique)
    for i, rev in enumerate(backwards):
        tail = max((shared_prefix(rev, backwards[j]) for j in (i - 1, i + 1) if 0 <= j < len(backwards)), default=0)
        name = rev[::-1]
        ends[name] = (ends[name][0], tail)
    return ends


def squeeze_apart(name: str, limit: int, ends: tuple[int, int]) -> str:
    """Cut a name that does not fit where it repeats its neighbours in the column (`ends`: the start and the
    end it shares with them, see repeated_ends), so the part that tells it apart stays visible:
    securenexus-platform-…dr-557845624595. Only when that is not enough is it squeezed in the middle."""
    if len(name) <= limit:
        return name
    head, tail = ends
    head = min(head, len(name))
    tail = min(tail, len(name) - head)
    keep = 4  # of a shared part, for context
    over = len(name) - limit + 1  # characters to drop, plus the ellipsis
    start = len(name) - tail
    if head - keep >= over:
        return f"{name[: head - over]}…{name[head:]}"
    if tail - keep >= over:
        return f"{name[:start]}…{name[start + over :]}"
    from_head = max(0, head - keep)
    from_tail = over + 1 - from_head  # two cuts, two ellipses
    if from_head and from_tail <= tail - keep:
        return f"{name[: head - from_head]}…{name[head:start]}…{name[start + from_tail :]}"
    return squeeze(name, limit)


def fit_widths(
    longest: Mapping[str, int], room: int, least: Mapping[str, int], yield_first: Sequence[str] = ()
) -> dict[str, int]:
    """Column widths for the flexible columns of a row: each its longest cell when they all fit. Else the
    columns in `yield_first` (prose that repeats what the row names) give way first, then the widest ones
    (never below `least`), so a short column is never cut to spare a long one."""
    widths = {k: max(v, least.get(k, 1)) for k, v in longest.items()}
    for first in yield_first:
        excess = sum(widths.values()) - room
        if excess > 0 and first in widths:
            widths[first] -= min(excess, widths[first] - least.get(first, 1))
    while sum(widths.values()) > room:
        key = max((k for k in widths if widths[k] > least.get(k, 1)), key=lambda k: widths[k], default=None)
        if key is None:
            break
        others = [w for k, w in widths.items() if k != key]
        target = max(max(others, default=0), least.get(key, 1), widths[key] - (sum(widths.values()) - room))
        widths[key] = target if target < widths[key] else widths[key] - 1
    return widths


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
