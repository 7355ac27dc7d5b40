"""The simulator's HTTP server: connections kept alive as AWS keeps them, every answer counted, and stop()
frees the port even while a client still holds a kept-alive connection."""

from __future__ import annotations

import http.client
import socket
import threading

import pytest

from nexus_tui.sim.server import MotoServer


def _list_buckets(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    auth = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
    conn.request("GET", "/", headers={"Authorization": auth})
    response = conn.getresponse()
    response.read()
    return response


def _server_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "nexus-sim-server"}


def test_connection_is_kept_alive_and_every_answer_counted() -> None:
    server = MotoServer()
    server.start()
    try:
        host, port = server.get_host_and_port()
        conn = http.client.HTTPConnection(host, port, timeout=10)
        first = _list_buckets(conn)
        sock = conn.sock
        second = _list_buckets(conn)
        assert first.status == second.status == 200
        assert first.getheader("Connection", "").lower() != "close"
        assert conn.sock is sock  # the second request went over the same connection
        assert server.served == 2
        conn.close()
    finally:
        server.stop()


def test_stop_frees_the_port_with_a_connection_still_open() -> None:
    before = _server_threads()
    server = MotoServer()
    server.start()
    host, port = server.get_host_and_port()
    conn = http.client.HTTPConnection(host, port, timeout=10)
    _list_buckets(conn)  # a kept-alive connection the client never closes
    server.stop()
    assert _server_threads() == before
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=2).close()
    # The server closed its end of the kept connection too: the client sees the end of the stream.
    assert conn.sock is not None and conn.sock.recv(1) == b""
    conn.close()


def test_url_before_start_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = MotoServer().url
