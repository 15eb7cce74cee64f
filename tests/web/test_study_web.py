"""The public certificate check (/verify) in Chromium and over HTTP, and the console's 学时 page,
its Excel export and certificates issued from it."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from aiohttp import ClientSession
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from broadcasts.quiz import set_name_consent
from core import users
from core.models import AuditEntry
from org import service as org
from study import certificates as certs
from study import service as study
from study.models import StudySource
from tests.conftest import screenshot_path
from tests.web.conftest import log_in
from web.typedefs import VERIFY_LOOKUPS_PER_CLIENT


async def _issue(services, holder="王建华", title="2026年安全生产月知识竞赛 一等奖"):
    async with services.sessions() as session, session.begin():
        return await certs.issue_certificate(session, holder, None, title, now=services.clock.now())


async def test_verify_page_shows_a_valid_code_and_refuses_an_unknown_one(services, web_url, page):
    cert = await _issue(services)
    await page.goto(f"{web_url}/verify")
    await page.fill("#code", certs.format_code(cert.code).lower().replace("-", " "))
    await page.click("#verify-submit")
    result = page.locator("#verify-result")
    await result.wait_for()
    assert await result.get_attribute("data-valid") == "true"
    assert await page.text_content("#verify-holder") == "王建华"
    assert await page.text_content("#verify-title") == "2026年安全生产月知识竞赛 一等奖"
    assert "年" in await page.text_content("#verify-date")
    await page.screenshot(path=screenshot_path("verify-valid"), full_page=True)

    # The link printed on the PDF.
    response = await page.goto(f"{web_url}/verify/{certs.format_code(cert.code)}")
    assert response.status == 200 and await result.get_attribute("data-valid") == "true"

    wrong = "ZZZZZ-ZZZZZ" if cert.code != "ZZZZZZZZZZ" else "YYYYY-YYYYY"
    response = await page.goto(f"{web_url}/verify/{wrong}")
    assert response.status == 404
    assert await result.get_attribute("data-valid") == "false"
    assert "查无此证书" in await result.inner_text() and "王建华" not in await page.content()
    await page.screenshot(path=screenshot_path("verify-unknown"), full_page=True)


@pytest.mark.parametrize("path", [
    "/verify?code=", "/verify?code=%20%20", "/verify?code=" + "A" * 5000, "/verify/" + "9" * 300,
    "/verify?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/verify/'%20OR%201=1--", "/verify?code=%E8%AF%81%E4%B9%A6",
    "/verify?code=ABCDE%00FGHJK", "/verify?code=ABCDE-FGHJK&code=x",
])
async def test_garbage_codes_get_a_plain_answer(services, web_url, path):
    await _issue(services)
    async with ClientSession() as http, http.get(web_url + path) as response:
        body = await response.text()
    assert response.status in (400, 404), (path, response.status)
    assert "证书验证" in body and "<script>alert" not in body
    assert "证书有效" not in body


async def test_lookups_are_limited_per_client(services, web_url):
    cert = await _issue(services)
    async with ClientSession() as http:
        statuses = []
        for _ in range(VERIFY_LOOKUPS_PER_CLIENT + 2):
            async with http.get(f"{web_url}/verify/ZZZZZ-ZZZZ{len(statuses) % 10}") as response:
                statuses.append(response.status)
        assert statuses[:VERIFY_LOOKUPS_PER_CLIENT].count(429) == 0
        assert statuses[-2:] == [429, 429]
        async with http.get(f"{web_url}/verify/{cert.code}") as response:  # even a right code waits
            assert response.status == 429 and "太频繁" in await response.text()
            assert response.headers["Retry-After"] == "600"
        async with http.get(f"{web_url}/verify") as response:  # the empty form is not a lookup
            assert response.status == 200


async def test_console_lists_hours_exports_them_and_issues_a_unit_certificate(services, web_url, page):
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        plant = await org.add_unit(session, "plant", "机械厂工会", "基层")
        await org.add_unit(session, "team", "一车间班组", "班组", parent_code="plant")
        for chat_id, name in ((880001, "王师傅"), (880002, None)):
            await users.record_user(session, chat_id)
            await org.join(session, chat_id, plant)
            if name:
                await set_name_consent(session, chat_id, name)
        await study.credit(session, 880001, StudySource.LESSON, "fire-extinguisher", 4, title="灭火器", now=now)
        await study.credit(session, 880002, StudySource.LESSON, "height-work", 3, now=now - timedelta(minutes=5))
    await log_in(page, web_url, services.settings, now)
    await page.click("nav.tabs >> text=学时证书")
    workers = page.locator("#study-workers tbody tr")
    await workers.first.wait_for()
    rows = [await row.inner_text() for row in await workers.all()]
    assert rows[0].startswith("王师傅\t机械厂工会\t4\t1") and rows[1].startswith("工友#")
    assert "880001" not in await page.content() and "880002" not in await page.content()
    units = [await row.inner_text() for row in await page.locator("#study-units tbody tr").all()]
    assert units[0].split("\t")[1:] == ["2", "2", "7", "7"]

    async with page.expect_download() as waiting:
        await page.click("#study-export")
    book = load_workbook(io.BytesIO((await (await waiting.value).path()).read_bytes()))
    cells = [c.value for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert "王师傅" in cells and "机械厂工会" in cells
    assert not [c for c in cells if "880001" in str(c) or "880002" in str(c)]

    await page.check("input[name=kind][value=unit]")
    await page.select_option("#cert-unit", str(plant.id))
    await page.fill("#cert-title", "2026年安康杯竞赛 优胜单位")
    await page.click("#certificate-submit")
    await page.locator(".flash", has_text="证书已颁发").wait_for()
    row = page.locator("#certificates tbody tr").first
    assert "机械厂工会" in await row.inner_text()
    code = (await row.locator("code").inner_text()).strip()
    await page.screenshot(path=screenshot_path("study-console"), full_page=True)
    async with services.sessions() as session:
        found = await certs.verify(session, code)
        actions = list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())
    assert found.valid and found.certificate.unit_id == plant.id
    assert actions[-2:] == ["study.export", "study.certificate"]

    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    pdf_url = f"{web_url}/admin/study/certificates/{found.certificate.id}.pdf"
    async with ClientSession(cookies=cookies) as http, http.get(pdf_url) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        pdf = await response.read()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "机械厂工会" in text and code in text and f"/verify/{code}" in text

    # A person's certificate with no name is refused with the reason, the form kept.
    await page.check("input[name=kind][value=person]")
    await page.fill("#cert-title", "个人奖")
    await page.click("#certificate-submit")
    assert "不能为空" in await page.text_content("#study-errors")
    assert await page.input_value("#cert-title") == "个人奖"
