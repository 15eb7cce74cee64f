"""学时 and certificates through the real PTB stack and the Bot API emulator."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from broadcasts.quiz import set_name_consent
from study import certificates as certs
from study import service as study
from study.models import StudyCredit, StudySource


def with_button(text: str):
    def has(message: dict) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return any(b.get("text") == text for row in rows for b in row)
    return has


async def press_and_answer(emulator, user, message, button: str) -> str:
    qid = await emulator.press(user, message, button)
    answer = await emulator.wait_for(lambda: emulator.callback_answers.get(qid), what=f"the answer to {button}")
    return answer.get("text", "")


async def test_finished_reading_counts_once_and_mystudy_shows_it(ankang, emulator):
    worker = emulator.user("小李")
    mark = emulator.mark()
    await emulator.send_text(worker, "/next")
    lesson_message = await emulator.wait_for_message(worker, with_button("✅ 读完了"), since=mark, timeout=10)
    quiz = await emulator.wait_for_message(worker, lambda m: m.get("poll"), since=mark, timeout=10)
    lesson = next(x for x in ankang.services.broadcasts.library if x.title in lesson_message["text"]
                  or x.id in str(lesson_message.get("reply_markup")))
    minutes = lesson.study_minutes

    first = await press_and_answer(emulator, worker, lesson_message, "✅ 读完了")
    assert f"已记录学时 {minutes} 分钟" in first
    second = await press_and_answer(emulator, worker, lesson_message, "✅ 读完了")
    assert "已经记录过了" in second and f"累计 {minutes} 分钟" in second

    mark = emulator.mark()
    await emulator.answer_poll(worker, quiz["poll"]["id"], [lesson.quiz.answer])
    await emulator.wait_for_message(worker, lambda m: "答对了" in m.get("text", ""), since=mark)
    async with ankang.services.sessions() as session:
        total = await study.total_minutes(session, worker.id)
    assert total == minutes + study.QUIZ_MINUTES

    mark = emulator.mark()
    await emulator.send_text(worker, "/mystudy")
    reply = await emulator.wait_for_message(worker, lambda m: "我的学时" in m.get("text", ""), since=mark)
    text = reply["text"]
    assert f"累计：{total} 分钟" in text
    assert f"阅读微课：{lesson.title}（{minutes} 分钟）" in text
    assert f"课后测验：{lesson.title}（{study.QUIZ_MINUTES} 分钟）" in text
    async with ankang.services.sessions() as session:
        rows = (await session.execute(select(StudyCredit.source, func.count()).where(
            StudyCredit.chat_id == worker.id).group_by(StudyCredit.source))).all()
    assert dict(rows) == {StudySource.LESSON: 1, StudySource.QUIZ: 1}


async def test_a_milestone_certificate_is_downloaded_as_a_pdf_with_its_code(ankang, emulator):
    worker = emulator.user("老张")
    await emulator.ask(worker, "/start")
    async with ankang.services.sessions() as session, session.begin():
        await set_name_consent(session, worker.id, "张建国")
        await study.credit_attempt(session, worker.id, "attempt:1", 58)
    mark = emulator.mark()
    await emulator.send_text(worker, "/next")
    lesson_message = await emulator.wait_for_message(worker, with_button("✅ 读完了"), since=mark, timeout=10)
    mark = emulator.mark()
    await press_and_answer(emulator, worker, lesson_message, "✅ 读完了")
    offer = await emulator.wait_for_message(worker, lambda m: "恭喜" in m.get("text", ""), since=mark)
    assert "累计完成安全学习 60 分钟" in offer["text"]
    async with ankang.services.sessions() as session:
        [cert] = await certs.certificates_of(session, worker.id)
    assert certs.format_code(cert.code) in offer["text"]

    # /mystudy lists it with its download button; the PDF comes as a document.
    mark = emulator.mark()
    await emulator.send_text(worker, "/mystudy")
    mine = await emulator.wait_for_message(worker, lambda m: "我的证书" in m.get("text", ""), since=mark)
    mark = emulator.mark()
    await emulator.press(worker, mine, "📄 下载证书：累计完成安全学习 60 分钟")
    sent = await emulator.wait_for_message(worker, lambda m: "document" in m, since=mark, timeout=20)
    assert sent["document"]["file_name"] == f"certificate-{cert.code}.pdf"
    assert certs.format_code(cert.code) in sent["caption"]
    pdf = emulator.files.get(sent["document"]["file_id"]).data
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "张建国" in text and certs.format_code(cert.code) in text and "/verify/" in text


async def test_someone_elses_or_a_forged_certificate_button_gets_a_polite_answer(ankang, emulator):
    owner, other = emulator.user("甲"), emulator.user("乙")
    await emulator.ask(owner, "/start")
    reply = await emulator.ask(other, "/start")
    async with ankang.services.sessions() as session, session.begin():
        cert = await certs.issue_certificate(session, "甲", None, "测试证书", "test:1", chat_id=owner.id)
    for data in (f"st:c:{cert.id}", "st:c:0", "st:c:99999999999", "st:x", "st:c:1:2"):
        mark = emulator.mark()
        qid = await emulator.press(other, reply, data=data)
        answer = await emulator.wait_for(lambda qid=qid: emulator.callback_answers.get(qid), what=data)
        assert answer.get("text")
        assert not [m for m in emulator.new_messages(other, mark) if "document" in m]


async def test_mystudy_before_any_study_says_how_to_start(ankang, emulator):
    worker = emulator.user("新人")
    reply = await emulator.ask(worker, "/mystudy")
    assert "还没有学时记录" in reply["text"] and "/next" in reply["text"]
    assert not reply.get("reply_markup")
