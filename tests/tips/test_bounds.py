"""Bounded everything (issue 17, rows 5 and 11): request bodies refused before they are read, forged
tip posts refused before their photos are, follow-ups per tip per day, urgent alerts per hour."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import ADMIN_ID
from tests.tips.test_web import csrf_of
from tips.alerts import AlertThrottle, DutyAlert, alert_urgent
from tips.runtime import TipsRuntime
from tips.service import FOLLOWUPS_PER_TIP_PER_DAY, TipDraft, TipInvalid, add_followup, submit_tip
from web.app import create_web_app
from web.limits import ROUTE_MAX_BYTES, SMALL_BODY_MAX_BYTES, TIP_FORM_MAX_BYTES

BOUNDARY = "----ankangbounds"


@pytest.fixture
async def server(services):
    server = TestServer(create_web_app(services), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


async def raw_post(server, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """Send a request's head and only ``body`` of what it declares; return the status and page the
    server answers without waiting for the rest."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    try:
        head = await reader.readuntil(b"\r\n\r\n")  # the answer comes while the body is still unsent
        length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        page = await reader.readexactly(length)
    finally:
        writer.close()
    return int(head.split(b" ", 2)[1]), page.decode("utf-8", "replace")


@pytest.mark.parametrize(("path", "declared"), [
    ("/tip", TIP_FORM_MAX_BYTES + 1), ("/tip", 50 * 1024 * 1024 * 30),
    ("/tip/status", SMALL_BODY_MAX_BYTES + 1), ("/admin/login", SMALL_BODY_MAX_BYTES + 1),
    ("/telegram/webhook", SMALL_BODY_MAX_BYTES + 1),
    ("/admin/knowledge/faq/import", ROUTE_MAX_BYTES["/admin/knowledge/faq/import"] + 1),
])
async def test_a_body_over_its_routes_limit_is_refused_before_it_is_read(server, path, declared):
    """Row 5: the body was read before the token was checked; 30 posts of 50 MB took 1.3 GB."""
    status, page = await raw_post(server, path, {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(declared)}, b"")
    assert status == 413
    assert "内容太大" in page


async def test_a_forged_tip_post_is_refused_before_its_photos_are_read(server, services):
    """No CSRF token before the first photo: refused with only the photo's first megabyte sent."""
    fields = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (("category", "fire"), ("description", "仓库消防通道被货物堵死了很久")))
    photo_head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n'
                  "Content-Type: image/jpeg\r\n\r\n").encode()
    declared = len(fields) + len(photo_head) + 9 * 1024 * 1024 + 200
    status, page = await raw_post(server, "/tip", {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(declared),
        "Cookie": "tip_csrf=" + "c" * 40}, fields + photo_head + b"\xff\xd8\xff" + b"\x00" * (1024 * 1024))
    assert status == 403
    assert "页面已过期" in page


async def test_a_real_tip_post_still_goes_through(server, services):
    from aiohttp import ClientSession, CookieJar

    from tests.tips.helpers import photo_with_gps
    from tests.tips.test_web import tip_form

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        base = str(server.make_url("")).rstrip("/")

        class Client:
            async def get(self, path):
                return await http.get(base + path)

        form = tip_form(await csrf_of(Client()))
        form.add_field("photos", photo_with_gps(), filename="a.jpg", content_type="image/jpeg")
        async with http.post(base + "/tip", data=form) as response:
            assert response.status == 200 and "回执码" in await response.text()


async def test_follow_ups_per_tip_are_bounded_per_day(services):
    """Row 11: 200 follow-ups of 2,000 characters on one receipt were all accepted."""
    now = services.clock.now()
    draft = TipDraft("construction", "site", "城东3号工地", "脚手架没有挂安全网，工人高处作业", False, [])
    async with services.sessions() as session, session.begin():
        tip_id = (await submit_tip(session, draft, now=now, cost=services.tips.receipt_cost)).tip_id
    for n in range(FOLLOWUPS_PER_TIP_PER_DAY):
        async with services.sessions() as session, session.begin():
            await add_followup(session, tip_id, f"补充{n}", now=now + timedelta(minutes=n))
    with pytest.raises(TipInvalid) as refused:
        async with services.sessions() as session, session.begin():
            await add_followup(session, tip_id, "再补充", now=now + timedelta(hours=1))
    assert refused.value.field == "followups_daily"
    async with services.sessions() as session, session.begin():  # a day later there is room again
        await add_followup(session, tip_id, "第二天补充", now=now + timedelta(hours=25))


class Recorder:
    """The tips domain's DutyAlertSender port, recording what each admin would receive."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, DutyAlert]] = []

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
        self.sent.append((admin_id, alert))


async def test_urgent_alerts_beyond_the_hourly_budget_arrive_as_one_summary(services):
    """Row 11: 20 chats sending urgent tips gave one admin 105 alerts."""
    runtime = TipsRuntime(services.tips.receipt_cost, alerts=AlertThrottle(per_hour=3, summary_delay_s=3600))
    recorder = Recorder()
    tip_ids = []
    for n in range(8):
        draft = TipDraft("fire", "warehouse", f"{n}号仓库", "配电箱冒烟了，有焦糊味，人已撤离", True, [])
        async with services.sessions() as session, session.begin():
            tip_ids.append((await submit_tip(session, draft, now=services.clock.now(),
                                             cost=services.tips.receipt_cost)).tip_id)
        await alert_urgent(services.sessions, services.settings, recorder, tip_ids[-1], runtime.alerts,
                           runtime.spawn)
    assert [alert.tip_id for _, alert in recorder.sent] == tip_ids[:3]
    await runtime.drain()  # shutdown sends the pending summary at once
    assert len(recorder.sent) == 4
    admin, summary = recorder.sent[-1]
    assert admin == ADMIN_ID and summary.tip_id == tip_ids[-1]
    assert "又有 5 条紧急隐患举报" in summary.html
    assert all(f"#{tip_id} " in summary.html for tip_id in tip_ids[3:])
