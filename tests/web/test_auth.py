"""Admin login by one-time link, sessions, CSRF and logout — in Chromium and over plain HTTP."""
from __future__ import annotations

from datetime import timedelta

from aiohttp import ClientSession
from sqlalchemy import select

from core.models import AuditEntry
from tests.conftest import ADMIN_ID, screenshot_path
from tests.web.conftest import log_in
from web.auth import (
    COOKIE_NAME,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    login_link,
    make_login_token,
    read_login_token,
    redeem_login_token,
)


async def test_login_by_one_time_link_opens_the_dashboard(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    assert await page.locator("nav.tabs").is_visible()
    assert "概览" in await page.text_content("h1")
    await page.screenshot(path=screenshot_path("web-dashboard"), full_page=True)
    cookies = await page.context.cookies()
    session_cookie = next(c for c in cookies if c["name"] == COOKIE_NAME)
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Strict"
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.admin_id == ADMIN_ID))).all()
    assert "web.login" in actions


async def test_a_reused_link_is_refused(services, page, web_url):
    link = login_link(services.settings, ADMIN_ID, services.clock.now(), base_url=web_url)
    await page.goto(link)
    await page.click("#login-button")
    await page.wait_for_url(f"{web_url}/admin/")
    other = await page.context.browser.new_context()
    try:
        second = await other.new_page()
        await second.goto(link)
        await second.click("#login-button")
        assert "已经用过" in await second.text_content(".alert")
        await second.screenshot(path=screenshot_path("web-login-reused"))
        await second.goto(f"{web_url}/admin/")
        assert "/admin/login" in second.url
    finally:
        await other.close()


async def test_an_expired_link_is_refused(services, page, web_url):
    issued = services.clock.now() - timedelta(minutes=11)
    await page.goto(login_link(services.settings, ADMIN_ID, issued, base_url=web_url))
    assert "过期" in await page.text_content(".alert")
    assert await page.locator("#login-button").count() == 0
    await page.screenshot(path=screenshot_path("web-login-expired"))


async def test_a_forged_or_non_admin_link_is_refused(services, web_url):
    forged = make_login_token("not-the-key", ADMIN_ID, services.clock.now())
    non_admin = make_login_token(services.settings.effective_secret_key, 12345, services.clock.now())
    async with ClientSession() as http:
        for token in (forged, non_admin):
            async with http.post(f"{web_url}/admin/login", data={"t": token}, allow_redirects=False) as response:
                assert response.status == 403
                assert COOKIE_NAME not in response.cookies


async def test_pages_require_a_session(web_url):
    async with ClientSession() as http:
        async with http.get(f"{web_url}/admin/audit", allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"].startswith("/admin/login")
        async with http.post(f"{web_url}/admin/logout", allow_redirects=False) as response:
            assert response.status == 401


async def test_a_post_without_csrf_token_is_refused(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    # Same browser, valid session cookie, but no token: the request a forged form would send.
    response = await page.request.post(f"{web_url}/admin/logout", form={"x": "1"})
    assert response.status == 403
    response = await page.request.post(f"{web_url}/admin/logout", form={"csrf_token": "wrong"})
    assert response.status == 403
    # The session survived; the real logout button (which carries the token) works.
    await page.goto(f"{web_url}/admin/audit")
    assert "审计日志" in await page.text_content("h1")
    await page.screenshot(path=screenshot_path("web-audit"), full_page=True)
    await page.click("form.logout button")
    await page.wait_for_url(f"{web_url}/admin/login")
    await page.goto(f"{web_url}/admin/")
    assert "/admin/login" in page.url


async def test_tokens_expire_and_are_single_use(services):
    settings, now = services.settings, services.clock.now()
    token = make_login_token(settings.effective_secret_key, ADMIN_ID, now)
    assert read_login_token(settings.effective_secret_key, token, now + timedelta(minutes=9)).user_id == ADMIN_ID
    for bad_time in (now + timedelta(minutes=11), now - timedelta(minutes=5)):
        try:
            read_login_token(settings.effective_secret_key, token, bad_time)
        except LinkExpired:
            pass
        else:
            raise AssertionError("expired token accepted")
    try:
        read_login_token(settings.effective_secret_key, token.replace(f"{ADMIN_ID}.", "900002.", 1), now)
    except LinkInvalid:
        pass
    else:
        raise AssertionError("tampered token accepted")
    async with services.sessions() as session, session.begin():
        assert await redeem_login_token(session, settings, token, now) == ADMIN_ID
    async with services.sessions() as session, session.begin():
        try:
            await redeem_login_token(session, settings, token, now)
        except LinkUsed:
            pass
        else:
            raise AssertionError("token used twice")
