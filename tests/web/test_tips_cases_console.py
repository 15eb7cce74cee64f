"""The tip inbox as a case list in Chromium: owner, private notes, the 新补充 flag, confirmed closing, 复查."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import screenshot_path
from tests.web.conftest import log_in
from tips.cases import CasePolicy
from tips.models import TipStatus
from tips.service import TipDraft, add_followup, change_status, get_tip, submit_tip

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

    # Closing asks first (a dialog with JavaScript); declined, nothing changes; without a note it is refused.
    await page.select_option("#new-status", "closed")
    await page.fill("#note", CLOSING)
    page.once("dialog", lambda dialog: dialog.dismiss())
    await page.click("#status-form button[type=submit]")
    async with services.sessions() as session:
        assert (await get_tip(session, tip_id)).status is TipStatus.NEW
    await page.fill("#note", "")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#status-form button[type=submit]")
    await page.locator(".errors", has_text="办结说明").wait_for()
    await page.select_option("#new-status", "closed")
    await page.fill("#note", CLOSING)
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#status-form button[type=submit]")
    await page.locator(".flash", has_text="状态已更新").wait_for()
    assert "已办结" in await page.text_content("#tip-status")
    await page.screenshot(path=screenshot_path("tips-case"), full_page=True)

    # The tipper's page shows the closing note and the 复查 window, never the private note.
    await page.goto(f"{web_url}/tip/status")
    await page.fill("input[name=code]", code)
    await page.click("button[type=submit]")
    body = await page.text_content("body")
    assert CLOSING in body and SECRET_NOTE not in body


async def _tip_count_and_followups(services) -> tuple[int, int]:
    from sqlalchemy import func, select

    from tips.models import Author, EventKind, Tip, TipEvent

    async with services.sessions() as session:
        tips = (await session.execute(select(func.count()).select_from(Tip))).scalar_one()
        followups = (await session.execute(select(func.count()).select_from(TipEvent).where(
            TipEvent.author == Author.TIPPER, TipEvent.kind == EventKind.MESSAGE))).scalar_one()
    return tips, followups


async def test_reloading_the_receipt_and_the_follow_up_files_nothing_twice_and_review_reopens(
    services, web_url, page, browser
):
    """Issue 16's 'done when': reload → one tip, one follow-up; 复查 on a closed tip → the handler sees 复查中."""
    await page.goto(f"{web_url}/tip")
    await page.select_option("#category", "construction")
    await page.select_option("#place_type", "site")
    await page.fill("#description", "塔吊司机连续工作十几个小时，塔吊限位器坏了也没人修")
    await page.check("input[name=urgent][value=no]")
    await page.click("button[type=submit]")
    code = (await page.text_content("#receipt-code")).strip()
    assert "/tip/receipt/" in page.url
    # Shown by the page's script once it has run (the page works without it): wait for them.
    await page.locator("#copy-receipt").wait_for(state="visible")
    await page.locator("#save-image").wait_for(state="visible")
    await page.reload()  # a GET: nothing is posted again, and the code is not shown twice
    assert await page.locator("#receipt-gone").count() == 1 and code not in await page.content()
    await page.go_back()
    assert await _tip_count_and_followups(services) == (1, 0)

    await page.goto(f"{web_url}/tip/status")
    await page.fill("#code", code)
    await page.click("button[type=submit]")
    assert "/tip/thread/" in page.url and code.replace("-", "") not in page.url
    await page.fill("#message", "补充：晚上十点以后还在吊装")
    await page.click("#followup-form button[type=submit]")
    await page.locator(".flash", has_text="已补充").wait_for()
    await page.reload()
    await page.reload()
    assert await _tip_count_and_followups(services) == (1, 1)
    assert await page.locator(".tip-event", has_text="晚上十点以后").count() == 1

    # The handler closes the tip; the tipper asks for a 复查 on the web; the handler sees it reopened.
    async with services.sessions() as session, session.begin():
        from tips.service import change_status, list_tips

        tip_id = (await list_tips(session)).tips[0].id
        await change_status(session, tip_id, TipStatus.CLOSED, CLOSING, admin_id=1, now=services.clock.now())
    await page.reload()
    await page.fill("#reason", "限位器还是坏的，司机仍然超时工作")
    await page.click("#review-form button[type=submit]")
    await page.locator(".flash", has_text="已提交复查申请").wait_for()
    await page.reload()
    assert "复查中" in await page.text_content("#tip-status") and await page.locator("#review-form").count() == 0

    handler = await (await browser.new_context()).new_page()
    try:
        await log_in(handler, web_url, services.settings, services.clock.now())
        await handler.goto(f"{web_url}/admin/tips")
        row = handler.locator(".tip-row", has_text=f"#{tip_id} ")
        assert "复查中" in await row.text_content() and await row.locator("[data-unread]").count() == 1
        await handler.click(f"a:has-text('#{tip_id} ')")
        assert "复查中" in await handler.text_content("#tip-status")
        assert "限位器还是坏的" in await handler.text_content(".thread")
    finally:
        await handler.context.close()


async def test_without_javascript_closing_and_broadcast_actions_go_through_a_confirm_page(
    services, admin_http, browser, web_url, library
):
    tip_id, _ = await _tip(services)
    async with await admin_http.post(f"/admin/tips/{tip_id}/status", {"status": "rejected", "note": "请向人社部门反映",
                                                                     "reason": "not_safety"}) as response:
        page = await response.text()
        assert response.status == 200 and 'id="confirm"' in page and "不属于安全生产隐患" in page
    async with services.sessions() as session:
        assert (await get_tip(session, tip_id)).status is TipStatus.NEW  # asked, not done
    # The confirm page itself, in a browser without JavaScript: one press does it.
    context = await browser.new_context(java_script_enabled=False)
    try:
        nojs = await context.new_page()
        await log_in(nojs, web_url, services.settings, services.clock.now())
        await nojs.goto(f"{web_url}/admin/tips/{tip_id}")
        await nojs.select_option("#new-status", "rejected")
        await nojs.select_option("#reason", "not_safety")
        await nojs.fill("#note", "工资问题请向人社部门反映")
        await nojs.click("#status-form button[type=submit]")
        await nojs.locator("#confirm").wait_for()
        await nojs.screenshot(path=screenshot_path("tips-confirm-reject"), full_page=True)
        await nojs.click("#confirm-yes")
        await nojs.locator(".flash", has_text="状态已更新").wait_for()
        assert "不予受理" in await nojs.text_content("#tip-status")
    finally:
        await context.close()
    async with services.sessions() as session:
        tip = await get_tip(session, tip_id)
    assert tip.status is TipStatus.REJECTED and tip.reject_reason == "not_safety"

    from broadcasts.schedules import What, When, create_schedule

    async with services.sessions() as session, session.begin():
        schedule = await create_schedule(session, library, What("text", text="周一安全早会"),
                                         When("weekly", weekdays=("mon",), at_time="09:00"),
                                         now=services.clock.now())
    for action in ("send", "cancel"):
        async with await admin_http.post(f"/admin/broadcasts/{schedule.id}/{action}") as response:
            page = await response.text()
            assert response.status == 200 and 'id="confirm"' in page, action
    async with await admin_http.post(f"/admin/broadcasts/{schedule.id}/cancel", {"confirmed": "1"}) as response:
        assert response.status == 303


async def test_recognition_and_legal_hold_from_the_console(services, web_url, page, admin_http):
    tip_id, code = await _tip(services)
    async with services.sessions() as session, session.begin():
        await change_status(session, tip_id, TipStatus.CLOSED, CLOSING, admin_id=1, now=services.clock.now())
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/tips/{tip_id}")
    await page.fill("#recognition-note", "经核查属实，企业已整改")
    await page.click("#recognize-form button[type=submit]")
    await page.locator(".flash", has_text="有效举报").wait_for()
    assert await page.locator("#tip-purge-at").count() == 1
    await page.fill("#hold-reason", "区法院调取证据")
    await page.click("#hold-form button[type=submit]")
    await page.locator(".flash", has_text="法律保全").wait_for()
    await page.goto(f"{web_url}/admin/tips/retention")
    assert "区法院调取证据" in await page.text_content("#purge-held")
    await page.screenshot(path=screenshot_path("tips-retention"), full_page=True)

    # Releasing a hold is asked first (the confirm page without JavaScript).
    async with await admin_http.post(f"/admin/tips/{tip_id}/hold", {"release": "1"}) as response:
        assert response.status == 200 and 'id="confirm"' in await response.text()
    async with services.sessions() as session:
        assert (await get_tip(session, tip_id)).hold_reason == "区法院调取证据"
    async with await admin_http.post(f"/admin/tips/{tip_id}/hold", {"hold_reason": "再来一次"}) as response:
        assert response.status == 409 and "已处于法律保全" in await response.text()

    # The tipper reads the recognition and how a real-name reward claim works.
    await page.goto(f"{web_url}/tip/status")
    await page.fill("#code", code)
    await page.click("button[type=submit]")
    recognized = await page.text_content("#tip-recognized")
    assert "有效举报" in recognized and "经核查属实" in recognized and "实名" in recognized
