"""The runbook library: search order, overrides, lookup errors, params."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_tui.domain.runbook_params import ParamError, resolve_params, step_placeholders
from nexus_tui.runbook.library import UnknownRunbookError, find_runbook, load_library

DATA = Path(__file__).resolve().parents[1] / "data"


def _write(directory: Path, name: str, runbook_id: str, title: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(
        f"id: {runbook_id}\ntitle: {title}\ntrigger: x\nsteps:\n  - {{id: a, title: A, expected_minutes: 1}}\n"
    )
    return path


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("NEXUS_TUI_CONFIG", raising=False)


def test_default_library_is_the_shipped_runbooks() -> None:
    lib = load_library()
    assert "rds-failover" in lib.ids and len(lib.ids) == 9
    assert lib.errors == ()  # a missing user dir is not a problem


def test_later_dir_overrides_an_earlier_runbook_with_the_same_id(tmp_path: Path) -> None:
    _write(tmp_path / "xdg-data" / "nexus-tui" / "runbooks", "mine.yaml", "rds-failover", "Our failover")
    _write(tmp_path / "extra", "x.yaml", "extra-one", "Extra")
    lib = load_library(extra_dirs=[tmp_path / "extra"])
    assert lib.get("rds-failover").title == "Our failover"
    assert lib.get("extra-one").title == "Extra"
    # A second user file with the id is no override of the first: which one was meant is not ours to guess.
    _write(tmp_path / "later", "y.yaml", "rds-failover", "Later still")
    with pytest.raises(UnknownRunbookError, match="unusable: 2 files declare it"):
        find_runbook("rds-failover", [tmp_path / "later"])


def test_unknown_id_names_the_known_ones_and_a_close_match() -> None:
    lib = load_library([DATA / "runbooks_ok"])
    with pytest.raises(KeyError) as exc:
        lib.get("minimla")
    assert isinstance(exc.value, UnknownRunbookError)
    assert str(exc.value) == "unknown runbook 'minimla' (known: minimal); did you mean 'minimal'?"


def test_broken_files_are_excluded_and_reported() -> None:
    lib = load_library([DATA / "runbooks_broken"])
    assert lib.runbooks == ()
    assert len(lib.errors) >= 20
    with pytest.raises(KeyError, match="see `nexus-tui validate`"):
        lib.get("tabs")


def test_duplicate_ids_in_one_directory_are_an_error() -> None:
    lib = load_library([DATA / "runbooks_dup"])
    dup = DATA / "runbooks_dup"
    assert [str(i) for i in lib.errors] == [
        f"{dup / 'two.yaml'}:2: duplicate runbook id 'same' (also in {dup / 'one.yaml'}); neither is used until "
        "one is renamed or removed"
    ]
    with pytest.raises(UnknownRunbookError, match="unusable"):
        lib.get("same")


def test_missing_configured_dir_is_reported(tmp_path: Path) -> None:
    lib = load_library(extra_dirs=[tmp_path / "nope"])
    assert [i.message for i in lib.errors] == ["no such runbook file or directory"]


def test_resolve_params_defaults_overrides_and_open_params() -> None:
    rb = find_runbook("rds-failover")
    resolved = resolve_params(rb, {"dr_region": "eu-west-1", "hosted_zone_id": "Z123"})
    promote = resolved.step("promote-replica")
    assert promote.action is not None and promote.action.region == "eu-west-1"
    assert promote.action.params == {"DBInstanceIdentifier": "securenexus-db-replica-west"}
    assert promote.confirm_text == "securenexus-db-replica-west"
    assert promote.preconditions[0].args == {"resource": "securenexus-db-replica-west"}
    assert resolved.params["hosted_zone_id"] == "Z123"
    # dr_load_balancer has no default: the DNS step still needs it, the promote step does not.
    assert step_placeholders(resolved.step("update-dns")) == {"dr_load_balancer"}
    assert step_placeholders(promote) == set()
    # The original is untouched (frozen dataclasses).
    assert rb.step("promote-replica").action.region == "${dr_region}"  # type: ignore[union-attr]


def test_resolve_params_rejects_a_typo() -> None:
    with pytest.raises(ParamError, match="did you mean 'replica_db'"):
        resolve_params(find_runbook("rds-failover"), {"replica_dbb": "x"})
