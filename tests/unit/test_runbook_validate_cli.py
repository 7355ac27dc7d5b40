"""`nexus-tui validate`: output lines and exit codes, through the real CLI entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nexus_tui.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("NEXUS_TUI_CONFIG", raising=False)


def test_default_validates_shipped_runbooks_with_warnings_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "ok: 9 runbook files checked, 9 runbooks valid, 0 errors, 3 warnings"
    assert all(": warning: " in line for line in out[:-1])


def test_broken_dir_exits_1_with_file_line_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "runbooks_broken")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{DATA / 'runbooks_broken' / 'tabs.yaml'}:6: tab character in indentation (YAML indents with spaces)" in out
    assert out[-1].startswith("FAILED: 18 runbook files checked, 0 runbooks valid, 21 errors")


def test_single_ok_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "runbooks_ok" / "minimal.yaml")]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 runbook file checked, 1 runbook valid")


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_runbooks_option_adds_a_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--runbooks", str(DATA / "runbooks_dup")]) == 1
    assert "duplicate runbook id 'same'" in capsys.readouterr().out


def test_bad_config_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[runbooks]\ndirs = 3\n")
    assert main(["--config", str(cfg), "validate"]) == 2
    assert "runbooks.dirs" in capsys.readouterr().err


def test_empty_dir_is_a_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path)]) == 1
    assert "no runbook files" in capsys.readouterr().out


def test_console_script_exit_code(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nexus_tui", "validate", str(DATA / "runbooks_broken" / "unknown_kind.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "unknown_kind.yaml:8: step a: unknown kind 'manaul'" in result.stdout
    assert "Traceback" not in result.stderr
