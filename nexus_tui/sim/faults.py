"""A small HTTP proxy in front of an AWS endpoint that can break on demand, one per region.

Modes: "pass" forwards; "refuse" closes the listening socket (new connections are refused) and drops open
ones; "hang" accepts and never answers; "throttle" answers 400 ThrottlingException in the body format of
the caller's protocol (query/XML, JSON, CBOR); "error5xx" answers 503. The mode is read per request, so
pooled keep-alive connections break too.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

MODES = ("pass", "refuse", "hang", "throttle", "error5xx")
_HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


def _cbor_text(s: str) -> bytes:
    data = s.encode()
    n = len(data)
    head = bytes([0x60 | n]) if n < 24 else bytes([0x78, n]) if n < 256 else bytes([0x79]) + n.to_bytes(2, "big")
    return head + data


def _cbor_map(items: dict[str, str]) -> bytes:
    return bytes([0xA0 | len(items)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in items.items())


def error_body(headers: Any, code: str, message: str) -> tuple[str, bytes, dict[str, str]]:
    """(content type, body, extra headers) of an AWS error that botocore parses for the caller's protocol."""
    extra = {"x-amzn-RequestId": "fault-proxy", "x-amzn-ErrorType": code}
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        extra["smithy-protocol"] = "rpc-v2-cbor"
        extra["x-amzn-query-error"] = f"{code};Sender"
        return "application/cbor", _cbor_map({"__type": code, "message": message}), extra
    if "json" in (headers.get("Content-Type") or "") or headers.get("X-Amz-Target"):
        body = (f'{{"__type": "{code}", "message": "{message}"}}').encode()
        return "application/x-amz-json-1.1", body, extra
    xml = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>fault-proxy</RequestId></ErrorResponse>"
    )
    return "text/xml", xml.encode(), extra


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any  # the FaultProxy

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        proxy: FaultProxy = self.server
        body = self._body()
        mode = proxy.mode
        if mode == "refuse":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "hang":
            proxy._closed.wait()
            self.close_connection = True
            return
        if mode in ("throttle", "error5xx"):
            status, code, msg = (
                (400, "ThrottlingException", "Rate exceeded")
                if mode == "throttle"
                else (503, "ServiceUnavailable", "Service is unavailable, try again")
            )
            ctype, payload, extra = error_body(self.headers, code, msg)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
            return
        self._forward(body)

    def _forward(self, body: bytes) -> None:
        proxy: FaultProxy = self.server
        up = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
            up.request(self.command, self.path, body=body or None, headers=headers)
            resp = up.getresponse()
            payload = resp.read()
        finally:
            up.close()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in _HOP_HEADERS and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class FaultProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._mode = "pass"
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown fault mode {value!r} (expected one of {', '.join(MODES)})")
        with self._lock:
            previous, self._mode = self._mode, value
            if value == "refuse" and previous != "refuse":
                self._stop_listening()
                for conn in list(self._conns):
                    _drop(conn)
            elif previous == "refuse" and value != "refuse":
                self._listen()

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), name=f"fault-proxy-{self.port}", daemon=True).start()

    def _stop_listening(self) -> None:
        if self._listener is not None:
            _drop(self._listener)
            self._listener = None

    def _accept(self, sock: socket.socket) -> None:
        while not self._closed.is_set():
            try:
                conn, addr = sock.accept()
            except OSError:
                return  # the listener was closed (refuse mode or close())
            threading.Thread(target=self._serve, args=(conn, addr), daemon=True).start()

    def _serve(self, conn: socket.socket, addr: Any) -> None:
        with self._lock:
            self._conns.add(conn)
        try:
            _Handler(conn, addr, self)  # type: ignore[arg-type]  # any object with the attributes will do
        except OSError:
            pass  # the client went away, or we dropped it on purpose
        finally:
            with self._lock:
                self._conns.discard(conn)
            _drop(conn)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._stop_listening()
            for conn in list(self._conns):
                _drop(conn)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drop(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
