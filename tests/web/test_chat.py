"""The demo's browser chat: a real Chromium page talking to the real bot through the emulator."""
from __future__ import annotations

from aiohttp import ClientSession

from tests.conftest import ADMIN_ID, screenshot_path


async def test_chat_round_trip_as_worker_and_admin(ankang_web, emulator, page):
    url = ankang_web.web_url
    await page.goto(f"{url}/chat")
    await page.wait_for_selector("#chat[data-ready='1']")
    await page.fill("#text", "/start")
    await page.click("#send")
    # The user's own message, then the bot's welcome, appear as bubbles.
    await page.locator(".msg.me .bubble", has_text="/start").wait_for()
    await page.locator(".msg:not(.me) .bubble", has_text="安康助手").first.wait_for()
    await page.fill("#text", "劳保用品要自己掏钱吗")
    await page.click("#send")
    answer = page.locator(".msg:not(.me) .bubble", has_text="劳动防护用品").first
    await answer.wait_for()
    await page.screenshot(path=screenshot_path("chat-worker"), full_page=True)

    # Switch to the admin identity: a separate chat, where /weblogin answers with a console link.
    await page.click("text=🛡️ 管理员")
    await page.wait_for_selector("#chat[data-ready='1']")
    await page.fill("#text", "/weblogin")
    await page.click("#send")
    link = page.locator(".msg:not(.me) .bubble a", has_text="/admin/login?t=")
    await link.wait_for()  # linked like a Telegram client would
    await page.screenshot(path=screenshot_path("chat-admin"), full_page=True)
    assert emulator.messages(ADMIN_ID)  # really went through the emulator


async def test_chat_is_off_without_the_emulator(ankang):
    async with ClientSession() as http, http.get(f"{ankang.web_url}/chat") as response:
        assert response.status == 404


async def test_chat_emergency_mid_report_is_answered_first_and_the_report_goes_on(ankang_web, page):
    """The browser chat is the bot itself: inside /report an emergency gets the guidance first, then
    the step is asked again and its buttons carry on with the report."""
    from knowledge.messages import EMERGENCY_HEAD

    bot_says = ".msg:not(.me)"
    await page.goto(f"{ankang_web.web_url}/chat")
    await page.wait_for_selector("#chat[data-ready='1']")

    async def say(text: str) -> None:
        await page.fill("#text", text)
        await page.click("#send")

    await say("/report")
    await page.locator(bot_says, has_text="第 1 步").locator("button", has_text="建筑施工").click()
    await page.locator(bot_says, has_text="第 2 步").locator("button", has_text="建筑工地").click()
    await page.locator(bot_says, has_text="第 3 步").wait_for()
    await say("有人触电了")
    again = page.locator(bot_says, has_text="刚才的举报还在继续")
    await again.wait_for()
    said = await page.locator(f"{bot_says} .bubble").all_text_contents()
    guidance = next(i for i, text in enumerate(said) if text.startswith(EMERGENCY_HEAD))
    assert guidance == len(said) - 2  # the guidance, then the step asked again, nothing between
    assert "先断开电源" in said[guidance] and "第 3 步" in said[-1]
    await page.screenshot(path=screenshot_path("chat-emergency-mid-report"), full_page=True)

    await again.locator("button", has_text="跳过").click()
    await page.locator(bot_says, has_text="第 4 步").wait_for()
