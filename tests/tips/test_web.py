"""Public tip pages over plain HTTP and in real headless Chromium (phone-sized)."""
from __future__ import annotations

import logging
import re

from aiohttp import ClientSession, CookieJar, FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text

from tests.conftest import screenshot_path
from tests.tips.helpers import has_metadata, photo_with_gps
from tips.models import Tip, TipPhoto, TipStatus
from tips.service import change_status, reply
from web.app import create_web_app

CODE_RE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
DESCRIPTION = "仓库消防通道被货物堵死，灭火器过期两年没人换"


TOKEN_RE = re.compile(r'name="form_token" value="([A-Za-z0-9_-]+)"')


class PageTokens(str):
    """The CSRF token of a tip page (the string itself) and the page's one-time form token."""

    form_token: str


def tokens_in(html: str) -> PageTokens:
    tokens = PageTokens(CSRF_RE.search(html).group(1))
    tokens.form_token = TOKEN_RE.search(html).group(1)
    return tokens


async def csrf_of(client, path="/tip") -> PageTokens:
    page = await client.get(path)
    assert page.status == 200
    return tokens_in(await page.text())


def tip_form(csrf: str, **overrides) -> FormData:
    form = FormData()
    values = {"csrf": csrf, "form_token": getattr(csrf, "form_token", ""),
              "category": "fire", "place_type": "warehouse", "location": "开发区物流园B仓",
              "description": DESCRIPTION, "urgent": "no"}
    values.update(overrides)
    for key, value in values.items():
        form.add_field(key, value)
    return form


async def test_form_stores_tip_with_clean_photos_and_shows_receipt(ankang, caplog):
    """Through the real runner (its web server and logging), as a phone browser would post."""
    caplog.set_level(logging.DEBUG)
    services = ankang.services
    async with ClientSession(base_url=ankang.web_url, cookie_jar=CookieJar(unsafe=True)) as client:
        form = tip_form(await csrf_of(client))
        form.add_field("photos", photo_with_gps(), filename="IMG_0001.jpg", content_type="image/jpeg")
        form.add_field("photos", photo_with_gps(fmt="PNG"), filename="scan.png", content_type="image/png")
        response = await client.post("/tip", data=form, headers={"User-Agent": "SecretPhone/1.0"})
        body = await response.text()
        assert response.status == 200, body
        assert response.headers["Cache-Control"] == "no-store"
        code = CODE_RE.search(body).group(0)
    async with services.sessions() as session:
        tip = (await session.execute(select(Tip))).scalar_one()
        photos = (await session.execute(select(TipPhoto))).scalars().all()
    assert tip.description == DESCRIPTION and tip.category == "fire" and not tip.urgent
    assert len(photos) == 2 and all(has_metadata(p.data) == [] for p in photos)
    assert code.replace("-", "") not in tip.receipt_hash
    ours = [r for r in caplog.records if not r.name.startswith("emulator")]
    logs = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    for trace in ("127.0.0.1", "SecretPhone", "IMG_0001", "Zhang San", "PhoneMaker", DESCRIPTION):
        assert trace not in logs, trace
    assert f"tip {tip.id} submitted via web" in logs


async def test_a_tip_the_database_refuses_is_logged_without_what_the_tipper_wrote(
    postgres_database_url, make_settings, caplog
):
    """PostgreSQL quotes a refused row in its error ("Failing row contains (…)"): the log keeps
    where the submission failed, never the tip. Runs on PostgreSQL in both runs of the suite."""
    from ankang.services import open_services

    caplog.set_level(logging.DEBUG)
    services = await open_services(make_settings(database_url=postgres_database_url))
    try:
        async with services.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE tips ADD CONSTRAINT refuse_all CHECK (false) NOT VALID"))
        async with TestClient(TestServer(create_web_app(services))) as client:
            response = await client.post("/tip", data=tip_form(await csrf_of(client)))
            assert response.status == 500 and "没有保存" in await response.text()
    finally:
        await services.close()
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert "web tip submission failed before commit" in logged and "CheckViolationError" in logged
    for written in (DESCRIPTION[:8], "开发区物流园B仓"):  # PostgreSQL shortens long values it quotes
        assert written not in logged, written


async def test_post_without_matching_csrf_is_refused(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        await csrf_of(client)
        response = await client.post("/tip", data=tip_form("0" * 64))
        assert response.status == 403
        # A token from another browser (other cookie) does not fit this browser's cookie either.
        async with TestClient(TestServer(create_web_app(services))) as other:
            foreign = await csrf_of(other)
        client.session.cookie_jar.clear()
        await client.get("/tip")
        assert (await client.post("/tip", data=tip_form(foreign))).status == 403
    async with services.sessions() as session:
        assert (await session.execute(select(Tip))).first() is None


async def test_invalid_fields_are_explained_and_kept(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        csrf = await csrf_of(client)
        response = await client.post("/tip", data=tip_form(csrf, description="太短"))
        body = await response.text()
        assert response.status == 400 and "至少 10 个字" in body and "开发区物流园B仓" in body
        form = tip_form(csrf)
        form.add_field("photos", b"%PDF-1.4 not a photo", filename="x.jpg", content_type="image/jpeg")
        response = await client.post("/tip", data=form)
        assert response.status == 400 and "不是可识别的照片" in await response.text()


async def test_status_page_refuses_wrong_codes_and_shows_the_thread(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        response = await client.post("/tip", data=tip_form(await csrf_of(client)))
        code = CODE_RE.search(await response.text()).group(0)
        csrf = await csrf_of(client, "/tip/status")
        wrong = await client.post("/tip/status", data={"csrf": csrf, "form_token": csrf.form_token,
                                                       "code": "K7QF-2M9D-XR4T-PB6N"})
        assert wrong.status == 400 and "回执码不正确" in await wrong.text()
        async with services.sessions() as s, s.begin():
            tip = (await s.execute(select(Tip))).scalar_one()
            await change_status(s, tip.id, TipStatus.VERIFYING, "已派人到现场核查", admin_id=1,
                                now=services.clock.now())
            await reply(s, tip.id, "堵塞的是哪一侧通道？", admin_id=1, now=services.clock.now())
        csrf = await csrf_of(client, "/tip/status")
        shown = await client.post("/tip/status", data={"csrf": csrf, "form_token": csrf.form_token,
                                                       "code": code.lower()})
        body = await shown.text()
        assert shown.status == 200 and "核查中" in body and "已派人到现场核查" in body and "哪一侧通道" in body
        assert shown.url.path.startswith("/tip/thread/") and code not in str(shown.url)
        tokens = tokens_in(body)
        form = FormData({"csrf": tokens, "form_token": tokens.form_token, "message": "东侧，靠近装卸平台"})
        form.add_field("photos", photo_with_gps(), filename="p.jpg", content_type="image/jpeg")
        added = await client.post(f"{shown.url.path}/add", data=form)
        assert added.status == 200 and "东侧，靠近装卸平台" in await added.text()
    async with services.sessions() as session:
        photos = (await session.execute(select(TipPhoto))).scalars().all()
    assert len(photos) == 1 and has_metadata(photos[0].data) == []


async def test_form_and_status_in_chromium(services, page):
    server = TestServer(create_web_app(services), host="127.0.0.1")
    async with TestClient(server):
        await page.goto(str(server.make_url("/tip")))
        await page.screenshot(path=screenshot_path("tip-form"), full_page=True)
        await page.select_option("#category", "construction")
        await page.select_option("#place_type", "site")
        await page.fill("#location", "城南地铁站三标段")
        await page.fill("#description", "基坑边没有护栏，夜间照明不足，已经有人差点掉下去")
        await page.set_input_files("#photos", files=[
            {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()},
        ])
        await page.check("input[name=urgent][value=yes]")
        await page.click("button[type=submit]")
        code = (await page.text_content("#receipt-code")).strip()
        assert CODE_RE.fullmatch(code)
        assert "119" in await page.text_content("main")
        await page.screenshot(path=screenshot_path("tip-receipt"), full_page=True)

        async with services.sessions() as s, s.begin():
            tip = (await s.execute(select(Tip))).scalar_one()
            assert tip.urgent
            await change_status(s, tip.id, TipStatus.ACCEPTED, "已转交住建部门", admin_id=1, now=services.clock.now())
            await reply(s, tip.id, "感谢举报，请问具体是哪个出入口？", admin_id=1, now=services.clock.now())

        await page.goto(str(server.make_url("/tip/status")))
        await page.fill("#code", code.replace("-", " ").lower())
        await page.click("button[type=submit]")
        assert (await page.text_content("#tip-status")).strip() == "已受理"
        await page.fill("#message", "是B出口，靠近公交站")
        await page.click("button[type=submit]")
        thread = await page.text_content("#thread")
        assert "已转交住建部门" in thread and "是B出口" in thread
        await page.screenshot(path=screenshot_path("tip-status"), full_page=True)

        await page.goto(str(server.make_url("/tip/status")))
        await page.fill("#code", "K7QF-2M9D-XR4T-PB6N")
        await page.click("button[type=submit]")
        assert "回执码不正确" in await page.text_content("main")


async def test_emergency_description_brings_the_guidance_above_the_kept_form_in_chromium(services, page):
    """A description that reports an emergency in progress: the guidance (the bot's own, from the
    knowledge base) above the form first, with everything typed kept; the next press submits."""
    from knowledge import emergency_reply

    alarming = "车间里一股煤气味，有人头晕，通风机坏了好几天没人修"
    server = TestServer(create_web_app(services), host="127.0.0.1")
    async with TestClient(server):
        await page.goto(str(server.make_url("/tip")))
        await page.select_option("#category", "chemicals")
        await page.select_option("#place_type", "workshop")
        await page.fill("#location", "化工园区三号车间")
        await page.fill("#description", alarming)
        await page.set_input_files("#photos", files=[
            {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()},
        ])
        await page.check("input[name=urgent][value=no]")
        await page.click("button[type=submit]")

        guidance = page.locator("#emergency-guidance")
        await guidance.wait_for()
        shown = await guidance.inner_text()
        for line in emergency_reply(alarming).text.splitlines():
            assert line.strip() in shown, line
        assert "照片需要重新选择" in shown
        assert (await guidance.bounding_box())["y"] < (await page.locator("form").bounding_box())["y"]
        assert await page.input_value("#description") == alarming
        assert await page.input_value("#location") == "化工园区三号车间"
        assert await page.input_value("#category") == "chemicals"
        assert await page.input_value("#place_type") == "workshop"
        assert await page.is_checked("input[name=urgent][value=no]")
        async with services.sessions() as s:
            assert (await s.execute(select(Tip))).first() is None  # the guidance first, nothing stored yet
        await page.screenshot(path=screenshot_path("tip-form-emergency"), full_page=True)

        await page.click("button[type=submit]")
        assert CODE_RE.fullmatch((await page.text_content("#receipt-code")).strip())
        async with services.sessions() as s:
            tip = (await s.execute(select(Tip))).scalar_one()
        assert tip.description == alarming and tip.category == "chemicals"


async def test_status_lookup_double_click_and_reload_in_chromium(services, page):
    """The lookup consumes a one-time token: a double click lands on the thread once, reloading the
    thread shows it again, and a reloaded refusal never spends the browser's guesses."""
    server = TestServer(create_web_app(services), host="127.0.0.1")
    async with TestClient(server) as client:
        submitted = await client.post("/tip", data=tip_form(await csrf_of(client)))
        code = CODE_RE.search(await submitted.text()).group(0)

        await page.goto(str(server.make_url("/tip/status")))
        await page.fill("#code", code)
        await page.dblclick("button[type=submit]")
        # The second click can abort the first click's navigation (net::ERR_ABORTED), which a wait for the
        # URL of that navigation reports as an error: wait for the page the clicks end on instead.
        await page.locator("#tip-status").wait_for()
        assert "/tip/thread/" in page.url
        assert (await page.text_content("#tip-status")).strip() == "待受理"
        thread_url = page.url
        await page.reload()
        assert page.url == thread_url and (await page.text_content("#tip-status")).strip() == "待受理"
        assert DESCRIPTION in await page.text_content("main")

        await page.goto(str(server.make_url("/tip/status")))
        await page.fill("#code", "K7QF-2M9D-XR4T-PB6N")
        await page.dblclick("button[type=submit]")
        await page.locator(".errors").wait_for()
        for _ in range(6):  # more reloads (re-posts) of the refusal than the browser has guesses
            await page.reload()
            assert "回执码不正确" in await page.text_content(".errors")
        assert await page.input_value("#code") == "K7QF-2M9D-XR4T-PB6N"
        await page.fill("#code", code)
        await page.click("button[type=submit]")
        assert (await page.text_content("#tip-status")).strip() == "待受理"


async def test_receipt_warns_before_leaving_and_the_reload_says_what_is_left_in_chromium(services, page):
    server = TestServer(create_web_app(services), host="127.0.0.1")
    async with TestClient(server):
        await page.goto(str(server.make_url("/tip")))
        await page.select_option("#category", "fire")
        await page.select_option("#place_type", "warehouse")
        await page.fill("#description", DESCRIPTION)
        await page.check("input[name=urgent][value=no]")
        await page.click("button[type=submit]")
        warning = page.locator("#receipt-warning")
        assert "离开或刷新本页之前" in await warning.inner_text()
        assert (await warning.bounding_box())["y"] < (await page.locator("#receipt-code").bounding_box())["y"]
        # The buttons are hidden until the page's script runs; wait for it rather than race it.
        await page.locator("#copy-receipt").wait_for(state="visible")
        await page.locator("#save-image").wait_for(state="visible")

        await page.reload()
        gone = await page.text_content("#receipt-gone")
        assert CODE_RE.search(await page.content()) is None and "没有重复提交" in gone
        assert "举报照常办理" in await page.text_content("#receipt-gone-can")
        assert "不能" in await page.text_content("#receipt-gone-cannot")
        assert await page.locator("#receipt-gone a[href='/tip']").count() == 1
        await page.screenshot(path=screenshot_path("tip-receipt-gone"), full_page=True)
    async with services.sessions() as s:
        assert len((await s.execute(select(Tip))).scalars().all()) == 1
