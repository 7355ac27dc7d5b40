"""moto's threaded server on 127.0.0.1:<free port>, silenced.

The demo runs under a full-screen TUI: a single request log line or traceback on stderr would tear the
screen, so both the request handler and the server swallow every log and error report.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import ThreadedWSGIServer


class _QuietHandler(MotoRequestHandler):
    # Headers and body go out in separate writes; with Nagle on, each response waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log(self, type: str, message: str, *args: Any) -> None:
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Called once per answered request: the server-side count the request-budget test and benchmark read.
        server = self.server
        with server.count_lock:  # type: ignore[attr-defined]
            server.served += 1  # type: ignore[attr-defined]

    def log_error(self, format: str, *args: Any) -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietWSGIServer(ThreadedWSGIServer):
    served = 0
    count_lock = threading.Lock()

    def log(self, type: str, message: str, *args: Any) -> None:
        pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print a traceback (a client hanging up mid-response, mostly).
        pass


def _silence_loggers() -> None:
    # werkzeug adds its own stderr handler on first use unless the logger already has a level and handler.
    for name in ("werkzeug", "moto", "botocore.credentials"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


class MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer bound to 127.0.0.1 on a free port; `url` after start(), `stop()` frees the port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self._server = _QuietWSGIServer(self._ip_address, self._port, app, handler=_QuietHandler)
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> None:
        _silence_loggers()
        super().start()

    @property
    def served(self) -> int:
        """Requests answered so far (every service, every region)."""
        server = getattr(self, "_server", None)
        return int(getattr(server, "served", 0))

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._thread is None:
            return
        super().stop()
        self._thread = None
