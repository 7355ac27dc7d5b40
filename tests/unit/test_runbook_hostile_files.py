"""Issue 7, runbook files: one bad file never hurts another, aliases are bounded, numbers are finite and in
range, a broken override is an error naming both files, never a silent fallback to the shipped runbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_tui.cli import main
from nexus_tui.runbook.library import UnknownRunbookError, find_runbook, load_library, load_paths
from nexus_tui.runbook.loader import parse_runbook
from nexus_tui.runbook.yamlfile import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

GOOD = "id: {id}\ntitle: {title}\ntrigger: x\nsteps:\n  - {{id: a, title: A, expected_minutes: 1}}\n"


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _good(directory: Path, name: str, runbook_id: str, title: str = "T") -> Path:
    return _write(directory, name, GOOD.format(id=runbook_id, title=title))


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("NEXUS_TUI_CONFIG", raising=False)
    return tmp_path / "xdg-data" / "nexus-tui" / "runbooks"


STEPS = "steps:\n  - {id: a, title: A, expected_minutes: 1}\n"
RECURSIVE = {
    "mapping": "id: rec\ntitle: T\ntrigger: x\nparams: &p {x: *p}\n" + STEPS,
    "list": "id: rec\ntitle: T\ntrigger: x\nextra: &a [*a]\n" + STEPS,
}


@pytest.mark.parametrize("shape", sorted(RECURSIVE))
def test_recursive_anchor_is_refused_with_its_line(shape: str) -> None:
    runbook, issues = parse_runbook(RECURSIVE[shape], "rec.yaml")
    assert runbook is None
    assert [str(i) for i in issues] == [
        "rec.yaml:4: invalid YAML: alias *{} is inside its own anchor (a value that contains itself)".format(
            "p" if shape == "mapping" else "a"
        )
    ]


def test_recursive_anchor_file_does_not_stop_load_library(_isolated_user_dirs: Path) -> None:
    _write(_isolated_user_dirs, "bad.yaml", RECURSIVE["mapping"])
    _good(_isolated_user_dirs, "good.yaml", "mine")
    lib = load_library()
    assert "mine" in lib.ids and "rds-failover" in lib.ids  # the user's other file and the shipped ones
    assert [i.path for i in lib.skipped] == [str(_isolated_user_dirs / "bad.yaml")]


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["id: bomb", "title: T", "trigger: x", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    lines += ["steps:", "  - {id: a, title: A, expected_minutes: 1}"]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_with_a_message() -> None:
    runbook, issues = parse_runbook(_bomb(), "bomb.yaml")
    assert runbook is None
    assert len(issues) == 1
    assert f"more than {MAX_NODES} values once aliases are expanded" in issues[0].message
    assert issues[0].line is not None and issues[0].line <= 12


def test_ordinary_aliases_still_work() -> None:
    text = (
        "id: ok\ntitle: T\ntrigger: x\nroles: &r [a, b]\nparams: {region: &reg eu-west-1}\n"
        "steps:\n  - {id: a, title: A, expected_minutes: 1, owner: a, command: 'echo ${region}'}\n"
    )
    runbook, issues = parse_runbook(text, "ok.yaml")
    assert runbook is not None, issues
    assert runbook.roles == ("a", "b")


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    text = "id: deep\nsteps: " + "[" * 5000 + "]" * 5000 + "\n"
    runbook, issues = parse_runbook(text, "deep.yaml")
    assert runbook is None
    assert issues[0].message == f"invalid YAML: nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("expected_minutes", ".nan", "must be a finite number, got '.nan'"),
        ("expected_minutes", ".inf", "must be a finite number, got '.inf'"),
        ("expected_minutes", "-1", "must be at least 0, got -1"),
        ("expected_minutes", "1.0e+300", "must be at most 10080, got 1e+300"),
        ("expected_minutes", "9" * 5000, "must be a number"),
    ],
)
def test_step_numbers_are_finite_and_in_range(key: str, value: str, expected: str) -> None:
    text = f"id: n\ntitle: T\ntrigger: x\nsteps:\n  - {{id: a, title: A, {key}: {value}}}\n"
    runbook, issues = parse_runbook(text, "n.yaml")
    assert runbook is None
    assert len(issues) == 1 and expected in issues[0].message and issues[0].line == 5


@pytest.mark.parametrize("value", [".inf", ".nan", "-5", "0", "1.0e+12"])
def test_rto_minutes_is_finite_and_in_range(value: str) -> None:
    text = f"id: n\ntitle: T\ntrigger: x\nrto_minutes: {value}\nsteps:\n  - {{id: a, title: A, expected_minutes: 1}}\n"
    runbook, issues = parse_runbook(text, "n.yaml")
    assert runbook is None
    assert [i.line for i in issues] == [4] and "rto_minutes" in issues[0].message


@pytest.mark.parametrize(
    ("http", "expected"),
    [
        ("{url: 'http://h', timeout_seconds: .inf}", "timeout_seconds must be a finite number"),
        ("{url: 'http://h', timeout_seconds: -1}", "timeout_seconds must be greater than 0"),
        ("{url: 'http://h', timeout_seconds: 86400}", "timeout_seconds must be at most 300"),
        ("{url: 'http://h', retry_interval_seconds: .nan}", "retry_interval_seconds must be a finite number"),
        ("{url: 'http://h', expected_status: .inf}", "expected_status must be a finite number"),
        ("{url: 'http://h', expected_status: 99999}", "expected_status must be at most 599"),
    ],
)
def test_http_timeouts_and_status_are_finite_and_in_range(http: str, expected: str) -> None:
    text = f"id: n\ntitle: T\ntrigger: x\nsteps:\n  - {{id: a, title: A, expected_minutes: 1, http: {http}}}\n"
    runbook, issues = parse_runbook(text, "n.yaml")
    assert runbook is None
    assert any(expected in i.message for i in issues), issues


def test_precondition_max_seconds_is_finite() -> None:
    text = (
        "id: n\ntitle: T\ntrigger: x\nsteps:\n  - id: a\n    title: A\n    expected_minutes: 1\n"
        "    preconditions:\n      - {check: replica_lag_below, resource: db, max_seconds: .inf}\n"
    )
    runbook, issues = parse_runbook(text, "n.yaml")
    assert runbook is None
    assert [i.line for i in issues] == [9] and "max_seconds must be a finite number" in issues[0].message


def test_oversized_runbook_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.yaml", GOOD.format(id="big", title="T") + "# " + "x" * MAX_FILE_BYTES + "\n")
    _good(tmp_path, "small.yaml", "small")
    lib = load_paths([tmp_path])
    assert lib.ids == ("small",)
    assert [str(i) for i in lib.errors] == [
        f"{path}: file is larger than {MAX_FILE_BYTES // 1024} KiB; a runbook file must be smaller (split it)"
    ]


def test_broken_override_of_a_shipped_runbook_is_an_error_naming_both_files(_isolated_user_dirs: Path) -> None:
    mine = _write(
        _isolated_user_dirs,
        "rds.yaml",
        "id: rds-failover\ntitle: Ours\ntrigger: x\ncolour: red\nsteps:\n  - {id: a, title: A, expected_minutes: 1}\n",
    )
    lib = load_library()
    override = [i for i in lib.errors if "overrides the shipped runbook" in i.message]
    assert len(override) == 1
    assert override[0].path == str(mine) and override[0].line == 1
    assert "rds-failover.yaml" in override[0].message  # the shipped file it meant to replace
    with pytest.raises(UnknownRunbookError, match="unusable") as info:
        lib.get("rds-failover")  # never the shipped runbook in its place
    assert str(mine) in str(info.value)


def test_two_user_files_with_one_id_are_an_error_naming_both(_isolated_user_dirs: Path, tmp_path: Path) -> None:
    first = _good(_isolated_user_dirs, "a.yaml", "rds-failover", "Ours")
    second = _good(tmp_path / "team", "b.yaml", "rds-failover", "Team's")
    lib = load_library(extra_dirs=[tmp_path / "team"])
    dup = [i for i in lib.errors if "duplicate runbook id" in i.message]
    assert [(i.path, i.line) for i in dup] == [(str(second), 1)]
    assert str(first) in dup[0].message
    with pytest.raises(UnknownRunbookError, match="unusable"):
        lib.get("rds-failover")
    assert "rds-failover" not in lib.ids


def test_skipped_lists_one_line_per_broken_file(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "id: a\ntitle: T\n")  # missing keys: several errors, one file
    _write(tmp_path, "b.yaml", RECURSIVE["list"])
    _good(tmp_path, "c.yaml", "c")
    lib = load_paths([tmp_path])
    assert lib.ids == ("c",)
    assert [Path(i.path).name for i in lib.skipped] == ["a.yaml", "b.yaml"]
    problems = [f"{i.path}:{i.line or '-'}: {i.message}" for i in lib.errors]  # the TUI's declare screen shape
    assert all(p.startswith(str(tmp_path)) for p in problems)


def test_validate_prints_file_names_through_printable_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "\x1b[2J\u202eevil.yaml", "id: e\n")
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "evil.yaml" in out


def test_find_runbook_warns_one_line_per_skipped_file(_isolated_user_dirs: Path) -> None:
    _write(_isolated_user_dirs, "bad.yaml", RECURSIVE["list"])
    _write(_isolated_user_dirs, "worse.yaml", "id: w\n\x1b[2J: 1\n")
    lines: list[str] = []
    assert find_runbook("rds-failover", warn=lines.append).id == "rds-failover"
    assert len(lines) == 2
    assert lines[0].startswith(f"nexus-tui: warning: runbook file skipped: {_isolated_user_dirs / 'bad.yaml'}:4: ")
    assert all("\x1b" not in line and "\n" not in line for line in lines)


def test_unreadable_runbook_directory_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    _good(tmp_path / "open", "a.yaml", "a")
    real_iterdir = Path.iterdir

    def iterdir(self: Path):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)  # the tests run as root, where chmod 000 does not lock
    lib = load_paths([locked, tmp_path / "open"])
    assert lib.ids == ("a",)
    assert [str(i) for i in lib.errors] == [f"{locked}: cannot read directory: Permission denied"]
