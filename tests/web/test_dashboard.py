"""Dashboard: server-rendered SVG charts from every area's data (and empty states without data)."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import screenshot_path
from tests.web.conftest import log_in


async def _seed(services) -> None:
    from broadcasts.subscriptions import set_topics
    from core.users import record_user
    from knowledge.models import record_feedback, record_question, record_unanswered
    from tips.service import TipDraft, submit_tip

    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        for question, days_ago in [("冷库里能待多久", 1), ("夜班补贴怎么算", 2), ("冷库里能待多久", 0)]:
            await record_unanswered(session, question, now=now - timedelta(days=days_ago))
        for i in range(6):
            await record_feedback(session, "ppe-001", helpful=i % 3 != 0, question="劳保用品要自己买吗",
                                  now=now - timedelta(days=i))
        today = now.astimezone(services.settings.tz).date()
        for intent, topic, days_ago in [("answer", "ppe", 0), ("answer", "ppe", 1), ("answer", "injury", 1),
                                        ("unsure", "", 0), ("emergency", "", 2)]:
            await record_question(session, today - timedelta(days=days_ago), intent, topic)
        for chat_id, topics in [(1, {"construction", "fire"}), (2, {"fire"}), (3, {"mining", "fire"})]:
            await record_user(session, chat_id)
            await set_topics(session, chat_id, topics)
        for category, place in [("construction", "site"), ("fire", "mall"), ("fire", "eatery")]:
            draft = TipDraft(category=category, place_type=place, location="",
                             description="消防通道被杂物堵死，已经一个多月了。", urgent=False)
            await submit_tip(session, draft, now=now, cost=services.tips.receipt_cost)


async def test_dashboard_charts(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    assert await page.locator(".chart-empty").count() == 7  # an empty state per chart, no errors
    await _seed(services)
    await page.reload()
    assert await page.locator("svg.chart").count() >= 5
    subscribers = await page.locator("section:has(h2:text('订阅主题')) svg title").all_text_contents()
    assert "消防安全: 3" in subscribers
    topics = await page.locator("section:has(h2:text('热门话题')) svg title").all_text_contents()
    assert "劳动防护用品: 2" in topics and "工伤: 1" in topics  # a code in words, never raw
    await page.screenshot(path=screenshot_path("dashboard-data"), full_page=True)
