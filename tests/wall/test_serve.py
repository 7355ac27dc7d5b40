"""`nexus-tui serve`: binds, tokens, viewer bound, and the wall in headless Chromium."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import aiohttp
import pytest
from aiohttp import test_utils

from nexus_tui.commands import serve
from nexus_tui.domain.clock import SystemClock
from tests.wall.chromium import chromium_page, chromium_path
from tests.wall.conftest import make_service
from tests.wall.serving import served

SCREENSHOTS = Path(os.environ.get("NEXUS_TUI_SCREENSHOTS", "")) if os.environ.get("NEXUS_TUI_SCREENSHOTS") else None


def test_loopback_needs_no_token_and_public_always_has_one() -> None:
    assert serve.access_token("127.0.0.1", False, {}) is None
    assert serve.access_token("::1", False, {}) is None
    assert serve.access_token("localhost", False, {}) is None
    assert serve.access_token("0.0.0.0", True, {serve.TOKEN_ENV: "abc"}) == "abc"
    assert len(serve.access_token("0.0.0.0", True, {}) or "") >= 24


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "wall.example.com"])
def test_non_loopback_without_public_is_refused_in_one_line(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.main(["--host", host, "--port", "8123"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--public" in err and host in err


def test_the_served_command_is_the_read_only_wall() -> None:
    ns = argparse.Namespace(
        config=None, journal="j.sqlite3", theme="war-room", no_aws=True, dashboard=True, incident="X"
    )
    command = serve.wall_command(ns)
    assert "-m nexus_tui.commands.wall" in command and "--dashboard" in command
    assert " X" not in command  # the dashboard never follows an incident


async def page_of(font_size: int | None, query: str = "") -> str:
    """The index page as `serve` answers it (in process; a page request starts no wall)."""
    server = serve.make_server("true", "127.0.0.1", 0, token=None, max_viewers=1, font_size=font_size)
    client = test_utils.TestClient(test_utils.TestServer(await server._make_app()))
    async with client, client.get("/" + query) as r:
        assert r.status == 200
        return await r.text()


async def test_the_page_fits_the_font_to_the_window_unless_a_size_is_given() -> None:
    fitted = await page_of(None)
    # Fallback for a browser that does not run the script: the size the script picks on a 1080p screen.
    assert f'data-font-size="{serve.FALLBACK_FONT_SIZE}"' in fitted
    assert serve.FIT_SCRIPT in fitted and fitted.index('id="terminal"') < fitted.index(serve.FIT_SCRIPT)
    fixed = await page_of(30)
    assert 'data-font-size="30"' in fixed and serve.FIT_SCRIPT not in fixed
    asked = await page_of(None, "?fontsize=18")
    assert 'data-font-size="18"' in asked and serve.FIT_SCRIPT not in asked


def test_font_size_out_of_range_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    assert serve.run(parser.parse_args(["--font-size", "0"])) == 2
    assert capsys.readouterr().err.strip() == "nexus-tui serve: --font-size 0: expected 6..200 (px)"


@pytest.mark.timeout(300)  # starts a server and a wall process: generous on a loaded machine
async def test_public_bind_refuses_requests_without_the_token(tmp_path: Path) -> None:
    token = "s3cret-token-for-test"
    args = ["--public", "--host", "127.0.0.1", "--no-aws", "--journal", str(tmp_path / "j.sqlite3")]
    async with served(tmp_path, [*args, "--max-viewers", "1"], env={serve.TOKEN_ENV: token}) as base:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/") as r:
                assert r.status == 401
                assert "access token" in await r.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(base + "/ws")
            assert refused.value.status == 401
            async with http.get(base + "/", headers={"Authorization": "Bearer wrong"}) as r:
                assert r.status == 401
            async with http.post(base + "/login", data={"token": "wrong"}, allow_redirects=False) as r:
                assert r.status == 401
            async with http.get(base + "/", headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 200
        # A browser: the form once, then the cookie carries it (page and websocket); one viewer at most.
        # unsafe=True: aiohttp's jar, unlike a browser, drops cookies of IP-address hosts by default.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async with browser.post(base + "/login", data={"token": token}, allow_redirects=False) as r:
                assert r.status == 302 and r.headers["Location"] == "/"
                assert "HttpOnly" in r.headers["Set-Cookie"] and token not in r.headers["Location"]
            async with browser.get(base + "/") as r:
                assert r.status == 200
            async with browser.ws_connect(base + "/ws?width=80&height=24") as ws:
                await ws.receive(timeout=60)  # the wall process is up and drawing
                async with browser.get(base + "/") as r:
                    assert r.status == 503
                    assert "The wall is full" in await r.text()
    assert token not in (tmp_path / "serve.log").read_text()


@pytest.mark.timeout(400)  # a browser, a server and a wall process: generous on a loaded machine
@pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed (apt-get install -y chromium)")
async def test_the_wall_in_headless_chromium(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite3"
    with make_service(journal, SystemClock()) as service:  # real time: the served wall runs on the system clock
        iid = service.declare("rds-failover", "SEV1", ic="carol", drill=True)
        service.confirm(iid, "verify")
    binary = chromium_path()
    assert binary is not None
    shot = (SCREENSHOTS or tmp_path) / "wall-chromium-1920x1080.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    async with served(tmp_path, ["--no-aws", "--journal", str(journal)]) as base, chromium_page(binary) as page:
        await page.send("Page.navigate", url=base + "/")  # no ?fontsize: the page fits the font to the window
        for _ in range(1200):
            if "Promote the replica" in page.text() and "DRILL" in page.text():
                break
            await asyncio.sleep(0.1)
        text = page.text()
        assert "Promote the replica" in text, text[-2000:]
        assert "INCIDENT CLOCK" in text and "RTO REMAINING" in text
        # The wall fills the 1080p page at about its design size (120x35), not 213x59 small cells.
        size = [url for url in page.sockets if "/ws?" in url]
        assert size, page.sockets
        query = dict(part.split("=") for part in size[-1].split("?", 1)[1].split("&"))
        assert 100 <= int(query["width"]) <= 160 and 30 <= int(query["height"]) <= 45, size
        await asyncio.sleep(1.5)  # let the canvas paint the last frame
        await page.screenshot(shot)
    assert shot.stat().st_size > 10_000
