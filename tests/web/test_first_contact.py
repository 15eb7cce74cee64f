"""What a newcomer meets first (issue 15): the landing page, Chinese error pages, an expired session
that keeps what was typed, static files that cache and compress, readable charts, a receipt to copy."""
from __future__ import annotations

import gzip

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from tests.conftest import screenshot_path
from tests.web.conftest import log_in
from web.app import create_web_app
from web.auth import login_link
from web.models import AdminSession

CALLS = {"119", "120", "110", "12350"}


async def test_the_landing_page_says_what_ankang_is_and_leads_to_bot_form_and_console(ankang, emulator, page):
    response = await page.goto(f"{ankang.web_url}/")
    assert response.status == 200
    assert await page.locator("html").get_attribute("lang") == "zh-CN"
    assert await page.locator("h1").text_content() == "安康助手"
    assert "匿名" in await page.locator("main").text_content()
    hrefs = set(await page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert {"/tip", "/tip/status", "/verify", "/admin/", f"https://t.me/{emulator.bot_user['username']}"} <= hrefs
    assert {f"tel:{n}" for n in CALLS} <= hrefs  # tap to call
    await page.screenshot(path=screenshot_path("landing"), full_page=True)

    await page.click("text=我要举报")
    await page.wait_for_url(f"{ankang.web_url}/tip")


async def test_unknown_pages_and_failures_answer_in_chinese(services, page):
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app = create_web_app(services)
    app.router.add_get("/broken-for-the-test", broken)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        missing = await page.goto(f"{base}/no-such-page")
        assert missing.status == 404
        assert await page.locator("h1").text_content() == "找不到页面"
        assert await page.locator("main a[href='/']").count() == 1
        await page.screenshot(path=screenshot_path("not-found"), full_page=True)
        failed = await page.goto(f"{base}/broken-for-the-test")
        assert failed.status == 500
        assert await page.locator("h1").text_content() == "出错了"
        assert "a bug" not in await page.content() and "Traceback" not in await page.content()
        hrefs = set(await page.locator("a[href^='tel:']").evaluate_all("links => links.map(a => a.href)"))
        assert hrefs == {f"tel:{n}" for n in CALLS}
        # Programs still get what they expect.
        async with ClientSession() as http, http.get(f"{base}/healthz") as health:
            assert health.status == 200 and (await health.json())["status"] == "ok"
    finally:
        await server.close()


async def test_an_expired_session_goes_to_login_and_back_with_the_form_as_it_was_typed(services, page, web_url):
    settings, now = services.settings, services.clock.now()
    await log_in(page, web_url, settings, now)
    await page.goto(f"{web_url}/admin/broadcasts/new")
    await page.check("input[name=kind][value=text]")
    typed = "本周五下午三点在一楼会议室开展消防疏散演练，请各班组提前通知到人。"
    await page.fill("#text", typed)
    await page.check("input[name=trigger][value=weekly]")
    async with services.sessions() as session, session.begin():  # the session runs out meanwhile
        await session.execute(update(AdminSession).values(expires_at=now))
    await page.click("#preview")

    await page.wait_for_url(f"{web_url}/admin/login?**expired=1")
    assert await page.locator("#session-expired").is_visible()
    await page.screenshot(path=screenshot_path("session-expired"), full_page=True)
    # A new link, as /weblogin sends it: it knows nothing of the page, the browser does.
    await page.goto(login_link(settings, 900001, services.clock.now(), base_url=web_url))
    await page.click("#login-button")
    await page.wait_for_url(f"{web_url}/admin/broadcasts/new")
    await page.locator("#draft-restored").wait_for()
    assert await page.input_value("#text") == typed
    assert await page.is_checked("input[name=kind][value=text]")
    assert await page.is_checked("input[name=trigger][value=weekly]")
    await page.screenshot(path=screenshot_path("session-restored"), full_page=True)

    # Once restored, the draft is gone: a later visit shows an empty form.
    await page.goto(f"{web_url}/admin/broadcasts/new")
    assert await page.input_value("#text") == ""
    assert await page.locator("#draft-restored").count() == 0


async def test_a_post_without_a_session_from_a_script_still_gets_401(web_url):
    async with ClientSession() as http, http.post(f"{web_url}/admin/broadcasts/new", json={},
                                                  headers={"Accept": "application/json"}) as response:
        assert response.status == 401


async def test_static_files_are_cached_and_compressed(web_url, page):
    await page.goto(f"{web_url}/")
    css = await page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert "?v=" in css
    async with ClientSession(auto_decompress=False) as http:
        async with http.get(web_url + css, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert "max-age=31536000" in response.headers["Cache-Control"]
            body = gzip.decompress(await response.read()).decode()
        assert ".chat-log" in body
        async with http.get(f"{web_url}/static/favicon.svg") as plain:
            assert "max-age=3600" in plain.headers["Cache-Control"]


async def test_chart_text_is_at_least_12_px_on_a_phone(services, page, web_url):
    from tests.web.test_pages_look import _seed

    await _seed(services)
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/")
    sizes = await page.locator("svg.chart text").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)")
    assert sizes, "the dashboard shows no chart text"
    assert min(sizes) >= 12, sizes


async def test_the_receipt_code_can_be_copied(services, browser):
    server = TestServer(create_web_app(services), host="127.0.0.1")
    await server.start_server()
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=str(server.make_url("")).rstrip("/"))
    page = await context.new_page()
    try:
        await page.goto(str(server.make_url("/tip")))
        await page.select_option("#category", "construction")
        await page.select_option("#place_type", "site")
        await page.fill("#location", "城南地铁站三标段")
        await page.fill("#description", "基坑边没有护栏，夜间照明不足，已经有人差点掉下去")
        await page.check("input[name=urgent][value=yes]")
        await page.click("button[type=submit]")
        code = (await page.text_content("#receipt-code")).strip()
        hrefs = set(await page.locator("a[href^='tel:']").evaluate_all("links => links.map(a => a.href)"))
        assert hrefs == {f"tel:{n}" for n in CALLS}
        await page.click("#copy-receipt")
        await page.locator("#copy-receipt", has_text="已复制").wait_for()
        assert await page.evaluate("() => navigator.clipboard.readText()") == code
    finally:
        await context.close()
        await server.close()


async def test_the_dashboard_names_question_topics_in_words(services, page, web_url):
    from core.topics import UNKNOWN_LABEL
    from knowledge.models import record_question

    now = services.clock.now()
    today = now.astimezone(services.settings.tz).date()
    for topic in ("injury", "injury", "confined_space", "some-old-code"):
        async with services.sessions() as session, session.begin():
            await record_question(session, today, "answer", topic)
    await log_in(page, web_url, services.settings, now)
    await page.goto(f"{web_url}/admin/")
    charts = await page.locator("svg.chart").evaluate_all("svgs => svgs.map(s => s.textContent).join(' ')")
    assert "工伤" in charts and "有限空间" in charts and UNKNOWN_LABEL in charts
    assert "injury" not in charts and "confined" not in charts and "some-old-code" not in charts
