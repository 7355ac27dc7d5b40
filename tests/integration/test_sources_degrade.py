"""Refusals that retrying will not fix (AccessDenied, an API the endpoint lacks) and HTTP health endpoints."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import moto.settings
import pytest
from moto_world import DR, PRIMARY, client, fake_credentials, reset, seed, start_server

from nexus_tui.config import AppConfig, AwsConfig, HealthCheckConfig
from nexus_tui.engine.dashboard import DashboardService


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_server()
    yield url
    server.stop()


def _restricted_user(url: str) -> tuple[str, str]:
    iam = client(url, "iam", "us-east-1")
    iam.create_user(UserName="dashboard")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["rds:DescribeDBSnapshots"], "Resource": "*"},
        ],
    }
    iam.put_user_policy(UserName="dashboard", PolicyName="ro", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="dashboard")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


async def test_access_denied_is_one_unavailable_entry_and_the_rest_works(moto_url: str, monkeypatch: Any) -> None:
    fake_credentials(monkeypatch)
    reset(moto_url)
    seed(moto_url)
    key_id, secret = _restricted_user(moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # moto enforces IAM from here on
    aws = AwsConfig(regions=(PRIMARY, DR), endpoints={PRIMARY: moto_url, DR: moto_url}, read_timeout=30)
    svc = DashboardService(AppConfig(aws=aws), budget_seconds=None, region_timeout=120)  # independent of speed
    try:
        snap = await svc.refresh()
    finally:
        await svc.aclose()
    denied = [u for u in snap.unavailable if u.panel == "backups"]
    assert {u.region for u in denied} == {PRIMARY, DR} and len(denied) == 2
    assert all(u.reason.startswith("AccessDenied") and "\n" not in u.reason for u in denied)
    assert next(p for p in snap.replication if p.kind == "rds").lag_seconds == 4.0
    backup = next(b for b in snap.backups if b.resource == "orders-pg")
    assert backup.error and backup.newest_snapshot is None and backup.retention_days == 14


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 200 if self.path == "/ok" else 500
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


async def test_health_endpoints_up_down(monkeypatch: Any) -> None:
    fake_credentials(monkeypatch)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    checks = (
        HealthCheckConfig("api", f"{base}/ok"),
        HealthCheckConfig("admin", f"{base}/broken"),
        HealthCheckConfig("gone", "http://127.0.0.1:9/health", timeout_seconds=1),
    )
    # No AWS region at all: the AWS side reports one line, the health checks still run.
    svc = DashboardService(AppConfig(health_checks=checks))
    try:
        snap = await svc.refresh()
    finally:
        await svc.aclose()
        server.shutdown()
    status = {e.name: (e.status, e.http_status) for e in snap.endpoints}
    assert status == {"api": ("up", 200), "admin": ("down", 500), "gone": ("down", None)}
    assert all(e.latency_ms is not None for e in snap.endpoints)
    assert [u.what for u in snap.unavailable] == ["AWS region"]
