"""Bad input against the public tip pages, and receipt guessing that must not lock out real tippers."""
from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from tests.tips.helpers import photo_with_gps
from tests.tips.test_bot_bad_input import png_bomb
from tests.tips.test_web import CODE_RE, csrf_of, tip_form
from tips.models import Tip
from web.app import create_web_app


@pytest.fixture
async def client(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        yield client


async def tip_count(services) -> int:
    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Tip))).scalar_one()


def no_address_or_error_in(caplog) -> None:
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "127.0.0.1" not in logs
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("aiohttp")]


def raw_multipart(csrf: str, description: bytes) -> tuple[bytes, str]:
    boundary = "----ankangtest"
    parts = []
    for name, value in (("csrf", csrf.encode()), ("category", b"fire"), ("place_type", b"warehouse"),
                        ("urgent", b"no"), ("description", description)):
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(header.encode() + value + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def test_non_utf8_form_gets_a_friendly_page(client, services, caplog):
    caplog.set_level(logging.DEBUG)
    csrf = await csrf_of(client)
    body, content_type = raw_multipart(csrf, "仓库消防通道被货物堵死了很久".encode("gbk"))
    response = await client.post("/tip", data=body, headers={"Content-Type": content_type})
    assert response.status == 400
    assert "编码" in await response.text()
    assert await tip_count(services) == 0
    no_address_or_error_in(caplog)


async def test_garbage_bodies_get_friendly_pages(client, services, caplog):
    caplog.set_level(logging.DEBUG)
    await csrf_of(client)
    for body, content_type in [
        (b"\x00\xff" * 1000, "multipart/form-data; boundary=nope"),
        (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "multipart/form-data; boundary=x"),
        (b"csrf=%ZZ&description=%FF%FE", "application/x-www-form-urlencoded"),
        (b"{}", "application/json"),
    ]:
        for path in ("/tip", "/tip/status", "/tip/thread/stale-view/add", "/tip/thread/stale-view/review"):
            response = await client.post(path, data=body, headers={"Content-Type": content_type})
            assert 400 <= response.status < 500, (path, body[:20], response.status)
            assert "<html" in (await response.text()).lower()
    assert await tip_count(services) == 0
    no_address_or_error_in(caplog)


@pytest.mark.parametrize("data, filename, expected", [
    (b"", "empty.jpg", "不是可识别的照片"),
    (b"%PDF-1.4 not a photo", "report.jpg", "不是可识别的照片"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png", "不是可识别的照片"),
    (b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024), "huge.jpg", "超过 10 MB"),
])
async def test_bad_uploads_are_explained(client, services, data, filename, expected):
    form = tip_form(await csrf_of(client))
    form.add_field("photos", data, filename=filename, content_type="image/jpeg")
    response = await client.post("/tip", data=form)
    assert response.status == 400
    assert expected in await response.text()
    assert await tip_count(services) == 0


async def test_decompression_bomb_and_a_sixth_photo_are_refused(client, services):
    csrf = await csrf_of(client)
    form = tip_form(csrf)
    form.add_field("photos", png_bomb(), filename="bomb.png", content_type="image/png")
    response = await client.post("/tip", data=form)
    assert response.status == 400 and "尺寸过大" in await response.text()
    form = tip_form(csrf)
    for index in range(6):
        form.add_field("photos", photo_with_gps(color=(index * 30, 0, 0)), filename=f"{index}.jpg",
                       content_type="image/jpeg")
    response = await client.post("/tip", data=form)
    assert response.status == 400 and "最多上传 5 张" in await response.text()
    assert await tip_count(services) == 0


async def test_a_request_over_the_size_limit_gets_a_friendly_page(client, services):
    form = tip_form(await csrf_of(client))
    for index in range(7):
        form.add_field("photos", b"\xff\xd8\xff" + b"\x00" * (9 * 1024 * 1024), filename=f"{index}.jpg",
                       content_type="image/jpeg")
    response = await client.post("/tip", data=form)
    assert response.status in (400, 413)
    assert "照片" in await response.text()
    assert await tip_count(services) == 0


async def test_huge_text_fields_are_refused_kindly(client, services):
    csrf = await csrf_of(client)
    response = await client.post("/tip", data=tip_form(csrf, description="很" * 50_000, location="地" * 5000))
    assert response.status in (400, 413)
    assert "字以内" in await response.text()
    assert await tip_count(services) == 0


async def test_receipt_guessing_by_one_browser_does_not_lock_out_a_real_tipper(services):
    """An attacker hammering /tip/status gets throttled; a tipper with the right code still gets in."""
    app = create_web_app(services)
    async with TestClient(TestServer(app)) as tipper:
        response = await tipper.post("/tip", data=tip_form(await csrf_of(tipper)))
        code = CODE_RE.search(await response.text()).group(0)
        async with TestClient(TestServer(app)) as attacker:
            codes = [f"K7QF-2M9D-XR4T-{i:04d}".replace("0", "A").replace("1", "B") for i in range(40)]
            forms = [await csrf_of(attacker, "/tip/status") for _ in codes]  # a fresh one-time token each
            guesses = [attacker.post("/tip/status", data={"csrf": form, "form_token": form.form_token, "code": code})
                       for form, code in zip(forms, codes, strict=True)]
            statuses = [r.status for r in await asyncio.gather(*guesses)]
            assert statuses.count(429) >= 30  # one browser: a handful of tries, then "wait"
            # A swarm of fresh browsers (new cookies) does not lock out anyone either.
            for _ in range(10):
                attacker.session.cookie_jar.clear()
                fresh = [await csrf_of(attacker, "/tip/status") for _ in range(6)]
                await asyncio.gather(*(attacker.post("/tip/status", data={"csrf": form, "form_token": form.form_token,
                                                                          "code": "hello"}) for form in fresh))
        csrf = await csrf_of(tipper, "/tip/status")
        shown = await tipper.post("/tip/status", data={"csrf": csrf, "form_token": csrf.form_token, "code": code})
        assert shown.status == 200, await shown.text()
        assert "待受理" in await shown.text()


async def test_a_reused_or_unknown_form_token_never_files_twice_and_keeps_what_was_typed(services):
    """Issue 16's bad input: a reused token goes where the first press went; an expired one asks again."""
    from tests.tips.test_web import tokens_in

    async with TestClient(TestServer(create_web_app(services))) as client:
        tokens = await csrf_of(client)
        first = await client.post("/tip", data=tip_form(tokens), allow_redirects=False)
        again = await client.post("/tip", data=tip_form(tokens), allow_redirects=False)
        assert first.status == again.status == 303
        assert first.headers["Location"] == again.headers["Location"]  # the same receipt page, one tip
        assert await tip_count(services) == 1
        receipt = await client.get(first.headers["Location"])
        assert CODE_RE.search(await receipt.text())
        gone = await client.get(first.headers["Location"])
        assert gone.status == 410 and CODE_RE.search(await gone.text()) is None

        stale = tokens_in(await (await client.get("/tip")).text())
        stale.form_token = "forgotten-after-a-restart"
        expired = await client.post("/tip", data=tip_form(stale, location="旧页面里填的地点"), allow_redirects=False)
        body = await expired.text()
        assert expired.status == 409 and "页面已过期" in body and "旧页面里填的地点" in body
        assert await tip_count(services) == 1


async def test_a_follow_up_on_a_closed_tip_is_refused_with_the_review_offered(services):
    from tests.tips.test_web import tokens_in
    from tips.models import TipStatus
    from tips.service import change_status

    async with TestClient(TestServer(create_web_app(services))) as client:
        submitted = await client.post("/tip", data=tip_form(await csrf_of(client)))
        code = CODE_RE.search(await submitted.text()).group(0)
        async with services.sessions() as s, s.begin():
            await change_status(s, 1, TipStatus.CLOSED, "已整改", admin_id=1, now=services.clock.now())
        tokens = await csrf_of(client, "/tip/status")
        thread = await client.post("/tip/status", data={"csrf": tokens, "form_token": tokens.form_token, "code": code})
        page = await thread.text()
        assert "申请复查" in page and 'id="followup-form"' not in page
        tokens = tokens_in(page)
        form = tip_form(tokens)  # a forged follow-up with a photo, posted anyway
        form.add_field("message", "又拍到一张")
        form.add_field("photos", photo_with_gps(), filename="p.jpg", content_type="image/jpeg")
        refused = await client.post(f"{thread.url.path}/add", data=form)
        assert refused.status == 400 and "已办结，不能再补充" in await refused.text()
        short = await client.post(f"{thread.url.path}/review",
                                  data={"csrf": tokens, "form_token": tokens.form_token, "reason": "不"})
        assert short.status == 400 and "请写明申请复查的理由" in await short.text()
    async with services.sessions() as s:
        from tips.service import get_tip

        tip = await get_tip(s, 1)
    assert tip.status is TipStatus.CLOSED and len(tip.events) == 2 and not tip.photos


async def open_thread(client, code: str):
    """The tipper's thread page for ``code`` (a fresh status form, looked up): (response, its html)."""
    tokens = await csrf_of(client, "/tip/status")
    shown = await client.post("/tip/status", data={"csrf": tokens, "form_token": tokens.form_token, "code": code})
    assert shown.status == 200 and shown.url.path.startswith("/tip/thread/")
    return shown, await shown.text()


async def test_a_reused_status_lookup_token_looks_up_once_and_keeps_the_code(services):
    """The receipt-code lookup consumes its token: a double press goes where the first one went, a
    reloaded refusal repeats it without spending a guess, an unknown token keeps the code typed."""
    from tests.tips.test_web import tokens_in

    async with TestClient(TestServer(create_web_app(services))) as client:
        submitted = await client.post("/tip", data=tip_form(await csrf_of(client)))
        code = CODE_RE.search(await submitted.text()).group(0)

        tokens = await csrf_of(client, "/tip/status")
        form = {"csrf": tokens, "form_token": tokens.form_token, "code": code}
        presses = await asyncio.gather(*(client.post("/tip/status", data=form, allow_redirects=False)
                                         for _ in range(2)))
        assert [p.status for p in presses] == [303, 303]
        assert presses[0].headers["Location"] == presses[1].headers["Location"]
        again = await client.post("/tip/status", data=form)  # the reload of the lookup, later
        assert again.status == 200 and "待受理" in await again.text()

        wrong = "K7QF-2M9D-XR4T-PB6N"
        tokens = await csrf_of(client, "/tip/status")
        form = {"csrf": tokens, "form_token": tokens.form_token, "code": wrong}
        for _ in range(3 * 8):  # far more reloads than the per-browser guesses: none is spent again
            refused = await client.post("/tip/status", data=form)
            body = await refused.text()
            assert refused.status == 400 and "回执码不正确" in body and f'value="{wrong}"' in body
            assert "尝试次数过多" not in body

        stale = tokens_in(await (await client.get("/tip/status")).text())
        expired = await client.post("/tip/status", data={"csrf": stale, "form_token": "forgotten-after-a-restart",
                                                         "code": code})
        body = await expired.text()
        assert expired.status == 409 and "页面已过期" in body and "还没有查询" in body and f'value="{code}"' in body
        assert tokens_in(body).form_token != stale.form_token  # a fresh form to press again
        fresh = tokens_in(body)
        shown = await client.post("/tip/status", data={"csrf": fresh, "form_token": fresh.form_token, "code": code})
        assert shown.status == 200 and shown.url.path.startswith("/tip/thread/")


async def test_a_reused_follow_up_token_adds_once_and_an_expired_one_keeps_the_message(services):
    from tests.tips.test_web import tokens_in
    from tips.models import EventKind
    from tips.service import get_tip

    async with TestClient(TestServer(create_web_app(services))) as client:
        submitted = await client.post("/tip", data=tip_form(await csrf_of(client)))
        code = CODE_RE.search(await submitted.text()).group(0)
        thread, page = await open_thread(client, code)
        tokens = tokens_in(page)
        form = {"csrf": tokens, "form_token": tokens.form_token, "message": "东侧，靠近装卸平台"}
        presses = await asyncio.gather(*(client.post(f"{thread.url.path}/add", data=form, allow_redirects=False)
                                         for _ in range(2)))
        assert [p.status for p in presses] == [303, 303]
        assert presses[0].headers["Location"] == presses[1].headers["Location"]
        reloaded = await client.post(f"{thread.url.path}/add", data=form)
        assert reloaded.status == 200 and "已补充到您的举报中" in await reloaded.text()

        expired = await client.post(f"{thread.url.path}/add", data={
            "csrf": tokens, "form_token": "forgotten-after-a-restart", "message": "西侧也堵了"})
        body = await expired.text()
        assert expired.status == 409 and "内容还没有发送" in body and ">西侧也堵了</textarea>" in body
        assert 'id="followup-form"' in body
    async with services.sessions() as s:
        tip = await get_tip(s, 1)
    messages = [e.text for e in tip.events if e.kind is EventKind.MESSAGE]
    assert messages == ["东侧，靠近装卸平台"]


async def test_a_reused_review_token_asks_once_and_an_expired_one_keeps_the_reason(services):
    from tests.tips.test_web import tokens_in
    from tips.models import EventKind, TipStatus
    from tips.service import change_status, get_tip

    async with TestClient(TestServer(create_web_app(services))) as client:
        submitted = await client.post("/tip", data=tip_form(await csrf_of(client)))
        code = CODE_RE.search(await submitted.text()).group(0)
        async with services.sessions() as s, s.begin():
            await change_status(s, 1, TipStatus.CLOSED, "已整改", admin_id=1, now=services.clock.now())
        thread, page = await open_thread(client, code)
        tokens = tokens_in(page)
        expired = await client.post(f"{thread.url.path}/review", data={
            "csrf": tokens, "form_token": "forgotten-after-a-restart", "reason": "通道又被堵上了"})
        body = await expired.text()
        assert expired.status == 409 and "还没有发送" in body and ">通道又被堵上了</textarea>" in body
        assert 'id="review-form"' in body

        form = {"csrf": tokens, "form_token": tokens.form_token, "reason": "隐患仍然存在，通道又被堵上了"}
        presses = await asyncio.gather(*(client.post(f"{thread.url.path}/review", data=form, allow_redirects=False)
                                         for _ in range(2)))
        assert [p.status for p in presses] == [303, 303]
        assert presses[0].headers["Location"] == presses[1].headers["Location"]
        reloaded = await client.post(f"{thread.url.path}/review", data=form)
        assert reloaded.status == 200 and "复查" in await reloaded.text()
    async with services.sessions() as s:
        tip = await get_tip(s, 1)
    assert [e.kind for e in tip.events].count(EventKind.REVIEW) == 1


async def test_a_double_pressed_report_files_one_tip(client, services):
    """Two presses of one report form at once: one tip, both answered with the same receipt page."""
    tokens = await csrf_of(client)
    presses = await asyncio.gather(*(client.post("/tip", data=tip_form(tokens), allow_redirects=False)
                                     for _ in range(2)))
    assert [p.status for p in presses] == [303, 303]
    assert presses[0].headers["Location"] == presses[1].headers["Location"]
    assert await tip_count(services) == 1
