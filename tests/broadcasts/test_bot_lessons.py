"""Workers and admins through the real PTB stack and the Bot API emulator."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from broadcasts.models import QuizAnswer, QuizPoll
from broadcasts.schedules import What, When, create_schedule
from core.models import User
from tests.broadcasts.conftest import until
from tests.conftest import ADMIN_ID


def find(emulator, chat, needle: str) -> dict | None:
    """The bot's latest message in ``chat`` containing ``needle``, whenever it was sent."""
    return next((m for m in reversed(emulator.messages(chat)) if needle in m.get("text", "")), None)


def poll_of(message: dict) -> dict | None:
    return message.get("poll")


async def test_subscribe_receive_scheduled_lesson_answer_quiz_and_score(start_bot, emulator, clock):
    async with start_bot() as bot:
        emulator.user("管理员", id=ADMIN_ID)
        worker = emulator.user("小王")
        await emulator.send_text(worker, "/start")
        offer = await emulator.wait_for_message(worker, lambda m: "订阅" in m.get("text", ""))
        async with emulator.expect(worker) as got:
            await emulator.press(worker, offer, "📚 订阅微课堂")
        picker = got.message
        async with emulator.expect(worker, count=0, edits=1):
            await emulator.press(worker, picker, "▫️ 城镇燃气")
        async with emulator.expect(worker, count=0, edits=1) as got:
            await emulator.press(worker, picker, "✅ 完成")
        assert "城镇燃气" in got.edited[0]["text"]

        engine = bot.services.broadcasts
        lesson = engine.library.by_topic("gas")[0]
        async with bot.services.sessions() as session, session.begin():
            schedule = await create_schedule(
                session, engine.library, What("lesson", lesson_id=lesson.id),
                When("weekly", weekdays=("mon",), at_time="09:00"), topics=("gas",),
                created_by=ADMIN_ID, now=clock.now())
        clock.advance(hours=1, minutes=1)  # Monday 09:01 in Shanghai
        assert len(await engine.check_due()) == 1

        quiz = await emulator.wait_for_message(worker, poll_of, timeout=10)
        texts = [m.get("text", "") for m in emulator.messages(worker)]
        assert any(lesson.title in t for t in texts)
        assert quiz["poll"]["type"] == "quiz" and quiz["poll"]["correct_option_ids"] == [lesson.quiz.answer]

        async def poll_recorded():
            async with bot.services.sessions() as session:
                return await session.get(QuizPoll, quiz["poll"]["id"])

        await until(poll_recorded, what="the quiz poll to be recorded")
        async with emulator.expect(worker) as got:
            await emulator.answer_poll(worker, quiz["poll"]["id"], [lesson.quiz.answer])
        assert "答对了" in got.message["text"]
        report = await emulator.wait_for(lambda: find(emulator, ADMIN_ID, "推送报告"), timeout=10)
        assert "已送达：1" in report["text"]

        reply = await emulator.ask(worker, "/score")
        assert "10 分" in reply["text"]
        async with bot.services.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(QuizAnswer))).scalar_one() == 1
