"""Workers and admins through the real PTB stack and the Bot API emulator."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from broadcasts import quiz as quizzes
from broadcasts.models import QuizAnswer
from broadcasts.schedules import What, When, create_schedule
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
            await create_schedule(
                session, engine.library, What("lesson", lesson_id=lesson.id),
                When("weekly", weekdays=("mon",), at_time="09:00"), topics=("gas",),
                created_by=ADMIN_ID, now=clock.now())
        clock.advance(hours=1, minutes=1)  # Monday 09:01 in Shanghai
        assert len(await engine.check_due()) == 1

        quiz = await emulator.wait_for_message(worker, poll_of, timeout=10)
        [text] = [m["text"] for m in emulator.messages(worker) if lesson.title in m.get("text", "")]
        # Citations read the way workers write them: law name + article in Chinese numerals, each law once.
        basis = text.split("📖 依据：", 1)[1].split("\n", 1)[0]
        article = "第[一二三四五六七八九十百零]+条"
        law = rf"[^、；\s第]+{article}(、{article})*"
        assert re.fullmatch(rf"{law}(；{law})*", basis), basis
        assert "Citation(" not in text
        assert quiz["poll"]["type"] == "quiz" and quiz["poll"]["correct_option_ids"] == [lesson.quiz.answer]

        # Answered at once: the answer may overtake the sender's commit of the poll row.
        async with emulator.expect(worker) as got:
            await emulator.answer_poll(worker, quiz["poll"]["id"], [lesson.quiz.answer])
        assert "答对了" in got.message["text"]
        report = await emulator.wait_for(lambda: find(emulator, ADMIN_ID, "推送报告"), timeout=10)
        assert "已送达：1" in report["text"]

        reply = await emulator.ask(worker, "/score")
        assert "10 分" in reply["text"]
        async with bot.services.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(QuizAnswer))).scalar_one() == 1


async def test_admin_commands_refuse_non_admins_and_schedule_conversation_creates_a_schedule(
        start_bot, emulator, clock):
    from bot import messages
    from broadcasts.models import Schedule

    async with start_bot() as bot:
        worker = emulator.user("小李")
        for command in ("/schedule", "/broadcasts"):
            reply = await emulator.ask(worker, command)
            assert reply["text"] == messages.NOT_ADMIN

        admin = emulator.user("管理员", id=ADMIN_ID)
        ask_what = await emulator.ask(admin, "/schedule")
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, ask_what, "文字通知")
        reply = await emulator.ask(admin, "明天上午停电检修，请提前做好准备。")
        async with emulator.expect(admin, count=0, edits=1):
            await emulator.press(admin, reply, "城镇燃气")
        async with emulator.expect(admin, count=0, edits=1):
            await emulator.press(admin, reply, "✅ 完成")
        async with emulator.expect(admin, count=0, edits=1):
            await emulator.press(admin, reply, "每周固定时间")
        confirm = await emulator.ask(admin, "一,四 09:00")
        assert "每周一、周四 09:00" in confirm["text"]
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, confirm, "✅ 确认")
        assert "已创建推送计划 #1" in got.edited[0]["text"]

        async with bot.services.sessions() as session:
            schedule = await session.get(Schedule, 1)
        assert (schedule.kind, schedule.topics, schedule.weekdays, schedule.at_time) == (
            "text", "gas", "mon,thu", "09:00")
        assert bot.services.broadcasts.scheduler.get_job("schedule-1") is not None

        # /broadcasts lists it with buttons; pausing works from there.
        await emulator.send_text(admin, "/broadcasts")
        rows = await emulator.wait_for(lambda: find(emulator, admin, "#1（已启用）"))
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, rows, "#1 暂停")
        assert "已暂停" in got.edited[0]["text"]


async def test_a_quiz_answer_that_overtakes_the_poll_record_still_scores(start_bot, emulator, transport, library):
    async with start_bot() as bot:
        worker = emulator.user("小赵")
        lesson = library.lessons[0]
        poll_id = await transport.send_quiz(worker.id, lesson)  # sent; its row not committed yet
        async with emulator.expect(worker) as got:
            await emulator.answer_poll(worker, poll_id, [lesson.quiz.answer])
            await emulator.wait_for(lambda: not emulator.updates.pending, what="the bot to fetch the answer")
            async with bot.services.sessions() as session, session.begin():  # the sender's commit lands now
                await quizzes.record_poll(session, poll_id, worker.id, lesson)
        assert "答对了" in got.message["text"]
        async with bot.services.sessions() as session:
            assert await quizzes.score(session, worker.id) == (quizzes.POINTS_CORRECT, 1, 1)
