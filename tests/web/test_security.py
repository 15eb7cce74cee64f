"""Security of the web app, checked over every route of the routing table (so new routes are covered too)."""
from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer

from core.admins import add_admin
from core.clock import FakeClock
from core.models import Admin
from tests.conftest import ADMIN_ID
from tests.web.conftest import http_log_in
from web.app import create_web_app
from web.auth import COOKIE_NAME, SESSION_TTL_S, login_link

FORMER_ADMIN = 424242
SAMPLE_PARAMS = {"sid": "1", "oid": "1", "tip_id": "1", "photo_id": "1", "qid": "1", "lesson_id": "x",
                 "action": "pause", "role": "worker", "file_id": "x", "faq_id": "web-00000000",
                 "handoff_id": "1", "key": "x", "view": "x", "unit_id": "1", "user_id": "1",
                 "cert_id": "1", "code": "x", "grant_id": "1", "campaign_id": "1"}
# /verify: the public certificate check, read-only (GET) and limited per client.
KNOWN_PREFIXES = ("/admin", "/chat", "/tip", "/static/", "/healthz", "/verify")


def concrete_routes(app) -> list[tuple[str, str]]:
    """(method, path) for every route, dynamic segments filled with sample values."""
    found = []
    for resource in app.router.resources():
        info = resource.get_info()
        if "directory" in info:  # static files
            continue
        path = info.get("path") or info["formatter"].format(**SAMPLE_PARAMS)
        for route in resource:
            if route.method != "HEAD":
                found.append((route.method, path))
    return found


@pytest.fixture
async def clocked_services(settings, tips_runtime):
    from ankang.services import open_services

    opened = await open_services(settings, clock=FakeClock(datetime.now(UTC)), tips=tips_runtime)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def app_server(clocked_services):
    # The chat switched on (pointing at a closed port): its routes must refuse before calling out.
    app = create_web_app(clocked_services, emulator_url="http://127.0.0.1:9")
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def base(server) -> str:
    return str(server.make_url("")).rstrip("/")


def http_client() -> ClientSession:
    return ClientSession(cookie_jar=CookieJar(unsafe=True))


async def test_every_route_is_classified(app_server):
    for method, path in concrete_routes(app_server.app):
        if path == "/":  # the landing page: public and read-only
            assert method == "GET"
            continue
        assert path.startswith(KNOWN_PREFIXES), f"{method} {path}: add it to a guarded prefix and to these tests"


async def test_every_write_route_refuses_a_post_without_a_valid_token(clocked_services, app_server):
    url = base(app_server)
    async with http_client() as http:
        admin = await http_log_in(http, url, clocked_services.settings, clocked_services.clock.now())
        for method, path in concrete_routes(app_server.app):
            if method == "GET":
                continue
            for data in ({}, {"csrf_token": "forged", "csrf": "forged"}):
                async with http.request(method, url + path, data=data, allow_redirects=False) as response:
                    body = await response.text()
                    assert response.status in (400, 401, 403), f"{method} {path} with {data}: {response.status}"
                    assert COOKIE_NAME not in response.cookies or path == "/admin/login", path
            # Nothing happened: the admin's session is still alive (logout without a token did nothing).
        async with http.get(url + "/admin/audit", allow_redirects=False) as response:
            assert response.status == 200
        assert admin.csrf_token not in body


async def test_every_admin_route_refuses_anonymous_and_former_admins(clocked_services, app_server):
    url = base(app_server)
    settings = clocked_services.settings
    async with clocked_services.sessions() as session, session.begin():
        await add_admin(session, FORMER_ADMIN)
    admin_routes = [(m, p) for m, p in concrete_routes(app_server.app)
                    if p.startswith("/admin") and p != "/admin/login"]
    assert len(admin_routes) > 15
    async with http_client() as anonymous, http_client() as former:
        await http_log_in(former, url, settings, clocked_services.clock.now(), user_id=FORMER_ADMIN)
        async with former.get(url + "/admin/audit", allow_redirects=False) as response:
            assert response.status == 200
        async with clocked_services.sessions() as session, session.begin():
            await session.delete(await session.get(Admin, FORMER_ADMIN))
        for http in (anonymous, former):
            for method, path in admin_routes:
                for accept in ("text/html", "application/json"):
                    async with http.request(method, url + path, headers={"Accept": accept},
                                            allow_redirects=False) as response:
                        assert response.status in (303, 401), f"{method} {path}: {response.status}"
                        if response.status == 303:
                            assert response.headers["Location"].startswith("/admin/login")
                        else:
                            assert "csrf" not in (await response.text()).lower()


async def test_a_link_is_refused_once_its_user_is_no_longer_an_admin(clocked_services, app_server):
    url = base(app_server)
    async with clocked_services.sessions() as session, session.begin():
        await add_admin(session, FORMER_ADMIN)
    link = login_link(clocked_services.settings, FORMER_ADMIN, clocked_services.clock.now(), base_url=url)
    async with clocked_services.sessions() as session, session.begin():
        await session.delete(await session.get(Admin, FORMER_ADMIN))
    login, token = url + "/admin/login", link.split("?t=")[1]
    async with http_client() as http, http.post(login, data={"t": token}, allow_redirects=False) as response:
        assert response.status == 403
        assert "不是工会管理员" in await response.text()
        assert COOKIE_NAME not in response.cookies


async def test_two_concurrent_redemptions_of_one_link_log_in_once(clocked_services, app_server):
    url = base(app_server)
    token = login_link(clocked_services.settings, ADMIN_ID, clocked_services.clock.now()).split("?t=")[1]

    async def redeem() -> tuple[int, bool]:
        login = url + "/admin/login"
        async with http_client() as http, http.post(login, data={"t": token}, allow_redirects=False) as response:
            await response.read()
            return response.status, COOKIE_NAME in response.cookies

    for _ in range(3):  # a few rounds, each with a fresh link, to give the race a chance
        results = await asyncio.gather(*(redeem() for _ in range(4)))
        assert sorted(results) == [(303, True), (403, False), (403, False), (403, False)], results
        token = login_link(clocked_services.settings, ADMIN_ID, clocked_services.clock.now()).split("?t=")[1]


async def test_sessions_expire_on_the_server_and_logout_kills_the_cookie_value(clocked_services, app_server):
    url = base(app_server)
    clock: FakeClock = clocked_services.clock
    async with http_client() as http:
        admin = await http_log_in(http, url, clocked_services.settings, clock.now())
        async with await admin.post("/admin/logout") as response:
            assert response.status == 303
    # Replaying the old cookie value after logout does not work.
    async with (
        ClientSession(cookies={COOKIE_NAME: admin.cookie}) as replay,
        replay.get(url + "/admin/audit", allow_redirects=False) as response,
    ):
        assert response.status == 303

    async with http_client() as http:
        admin = await http_log_in(http, url, clocked_services.settings, clock.now())
        clock.advance(seconds=SESSION_TTL_S - 60)
        async with await admin.get("/admin/audit") as response:
            assert response.status == 200
        clock.advance(seconds=120)
        # The browser would still send the cookie (e.g. a restored tab): the server refuses it.
        async with (
            ClientSession(cookies={COOKIE_NAME: admin.cookie}) as replay,
            replay.get(url + "/admin/audit", allow_redirects=False) as response,
        ):
            assert response.status == 303


@pytest.mark.parametrize("public_url, secure", [("https://ankang.example.org", True), ("", False)])
async def test_session_cookie_flags(make_settings, public_url, secure):
    from ankang.services import open_services

    services = await open_services(make_settings(public_url=public_url))
    server = TestServer(create_web_app(services), host="127.0.0.1")
    await server.start_server()
    try:
        token = login_link(services.settings, ADMIN_ID, services.clock.now()).split("?t=")[1]
        login = base(server) + "/admin/login"
        async with http_client() as http, http.post(login, data={"t": token}, allow_redirects=False) as response:
            header = response.headers["Set-Cookie"]
        assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
        assert ("Secure" in header) is secure
    finally:
        await server.close()
        await services.close()


@pytest.mark.parametrize("next_value", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "/admin/\r\nSet-Cookie: x=1",
    "/admin@evil.example", "javascript:alert(1)", "/admin/../../evil", "/administrator-evil",
])
async def test_login_never_redirects_off_the_console(clocked_services, app_server, next_value):
    url = base(app_server)
    token = login_link(clocked_services.settings, ADMIN_ID, clocked_services.clock.now()).split("?t=")[1]
    async with http_client() as http:
        async with http.get(url + "/admin/login", params={"t": token, "next": next_value}) as response:
            assert response.status == 200
            page = await response.text()
        shown = re.search(r'name="next" value="([^"]*)"', page).group(1)
        form = {"t": token, "next": next_value}
        async with http.post(url + "/admin/login", data=form, allow_redirects=False) as response:
            assert response.status == 303
            location = response.headers["Location"]
    assert shown == location == "/admin/"


async def test_next_keeps_a_console_page(clocked_services, app_server):
    url = base(app_server)
    async with http_client() as http:
        async with http.get(url + "/admin/tips?show=all", allow_redirects=False) as response:
            login = response.headers["Location"]
        token = login_link(clocked_services.settings, ADMIN_ID, clocked_services.clock.now()).split("?t=")[1]
        async with http.get(url + login + "&t=" + token) as response:
            shown = re.search(r'name="next" value="([^"]*)"', await response.text()).group(1)
        assert shown == "/admin/tips?show=all"
        async with http.post(url + "/admin/login", data={"t": token, "next": shown}, allow_redirects=False) as response:
            assert response.headers["Location"] == "/admin/tips?show=all"


async def test_console_and_chat_pages_carry_a_strict_csp_and_no_external_assets(clocked_services, app_server):
    url = base(app_server)
    async with http_client() as http:
        await http_log_in(http, url, clocked_services.settings, clocked_services.clock.now())
        for path in ("/admin/", "/admin/tips", "/admin/broadcasts/new", "/admin/audit", "/admin/login", "/chat"):
            async with http.get(url + path) as response:
                csp = response.headers["Content-Security-Policy"]
                assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                page = await response.text()
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), path
            assert " style=" not in page and "<script>" not in page, path  # nothing inline for the CSP to block


async def test_chat_is_404_without_the_emulator(services, web_url):
    async with ClientSession() as http:
        for method, path in [("GET", "/chat"), ("GET", "/chat/api/users"), ("GET", "/chat/api/worker/events"),
                             ("POST", "/chat/api/worker/text"), ("GET", "/chat/files/x")]:
            async with http.request(method, web_url + path, json={"text": "hi"}) as response:
                assert response.status == 404, path


async def test_uploaded_photos_are_served_only_as_images(clocked_services, admin_http):
    from tips.models import TipPhoto
    from tips.service import TipDraft, submit_tip

    async with clocked_services.sessions() as session, session.begin():
        tip = await submit_tip(session, TipDraft(category="fire", place_type="mall", location="",
                                                 description="安全出口被锁住了，商场里人很多。", urgent=False),
                               now=clocked_services.clock.now(), cost=clocked_services.tips.receipt_cost)
        columns = {c.name for c in TipPhoto.__table__.columns}
        values = {"tip_id": tip.tip_id, "data": b"<script>alert(1)</script>", "content_type": "text/html"}
        for name, value in (("width", 1), ("height", 1)):
            if name in columns:
                values[name] = value
        photo = TipPhoto(**{k: v for k, v in values.items() if k in columns})
        session.add(photo)
        await session.flush()
        photo_id = photo.id
    async with await admin_http.get(f"/admin/tips/photos/{photo_id}") as response:
        assert response.headers["Content-Type"].split(";")[0] in ("image/jpeg", "image/png", "application/octet-stream")
        assert response.headers["Content-Type"].split(";")[0] != "text/html"
