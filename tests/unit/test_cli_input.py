"""Issue 7, command line: --config wherever the README puts it, `demo --config FILE`, refresh values refused
as usage errors, and a closed pipe ends any command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nexus_tui import cli
from nexus_tui.cli import EXIT_BROKEN_PIPE, build_parser, main


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("NEXUS_TUI_CONFIG", raising=False)


def _bad_config(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text("[dashboard]\nrefresh_seconds = -1\n")
    return path


def test_demo_config_file_is_read_as_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Was: 'str' object has no attribute 'read_text'. A bad file shows it is now read (and stops before the sim).
    path = _bad_config(tmp_path)
    assert main(["demo", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: dashboard.refresh_seconds: must be" in err
    assert "read_text" not in err
    assert build_parser().parse_args(["demo", "--config", str(path)]).config == path


class _SimStarted(Exception):
    pass


def test_demo_with_a_good_config_file_gets_past_loading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nexus_tui.sim import environment

    def refuse(*_: object, **__: object) -> None:
        raise _SimStarted

    monkeypatch.setattr(environment.SimEnvironment, "__init__", refuse)
    path = tmp_path / "good.toml"
    path.write_text("[targets]\nrpo_seconds = 900\n")
    with pytest.raises(_SimStarted):
        main(["demo", "--config", str(path)])


@pytest.mark.parametrize("command", [["dashboard"], ["demo"], ["validate"], ["status"], ["incident", "list"]])
def test_config_is_accepted_after_the_subcommand(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _bad_config(tmp_path)
    args = build_parser().parse_args([*command, "--config", str(path)])
    assert args.config == path
    before = build_parser().parse_args(["--config", str(path), *command])
    assert before.config == path  # the global form still works, and is not clobbered by the subcommand's


def test_dashboard_config_after_the_subcommand_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _bad_config(tmp_path)
    assert main(["dashboard", "--config", str(path)]) == 2
    assert f"{path}:2: dashboard.refresh_seconds" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "1e9", "fast"])
def test_demo_refresh_values_are_a_one_line_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", f"--refresh={value}"])
    assert info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--refresh" in errors[0]


def test_demo_refresh_accepts_a_sane_value() -> None:
    assert build_parser().parse_args(["demo", "--refresh", "0.5"]).refresh == 0.5


class _ClosedPipe:
    """stdout whose reader has gone away; fileno() is a pipe of the test's own, so dup2 never touches pytest's."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        return self.fd


def test_closed_pipe_ends_quietly_in_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    read_end, write_end = os.pipe()
    try:
        monkeypatch.setattr(sys, "stdout", _ClosedPipe(write_end))
        assert main(["validate"]) == EXIT_BROKEN_PIPE
    finally:
        os.close(read_end)
        os.close(write_end)
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", [["validate"], ["--help"], ["incident", "list"]])
def test_closed_pipe_ends_quietly_in_a_real_process(command: list[str], tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte: `| head -0`, deterministically
    env = {**os.environ, "NEXUS_TUI_JOURNAL": str(tmp_path / "j.sqlite3")}
    code = f"import sys; from nexus_tui.cli import main; sys.exit(main({command!r}))"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=120
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, EXIT_BROKEN_PIPE)


def test_cli_module_exposes_the_exit_code() -> None:
    assert cli.EXIT_BROKEN_PIPE == 141
