"""The runbook library: every runbook file of the shipped dir, the user dir, the config's runbook_dirs and
--runbooks, in that order. A later directory overrides an earlier runbook with the same id (a team copies a
shipped runbook into its own dir and edits it); two files with one id in the same directory are an error."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nexus_tui.config import AppConfig, user_runbook_dir
from nexus_tui.domain.runbook import Runbook
from nexus_tui.resources import shipped_runbooks_dir
from nexus_tui.runbook.issues import ValidationIssue
from nexus_tui.runbook.loader import load_runbook_file

RUNBOOK_SUFFIXES = (".yaml", ".yml")
_ID_LINE = re.compile(r"^id\s*:", re.MULTILINE)


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

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.runbooks)

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.is_error)

    @property
    def warnings(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if not i.is_error)

    def get(self, runbook_id: str) -> Runbook:
        for rb in self.runbooks:
            if rb.id == runbook_id:
                return rb
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


def _id_line(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = _ID_LINE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def load_paths(paths: Iterable[Path], optional: Iterable[Path] = ()) -> Library:
    """Load runbook files and directories in order. A missing path is an issue unless it is in `optional`."""
    optional_set = {Path(p) for p in optional}
    issues: list[ValidationIssue] = []
    files: list[Path] = []
    by_id: dict[str, Runbook] = {}
    dirs: list[Path] = []
    first_of: dict[tuple[Path, str], Path] = {}
    for path in (Path(p) for p in paths):
        if path.is_dir():
            group = runbook_files(path)
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
            runbook, found = load_runbook_file(file)
            issues += found
            if runbook is None:
                continue
            first = first_of.get((file.parent.resolve(), runbook.id))
            if first is not None:
                issues.append(
                    ValidationIssue(str(file), _id_line(file), f"duplicate runbook id {runbook.id!r} (also in {first})")
                )
                continue
            first_of[(file.parent.resolve(), runbook.id)] = file
            by_id[runbook.id] = runbook
    return Library(
        runbooks=tuple(sorted(by_id.values(), key=lambda r: r.id)),
        issues=tuple(issues),
        files=tuple(files),
        dirs=tuple(dirs),
    )


def load_library(
    dirs: Sequence[Path] | None = None, *, config: AppConfig | None = None, extra_dirs: Sequence[Path] = ()
) -> Library:
    """With dirs=None: shipped, user dir, config.runbook_dirs, extra_dirs (the shipped and user dirs may be
    missing; a configured or given dir that is missing is reported in issues)."""
    if dirs is None:
        defaults = default_runbook_dirs(config, extra_dirs)
        return load_paths(defaults, optional=defaults[:2])
    return load_paths([*dirs, *extra_dirs])


def find_runbook(runbook_id: str, extra_dirs: Sequence[Path] = (), *, config: AppConfig | None = None) -> Runbook:
    """The runbook with this id from the default library; UnknownRunbookError (a KeyError) if none."""
    return load_library(config=config, extra_dirs=extra_dirs).get(runbook_id)
