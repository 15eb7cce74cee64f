"""问工会 end to end through the emulator and Chromium: the worker's question reaches the on-duty admin,
is answered in the console, becomes an FAQ entry that then answers the same question; the entry is
edited and disabled, and its history shows both."""
from __future__ import annotations

from sqlalchemy import select

from bot import handoff_messages as hmsg
from bot import qa_messages
from core.admins import add_admin, set_on_duty
from emulator import button_texts
from knowledge.models import Handoff, HandoffStatus
from tests.conftest import screenshot_path
from tests.web.conftest import log_in

QUESTION = "仓库夜班只有一个人值守合规吗"
ANSWER = "夜间值守要保证有人能及时发现和报告险情：单位应当配备足够人员，建立值班和巡查制度，一人值守须能随时联络。"
EDITED = "一人值守并不当然违法，但单位必须保证值守人员能随时报警、联络，并落实巡查和应急处置制度。"


def texts(message) -> list[str]:
    return [t for row in button_texts(message) for t in row]


async def test_question_to_person_to_faq_edited_and_disabled(ankang_web, emulator, page, shared_kb):
    services = ankang_web.services
    # Not answered (unsure or outside what the statutes answer: the operating point decides): 🙋 问工会 under either.
    assert shared_kb.answer(QUESTION).intent in ("unsure", "out_of_scope")
    duty = emulator.user("值班员")
    async with services.sessions() as s, s.begin():
        await add_admin(s, duty.id, "值班员")
        await set_on_duty(s, services.settings, duty.id, True)
    worker = emulator.user("李师傅", username="lishifu")

    # The worker's unanswered question → 🙋 问工会 → confirmed → the on-duty admin is notified.
    reply = await emulator.ask(worker, QUESTION)
    assert reply["text"] and qa_messages.ASK_UNION_BUTTON in texts(reply)
    async with emulator.expect(worker) as got:
        await emulator.press(worker, reply, qa_messages.ASK_UNION_BUTTON)
    async with emulator.expect(duty) as notified, emulator.expect(worker, count=0, edits=1):
        await emulator.press(worker, got.message, hmsg.SEND_BUTTON)
    assert QUESTION in notified.message["text"] and "李师傅" not in notified.message["text"]
    [handoff] = await _handoffs(services)

    # The admin answers in the console's 待回答 inbox; the dashboard counts it first.
    await log_in(page, ankang_web.web_url, services.settings, services.clock.now())
    page.on("dialog", lambda dialog: dialog.accept())  # self review: the author confirms publishing
    assert "问工会待回答" in await page.text_content(".stats")
    await page.click("nav.tabs >> text=待回答")
    assert (await page.text_content("#count-received")).strip().startswith("1")
    await page.click(f"li.handoff[data-id='{handoff.id}'] >> text=职工 #{handoff.id}")
    assert QUESTION in await page.text_content(".thread")
    await page.click("#claim-handoff")
    await page.locator("#handoff-status", has_text="回答中").wait_for()
    mine = await emulator.ask(worker, "/myquestions")
    assert "回答中" in mine["text"]
    await page.fill("#answer-text", ANSWER)
    async with emulator.expect(worker) as answered:
        await page.click("#send-answer")
    await page.locator(".flash", has_text="回答已发送给职工").wait_for()
    assert "工会回复" in answered.message["text"] and ANSWER[:20] in answered.message["text"]
    assert hmsg.FOLLOW_UP_BUTTON in texts(answered.message)
    await page.screenshot(path=screenshot_path("handoff-answered"), full_page=True)

    # 转为FAQ: the form is prefilled with the question, the answer and the question as an alternative.
    await page.click("#to-faq")
    assert await page.input_value("#q") == QUESTION
    assert await page.input_value("#a") == ANSWER
    assert QUESTION in await page.input_value("#alt")
    citation = page.locator(".citation").first
    await citation.locator("select").select_option("安全生产法")
    await citation.locator("input").fill("41")
    await citation.locator("input").dispatch_event("change")
    await page.locator(".article-preview").first.wait_for()
    await page.click("#save-faq")
    await page.locator(".flash", has_text="立即用于机器人问答").wait_for()
    [handoff] = await _handoffs(services)
    assert handoff.faq_id is not None
    faq_id = handoff.faq_id

    # The same question asked again is answered confidently with the new entry.
    again = await emulator.ask(worker, QUESTION)
    assert ANSWER[:20] in again["text"] and "安全生产法第四十一条" in again["text"]
    assert services.kb.answer(QUESTION).intent == "answer"

    # Edited: the next answer shows the edit.
    await page.goto(f"{ankang_web.web_url}/admin/knowledge/faq/{faq_id}")
    await page.fill("#a", EDITED)
    await page.click("#save-faq")
    await page.locator(".flash", has_text="已按新内容回答").wait_for()
    again = await emulator.ask(worker, QUESTION)
    assert EDITED[:20] in again["text"]

    # Disabled: no longer answered with it.
    await page.goto(f"{ankang_web.web_url}/admin/knowledge/faq/{faq_id}/history")
    await page.click("#faq-disable")
    await page.locator(".flash", has_text="已停用").wait_for()
    again = await emulator.ask(worker, QUESTION)
    assert EDITED[:10] not in again["text"] and ANSWER[:10] not in again["text"]
    reply = services.kb.answer(QUESTION)
    assert getattr(reply, "faq_id", None) != faq_id

    # The history shows both changes (and the addition), newest first, with who made them.
    labels = [t.strip() for t in await page.locator("#revisions .revision .badge").all_text_contents()]
    assert labels == ["停用", "修改", "新增"]
    edit_diff = await page.locator("#revisions .revision").nth(1).text_content()
    assert "回答" in edit_diff and EDITED[:10] in edit_diff and ANSWER[:10] in edit_diff
    await page.screenshot(path=screenshot_path("faq-history"), full_page=True)

    # The entry list finds it through the engine's search only while enabled, and by status filter after.
    await page.goto(f"{ankang_web.web_url}/admin/knowledge/faq?status=disabled")
    assert await page.locator(f"li.faq-row[data-id='{faq_id}']").count() == 1


async def _handoffs(services) -> list[Handoff]:
    async with services.sessions() as s:
        return list((await s.execute(select(Handoff).order_by(Handoff.id))).scalars())


async def test_an_answer_from_a_second_admin_is_refused_in_the_console(ankang_web, emulator, page):
    services = ankang_web.services
    worker = emulator.user()
    from knowledge import handoff as domain

    async with services.sessions() as s, s.begin():
        handoff, _ = await domain.open_handoff(s, worker.id, "夜班补贴怎么算", now=services.clock.now())
    await log_in(page, ankang_web.web_url, services.settings, services.clock.now())
    await page.goto(f"{ankang_web.web_url}/admin/handoffs/{handoff.id}")
    # Meanwhile another admin answers from Telegram (the same domain call as the bot's 回答).
    async with emulator.expect(worker):
        await domain.answer_and_deliver(services.sessions, services.settings, _sender(ankang_web), handoff.id,
                                        min(services.settings.admin_ids), "先到先得的回答",
                                        now=services.clock.now())
    mark = emulator.mark()
    await page.fill("#answer-text", "第二个回答")
    await page.click("#send-answer")
    assert "其他工作人员先回答" in await page.text_content(".errors")
    assert await page.text_content("#unsent-answer") == "第二个回答"  # nothing lost
    assert emulator.new_messages(worker, mark) == []
    async with services.sessions() as s:
        assert (await domain.get_handoff(s, handoff.id)).status is HandoffStatus.ANSWERED


def _sender(ankang_web):
    from bot.handoff import TelegramHandoffs

    return TelegramHandoffs(ankang_web.application.bot)


async def test_bad_answers_in_the_console_are_explained_and_a_blocked_worker_closes_the_handoff(
        ankang_web, emulator):
    from aiohttp import ClientSession, CookieJar

    from knowledge import handoff as domain
    from tests.web.conftest import http_log_in

    services = ankang_web.services
    worker = emulator.user()
    async with services.sessions() as s, s.begin():
        handoff, _ = await domain.open_handoff(s, worker.id, "夜班补贴怎么算", now=services.clock.now())
    path = f"/admin/handoffs/{handoff.id}"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        admin = await http_log_in(http, ankang_web.web_url, services.settings, services.clock.now())
        async with await admin.post(f"{path}/answer", {"text": "   "}) as response:
            assert response.status == 400 and "请填写回答内容" in await response.text()
        huge = "答" * 4000
        async with await admin.post(f"{path}/answer", {"text": huge}) as response:
            page = await response.text()
        assert response.status == 400 and "4000 字" in page and huge in page  # kept to shorten
        await emulator.block(worker)
        async with await admin.post(f"{path}/answer", {"text": "不得克扣夜班补贴。"}) as response:
            assert response.status == 303 and "handoff_blocked" in response.headers["Location"]
        async with await admin.get(response.headers["Location"]) as response:
            assert "职工已屏蔽机器人" in await response.text()
        # Stale pages: answering or taking a closed question again is told, not retried.
        async with await admin.post(f"{path}/answer", {"text": "再发一次"}) as response:
            assert response.status == 409 and "已经结束" in await response.text()
        async with await admin.post(f"{path}/claim") as response:
            assert response.status == 409
        async with await admin.post("/admin/handoffs/999999/answer", {"text": "x"}) as response:
            assert response.status == 404
    assert len([c for c in emulator.calls_to("sendMessage") if c.chat_id == worker.id and c.status == 403]) == 1
    [stored] = await _handoffs(services)
    assert stored.status is HandoffStatus.CLOSED and stored.chat_id is None and stored.closed_reason == "blocked"
    assert stored.question == "夜班补贴怎么算"
