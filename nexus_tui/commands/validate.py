"""`nexus-tui validate [PATH...] [--runbooks DIR]`: check runbook files like a linter.

Exit 0 when clean (warnings allowed), 1 when any problem is found, 2 on a usage error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nexus_tui.config import ConfigError, load_config
from nexus_tui.domain.text import printable_line
from nexus_tui.runbook.library import load_library, load_paths
from nexus_tui.runbook.validate import exit_code, report_lines


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check runbook files (default: shipped, user dir, config runbook dirs)",
        description="Check runbook YAML files. Each problem is printed as file:line: message, then a summary. "
        "Exit status: 0 clean (warnings allowed), 1 problems found, 2 usage error.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="runbook files or directories")
    parser.add_argument(
        "--runbooks", action="append", type=Path, default=[], metavar="DIR", help="also check this runbook dir"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    extra: list[Path] = list(args.runbooks)
    missing = [p for p in [*args.paths, *extra] if not p.exists()]
    if missing:
        for p in missing:
            print(f"nexus-tui validate: {printable_line(str(p))}: no such file or directory", file=sys.stderr)
        return 2
    if args.paths:
        library = load_paths([*args.paths, *extra])
    else:
        try:
            config = load_config(getattr(args, "config", None))
        except ConfigError as exc:
            print(f"nexus-tui validate: {printable_line(str(exc))}", file=sys.stderr)
            return 2
        library = load_library(config=config, extra_dirs=extra)
    for line in report_lines(library):
        print(line)
    return exit_code(library)
