"""`nexus-tui serve`: the read-only wall (or the read-only readiness dashboard) in a browser, for war-room
TVs that only have one. textual-serve starts one app process per browser tab; the process is always
`nexus_tui.commands.wall`, which has no control that changes anything, so a viewer can never reach the
runbook controls.

textual-serve has no authentication and no viewer limit, so GuardedServer adds both around it:
- an aiohttp middleware runs before every route textual-serve registers (page, websocket, static,
  download). On a public bind every request must carry the access token, as an HttpOnly SameSite=Strict
  cookie set by the page's token form (POST /login) or as `Authorization: Bearer` (scripts). Anything else
  gets 401 — the page and the websocket alike (the browser sends the cookie with the websocket upgrade). The
  token never travels in a URL, so it is in no address bar, history or log.
- the websocket handler is wrapped to count live viewers; past --max-viewers the page and the websocket
  answer 503 with a page that says so.
- the aiohttp access log is off: nothing about viewers is written to the terminal.
Loopback binds need no token. A non-loopback bind needs --public, and then always a token (NEXUS_TUI_SERVE_TOKEN
or one generated and printed at start). --public on a loopback address also demands the token."""

from __future__ import annotations

import argparse
import contextlib
import hmac
import ipaddress
import os
import secrets
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

TOKEN_ENV = "NEXUS_TUI_SERVE_TOKEN"
COOKIE = "nexus_wall_token"

# The wall is laid out for about 120x35 cells. textual-serve draws the terminal at a fixed font size (16 px,
# or ?fontsize=N), which on a 1080p TV gives 213x59 small cells and a wall in the top half of the screen. So,
# unless the URL or --font-size names a size, the page picks the largest font that still gives WALL_COLS x
# WALL_ROWS cells in the browser's window: 26 px on 1920x1080, 53 px on a 4K TV, 18 px on a 1366x768 laptop.
# Cell size per px of font, measured in Chromium with textual-serve's font: 0.577 wide, 1.154 high.
WALL_COLS, WALL_ROWS = 120, 35
FALLBACK_FONT_SIZE = 26  # the size the script would pick on a 1080p screen, used if it does not run
FIT_SCRIPT = f"""<script>
(function () {{
  var t = document.getElementById("terminal");
  if (!t) return;
  var size = Math.floor(Math.min(innerWidth / ({WALL_COLS} * 0.58), innerHeight / ({WALL_ROWS} * 1.16)));
  t.dataset.fontSize = String(Math.max(12, size));
}})();
</script>
"""

FULL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>nexus-tui wall: full</title></head>
<body style="font-family:sans-serif;font-size:2em;margin:2em">
<h1>The wall is full</h1><p>{count} of {limit} viewers are connected. Close another tab showing the wall, or ask
whoever runs <code>nexus-tui serve</code> to raise <code>--max-viewers</code>.</p></body></html>"""
DENIED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>nexus-tui wall: access token needed</title>
</head><body style="font-family:sans-serif;font-size:2em;margin:2em"><h1>401: access token needed</h1>
<p>Type the access token printed by <code>nexus-tui serve</code>:</p>
<form method="post" action="/login"><input name="token" type="password" autofocus size="40">
<button type="submit">Show the wall</button></form></body></html>"""


class ServeError(Exception):
    """A refused setup (bind without --public, bad port): one line, exit 2."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere: treat it as public


def access_token(host: str, public: bool, environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The token requests must carry, or None for a loopback bind without --public."""
    if not is_loopback(host) and not public:
        raise ServeError(
            f"refusing to serve on {host}: not a loopback address; add --public (a token is then required)"
        )
    if not public:
        return None
    return environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)


def wall_command(args: argparse.Namespace) -> str:
    """The command textual-serve runs per tab: the read-only wall, never the TUI."""
    argv = [sys.executable, "-m", "nexus_tui.commands.wall"]
    if getattr(args, "config", None):
        argv += ["--config", str(args.config)]
    if args.journal:
        argv += ["--journal", str(args.journal)]
    if args.theme:
        argv += ["--theme", args.theme]
    if args.no_aws:
        argv.append("--no-aws")
    if args.dashboard:
        argv.append("--dashboard")
    if args.incident and not args.dashboard:
        argv.append(args.incident)
    return shlex.join(argv)


def make_server(
    command: str, host: str, port: int, *, token: str | None, max_viewers: int, font_size: int | None = None
) -> Any:
    """GuardedServer is defined here so `nexus-tui --help` never imports aiohttp or textual-serve."""
    from aiohttp import web
    from textual_serve.server import Server

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

    class GuardedServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title="nexus-tui wall")
            self.token = token
            self.max_viewers = max_viewers
            self.viewers = 0
            self.font_size = font_size  # None: fit the browser's window (FIT_SCRIPT)

        def allowed(self, request: web.Request) -> bool:
            if self.token is None:
                return True
            given = [
                request.cookies.get(COOKIE, ""),
                request.headers.get("Authorization", "").removeprefix("Bearer "),
            ]
            return any(g and hmac.compare_digest(g.encode(), self.token.encode()) for g in given)

        @web.middleware
        async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path == "/login" and request.method == "POST":
                return await self.login(request)
            if not self.allowed(request):
                return web.Response(status=401, text=DENIED_PAGE, content_type="text/html")
            full = self.viewers >= self.max_viewers and request.path in ("/", "/ws")
            if full:
                page = FULL_PAGE.format(count=self.viewers, limit=self.max_viewers)
                return web.Response(status=503, text=page, content_type="text/html")
            return await handler(request)

        async def login(self, request: web.Request) -> web.StreamResponse:
            form = await request.post()
            given = str(form.get("token", ""))
            if self.token is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return web.Response(status=401, text=DENIED_PAGE, content_type="text/html")
            response = web.Response(status=302, headers={"Location": "/"})
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
            return response

        async def _make_app(self) -> web.Application:
            app: web.Application = await super()._make_app()
            app.middlewares.append(self.guard)
            return app

        async def handle_index(self, request: web.Request) -> Any:
            # The page tells the browser where the websocket is; the address it was reached by is the one
            # that works from the TV (textual-serve would use the bind address, e.g. 0.0.0.0).
            self.public_url = f"{request.scheme}://{request.host}"
            fit = False
            if "fontsize" not in request.query:  # ?fontsize=N in the address always wins
                size = self.font_size or FALLBACK_FONT_SIZE
                request = request.clone(rel_url=request.rel_url.update_query(fontsize=str(size)))
                fit = self.font_size is None
            response = await super().handle_index(request)
            if fit and isinstance(response, web.Response) and response.text and "</body>" in response.text:
                response.text = response.text.replace("</body>", FIT_SCRIPT + "</body>", 1)
            return response

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            self.viewers += 1
            try:
                return await super().handle_websocket(request)
            finally:
                self.viewers -= 1

        def initialize_logging(self) -> None:
            pass  # textual-serve's rich logging would not add anything; errors still reach stderr

        async def on_startup(self, app: web.Application) -> None:
            pass

        def serve(self, debug: bool = False) -> None:
            import asyncio
            import signal

            self.debug = debug
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, self.request_exit)
            # access_log=None: the access log would print request URLs, which may carry the token.
            web.run_app(
                self._make_app(),
                host=self.host,
                port=self.port,
                handle_signals=False,
                loop=loop,
                access_log=None,
                print=lambda *a: None,
            )

    return GuardedServer()


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the read-only wall (or dashboard) to browsers",
        description="Loopback by default. A non-loopback bind needs --public and an access token.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("incident", nargs="?", default=None, help="follow this incident (default: the newest open)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--wall", dest="dashboard", action="store_false", help="serve the wall (default)")
    what.add_argument("--dashboard", dest="dashboard", action="store_true", help="serve the readiness dashboard")
    parser.set_defaults(dashboard=False)  # the first action of the group (--wall, store_false) would make it True
    parser.add_argument("--max-viewers", type=int, default=10, help="browser tabs served at once (default 10)")
    parser.add_argument(
        "--font-size",
        type=int,
        default=None,
        help=f"font size in px for every viewer (default: fit the browser window to ~{WALL_COLS}x{WALL_ROWS} cells)",
    )
    parser.add_argument(
        "--public", action="store_true", help=f"allow a non-loopback bind; requires a token ({TOKEN_ENV})"
    )
    parser.add_argument("--journal", default=None, help="journal file or postgresql:// URL")
    parser.add_argument("--theme", default=None)
    parser.add_argument("--no-aws", action="store_true", help="the wall follows the journal only")


def run(args: argparse.Namespace) -> int:
    try:
        if not 0 < args.port < 65536:
            raise ServeError(f"--port {args.port}: expected 1..65535")
        if args.max_viewers < 1:
            raise ServeError(f"--max-viewers {args.max_viewers}: expected at least 1")
        if args.font_size is not None and not 6 <= args.font_size <= 200:
            raise ServeError(f"--font-size {args.font_size}: expected 6..200 (px)")
        token = access_token(args.host, args.public, os.environ)
    except ServeError as exc:
        print(f"nexus-tui serve: {exc}", file=sys.stderr)
        return 2
    from_env = bool(os.environ.pop(TOKEN_ENV, None))  # the wall processes (one per tab) have no use for it
    what = "dashboard" if args.dashboard else "wall"
    server = make_server(
        wall_command(args), args.host, args.port, token=token, max_viewers=args.max_viewers, font_size=args.font_size
    )
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}/"
    print(f"nexus-tui serve: the read-only {what} on {url} (at most {args.max_viewers} viewers)", flush=True)
    if token is not None and from_env:
        print(f"nexus-tui serve: viewers type the access token from {TOKEN_ENV} into the page once", flush=True)
    elif token is not None:
        # Printed once, to the operator's terminal only (never in a URL): it is how the TV gets in.
        print(f"nexus-tui serve: access token (type it into the page once per browser): {token}", flush=True)
    try:
        server.serve()
    except OSError as exc:
        print(f"nexus-tui serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nexus-tui serve")
    parser.add_argument("--config", type=Path, default=None)
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
