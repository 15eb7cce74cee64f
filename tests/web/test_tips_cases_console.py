"""The tip inbox as a case list in Chromium: owner, private notes, the 新补充 flag, confirmed closing, 复查."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import screenshot_path
from tests.web.conftest import log_in
from tips.cases import CasePolicy
from tips.models import TipStatus
from tips.service import TipDraft, add_followup, get_tip, submit_tip

SECRET_NOTE = "内部：约了区应急局周三一起去现场"
CLOSING = "已督促企业安装安全网并组织高处作业培训，隐患已消除。"


async def _tip(services, *, back_days: int = 0) -> tuple[int, str]:
    draft = TipDraft(category="construction", place_type="site", location="城东某小区 3 号楼工地",
                     description="脚手架没有安全网，工人高处作业不系安全带，已经好几天了。", urgent=False)
    async with services.sessions() as session, session.begin():
        submitted = await submit_tip(session, draft, now=services.clock.now() - timedelta(days=back_days),
                                     cost=services.tips.receipt_cost,
                                     policy=CasePolicy.from_settings(services.settings))
    return submitted.tip_id, submitted.receipt_code


async def test_a_handler_takes_notes_and_closes_a_case_after_confirming(services, web_url, page):
    overdue, _ = await _tip(services, back_days=10)
    tip_id, code = await _tip(services)
    async with services.sessions() as session, session.begin():
        await add_followup(session, tip_id, "补充：今天又看到有人没系安全带", now=services.clock.now())
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/tips")
    rows = page.locator(".tip-row")
    # The overdue tip heads the inbox; the other carries the 新补充 flag and its time left.
    assert f"#{overdue}" in await rows.nth(0).text_content()
    assert "已超期" in await rows.nth(0).locator("[data-deadline]").text_content()
    assert await rows.nth(1).locator("[data-unread]").count() == 1
    assert "受理时限 剩" in await rows.nth(1).locator("[data-deadline]").text_content()

    await page.click(f"a:has-text('#{tip_id} ')")
    assert await page.locator("#tip-unread").count() == 1
    await page.click("#take-tip")
    await page.locator(".flash", has_text="负责人已更新").wait_for()
    assert "（我）" in await page.text_content("#tip-owner")
    assert await page.locator("#tip-unread").count() == 0  # opened: no longer new

    await page.fill("#note-text", SECRET_NOTE)
    await page.click("#note-form button[type=submit]")
    await page.locator("#private-notes li", has_text=SECRET_NOTE).wait_for()

    # Closing without a note is refused; with one it asks for confirmation before anything changes.
    await page.select_option("#new-status", "closed")
    await page.click("#status-form button[type=submit]")
    await page.locator(".errors", has_text="办结说明").wait_for()
    await page.select_option("#new-status", "closed")
    await page.fill("#note", CLOSING)
    await page.click("#status-form button[type=submit]")
    await page.locator("#confirm").wait_for()
    await page.screenshot(path=screenshot_path("tips-confirm-close"), full_page=True)
    async with services.sessions() as session:
        assert (await get_tip(session, tip_id)).status is TipStatus.NEW
    await page.click("#confirm-yes")
    await page.locator(".flash", has_text="状态已更新").wait_for()
    assert "已办结" in await page.text_content("#tip-status")
    await page.screenshot(path=screenshot_path("tips-case"), full_page=True)

    # The tipper's page shows the closing note and the 复查 window, never the private note.
    await page.goto(f"{web_url}/tip/status")
    await page.fill("input[name=code]", code)
    await page.click("button[type=submit]")
    body = await page.text_content("body")
    assert CLOSING in body and SECRET_NOTE not in body
