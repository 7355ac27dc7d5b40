"""The domain layer must stay pure: importing it must not pull in Textual, botocore or SQLite.
import-linter checks static imports (make lint); this catches dynamic ones at run time."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import nexus_tui.domain

FORBIDDEN = ("textual", "rich", "botocore", "aiobotocore", "boto3", "aiohttp", "sqlite3", "slack_sdk", "moto")


def test_domain_imports_nothing_heavy() -> None:
    modules = [f"nexus_tui.domain.{m.name}" for m in pkgutil.iter_modules(nexus_tui.domain.__path__)]
    assert modules, "domain package has no modules?"
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = json.loads(out)
    offending = sorted({m for m in loaded for f in FORBIDDEN if m == f or m.startswith(f + ".")})
    assert offending == [], f"domain pulled in {offending}"
