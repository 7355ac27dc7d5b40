"""moto's WSGI application on 127.0.0.1:<free port>, served by waitress with kept-alive connections, silenced.

Why not moto's own ThreadedMotoServer: werkzeug's development server closes the connection after every
answer (and waits up to 10 ms for the client to hang up first). AWS keeps connections alive, so with werkzeug
each of the ~1,000 per-resource calls of a refresh at scale paid a TCP connect, a thread start and a teardown
on both sides: measured ~20 % of the simulator's CPU per request and ~17 % of the app's. waitress speaks
HTTP/1.1 keep-alive like AWS does, so the app's connection pool behaves as it will against the real thing.

The demo runs under a full-screen TUI: a single log line or traceback on stderr would tear the screen, so
waitress's loggers are silenced along with moto's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from waitress.server import create_server

_POLL_SECONDS = 0.05  # how soon the serving thread notices stop()
_IN_MEMORY_BYTES = 64 * 1024 * 1024


class _CountingApp:
    """The WSGI app, counting answered requests: the server-side count the request-budget test and the
    benchmark read. Also gives moto the raw request URI under the name werkzeug uses (moto matches S3 keys
    against the undecoded path; waitress calls it REQUEST_URI)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.served = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "RAW_URI" not in environ and "REQUEST_URI" in environ:
            environ["RAW_URI"] = environ["REQUEST_URI"]
        try:
            return self._app(environ, start_response)
        finally:
            with self._lock:
                self.served += 1


def _silence_loggers() -> None:
    # werkzeug adds its own stderr handler on first use unless the logger already has a level and handler;
    # waitress logs queue depth and client hang-ups at WARNING.
    for name in ("werkzeug", "waitress", "moto", "botocore.credentials"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


class MotoServer:
    """moto bound to 127.0.0.1 on a free port; `url` after start(), `stop()` frees the port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, threads: int = 8) -> None:
        self._host, self._port, self._threads = host, port, threads
        self._app = _CountingApp(DomainDispatcherApplication(create_backend_app))
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        _silence_loggers()
        # Binds here, so the port is known (and a bind error raised) before start() returns.
        self._server = create_server(
            self._app,
            host=self._host,
            port=self._port,
            threads=self._threads,
            ident="nexus-sim",
            # No proxy in front of a loopback simulator: skip the header-scrubbing middleware.
            clear_untrusted_proxy_headers=False,
            # Answers and bodies stay in memory: past 1 MiB / 512 KiB waitress spools to a temporary file,
            # and a GetMetricData answer at scale is larger than that.
            outbuf_overflow=_IN_MEMORY_BYTES,
            inbuf_overflow=_IN_MEMORY_BYTES,
            # poll(), not select(): select() fails on descriptors past 1,024 (a long test run holds many).
            asyncore_use_poll=True,
        )
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="nexus-sim-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        server = self._server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=_POLL_SECONDS, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
        # Closed on the serving thread, which owns the socket map: kept-alive client connections included,
        # else the port would stay held by them after stop().
        for dispatcher in list(server._map.values()):
            dispatcher.close()
        server.task_dispatcher.shutdown(timeout=2)

    @property
    def served(self) -> int:
        """Requests answered so far (every service, every region)."""
        return self._app.served

    def get_host_and_port(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("MotoServer is not started")
        return str(self._server.effective_host), int(self._server.effective_port)

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout=10)
        self._thread = None
        self._server = None
