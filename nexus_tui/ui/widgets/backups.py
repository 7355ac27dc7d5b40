"""Backup panel: retention, restorable time and snapshots per RDS instance; versioning per S3 bucket."""

from __future__ import annotations

from collections.abc import Mapping

from nexus_tui.domain.health import age_seconds, backup_state
from nexus_tui.domain.models import BackupStatus, DashboardSnapshot, SnapshotInfo, State, worst
from nexus_tui.ui import format as fmt
from nexus_tui.ui.widgets.panel import STATE_LABEL, Panel, View, cell
from nexus_tui.ui.widgets.table import Row


class BackupsPanel(Panel):
    TITLE = "Backups"
    COLUMNS = (
        ("state", "State", 10),
        ("resource", "Resource", 26),
        ("region", "Region", None),
        ("retention", "Retain", None),
        ("window", "Window", None),
        ("restorable", "Restorable", None),
        ("automated", "Auto snap", None),
        ("manual", "Manual", None),
        ("dr", "DR copy", None),
        ("naming", "Names", None),
        ("versioning", "Versioning/MFA", None),
    )
    UNAVAILABLE_PANELS = ("backups",)
    NAME_MIN = 26  # the resource column never gets narrower; wider when the row has room (see _fit)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.name_width = self.NAME_MIN
        self._last: tuple[DashboardSnapshot, View] | None = None
        self._others = 0  # the other columns' content widths, from the last build

    def show(self, snapshot: DashboardSnapshot, view: View) -> None:
        self._last = (snapshot, view)
        super().show(snapshot, view)
        if self._fit(snapshot):
            super().show(snapshot, view)  # the names were cut for the old width
        self.table.set_width("resource", self.name_width)

    def on_resize(self) -> None:
        if self._last is not None and self._fit(self._last[0]):
            self.show(*self._last)

    def _fit(self, snapshot: DashboardSnapshot) -> bool:
        """The resource names get what the row has left once the other columns have their content's width."""
        room = self.room_left(len(snapshot.backups), self._others)
        longest = max((len(_resource_name(b, 10_000)) for b in snapshot.backups), default=0)
        width = max(self.NAME_MIN, min(room, longest))
        changed = width != self.name_width
        self.name_width = width
        return changed

    def build(self, snapshot: DashboardSnapshot, view: View) -> tuple[list[Row], dict[str, str], State, str, list[str]]:
        rows: list[Row] = []
        details: dict[str, str] = {}
        states: list[State] = []
        notes: list[str] = []
        widest = [len(label) for _, label, _ in self.COLUMNS]
        ends = fmt.repeated_ends(b.resource for b in snapshot.backups)
        for b in snapshot.backups:
            state = backup_state(b, view.now, view.settings.thresholds)
            states.append(state)
            row = _row(b, state, view, self.name_width, ends)
            rows.append(row)
            widest = [max(w, c.cell_len) for w, c in zip(widest, row.cells, strict=True)]
            details[f"{b.key}"] = _details(b)
            if b.error:
                notes.append(f"Backups: {b.resource} ({b.region}): {fmt.one_line(b.error, 100)}")
        # A fixed-width column (the state) takes its width whatever its content; the others their content's.
        self._others = sum(
            fixed or w for (key, _, fixed), w in zip(self.COLUMNS, widest, strict=True) if key != "resource"
        )
        rds = sum(1 for b in snapshot.backups if b.kind == "rds")
        summary = f"{rds} RDS · {len(rows) - rds} S3"
        bad = sum(1 for s in states if s is not State.OK)
        if bad:
            summary += f" · {bad} need attention"
        return rows, details, worst(states) if states else State.UNKNOWN, summary, notes


def _snap_age(snap: SnapshotInfo | None, view: View) -> str:
    if snap is None or snap.created_at is None:
        return "none"  # not "—": a missing snapshot is a finding
    return fmt.short_age(age_seconds(snap.created_at, view.now))


def _restorable(b: BackupStatus, view: View) -> str:
    if b.role == "replica":
        return "—"
    if b.latest_restorable_time is None:
        return "none"
    return fmt.short_age(age_seconds(b.latest_restorable_time, view.now))


def _resource_name(b: BackupStatus, width: int, ends: Mapping[str, tuple[int, int]] | None = None) -> str:
    """kind:name, a replica marked as such; the name cut only when `width` is short, and then where it repeats
    the other rows' names (`ends`: fmt.repeated_ends), so two buckets that differ by "-dr" stay apart."""
    role = " (replica)" if b.kind == "rds" and b.role == "replica" else ""
    prefix = f"{b.kind}:"
    repeated = (ends or {}).get(b.resource, (0, 0))
    return f"{prefix}{fmt.squeeze_apart(b.resource, width - len(prefix) - len(role), repeated)}{role}"


def _row(
    b: BackupStatus,
    state: State,
    view: View,
    name_width: int = BackupsPanel.NAME_MIN,
    ends: Mapping[str, tuple[int, int]] | None = None,
) -> Row:
    p = view.palette
    base = p.stale if b.stale else None
    state_label = "STALE" if b.stale else STATE_LABEL[state]
    if b.kind == "s3":
        mfa = {"enabled": "on", "disabled": "off"}.get((b.mfa_delete or "").lower(), b.mfa_delete or "?")
        versioning = f"{b.versioning or '?'}/MFA {mfa}"
        v_style = base or (p.ok if (b.versioning or "").lower() == "enabled" else p.critical)
        blank = cell("—", base)
        cells = (
            cell(state_label, base or p.state(state)),
            cell(_resource_name(b, name_width, ends), base),
            cell(b.region, base),
            blank,
            blank,
            blank,
            blank,
            blank,
            blank,
            blank,
            cell(versioning, v_style),
        )
        return Row(b.key, cells, f"s3 {b.resource} {b.region} {state.value} {b.versioning or ''}".lower())

    replica = b.role == "replica"
    # Replicas inherit backups from the primary until promoted: their gaps are not a problem yet.
    retention = "—" if b.retention_days is None else f"{b.retention_days}d"
    retention_style = base or (p.critical if b.retention_days == 0 and not replica else None)
    if replica:
        dr, dr_style = "—", base
    elif not b.dr_copy_checked:
        dr, dr_style = "unchecked", base or p.unknown
    elif b.dr_copy is None:
        dr, dr_style = "NO", base or p.warning
    else:
        dr, dr_style = f"yes {_snap_age(b.dr_copy, view)}", base or p.ok
    naming = f"{len(b.naming_violations)} bad" if b.naming_violations else "ok"
    cells = (
        cell(state_label, base or p.state(state)),
        cell(_resource_name(b, name_width, ends), base),
        cell(b.region, base),
        cell(retention, retention_style),
        cell(b.backup_window or "—", base),
        cell(_restorable(b, view), base),
        cell(_snap_age(b.newest_automated, view), base),
        cell(_snap_age(b.newest_manual, view), base),
        cell(dr, dr_style),
        cell(naming, base or (p.warning if b.naming_violations else p.ok)),
        cell("—", base),
    )
    search = f"rds {b.resource} {b.region} {b.role or ''} {state.value} {b.engine or ''}".lower()
    return Row(b.key, cells, search)


def _details(b: BackupStatus) -> str:
    parts = [f"{b.kind}:{b.resource} ({b.region})"]
    if b.engine:
        parts.append(b.engine)
    for label, snap in (("automated", b.newest_automated), ("manual", b.newest_manual), ("DR copy", b.dr_copy)):
        if snap is not None:
            parts.append(f"{label} {snap.identifier} [{snap.region}]")
    if b.naming_violations:
        parts.append(
            "bad names: " + ", ".join(b.naming_violations[:3]) + (" …" if len(b.naming_violations) > 3 else "")
        )
    if b.error:
        parts.append(f"error: {fmt.one_line(b.error, 120)}")
    return " · ".join(parts)
