"""A stand-in for the application's /api/health endpoint, switchable up/down by drills and tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HEALTH_PATH = "/api/health"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        if self.path.split("?")[0] != HEALTH_PATH:
            self._reply(404, {"error": "not found"})
        elif self.server.up:
            self._reply(200, {"status": "ok"})
        else:
            self._reply(503, {"status": "unavailable"})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the demo's TUI owns the terminal


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    up = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class HealthServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._thread: threading.Thread | None = None

    def start(self) -> HealthServer:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}{HEALTH_PATH}"

    @property
    def up(self) -> bool:
        return self._server.up

    def set_up(self, up: bool) -> None:
        self._server.up = up

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
