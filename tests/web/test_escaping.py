"""Text that came from workers, tippers, admins or lesson files is shown as text, never run as HTML."""
from __future__ import annotations

import pytest

from tests.conftest import screenshot_path
from tests.web.conftest import log_in

SCRIPT = "<script>window.__xss=1</script>"
ATTRIBUTE = '"><img src=x onerror="window.__xss=2">'
PAYLOADS = (SCRIPT, ATTRIBUTE)


def assert_inert(page_html: str, shown: bool = True) -> None:
    for payload in PAYLOADS:
        assert payload not in page_html
    assert "<script>window.__xss" not in page_html and "<img src=x" not in page_html
    if shown:  # and the text is there, escaped
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page_html or "&#34;&gt;&lt;img" in page_html


async def _seed(services) -> tuple[int, int]:
    from knowledge.models import record_feedback, record_unanswered
    from tips.service import TipDraft, change_status, reply, submit_tip

    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        await record_unanswered(session, "冷库 " + SCRIPT, now=now)
        await record_unanswered(session, "夜班 " + ATTRIBUTE, now=now)
        await record_feedback(session, None, helpful=False, question="劳保 " + SCRIPT + ATTRIBUTE, now=now)
        tip = await submit_tip(session, TipDraft(
            category="fire", place_type="mall", location="三楼 " + ATTRIBUTE,
            description="安全出口被锁住了 " + SCRIPT + ATTRIBUTE, urgent=False), now=now,
            cost=services.tips.receipt_cost)
        await change_status(session, tip.tip_id, "verifying", "核查 " + SCRIPT, admin_id=1, now=now)
        await reply(session, tip.tip_id, "回复 " + ATTRIBUTE, admin_id=1, now=now)
    return tip.tip_id, 0


@pytest.fixture
def payload_library(web_server):
    """A lesson whose every field carries a payload, served by the console in place of the files."""
    from broadcasts.library import Citation, Lesson, Library, Quiz
    from web.typedefs import LIBRARY

    lesson = Lesson(
        id="xss-001", title="标题 " + SCRIPT, series="系列 " + ATTRIBUTE, series_order=1, topics=("fire",),
        audience=("班组 " + ATTRIBUTE,), reading_minutes=2,
        citations=(Citation("安全生产法", 28),),
        quiz=Quiz(question="题目 " + SCRIPT, options=("对 " + ATTRIBUTE, "错"), answer=0, explanation="解析 " + SCRIPT),
        body="**重点 " + SCRIPT + "**\n- 条目 " + ATTRIBUTE,
    )
    web_server.app[LIBRARY].library = Library([lesson])
    return lesson


async def test_payloads_render_inert_in_every_console_page(services, admin_http, payload_library, shared_kb):
    tip_id, _ = await _seed(services)
    services.kb = shared_kb  # the FAQ form needs the corpus (nothing is added to the shared KB)
    for path in ("/admin/", "/admin/knowledge", "/admin/tips?show=all", f"/admin/tips/{tip_id}",
                 "/admin/lessons", "/admin/lessons/xss-001", "/admin/knowledge/faq/new?q=" + SCRIPT):
        async with await admin_http.get(path) as response:
            assert response.status == 200, path
            assert_inert(await response.text(), shown=path != "/admin/")

    # FAQ text and a notification's text, re-shown in their forms after a validation error.
    async with await admin_http.post("/admin/knowledge/faq", {
        "q": "问题 " + SCRIPT, "alt": ATTRIBUTE, "a": "回答 " + SCRIPT + ATTRIBUTE,
        "law": "安全生产法", "article": "99999",
    }) as response:
        assert response.status == 400
        assert_inert(await response.text())
    async with await admin_http.post("/admin/broadcasts/new", {
        "kind": "text", "text": "通知 " + SCRIPT + ATTRIBUTE, "trigger": "cron", "cron": ATTRIBUTE,
    }) as response:
        assert response.status == 400
        assert_inert(await response.text())


async def test_payloads_do_not_run_in_chromium(services, page, web_url, payload_library):
    tip_id, _ = await _seed(services)
    dialogs = []
    page.on("dialog", lambda d: dialogs.append(d))
    await log_in(page, web_url, services.settings, services.clock.now())
    for path, name in ((f"/admin/tips/{tip_id}", "xss-tip"), ("/admin/knowledge", "xss-knowledge"),
                       ("/admin/lessons/xss-001", "xss-lesson")):
        await page.goto(web_url + path)
        assert await page.evaluate("window.__xss") is None, path
        assert await page.locator("img[src=x]").count() == 0
        await page.screenshot(path=screenshot_path(name), full_page=True)
    assert not dialogs
