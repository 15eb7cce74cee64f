"""Web fixtures: the web app served on a local port (no bot) and a way to log a browser in."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import ADMIN_ID
from web.app import create_web_app
from web.auth import login_link


@pytest.fixture
async def web_server(services):
    """The web app alone over ``services`` (no bot), on a free local port."""
    server = TestServer(create_web_app(services), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def web_url(web_server) -> str:
    return str(web_server.make_url("")).rstrip("/")


async def log_in(page, base_url: str, settings, now, user_id: int = ADMIN_ID) -> None:
    """Open a fresh one-time link in the browser and press the login button."""
    await page.goto(login_link(settings, user_id, now, base_url=base_url))
    await page.click("#login-button")
    await page.wait_for_url(f"{base_url}/admin/")


@pytest.fixture
def ankang_web(ankang, emulator):
    """Ankang against the emulator with the browser chat switched on (as the demo does)."""
    from web.app import CHAT

    ankang.web_app[CHAT].emulator_url = emulator.url
    return ankang
