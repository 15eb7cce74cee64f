"""问工会 through the emulator: worker → on-duty staff → answer → worker, with the bad input of the issue."""
from __future__ import annotations

from sqlalchemy import select

from bot import handoff_messages as hmsg
from bot import qa_messages
from emulator import button_texts
from knowledge.models import Handoff, HandoffStatus
from tests.conftest import ADMIN_ID

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
        from core.admins import set_on_duty

        await set_on_duty(s, other_admin.id, True)  # on duty: gets the notice; ADMIN_ID does not
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
