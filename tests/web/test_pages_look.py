"""Every console page at phone and desktop sizes: renders, fits the screen, screenshots to look at."""
from __future__ import annotations

import pytest

from tests.conftest import screenshot_path
from tests.web.conftest import log_in

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


async def _seed(services) -> int:
    from knowledge.models import record_feedback, record_unanswered
    from tips.service import TipDraft, change_status, submit_tip

    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        await record_unanswered(session, "冷库里一次能待多久", now=now)
        await record_feedback(session, None, helpful=False, question="夜班补贴怎么算", now=now)
        tip = await submit_tip(session, TipDraft(
            category="fire", place_type="mall", location="城南商场三楼东侧安全出口",
            description="安全出口被货架堵住，还上了锁，周末人很多，一旦着火跑不出去。", urgent=True), now=now,
            cost=services.tips.receipt_cost)
        await change_status(session, tip.tip_id, "verifying", "已转交消防部门，明天上午到现场核查。",
                            admin_id=1, now=now)
    return tip.tip_id


@pytest.mark.parametrize("size", SIZES)
async def test_every_console_page_fits_the_screen(services, browser, web_url, size):
    tip_id = await _seed(services)
    width, height = SIZES[size]
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = await context.new_page()
    try:
        await log_in(page, web_url, services.settings, services.clock.now())
        await page.goto(f"{web_url}/admin/lessons")
        lesson_href = await page.locator("ul.list a").first.get_attribute("href")
        for name, path in [("dashboard", "/admin/"), ("tips", "/admin/tips?show=all"), ("tip", f"/admin/tips/{tip_id}"),
                           ("broadcasts", "/admin/broadcasts"), ("broadcast-new", "/admin/broadcasts/new"),
                           ("lessons", "/admin/lessons"), ("lesson", lesson_href), ("knowledge", "/admin/knowledge"),
                           ("faq-new", "/admin/knowledge/faq/new"), ("audit", "/admin/audit"),
                           ("admins", "/admin/admins"),
                           ("not-found", "/admin/tips/999999")]:
            await page.goto(web_url + path)
            # Nothing wider than the screen: a phone must never scroll sideways to read a page.
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the {size} screen"
            await page.screenshot(path=screenshot_path(f"look-{size}-{name}"), full_page=True)
        await context.clear_cookies()
        await page.goto(f"{web_url}/admin/login")
        await page.screenshot(path=screenshot_path(f"look-{size}-login"), full_page=True)
    finally:
        await context.close()
