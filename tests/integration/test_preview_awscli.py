"""`nexus-tui incident preview ID STEP --json` of every aws step of every shipped runbook prints `cli` lines
that the real AWS CLI (awscli from PyPI, in its own venv: its exact botocore pin would fight aiobotocore's in
ours) accepts unchanged against the simulator. Accepted means the request reached the server: exit 0, or an
AWS error answer ('An error occurred (...)': a replica promoted twice, say); a usage or parameter-validation
error is the failure this test exists to catch."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from incident_harness import IncidentCli

from nexus_tui.domain.runbook_params import runbook_placeholders
from nexus_tui.runbook.library import load_library
from nexus_tui.sim.environment import SimEnvironment

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "runbooks"


def _awscli() -> Path | None:
    explicit = os.environ.get("NEXUS_TUI_AWSCLI")
    path = Path(explicit) if explicit else REPO / ".venv-awscli" / "bin" / "aws"
    return path if path.is_file() and os.access(path, os.X_OK) else None


AWS = _awscli()
if AWS is None:
    if os.environ.get("CI"):
        raise RuntimeError("awscli is missing: `make test` creates .venv-awscli (or set NEXUS_TUI_AWSCLI)")
    pytest.skip(
        "awscli not installed: run `make .venv-awscli/bin/aws` (or set NEXUS_TUI_AWSCLI to an aws v1 binary)",
        allow_module_level=True,
    )


def _aws_runbooks() -> dict[str, list[str]]:
    library = load_library()
    out: dict[str, list[str]] = {}
    for rid in library.ids:
        steps = [s.id for s in library.get(rid).steps if s.kind == "aws"]
        if steps:
            out[rid] = steps
    return out


AWS_STEPS = _aws_runbooks()


def _open_values(sim: SimEnvironment, sim_boto: Any) -> dict[str, str]:
    """Values for the params a runbook leaves open, taken from the simulated account where they live there."""
    s3 = sim_boto("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("securenexus-platform-5"))
    version = s3.list_object_versions(Bucket=bucket)["Versions"][0]
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return {
        **sim.runbook_params(),
        "restore_time": before.isoformat().replace("+00:00", "Z"),
        "forensic_snapshot_id": f"securenexus-db-{before:%Y%m%d-%H%M}-forensics",
        "restored_endpoint": "securenexus-db-restored.example.internal",
        "object_key": version["Key"],
        "version_id": version["VersionId"],
        "prefix": "assets/",
    }


def test_every_shipped_runbook_with_aws_steps_is_covered() -> None:
    assert set(AWS_STEPS) >= {"rds-failover", "s3-object-recovery", "data-corruption-recovery"}
    assert sum(len(v) for v in AWS_STEPS.values()) >= 8


@pytest.mark.parametrize("runbook_id", sorted(AWS_STEPS))
def test_preview_cli_lines_are_accepted_by_the_aws_cli(
    runbook_id: str, sim_env: SimEnvironment, sim_boto: Any, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    endpoints = "".join(f'{r} = "{sim_env.endpoint_url}"\n' for r in sim_env.regions)
    config.write_text(f"[aws]\nregions = {json.dumps(list(sim_env.regions))}\n[aws.endpoints]\n{endpoints}")
    cli = IncidentCli(tmp_path, SHIPPED, config, env=sim_env.environ())
    library = load_library()
    runbook = library.get(runbook_id)
    wanted = set(runbook.params) | runbook_placeholders(runbook)  # defaults, and the params left open
    params = [f"{k}={v}" for k, v in _open_values(sim_env, sim_boto).items() if k in wanted]
    iid = cli.ok("declare", "--runbook", runbook_id, *(a for p in params for a in ("--param", p))).strip()

    # The secret step's CLI line reads the edited secret from a file, as its preview notes say.
    work = tmp_path / "cwd"
    work.mkdir()
    (work / "secret.json").write_text('{"host": "db.example.internal"}')
    env = {**cli.env, **sim_env.environ()}
    for step in AWS_STEPS[runbook_id]:
        plan = json.loads(cli.ok("preview", iid, step, "--json"))
        request = plan["request"]
        assert request is not None, (step, plan.get("preview_error"))
        lines = request["cli"]
        assert lines and all(line.startswith("aws ") for line in lines), lines
        for line in lines:
            argv = shlex.split(line)
            assert "#" not in argv, f"{step}: a comment is not part of an aws command: {line}"
            assert "--endpoint-url" in argv, line  # never real AWS from a test
            proc = subprocess.run([str(AWS), *argv[1:]], env=env, cwd=work, capture_output=True, text=True, timeout=120)
            rejected = proc.returncode == 252 or any(
                s in proc.stderr for s in ("usage:", "Parameter validation failed", "Unknown options", "Invalid type")
            )
            reached = proc.returncode == 0 or "An error occurred (" in proc.stderr
            assert reached and not rejected, f"{runbook_id}/{step}: {line}\nexit {proc.returncode}: {proc.stderr}"
