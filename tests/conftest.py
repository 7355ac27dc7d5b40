"""Shared fixtures. `sim` is a started simulated AWS account (the SecureNexus world) on a ManualClock set to
the current minute, so tests move time with `sim.tick()` instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from nexus_tui.domain.clock import ManualClock
from nexus_tui.sim.environment import SimEnvironment

# Variables that could point a client at a real account; the simulator's environ() replaces or removes them.
_REAL_AWS_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(second=0, microsecond=0))


@pytest.fixture
def sim(sim_clock: ManualClock) -> Iterator[SimEnvironment]:
    environment = SimEnvironment(clock=sim_clock, seed=7).start()
    try:
        yield environment
    finally:
        environment.stop()


@pytest.fixture
def sim_env(
    sim: SimEnvironment, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> SimEnvironment:
    """`sim`, with its fake credentials and region in os.environ and no path to a real AWS profile."""
    for name in _REAL_AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path_factory.mktemp("aws") / "none"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    for name, value in sim.environ().items():
        monkeypatch.setenv(name, value)
    return sim


@pytest.fixture
def sim_boto(sim: SimEnvironment):  # type: ignore[no-untyped-def]
    """A factory of boto3 clients against the simulator: sim_boto("rds", "us-west-2")."""
    import boto3

    env = sim.environ()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]
    )

    def make(service: str, region: str | None = None):  # type: ignore[no-untyped-def]
        return session.client(service, region_name=region or sim.world.primary_region, endpoint_url=sim.endpoint_url)

    return make
