"""The runbook library: every runbook file of the shipped dir, the user dir, the config's runbook_dirs and
--runbooks, in that order. Each file loads on its own: a broken file is reported and skipped, the others stay
usable. A user file overrides the shipped runbook with its id (a team copies a shipped runbook into its own
dir and edits it). What would make the tool silently run something other than what the user wrote is an
error that blocks the id instead: an override that does not validate (no fallback to the shipped runbook),
and two user files with one id (no guessing which one was meant)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus_tui.config import AppConfig, user_runbook_dir
from nexus_tui.domain.runbook import Runbook
from nexus_tui.domain.text import printable_line
from nexus_tui.resources import shipped_runbooks_dir
from nexus_tui.runbook.issues import ValidationIssue
from nexus_tui.runbook.loader import LoadedFile, load_file

RUNBOOK_SUFFIXES = (".yaml", ".yml")


class UnknownRunbookError(KeyError):
    """Raised by Library.get; str() is the one line shown to the user (KeyError would add quotes)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class Library:
    runbooks: tuple[Runbook, ...]  # sorted by id; only runbooks whose file has no error
    issues: tuple[ValidationIssue, ...]
    files: tuple[Path, ...]  # every runbook file read
    dirs: tuple[Path, ...]
    blocked: dict[str, str] = field(default_factory=dict)  # runbook id -> why no runbook with it is usable

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.runbooks)

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.is_error)

    @property
    def warnings(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if not i.is_error)

    @property
    def skipped(self) -> tuple[ValidationIssue, ...]:
        """One issue per file that yields no runbook (its first error): what a front end lists as skipped."""
        first: dict[str, ValidationIssue] = {}
        for issue in self.errors:
            first.setdefault(issue.path, issue)
        return tuple(first.values())

    def skipped_lines(self) -> list[str]:
        """One printable line per skipped file, for a command line front end's stderr."""
        return [
            printable_line(f"nexus-tui: warning: runbook file skipped: {i.path}:{i.line or '-'}: {i.message}")
            for i in self.skipped
        ]

    def get(self, runbook_id: str) -> Runbook:
        for rb in self.runbooks:
            if rb.id == runbook_id:
                return rb
        if runbook_id in self.blocked:
            raise UnknownRunbookError(f"runbook {runbook_id!r} is unusable: {self.blocked[runbook_id]}")
        known = ", ".join(self.ids) or "none"
        close = difflib.get_close_matches(runbook_id, self.ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        broken = f"; {len(self.errors)} problem(s) in runbook files, see `nexus-tui validate`" if self.errors else ""
        raise UnknownRunbookError(f"unknown runbook {runbook_id!r} (known: {known}){hint}{broken}")


def runbook_files(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.iterdir() if p.suffix in RUNBOOK_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def default_runbook_dirs(config: AppConfig | None = None, extra_dirs: Sequence[Path] = ()) -> list[Path]:
    dirs = [shipped_runbooks_dir(), user_runbook_dir()]
    if config is not None:
        dirs += list(config.runbook_dirs)
    return dirs + list(extra_dirs)


def load_paths(paths: Iterable[Path], optional: Iterable[Path] = (), *, shipped: Path | None = None) -> Library:
    """Load runbook files and directories in order. A missing path is an issue unless it is in `optional`.
    Files directly in `shipped` are the shipped runbooks, which one user file per id may override."""
    optional_set = {Path(p) for p in optional}
    shipped_dir = shipped.resolve() if shipped is not None else None
    issues: list[ValidationIssue] = []
    files: list[Path] = []
    dirs: list[Path] = []
    loaded: list[tuple[LoadedFile, bool]] = []
    for path in (Path(p) for p in paths):
        if path.is_dir():
            try:
                group = runbook_files(path)
            except OSError as exc:  # unreadable directory: its runbooks are missing, the others are not
                issues.append(ValidationIssue(str(path), None, f"cannot read directory: {exc.strerror or exc}"))
                continue
            dirs.append(path)
        elif path.is_file():
            group = [path]
        else:
            if path not in optional_set:
                issues.append(ValidationIssue(str(path), None, "no such runbook file or directory"))
            continue
        for file in group:
            if file in files:
                continue
            files.append(file)
            one = load_file(file)
            issues += one.issues
            loaded.append((one, shipped_dir is not None and file.parent.resolve() == shipped_dir))
    by_id, blocked = _choose(loaded, issues)
    return Library(
        runbooks=tuple(sorted(by_id.values(), key=lambda r: r.id)),
        issues=tuple(issues),
        files=tuple(files),
        dirs=tuple(dirs),
        blocked=blocked,
    )


def _choose(
    loaded: list[tuple[LoadedFile, bool]], issues: list[ValidationIssue]
) -> tuple[dict[str, Runbook], dict[str, str]]:
    """Which runbook each id means, adding an issue for every clash; ids with no trustworthy answer are blocked."""
    groups: dict[str, list[tuple[LoadedFile, bool]]] = {}
    for one, is_shipped in loaded:
        rb_id = one.runbook.id if one.runbook is not None else one.declared_id
        if rb_id is not None:
            groups.setdefault(rb_id, []).append((one, is_shipped))
    by_id: dict[str, Runbook] = {}
    blocked: dict[str, str] = {}
    for rb_id, group in groups.items():
        shipped = [f for f, s in group if s]
        user = [f for f, s in group if not s]
        for dup in shipped[1:]:
            issues.append(
                ValidationIssue(dup.path, dup.id_line, f"duplicate runbook id {rb_id!r} (also in {shipped[0].path})")
            )
        if len(user) > 1:
            for dup in user[1:]:
                issues.append(
                    ValidationIssue(
                        dup.path,
                        dup.id_line,
                        f"duplicate runbook id {rb_id!r} (also in {user[0].path}); neither is used until one is "
                        "renamed or removed",
                    )
                )
            blocked[rb_id] = f"{len(user)} files declare it ({', '.join(f.path for f in user)})"
            continue
        if user:
            chosen = user[0]
            if chosen.runbook is None and shipped:
                issues.append(
                    ValidationIssue(
                        chosen.path,
                        chosen.id_line,
                        f"this file overrides the shipped runbook {rb_id!r} ({shipped[0].path}) but has errors; "
                        f"runbook {rb_id!r} is unusable until it is fixed or removed",
                    )
                )
        else:
            chosen = shipped[0]
        if chosen.runbook is None:
            blocked[rb_id] = f"{chosen.path} has errors (see `nexus-tui validate`)"
        else:
            by_id[rb_id] = chosen.runbook
    return by_id, blocked


def load_library(
    dirs: Sequence[Path] | None = None, *, config: AppConfig | None = None, extra_dirs: Sequence[Path] = ()
) -> Library:
    """With dirs=None: shipped, user dir, config.runbook_dirs, extra_dirs (the shipped and user dirs may be
    missing; a configured or given dir that is missing is reported in issues)."""
    if dirs is None:
        defaults = default_runbook_dirs(config, extra_dirs)
        return load_paths(defaults, optional=defaults[:2], shipped=defaults[0])
    return load_paths([*dirs, *extra_dirs])


def find_runbook(
    runbook_id: str,
    extra_dirs: Sequence[Path] = (),
    *,
    config: AppConfig | None = None,
    warn: Callable[[str], None] | None = None,
) -> Runbook:
    """The runbook with this id from the default library; UnknownRunbookError (a KeyError) if none.
    `warn` receives one line per runbook file that was skipped (a CLI passes a print to stderr)."""
    library = load_library(config=config, extra_dirs=extra_dirs)
    if warn is not None:
        for line in library.skipped_lines():
            warn(line)
    return library.get(runbook_id)
