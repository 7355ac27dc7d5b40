"""The first refresh returns what is ready within its budget while slow S3 discovery keeps running in the
background: a gate proxy in front of moto holds every S3 request until the test opens it."""

from __future__ import annotations

import asyncio
import http.client
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from moto_world import DR, PRIMARY, fake_credentials, reset, seed, start_server

from nexus_tui.config import AppConfig, AwsConfig
from nexus_tui.engine.dashboard import DashboardService


class S3Gate(ThreadingHTTPServer):
    """Forwards to moto; S3 requests (told apart by their SigV4 scope) wait until `open` is set."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = urlsplit(upstream).netloc
        self.open = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a held request whose caller gave up (aclose) has nobody to answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: S3Gate

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "/s3/aws4_request" in (self.headers.get("Authorization") or ""):
            self.server.open.wait(30)
        conn = http.client.HTTPConnection(self.server.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_server()
    yield url
    server.stop()


@pytest.fixture
def gate(moto_url: str, monkeypatch: Any) -> Iterator[S3Gate]:
    fake_credentials(monkeypatch)
    reset(moto_url)
    seed(moto_url)
    proxy = S3Gate(moto_url)
    yield proxy
    proxy.open.set()
    proxy.shutdown()
    proxy.server_close()


def service(gate: S3Gate, budget: float | None = 0.3) -> DashboardService:
    aws = AwsConfig(regions=(PRIMARY, DR), endpoints={PRIMARY: gate.url, DR: gate.url}, read_timeout=10)
    return DashboardService(AppConfig(aws=aws), region_timeout=10.0, budget_seconds=budget)


def in_progress(snap: Any) -> list[Any]:
    return [u for u in snap.unavailable if u.reason == "in progress"]


async def test_first_refresh_shows_rds_at_once_and_s3_when_discovery_finishes(gate: S3Gate) -> None:
    svc = service(gate, budget=1.0)
    try:
        started = time.perf_counter()
        first = await svc.refresh()
        took = time.perf_counter() - started
        second = await svc.refresh()  # S3 still held: the running discovery is not started a second time
        counts = dict(svc.poller.clients.counts)
        gate.open.set()
        done = await svc.refresh(complete=True)
        third = await svc.refresh()
    finally:
        await svc.aclose()
    assert 1.0 <= took < 5.0  # waited its budget for S3, then returned without it
    for snap in (first, second):
        kinds = {p.kind: p for p in snap.replication}
        assert kinds["rds"].lag_seconds == 4.0 and not kinds["rds"].stale
        assert "secret" in kinds  # seen from the replica side at once; InSync once DescribeSecret is in
        assert "s3" not in kinds
        assert all(r.reachable for r in snap.regions)  # slow discovery is not a dead region
        # Other first-time parts (snapshots) may still be running too on a slow machine; S3 surely is.
        notes = [(u.panel, u.region, u.what) for u in in_progress(snap)]
        assert ("replication", None, "S3 replication discovery (listing buckets)") in notes
    assert counts["s3:ListBuckets"] == 1
    assert next(p for p in done.replication if p.kind == "secret").status == "InSync"
    s3 = next(p for p in done.replication if p.kind == "s3")
    assert (s3.target, s3.target_region, s3.lag_seconds) == ("orders-assets-dr", DR, 120.0)
    assert {b.resource for b in done.backups if b.kind == "s3"} == {"orders-assets", "orders-assets-dr"}
    assert in_progress(done) == [] and done.unavailable == ()
    total = dict(svc.poller.clients.counts)
    assert total["s3:ListBuckets"] == 1 and total["s3:GetBucketReplication"] == 3  # each bucket read once
    assert dict(third.request_counts) == {"cloudwatch:DescribeAlarms": 2, "cloudwatch:GetMetricData": 2}
    # Every request is charged to exactly one snapshot, background ones included.
    charged: dict[str, int] = {}
    for snap in (first, second, done, third):
        for name, n in snap.request_counts:
            charged[name] = charged.get(name, 0) + n
    assert charged == total


async def test_complete_refresh_waits_for_slow_discovery(gate: S3Gate) -> None:
    svc = service(gate)
    threading.Timer(0.8, gate.open.set).start()
    try:
        snap = await svc.refresh(complete=True)
    finally:
        await svc.aclose()
    assert {p.kind for p in snap.replication} == {"rds", "s3", "secret"}
    assert in_progress(snap) == []


async def test_aclose_cancels_background_discovery_cleanly(gate: S3Gate, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    svc = service(gate, budget=0.0)
    snap = await svc.refresh()
    tasks = list(svc.poller.background.tasks.values())
    assert tasks and in_progress(snap)
    await svc.aclose()
    assert all(t.done() for t in tasks) and svc.poller.background.tasks == {}
    gate.open.set()
    await asyncio.sleep(0.05)
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "destroyed" not in messages and "Unclosed" not in messages and "failed" not in messages
