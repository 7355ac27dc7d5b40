"""STS caller identity through aiobotocore against a moto server, and its quiet degradation to None."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from nexus_tui.sources.aws.identity import caller_identity


@pytest.fixture
def moto_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


async def test_caller_identity_returns_the_arn(moto_url: str) -> None:
    arn = await caller_identity(region="us-east-1", endpoint_url=moto_url)
    assert arn is not None and arn.startswith("arn:aws:")


async def test_no_credentials_gives_none(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert await caller_identity(region="us-east-1", endpoint_url="http://127.0.0.1:9") is None


async def test_unreachable_endpoint_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        assert await caller_identity(endpoint_url=f"http://127.0.0.1:{port}", limit_seconds=1) is None


async def test_unknown_profile_gives_none(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert await caller_identity(profile="does-not-exist", endpoint_url="http://127.0.0.1:9") is None
