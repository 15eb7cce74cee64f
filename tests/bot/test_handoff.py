"""问工会 through the emulator: worker → on-duty staff → answer → worker, with the bad input of the issue."""
from __future__ import annotations

from sqlalchemy import select

from bot import handoff_messages as hmsg
from bot import qa_messages
from emulator import button_texts
from knowledge.models import Handoff, HandoffStatus
from tests.conftest import ADMIN_ID, QUICK_CHAT_PACE

VAGUE_QUESTIONS = ["单位的安全问题", "工作的事情怎么办", "这个规定合理吗", "安全方面的要求", "车间的问题"]


def texts(message) -> list[str]:
    return [t for row in button_texts(message) for t in row]


async def handoffs(ankang) -> list[Handoff]:
    async with ankang.services.sessions() as s:
        return list((await s.execute(select(Handoff).order_by(Handoff.id))).scalars())


async def ask_and_send(emulator, worker, question: str):
    """Ask ``question`` (unsure), press 🙋 问工会, then ✅ 发送; return the confirmation message."""
    reply = await emulator.ask(worker, question)
    assert qa_messages.ASK_UNION_BUTTON in texts(reply)
    async with emulator.expect(worker) as got:
        await emulator.press(worker, reply, qa_messages.ASK_UNION_BUTTON)
    confirm = got.message
    assert question in confirm["text"] and hmsg.SEND_BUTTON in texts(confirm)
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    assert "已收到" in got.edited[0]["text"]
    return confirm


async def test_unsure_question_reaches_the_duty_admin_and_the_answer_comes_back(ankang, emulator, shared_kb):
    question = next(q for q in VAGUE_QUESTIONS if shared_kb.answer(q).intent == "unsure")
    admin = emulator.user("管理员", id=ADMIN_ID)
    other_admin = emulator.user("值班员")
    async with ankang.services.sessions() as s, s.begin():
        from core.admins import add_admin, set_on_duty

        await add_admin(s, other_admin.id)
        # On duty: gets the notice; ADMIN_ID does not.
        await set_on_duty(s, ankang.services.settings, other_admin.id, True)
    worker = emulator.user("王芳", username="wangfang")

    mark = emulator.mark()
    await ask_and_send(emulator, worker, question)
    notice = await emulator.wait_for(lambda: next(
        (m for m in emulator.new_messages(other_admin, mark) if "问工会" in m.get("text", "")), None))
    assert question in notice["text"] and "职工 #" in notice["text"]
    assert "王芳" not in notice["text"] and "wangfang" not in notice["text"]
    assert texts(notice) == [hmsg.ANSWER_BUTTON, hmsg.TO_FAQ_BUTTON]
    assert emulator.new_messages(admin, mark) == []
    [stored] = await handoffs(ankang)
    assert stored.chat_id == worker.id and stored.status is HandoffStatus.RECEIVED

    # The worker sees the state: 已收到, then 回答中 once someone takes it.
    my = await emulator.ask(worker, "/myquestions")
    assert "已收到" in my["text"] and question in my["text"]
    async with emulator.expect(other_admin) as got:
        await emulator.press(other_admin, notice, hmsg.ANSWER_BUTTON)
    assert question in got.message["text"]
    my = await emulator.ask(worker, "/myquestions")
    assert "回答中" in my["text"]

    # An empty answer is refused and the admin types again.
    async with emulator.expect(other_admin) as got:
        await emulator.send_text(other_admin, "   ")
    async with emulator.expect(worker) as answer, emulator.expect(other_admin) as done:
        await emulator.send_text(other_admin, "请找本单位工会主席，按岗位危险程度配发劳保用品。")
    assert "工会回复" in answer.message["text"] and "配发劳保用品" in answer.message["text"]
    assert texts(answer.message) == [hmsg.HELPFUL, hmsg.NOT_HELPFUL, hmsg.FOLLOW_UP_BUTTON]
    assert "已回复" in done.message["text"]

    # A second admin answering the same question is told someone was first; the worker gets nothing more.
    mark = emulator.mark()
    qid = await emulator.press(other_admin, notice, hmsg.ANSWER_BUTTON)
    said = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "其他工作人员先回答" in said["text"]
    assert emulator.new_messages(worker, mark) == []

    # 继续追问: a thread of several turns, each one notifying the duty admin again.
    async with emulator.expect(worker) as got:
        await emulator.press(worker, answer.message, hmsg.FOLLOW_UP_BUTTON)
    async with emulator.expect(worker) as got, emulator.expect(other_admin) as notified:
        await emulator.send_text(worker, "那如果单位不发呢？")
    assert "追问" in got.message["text"] and "那如果单位不发呢" in notified.message["text"]
    [stored] = await handoffs(ankang)
    assert stored.status is HandoffStatus.RECEIVED
    async with emulator.expect(other_admin):
        await emulator.press(other_admin, notified.message, hmsg.ANSWER_BUTTON)
    async with emulator.expect(worker) as second, emulator.expect(other_admin):
        await emulator.send_text(other_admin, "可以向 12351 反映。")
    assert "12351" in second.message["text"]

    # 👍 closes the thread; the chat id is gone, the text stays, and /myquestions no longer lists it.
    qid = await emulator.press(worker, second.message, hmsg.HELPFUL)
    said = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "已结束" in said["text"]
    [stored] = await handoffs(ankang)
    assert stored.status is HandoffStatus.CLOSED and stored.chat_id is None and stored.helpful is True
    assert stored.question == question
    my = await emulator.ask(worker, "/myquestions")
    assert my["text"] == hmsg.MY_NONE
    # A stale 👍 on the first answer: a clear message, no crash.
    qid = await emulator.press(worker, answer.message, hmsg.NOT_HELPFUL)
    said = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "已经结束" in said["text"]


async def test_an_out_of_scope_question_can_still_be_asked_of_a_person(ankang, emulator, shared_kb):
    """Outside what the statutes answer (a housing fund): told so, and 🙋 问工会 hands it to the union's staff."""
    question = "住房公积金断缴了怎么补缴"
    assert shared_kb.answer(question).intent == "out_of_scope"
    worker = emulator.user("赵强")
    await ask_and_send(emulator, worker, question)
    [stored] = await handoffs(ankang)
    assert stored.question == question and stored.status is HandoffStatus.RECEIVED


async def test_bad_input_gets_clear_chinese_and_nothing_is_lost(ankang, emulator):
    emulator.user("管理员", id=ADMIN_ID)  # gets the notice (nobody is on duty)
    worker = emulator.user()
    # /ask with nothing, then an empty-looking and a 4,000-character question: asked again, nothing stored.
    prompt = await emulator.ask(worker, "/ask")
    assert "请输入" in prompt["text"]
    reply = await emulator.ask(worker, "问" * 4000)
    assert "4000 字" in reply["text"] and "500" in reply["text"]
    assert await handoffs(ankang) == []
    # Still waiting for the question: the next message is it.
    confirm = await emulator.ask(worker, "夜班没有补贴合法吗")
    assert "夜班没有补贴合法吗" in confirm["text"]
    # ✏️ 修改 replaces the question before sending.
    async with emulator.expect(worker):
        await emulator.press(worker, confirm, hmsg.EDIT_BUTTON)
    confirm = await emulator.ask(worker, "夜班补贴怎么算")
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    assert "已收到" in got.edited[0]["text"]
    # Pressed twice (the keyboard is gone from the edited message, so the second press is forged from the old one).
    qid = await emulator.press(worker, confirm, data="ho|s")
    said = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "已经提交或取消" in said["text"]
    assert [h.question for h in await handoffs(ankang)] == ["夜班补贴怎么算"]
    # Forged and stale buttons: a kind message each, no crash.
    for data in ("ho|r|999|1", "ho|f|999", "ho|a|1", "ho|q|1", "ho|zz", "ho|r|abc|1"):
        qid = await emulator.press(worker, confirm, data=data)
        said = await emulator.wait_for(lambda q=qid: emulator.callback_answers.get(q))
        assert said["text"], data
    assert not [e for e in emulator.errors if e.method != "answerCallbackQuery"]


async def test_a_group_chat_cannot_hand_a_question_over(ankang, emulator):
    worker = emulator.user()
    group = emulator.group()
    sent = await emulator.send_text(worker, "/ask 加班费怎么算", chat=group)
    reply = await emulator.wait_for_message(group, after=sent)
    assert "私聊" in reply["text"]
    assert await handoffs(ankang) == []


async def test_an_answer_to_a_worker_who_blocked_the_bot_closes_the_handoff(ankang, emulator):
    admin = emulator.user("管理员", id=ADMIN_ID)
    worker = emulator.user()
    confirm = await emulator.ask(worker, "/ask 女职工孕期能上夜班吗")
    mark = emulator.mark()
    await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    notice = await emulator.wait_for(lambda: next(iter(emulator.new_messages(admin, mark)), None))
    await emulator.block(worker)
    async with emulator.expect(admin):
        await emulator.press(admin, notice, hmsg.ANSWER_BUTTON)
    async with emulator.expect(admin) as got:
        await emulator.send_text(admin, "不得安排夜班劳动。")
    assert "已屏蔽机器人" in got.message["text"]
    [stored] = await handoffs(ankang)
    assert stored.status is HandoffStatus.CLOSED and stored.chat_id is None and stored.closed_reason == "blocked"
    # Not retried: one attempt in the emulator's call log.
    assert len([c for c in emulator.calls_to("sendMessage") if c.chat_id == worker.id and c.status == 403]) == 1


async def test_reminder_and_escalation_reach_the_admins_in_telegram_on_a_virtual_clock(
        make_settings, emulator, shared_kb, library, tips_runtime):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from ankang.runner import running
    from core.admins import add_admin, set_on_duty
    from core.clock import FakeClock

    clock = FakeClock(datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC))  # Monday
    async with running(make_settings(telegram_api_url=emulator.url), poll_timeout_s=1, kb=shared_kb,
                       library=library, tips=tips_runtime, clock=clock, chat_pace=QUICK_CHAT_PACE) as handle:
        admin = emulator.user("管理员", id=ADMIN_ID)
        duty = emulator.user("值班员")
        async with handle.services.sessions() as s, s.begin():
            await add_admin(s, duty.id)
            await set_on_duty(s, handle.services.settings, duty.id, True)
        worker = emulator.user()
        confirm = await emulator.ask(worker, "/ask 高温补贴哪个月开始发")
        async with emulator.expect(duty):
            await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
        mark = emulator.mark()
        clock.advance(hours=4)  # 09:30 → 13:30: four working hours
        report = await handle.services.handoffs.tick()
        assert report.reminded
        reminder = await emulator.wait_for(lambda: next(iter(emulator.new_messages(duty, mark)), None))
        assert "提醒" in reminder["text"] and "高温补贴" in reminder["text"]
        assert texts(reminder) == [hmsg.ANSWER_BUTTON, hmsg.TO_FAQ_BUTTON]
        assert emulator.new_messages(admin, mark) == []  # not on duty: not reminded
        clock.advance(hours=20)  # 24 hours: every admin
        assert (await handle.services.handoffs.tick()).escalated
        escalation = await emulator.wait_for(lambda: next(iter(emulator.new_messages(admin, mark)), None))
        assert "升级" in escalation["text"] and "24" in escalation["text"]
        my = await emulator.ask(worker, "/myquestions")
        assert "已收到" in my["text"]


async def test_to_faq_in_telegram_sends_a_login_link_to_the_prefilled_form(ankang, emulator):
    from urllib.parse import parse_qs, urlsplit

    admin = emulator.user("管理员", id=ADMIN_ID)
    worker = emulator.user()
    confirm = await emulator.ask(worker, "/ask 夜班能不能两个人轮换睡觉")
    mark = emulator.mark()
    await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    notice = await emulator.wait_for(lambda: next(iter(emulator.new_messages(admin, mark)), None))
    async with emulator.expect(admin) as got:
        await emulator.press(admin, notice, hmsg.TO_FAQ_BUTTON)
    url = next(word for word in got.message["text"].split() if "/admin/login?t=" in word)
    [stored] = await handoffs(ankang)
    assert parse_qs(urlsplit(url).query)["next"] == [f"/admin/knowledge/faq/new?handoff={stored.id}"]
    # A worker pressing a staff button gets a refusal, not a link.
    qid = await emulator.press(worker, notice, data=notice["reply_markup"]["inline_keyboard"][0][1]["callback_data"])
    said = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "管理员" in said["text"]


async def two_admins_notified(ankang, emulator, name: str):
    """ADMIN_ID and a second admin called ``name``; a worker hands over "女职工孕期能上夜班吗" and both are told.
    Returns (admin, second, worker, {admin id: its notice})."""
    from core.admins import add_admin

    admin, second = emulator.user("管理员", id=ADMIN_ID), emulator.user(name)
    async with ankang.services.sessions() as s, s.begin():
        await add_admin(s, second.id)
    worker = emulator.user()
    confirm = await emulator.ask(worker, "/ask 女职工孕期能上夜班吗")
    mark = emulator.mark()
    await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    notices = {staff.id: await emulator.wait_for_message(staff, lambda m: "问工会" in m.get("text", ""), since=mark)
               for staff in (admin, second)}
    return admin, second, worker, notices


async def test_two_admins_typing_answers_the_first_wins_and_the_second_is_told(ankang, emulator):
    admin, second, worker, notices = await two_admins_notified(ankang, emulator, "值班员")
    for staff in (admin, second):  # both take it before either answers
        async with emulator.expect(staff):
            await emulator.press(staff, notices[staff.id], hmsg.ANSWER_BUTTON)
    async with emulator.expect(worker) as answer, emulator.expect(admin):
        await emulator.send_text(admin, "不得安排夜班劳动。")
    mark = emulator.mark()
    async with emulator.expect(second) as told:
        await emulator.send_text(second, "可以安排，但要本人同意。")
    assert "其他工作人员先回答" in told.message["text"] and "没有发送" in told.message["text"]
    assert emulator.new_messages(worker, mark) == []  # the worker got the first answer only
    assert "不得安排夜班劳动" in answer.message["text"]
    from knowledge.models import HandoffTurn

    async with ankang.services.sessions() as s:
        turns = (await s.execute(select(HandoffTurn.text).order_by(HandoffTurn.id))).scalars().all()
    assert turns == ["女职工孕期能上夜班吗", "不得安排夜班劳动。"]


async def test_an_admin_removed_while_answering_is_told_and_the_question_waits_for_others(ankang, emulator):
    from core.admins import remove_admin

    admin, leaving, worker, notices = await two_admins_notified(ankang, emulator, "调走的干事")
    notice = notices[leaving.id]
    async with emulator.expect(leaving):
        await emulator.press(leaving, notice, hmsg.ANSWER_BUTTON)
    async with ankang.services.sessions() as s, s.begin():
        await remove_admin(s, ankang.services.settings, leaving.id)
    mark = emulator.mark()
    async with emulator.expect(leaving) as told:
        await emulator.send_text(leaving, "不得安排夜班劳动。")
    assert "只对工会管理员开放" in told.message["text"]
    assert emulator.new_messages(worker, mark) == []
    [stored] = await handoffs(ankang)
    assert stored.status.is_waiting and stored.chat_id == worker.id  # nothing lost: still waiting
    # Its notice's 回答 is refused too; another admin answers.
    qid = await emulator.press(leaving, notice, hmsg.ANSWER_BUTTON)
    said = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "只对工会管理员开放" in said["text"]
    async with emulator.expect(admin):
        await emulator.press(admin, notices[admin.id], hmsg.ANSWER_BUTTON)
    async with emulator.expect(worker) as answer, emulator.expect(admin):
        await emulator.send_text(admin, "不得安排夜班劳动。")
    assert "不得安排夜班劳动" in answer.message["text"]
