"""Knowledge page: an unanswered question becomes an FAQ entry with checked citations, live at once."""
from __future__ import annotations

from tests.conftest import screenshot_path
from tests.web.conftest import log_in

QUESTION = "叉车司机每天上班前要不要点检车辆"
ANSWER = ("要检查。叉车属于特种设备（场内专用机动车辆），法律要求使用单位对它经常性维护保养、定期自行检查并做好记录。"
          "上班前按点检表查一遍刹车、转向、喇叭灯光和货叉链条，有毛病先报修，不开“带病”的车。")


async def test_answer_an_unanswered_question_and_the_bot_uses_it(ankang_web, emulator, page):
    from knowledge.models import record_unanswered

    # Seeded directly: whether the bot can already answer QUESTION depends on the knowledge area's tuning.
    services = ankang_web.services
    async with services.sessions() as session, session.begin():
        await record_unanswered(session, QUESTION, now=services.clock.now())
    worker = emulator.user("叉车工")
    await log_in(page, ankang_web.web_url, services.settings, services.clock.now())
    page.on("dialog", lambda dialog: dialog.accept())  # self review: the author confirms publishing
    await page.click("nav.tabs >> text=知识库")
    item = page.locator("li.unanswered", has_text=QUESTION)
    await item.wait_for()
    await page.screenshot(path=screenshot_path("knowledge-unanswered"), full_page=True)
    await item.locator("text=写 FAQ 回答").click()
    assert await page.input_value("#q") == QUESTION
    await page.fill("#a", ANSWER)
    citation = page.locator(".citation").first
    await citation.locator("select").select_option("特种设备安全法")
    # A citation to an article that does not exist is refused with a clear message.
    await citation.locator("input").fill("999")
    # The form warns while typing, before saving (and the warning does not shift the button mid-click).
    await page.locator(".article-preview", has_text="没有这一条").wait_for()
    await page.click("#save-faq")
    assert "没有第 999 条" in await page.text_content(".errors")
    citation = page.locator(".citation").first
    await citation.locator("input").fill("39")
    await citation.locator("input").dispatch_event("change")
    await page.locator(".article-preview", has_text="定期自行检查").wait_for()
    await page.screenshot(path=screenshot_path("knowledge-faq-form"), full_page=True)
    await page.click("#save-faq")
    await page.locator(".flash", has_text="立即用于机器人问答").wait_for()
    assert await page.locator("li.unanswered", has_text=QUESTION).count() == 0

    sent = await emulator.send_text(worker, QUESTION)
    reply = await emulator.wait_for_message(worker, after=sent, timeout=10)
    assert "经常性维护保养" in reply["text"]
    assert "特种设备安全法第三十九条" in reply["text"]


async def test_an_entry_written_here_can_be_corrected_and_answers_with_the_correction(services, admin_http,
                                                                                      own_fixture_kb):
    import re

    from sqlalchemy import select

    from core.models import AuditEntry

    services.kb = kb = own_fixture_kb  # its own: this test adds to it
    # Self review: the author has confirmed (the confirm page posts confirmed=1).
    form = {"q": QUESTION, "a": ANSWER, "law": "特种设备安全法", "article": "39", "confirmed": "1"}
    async with await admin_http.post("/admin/knowledge/faq", form) as response:
        assert response.status == 303 and "faq_saved" in response.headers["Location"]
    async with await admin_http.get("/admin/knowledge") as response:
        listed = await response.text()
    faq_id = re.search(r'href="/admin/knowledge/faq/(web-[0-9a-f]{8})"', listed).group(1)
    async with await admin_http.get(f"/admin/knowledge/faq/{faq_id}") as response:
        page = await response.text()
        assert response.status == 200 and "修改 FAQ 条目" in page and QUESTION in page and ANSWER in page

    corrected = "要。开车前按点检表查一遍刹车、转向、喇叭灯光和货叉链条，有毛病先报修，不开“带病”的车。"
    path = f"/admin/knowledge/faq/{faq_id}"
    async with await admin_http.post(path, dict(form, a=corrected, article="999")) as response:
        assert response.status == 400 and "没有第 999 条" in await response.text()
    async with await admin_http.post(path, dict(form, a=corrected)) as response:
        assert response.status == 303 and "faq_edited" in response.headers["Location"]
    reply = kb.answer(QUESTION)
    assert reply.faq_id == faq_id and "点检表" in reply.text
    async with services.sessions() as session:
        actions = (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()
    assert actions[-2:] == ["kb.faq_add", "kb.faq_edit"]
    async with await admin_http.get("/admin/knowledge/faq/web-00000000") as response:
        assert response.status == 404
