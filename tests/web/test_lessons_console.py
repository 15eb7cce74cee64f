"""Lessons page: browse, preview as a worker sees it, and send a test (lesson + quiz) to one's own chat."""
from __future__ import annotations

from tests.conftest import ADMIN_ID, screenshot_path
from tests.web.conftest import log_in


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
