"""Web fixtures: the web app served on a local port (no bot) and a way to log a browser in."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import ADMIN_ID
from web.app import create_web_app
from web.auth import login_link


@pytest.fixture
async def web_server(services, library):
    """The web app alone over ``services`` (no bot), on a free local port, with the session's lesson library."""
    server = TestServer(create_web_app(services, library=library), host="127.0.0.1")
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
    from web.typedefs import CHAT

    ankang.web_app[CHAT].emulator_url = emulator.url
    return ankang


class AdminHTTP:
    """A plain HTTP client logged in to the console (cookie jar + the session's CSRF token)."""

    def __init__(self, http, base_url: str, csrf_token: str, cookie: str) -> None:
        self.http, self.base_url, self.csrf_token, self.cookie = http, base_url, csrf_token, cookie

    def url(self, path: str) -> str:
        return self.base_url + path

    async def get(self, path: str, **kwargs):
        return await self.http.get(self.url(path), allow_redirects=False, **kwargs)

    async def post(self, path: str, data=None, *, csrf: bool = True, **kwargs):
        """POST a form; the session's CSRF token is added unless ``csrf=False``."""
        from aiohttp import FormData

        form = FormData()
        for key, value in (data.items() if isinstance(data, dict) else (data or [])):
            for item in value if isinstance(value, list) else [value]:
                form.add_field(key, item)
        if csrf:
            form.add_field("csrf_token", self.csrf_token)
        return await self.http.post(self.url(path), data=form, allow_redirects=False, **kwargs)


async def http_log_in(http, base_url: str, settings, now, user_id: int = ADMIN_ID) -> AdminHTTP:
    """Redeem a fresh login link over HTTP; return a client carrying the session and its CSRF token."""
    import re

    from web.auth import COOKIE_NAME

    token = login_link(settings, user_id, now).split("?t=", 1)[1]
    async with http.post(f"{base_url}/admin/login", data={"t": token}, allow_redirects=False) as response:
        assert response.status == 303, await response.text()
        cookie = response.cookies[COOKIE_NAME].value
    async with http.get(f"{base_url}/admin/audit") as response:
        page = await response.text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return AdminHTTP(http, base_url, csrf, cookie)


@pytest.fixture
async def admin_http(services, web_url):
    """An aiohttp client logged in as ADMIN_ID (cookies from 127.0.0.1 accepted)."""
    from aiohttp import ClientSession, CookieJar

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        yield await http_log_in(http, web_url, services.settings, services.clock.now())
