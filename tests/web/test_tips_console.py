"""Tips inbox: an admin changes a tip's status in the browser; the tipper sees it through /status."""
from __future__ import annotations

import io
import zipfile

from tests.conftest import screenshot_path
from tests.web.conftest import log_in

NOTE = "已联系施工单位安全负责人，明天上午到现场核查脚手架。"


async def _submit_tip(services) -> tuple[int, str]:
    from tips.service import TipDraft, submit_tip

    draft = TipDraft(category="construction", place_type="site", location="城东某小区 3 号楼工地",
                     description="脚手架没有安全网，工人高处作业不系安全带，已经好几天了。", urgent=False)
    async with services.sessions() as session, session.begin():
        submitted = await submit_tip(session, draft, now=services.clock.now(), cost=services.tips.receipt_cost)
    return submitted.tip_id, submitted.receipt_code


async def test_status_change_reaches_the_tipper(ankang_web, emulator, page):
    services = ankang_web.services
    tip_id, code = await _submit_tip(services)
    await log_in(page, ankang_web.web_url, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=隐患举报")
    await page.click(f"a:has-text('#{tip_id}')")
    await page.select_option("#new-status", "verifying")
    await page.fill("#note", NOTE)
    await page.click("#status-form button[type=submit]")
    await page.locator(".flash", has_text="状态已更新").wait_for()
    assert "核查中" in await page.text_content("#tip-status")
    await page.fill("#reply-text", "感谢您的举报，有新情况可以随时补充照片。")
    await page.click("#reply-form button[type=submit]")
    await page.locator(".thread li", has_text="随时补充照片").wait_for()
    # The thread names its authors and events in words (tips.models label tables), never by code.
    thread = await page.text_content(".thread")
    assert "举报人" in thread and "工会" in thread and "提交举报" in thread
    assert not any(code in thread for code in ("tipper", "union", "submitted"))
    await page.screenshot(path=screenshot_path("tips-detail"), full_page=True)

    tipper = emulator.user("举报人")
    sent = await emulator.send_text(tipper, f"/status {code}")
    view = await emulator.wait_for_message(tipper, after=sent, timeout=10)
    assert "核查中" in view["text"]
    assert NOTE in view["text"]

    # Export: a ZIP with the CSV files, downloaded with the browser's session.
    response = await page.request.get(f"{ankang_web.web_url}/admin/tips/export.zip?show=all")
    assert response.status == 200
    names = zipfile.ZipFile(io.BytesIO(await response.body())).namelist()
    assert "tips.csv" in names and "thread.csv" in names
    await page.goto(f"{ankang_web.web_url}/admin/tips?show=all")
    await page.screenshot(path=screenshot_path("tips-inbox"), full_page=True)
    await page.goto(f"{ankang_web.web_url}/admin/audit")
    assert "更改举报状态" in await page.text_content("table")
