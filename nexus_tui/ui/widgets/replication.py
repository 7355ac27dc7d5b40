"""Replication panel: one row per replicated resource (RDS replica, S3 rule, secret replica)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from nexus_tui.domain.health import age_seconds, is_stale, replication_state
from nexus_tui.domain.models import DashboardSnapshot, ReplicationPair, State, worst
from nexus_tui.ui import format as fmt
from nexus_tui.ui.themes import Palette
from nexus_tui.ui.widgets.panel import STATE_LABEL, Panel, View, cell
from nexus_tui.ui.widgets.table import Row

KIND_LABEL = {"rds": "RDS", "s3": "S3", "secret": "Secret"}


Entry = tuple[ReplicationPair, str, Palette, tuple[Text, ...], State, str, str, tuple[int, ...]]


class ReplicationPanel(Panel):
    TITLE = "Replication"
    # Widths here are the starting ones: every column but the names sizes to its content (at least its label)
    # and the names get the rest of the row (see _fit).
    COLUMNS = (
        ("state", "State", 10),
        ("kind", "Kind", 6),
        ("resource", "Source → target", 34),  # see _pair_name
        ("regions", "Regions", 19),
        ("status", "Status", 11),
        ("value", "Lag", 7),
        ("spark", "Last hour", 10),
        ("detail", "Pending / detail", 17),
        ("age", "Age", 4),
    )
    UNAVAILABLE_PANELS = ("replication",)
    NAME_MIN = 34  # the names column never gets narrower than this; wider when the panel has room
    AGE_WIDTH = 4  # ages change every tick ("9s" .. "59m"): a fixed width keeps the columns still

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.name_width = self.NAME_MIN
        self.widths: dict[str, int] = {key: w or 0 for key, _, w in self.COLUMNS}
        self._last: tuple[DashboardSnapshot, View] | None = None
        # Row cells by pair key, reused while the pair object, its staleness and the palette are unchanged:
        # the 1 s tick then only rebuilds the age cell, which keeps 1,000 rows well under a frame.
        self._cache: dict[str, Entry] = {}

    def show(self, snapshot: DashboardSnapshot, view: View) -> None:
        self._last = (snapshot, view)
        super().show(snapshot, view)
        if self._fit(snapshot):
            self._cache.clear()  # every name cell was cut for the old width
            super().show(snapshot, view)
        for key, width in self.widths.items():
            self.table.set_width(key, width)

    def on_resize(self) -> None:
        if self._last is not None and self._fit(self._last[0]):
            self._cache.clear()
            self.show(*self._last)

    def _fit(self, snapshot: DashboardSnapshot) -> bool:
        """Every other column as wide as its widest cell (or label); the names get what the row has left.
        Names are cut only when the longest still does not fit, and then where the two names say the same.
        Returns whether the names column changed width."""
        for i, (key, label, _) in enumerate(self.COLUMNS):
            if key == "age":  # not among the cached cells: it changes every tick
                self.widths[key] = max(len(label), self.AGE_WIDTH)
            elif key != "resource":
                self.widths[key] = max(len(label), max((e[7][i] for e in self._cache.values()), default=0))
        others = sum(w for key, w in self.widths.items() if key != "resource")
        longest = max((len(_pair_name(p.source, p.target, 10_000)) for p in snapshot.replication), default=0)
        # Spacing gives way before a name is cut: one space between columns when that keeps the longest pair
        # whole. When the names are cut either way, the row keeps its two spaces (easier to read across).
        rows = len(snapshot.replication)
        room = self.room_left(rows, others, compact=False)
        compact = room < longest <= self.room_left(rows, others, compact=True)
        self.table.set_compact(compact)  # a no-op while unchanged: the 1 s tick must not repaint every row
        room = self.room_left(rows, others)
        width = max(self.NAME_MIN, min(room, longest))
        self.widths["resource"] = width
        changed = width != self.name_width
        self.name_width = width
        return changed

    def build(self, snapshot: DashboardSnapshot, view: View) -> tuple[list[Row], dict[str, str], State, str, list[str]]:
        rows: list[Row] = []
        details: dict[str, str] = {}
        states: list[State] = []
        stale_count = 0
        th = view.settings.thresholds
        cache: dict[str, Entry] = {}
        for pair in snapshot.replication:
            stale = is_stale(pair, view.now, th)
            age = age_seconds(pair.observed_at, view.now)
            age_text = fmt.short_age(age)
            stale_text = (f"STALE {age_text}" if age is not None else "STALE") if stale else ""
            hit = self._cache.get(pair.key)
            if hit is not None and hit[0] is pair and hit[1] == stale_text and hit[2] is view.palette:
                entry = hit
            else:
                cells, state, search = _cells(pair, view, stale_text, self.name_width)
                widths = tuple(c.cell_len for c in cells)
                entry = (pair, stale_text, view.palette, cells, state, search, _details(pair), widths)
            cache[pair.key] = entry
            _, _, _, cells, state, search, detail, _ = entry
            age_cell = cell(age_text, view.palette.stale if stale else None)
            rows.append(Row(pair.key, (*cells, age_cell), search))
            states.append(state)
            stale_count += bool(stale_text)
            details[pair.key] = detail
        self._cache = cache
        counts = {s: states.count(s) for s in State}
        parts = [f"{len(rows)} pairs"]
        parts += [f"{counts[s]} {s.value}" for s in (State.CRITICAL, State.WARNING, State.UNKNOWN) if counts[s]]
        if stale_count:
            parts.append(f"{stale_count} stale")
        return rows, details, worst(states) if states else State.UNKNOWN, " · ".join(parts), []


def _cells(
    pair: ReplicationPair, view: View, stale_text: str, name_width: int = ReplicationPanel.NAME_MIN
) -> tuple[tuple[Text, ...], State, str]:
    """Every cell but the age. Depends on the time only through staleness (replication_state's contract)."""
    th = view.settings.thresholds
    palette = view.palette
    state = replication_state(pair, view.now, th)
    stale = bool(stale_text)
    state_style = palette.state(state)
    # A stale row keeps its last values for context, but every cell is dimmed and the state says STALE.
    base = palette.stale if stale else None
    value_style = base or state_style

    if pair.kind == "secret":
        value = "—"
        ceiling = 0.0
    elif pair.replication_stopped:
        value = "stopped"
        ceiling = 0.0
    else:
        value = fmt.duration(pair.lag_seconds)
        band = th.replica_lag_seconds if pair.kind == "rds" else th.s3_replication_latency_seconds
        ceiling = band.warning

    detail_style: Style | None
    if pair.error:
        detail, detail_style = fmt.one_line(pair.error, 17), base or palette.critical
    elif pair.kind == "s3":
        ops, pending = pair.extra_value("operations_pending"), pair.extra_value("bytes_pending")
        detail = f"{fmt.count(ops)} ops · {fmt.size(pending)}" if ops is not None or pending is not None else ""
        detail_style = base
    elif pair.kind == "rds" and pair.extra_value("free_storage_bytes") is not None:
        detail, detail_style = f"free {fmt.size(pair.extra_value('free_storage_bytes'))}", base
    else:
        detail, detail_style = "", base

    cells = (
        cell(stale_text or STATE_LABEL[state], base or state_style),
        cell(KIND_LABEL.get(pair.kind, pair.kind), base),
        cell(_pair_name(pair.source, pair.target, name_width), base),
        cell(f"{pair.source_region}→{pair.target_region}", base),
        cell(pair.status, base),
        cell(value, value_style),
        cell(fmt.sparkline(pair.history, 10, ceiling), base or state_style),
        cell(detail, detail_style),
    )
    search = " ".join((pair.kind, pair.source, pair.target, pair.source_region, pair.target_region, pair.status))
    search += f" {pair.label or ''} {pair.error or ''} {'stale' if stale else ''} {state.value}"
    return cells, state, search.lower()


def _pair_name(source: str, target: str, width: int) -> str:
    """Both names in full when they fit. Else the cut goes where the two names say the same thing: the
    target's start that repeats the source's (securenexus-platform-… → securenexus-p…dr-…), then the source's
    end that the target repeats, so what tells them apart stays visible. When that is not enough, the target is
    shown as what it adds to the source (… → …-dr-…); failing that, each is squeezed in the middle. A secret
    replica has its primary's name: shown once."""
    if source == target:
        return fmt.squeeze(source, width)
    budget = width - 3
    if len(source) + len(target) <= budget:
        return f"{source} → {target}"
    over = len(source) + len(target) - budget + 1  # characters to drop, plus the ellipsis
    keep = 4  # of a shared part, for context
    head = fmt.shared_prefix(source, target)
    tail = fmt.shared_prefix(source[::-1], target[::-1])
    from_target, from_source = max(0, head - keep), max(0, min(tail, len(source) - head) - keep)
    if from_target >= over:
        return f"{source} → {target[: head - over]}…{target[head:]}"
    if from_target + from_source > over:  # two cuts, two ellipses
        drop = over + 1 - from_target
        cut = len(source) - tail
        shown_target = f"{target[:keep]}…{target[head:]}" if from_target else target
        return f"{source[:cut]}…{source[cut + drop :]} → {shown_target}"
    # Not enough: the target shown as what it adds to the source (… → …-dr-…) when that is short.
    end = len(target) - min(tail, len(target) - head)
    apart = f"…{target[max(0, head - 1) : end + 1]}…" if head > 0 and end < len(target) else ""
    if apart and len(apart) <= budget // 3:
        return f"{fmt.squeeze_apart(source, budget - len(apart), (head, tail))} → {apart}"
    half = budget // 2
    if len(source) < half:
        return f"{source} → {fmt.squeeze(target, budget - len(source))}"
    if len(target) < budget - half:
        return f"{fmt.squeeze(source, budget - len(target))} → {target}"
    return f"{fmt.squeeze(source, half)} → {fmt.squeeze(target, budget - half)}"


def _details(pair: ReplicationPair) -> str:
    where = f"{pair.source} ({pair.source_region}) → {pair.target} ({pair.target_region})"
    parts = [f"{pair.label}: {where}" if pair.label else where, f"status {pair.status}"]
    if pair.observed_at:
        parts.append(f"newest datapoint {pair.observed_at:%Y-%m-%d %H:%M:%S} UTC")
    if pair.error:
        parts.append(f"error: {fmt.one_line(pair.error, 160)}")
    if pair.stale:
        parts.append("carried over from an earlier poll (region did not answer)")
    return " · ".join(parts)
