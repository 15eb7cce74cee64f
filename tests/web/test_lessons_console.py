"""Lessons page: browse, preview as a worker sees it, and send a test (lesson + quiz) to one's own chat."""
from __future__ import annotations

from broadcasts.library import load_library
from tests.conftest import ADMIN_ID, screenshot_path
from tests.web.conftest import log_in
from web import messages


async def test_preview_and_send_a_test_lesson_to_me(ankang_web, emulator, page):
    emulator.user("管理员", id=ADMIN_ID)
    services = ankang_web.services
    await log_in(page, ankang_web.web_url, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=微课堂")
    await page.screenshot(path=screenshot_path("lessons"), full_page=True)
    await page.locator("ul.list a").first.click()
    title = (await page.text_content("h1")).strip()
    assert await page.locator(".phone .bubble.poll .opt.correct").count() == 1
    await page.screenshot(path=screenshot_path("lesson-preview"), full_page=True)

    mark = emulator.mark()
    await page.click("#send-test")
    await page.locator(".flash", has_text="测试消息已发送").wait_for()
    await emulator.wait_for_message(ADMIN_ID, lambda m: "测试推送" in m.get("text", ""), since=mark, timeout=10)
    await emulator.wait_for_message(ADMIN_ID, lambda m: title in m.get("text", ""), since=mark, timeout=10)
    poll = await emulator.wait_for_message(ADMIN_ID, lambda m: "poll" in m, since=mark, timeout=10)
    assert poll["poll"]["type"] == "quiz"


async def test_a_test_telegram_refuses_gets_a_console_page_that_says_so(ankang_web, emulator, page):
    """An admin who blocked the bot (or never opened it) gets an explanation, not a server error."""
    emulator.user("管理员", id=ADMIN_ID)
    services = ankang_web.services
    await log_in(page, ankang_web.web_url, services.settings, services.clock.now())
    await page.goto(f"{ankang_web.web_url}/admin/lessons")
    await page.locator("ul.list a").first.click()
    await page.locator("#send-test").wait_for()
    emulator.fail_next(1, "blocked", method="sendMessage", chat_id=ADMIN_ID)
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.click("#send-test")
    assert (await posted.value).status == 502
    await page.locator("h1", has_text="发送失败").wait_for()
    assert messages.TEST_SEND_FAILED in await page.text_content("section.card")


async def test_a_test_without_a_bot_attached_gets_a_console_page_that_says_so(admin_http):
    """The web server alone (no bot beside it): a stale page's send button answers 503 with a reason."""
    lesson_id = next(iter(load_library())).id
    response = await admin_http.post(f"/admin/lessons/{lesson_id}/test")
    assert response.status == 503
    assert messages.BOT_UNAVAILABLE in await response.text()
