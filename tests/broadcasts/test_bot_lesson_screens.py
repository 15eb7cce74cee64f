"""微课堂 screens as a worker and an admin see them, through the real PTB stack and the emulator:
menus edit in place, every picker can be left, times are typed the way admins write them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot import lesson_callbacks, messages
from bot import lesson_messages as msg
from bot import schedule_callbacks as cb
from broadcasts import subscriptions
from broadcasts.models import Occurrence, Schedule
from broadcasts.schedules import What, When, create_schedule
from emulator import button_texts
from tests.conftest import ADMIN_ID, QUICK_CHAT_PACE


@pytest.fixture
def start(make_settings, emulator, clock, shared_kb, library):
    """Ankang against the emulator with the test's clock and the session's knowledge base and library."""
    from ankang.runner import running

    def go(**overrides):
        values = {"telegram_api_url": emulator.url, "send_rate": 200.0, **overrides}
        return running(make_settings(**values), clock=clock, poll_timeout_s=1, kb=shared_kb, library=library,
                       chat_pace=QUICK_CHAT_PACE)

    return go


def flat(message: dict) -> list[str]:
    return [text for row in button_texts(message) for text in row]


async def answer_of(emulator, qid: str) -> dict:
    return await emulator.wait_for(lambda: emulator.callback_answers.get(qid), what="the callback answer")


async def tap_edits(emulator, user, message: dict, button: str | None = None, *, data: str | None = None) -> dict:
    """Press a button that must change ``message`` in place (and send nothing new); return it edited."""
    before = len(emulator.messages(user))
    async with emulator.expect(user, count=0, edits=1) as got:
        await emulator.press(user, message, button, data=data)
    assert len(emulator.messages(user)) == before, "the button sent a new message instead of editing"
    return got.edited[0]


# --- workers ---------------------------------------------------------------------------------------


async def test_lessons_topic_list_replaces_the_menu_counts_lessons_and_goes_back(start, emulator, library):
    async with start():
        worker = emulator.user("小周")
        menu = await emulator.ask(worker, "/lessons")
        lessons = library.by_topic("construction")
        listing = await tap_edits(emulator, worker, menu, "建筑施工")
        assert listing["message_id"] == menu["message_id"]
        assert listing["text"] == f"建筑施工 · 共 {len(lessons)} 课，✔ 为已学"
        assert flat(listing) == [lesson.title for lesson in lessons] + [msg.BACK_BUTTON]

        back = await tap_edits(emulator, worker, listing, msg.BACK_BUTTON)
        assert back["text"] == msg.BROWSE_INTRO and "建筑施工" in flat(back)


async def test_lesson_citations_name_each_law_once_and_open_the_article(start, emulator, library):
    lesson = library.get("height-work")
    async with start():
        worker = emulator.user("小钱")
        menu = await emulator.ask(worker, "/lessons")
        listing = await tap_edits(emulator, worker, menu, "高处作业")
        async with emulator.expect(worker, count=2) as got:  # the lesson, then its quiz
            await emulator.press(worker, listing, lesson.title)
        text = got.messages[0]["text"]
        assert "📖 依据：建设工程安全生产管理条例第三十三条、第二十五条、第二十八条\n" in text
        assert flat(got.messages[0]) == [
            "📖 原文：建设工程安全生产管理条例第三十三条", "📖 原文：建设工程安全生产管理条例第二十五条",
            "📖 原文：建设工程安全生产管理条例第二十八条", "✅ 读完了",  # the last credits its 学时
        ]
        async with emulator.expect(worker) as article:
            await emulator.press(worker, got.messages[0], "📖 原文：建设工程安全生产管理条例第三十三条")
        assert article.message["text"].startswith("建设工程安全生产管理条例第三十三条")


@pytest.mark.parametrize(("citations", "expected"), [
    ([("安全生产法", 54)], "安全生产法第五十四条"),
    ([("安全生产法", 54), ("安全生产法", 41), ("消防法", 28)], "安全生产法第五十四条、第四十一条；消防法第二十八条"),
    ([("安全生产法", 54), ("消防法", 28), ("安全生产法", 54), ("安全生产法", 55)],
     "安全生产法第五十四条、第五十五条；消防法第二十八条"),
])
def test_basis_groups_articles_under_their_law(citations, expected):
    from broadcasts.library import Citation

    assert msg.basis_text([Citation(law, number) for law, number in citations]) == expected


def test_lesson_titles_use_chinese_quotation_marks(library):
    assert [lesson.title for lesson in library if '"' in lesson.title or "'" in lesson.title] == []


async def test_a_wrong_quiz_answer_names_the_right_one(start, emulator, library):
    lesson = library.get("height-work")
    wrong = next(i for i in range(len(lesson.quiz.options)) if i != lesson.quiz.answer)
    async with start():
        worker = emulator.user("小孙")
        menu = await emulator.ask(worker, "/lessons")
        listing = await tap_edits(emulator, worker, menu, "高处作业")
        async with emulator.expect(worker, count=2) as got:
            await emulator.press(worker, listing, lesson.title)
        poll = got.messages[1]["poll"]
        async with emulator.expect(worker) as feedback:
            await emulator.answer_poll(worker, poll["id"], [wrong])
        assert feedback.message["text"] == (
            f"这题没答对，正确答案是：{lesson.quiz.correct_option}。参与也得 2 分。\n发送 /score 查看积分。")


def test_a_right_answer_has_no_stray_space_before_score():
    assert msg.quiz_feedback(True, 10, "x") == "✅ 答对了！+10 分。\n发送 /score 查看积分。"


async def test_rank_name_toggle_edits_the_board_in_place(start, emulator):
    async with start():
        worker = emulator.user("小吴")
        board = await emulator.ask(worker, "/rank")
        assert flat(board) == [msg.SHOW_NAME]
        qid_before = set(emulator.callback_answers)
        shown = await tap_edits(emulator, worker, board, msg.SHOW_NAME)
        assert shown["message_id"] == board["message_id"]
        assert flat(shown) == [msg.HIDE_NAME]
        [qid] = set(emulator.callback_answers) - qid_before
        assert emulator.callback_answers[qid]["text"] == msg.NAME_SHOWN

        hidden = await tap_edits(emulator, worker, shown, msg.HIDE_NAME)
        assert flat(hidden) == [msg.SHOW_NAME]


async def test_rank_text_says_the_name_will_be_shown():
    from broadcasts.quiz import Leaderboard, RankRow

    me = RankRow(1, "小吴", 10, True)
    assert msg.rank_text(Leaderboard([me], me, True)).endswith("\n您的名字会显示在排行榜上。")


async def test_topic_picker_cancel_closes_it_without_saving(start, emulator):
    async with start() as bot:
        worker = emulator.user("小郑")
        picker = await emulator.ask(worker, "/subscribe")
        assert button_texts(picker)[-1] == [msg.DONE_BUTTON, msg.CANCEL_BUTTON]
        ticked = await tap_edits(emulator, worker, picker, "▫️ 城镇燃气")
        assert "✅ 城镇燃气" in flat(ticked)
        closed = await tap_edits(emulator, worker, ticked, msg.CANCEL_BUTTON)
        assert closed["text"] == msg.PICKER_CANCELLED and not flat(closed)
        async with bot.services.sessions() as session:
            assert await subscriptions.topics_of(session, worker.id) == frozenset()

        picker = await emulator.ask(worker, "/subscribe")
        ticked = await tap_edits(emulator, worker, picker, "▫️ 城镇燃气")
        ticked = await tap_edits(emulator, worker, ticked, "▫️ 学校")
        ticked = await tap_edits(emulator, worker, ticked, "✅ 学校")
        saved = await tap_edits(emulator, worker, ticked, msg.DONE_BUTTON)
        assert "城镇燃气" in saved["text"] and "学校" not in saved["text"]
        async with bot.services.sessions() as session:
            assert await subscriptions.topics_of(session, worker.id) == frozenset({"gas"})


# --- admins: /schedule ----------------------------------------------------------------------------


async def test_schedule_lesson_picker_pages_by_topic_goes_back_and_echoes_the_choice(start, emulator, library):
    async with start():
        admin = emulator.user("管理员", id=ADMIN_ID)
        what = await emulator.ask(admin, "/schedule")
        assert button_texts(what)[-1] == [msg.CANCEL_BUTTON]
        topics = await tap_edits(emulator, admin, what, msg.WHAT_LESSON)
        assert topics["text"] == msg.ASK_LESSON_TOPIC
        assert button_texts(topics)[-1] == [msg.BACK_BUTTON, msg.CANCEL_BUTTON]
        assert len(flat(topics)) < len(library)  # topics, not forty lessons

        page1 = await tap_edits(emulator, admin, topics, f"全部课程（{len(library)}）")
        titles = [t for t in flat(page1) if t not in (msg.NEXT_PAGE, msg.PREV_PAGE, msg.BACK_BUTTON, msg.CANCEL_BUTTON)]
        assert titles == [lesson.title for lesson in library.lessons[:8]]
        assert f"共 {len(library)} 课，第 1/5 页" in page1["text"]
        page2 = await tap_edits(emulator, admin, page1, msg.NEXT_PAGE)
        assert library.lessons[8].title in flat(page2) and msg.PREV_PAGE in flat(page2)
        topics = await tap_edits(emulator, admin, page2, msg.BACK_BUTTON)
        assert topics["text"] == msg.ASK_LESSON_TOPIC

        height = library.by_topic("height")
        listing = await tap_edits(emulator, admin, topics, f"高处作业（{len(height)}）")
        audience = await tap_edits(emulator, admin, listing, height[0].title)
        assert audience["text"].startswith(f"已选课程：{height[0].title}\n\n第 2 步")

        # 取消 at any step closes the wizard; nothing is created.
        closed = await tap_edits(emulator, admin, audience, msg.CANCEL_BUTTON)
        assert closed["text"] == msg.SCHEDULE_CANCELLED
        reply = await emulator.ask(admin, "每周一 9点")  # no longer inside /schedule: not a time for it
        assert msg.CONFIRM.split("\n")[0] not in reply["text"]


async def test_schedule_back_from_lesson_topics_returns_to_step_one(start, emulator):
    async with start():
        admin = emulator.user("管理员", id=ADMIN_ID)
        what = await emulator.ask(admin, "/schedule")
        topics = await tap_edits(emulator, admin, what, msg.WHAT_LESSON)
        back = await tap_edits(emulator, admin, topics, msg.BACK_BUTTON)
        assert back["text"] == re.sub("<[^>]+>", "", msg.ASK_WHAT)
        text_step = await tap_edits(emulator, admin, back, msg.WHAT_TEXT)
        assert text_step["text"] == msg.ASK_TEXT


async def _to_audience(emulator, admin) -> dict:
    what = await emulator.ask(admin, "/schedule")
    await tap_edits(emulator, admin, what, msg.WHAT_TEXT)
    audience = await emulator.ask(admin, "冬季用气安全提醒：请检查燃气软管。")
    assert audience["text"].startswith("已选：文字通知\n\n第 2 步")
    return audience


async def test_schedule_audience_done_with_no_topic_is_refused(start, emulator):
    async with start():
        admin = emulator.user("管理员", id=ADMIN_ID)
        audience = await _to_audience(emulator, admin)
        qid = await emulator.press(admin, audience, msg.DONE_BUTTON)
        answer = await answer_of(emulator, qid)
        assert answer["text"] == "请至少选一个主题，或点“全部订阅者”" and answer["show_alert"]
        assert emulator.messages(admin)[-1]["text"] == audience["text"]  # still step 2

        ticked = await tap_edits(emulator, admin, audience, "城镇燃气")
        when = await tap_edits(emulator, admin, ticked, msg.DONE_BUTTON)
        assert "对象：订阅了 城镇燃气 的职工" in when["text"] and "第 3 步" in when["text"]


async def test_schedule_weekly_time_in_chinese_and_next_firings_on_confirm(start, emulator):
    async with start():  # the clock: Monday 2026-11-30 08:00 北京时间
        admin = emulator.user("管理员", id=ADMIN_ID)
        audience = await _to_audience(emulator, admin)
        when = await tap_edits(emulator, admin, audience, msg.AUDIENCE_ALL)
        prompt = await tap_edits(emulator, admin, when, msg.WHEN_WEEKLY)
        assert "北京时间" in prompt["text"]

        refusal = await emulator.ask(admin, "每周八 25点")
        assert refusal["text"] == ("没看懂“每周八 25点”。请写成“一,四 09:00”（星期用 一…日，时间用 24 小时制），"
                                   "或发送 /cancel 取消。")
        confirm = await emulator.ask(admin, "每周一 9点")
        assert "时间：每周一 09:00（北京时间）" in confirm["text"]
        assert "下次推送：11月30日（周一）09:00\n之后：12月7日（周一）09:00、12月14日（周一）09:00" in confirm["text"]
        assert "预计接收：约 0 人" in confirm["text"]
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, confirm, msg.CONFIRM_BUTTON)
        assert "已创建推送计划 #1" in got.edited[0]["text"]
        assert "下次推送：11月30日（周一）09:00" in got.edited[0]["text"]


async def test_schedule_one_off_time_in_chinese_and_in_the_past(start, emulator):
    async with start():
        admin = emulator.user("管理员", id=ADMIN_ID)
        audience = await _to_audience(emulator, admin)
        when = await tap_edits(emulator, admin, audience, msg.AUDIENCE_ALL)
        await tap_edits(emulator, admin, when, msg.WHEN_ONCE)
        past = await emulator.ask(admin, "2026-11-29 09:00")
        assert past["text"].startswith("11月29日（周日）09:00 已经过去了")
        nonsense = await emulator.ask(admin, "next monday")
        assert nonsense["text"].startswith("没看懂“next monday”。") and "ValueError" not in nonsense["text"]
        confirm = await emulator.ask(admin, "明天 下午3点")
        assert "时间：12月1日（周二）15:00（一次，北京时间）" in confirm["text"]
        assert "下次推送：12月1日（周二）15:00" in confirm["text"] and "之后" not in confirm["text"]


@pytest.mark.parametrize(("text", "days", "at"), [
    ("每周一 9点", ("mon",), "09:00"),
    ("一,四 09:00", ("mon", "thu"), "09:00"),
    ("mon,thu 09:00", ("mon", "thu"), "09:00"),
    ("周一、周四 9点半", ("mon", "thu"), "09:30"),
    ("星期三 下午3点", ("wed",), "15:00"),
    ("周一至周五 上午8点", ("mon", "tue", "wed", "thu", "fri"), "08:00"),
    ("每周日 晚上8点15分", ("sun",), "20:15"),
    ("每天 7:30", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "07:30"),
    ("星期天 十点", ("sun",), "10:00"),
    ("每周一三五 09：00", ("mon", "wed", "fri"), "09:00"),
])
def test_weekly_times_as_admins_write_them(text, days, at):
    from broadcasts.schedules import parse_weekly_text

    assert parse_weekly_text(text) == (days, at)


@pytest.mark.parametrize("text", ["每周八 9点", "周一", "9点", "每周一 25点", "每周一 9", "hello"])
def test_weekly_times_not_understood(text):
    from broadcasts.schedules import ScheduleInvalid, parse_weekly_text

    with pytest.raises(ScheduleInvalid):
        parse_weekly_text(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("明天 9点", "2026-12-01 09:00"),
    ("12月1日 9:00", "2026-12-01 09:00"),
    ("2026-12-01 09:00", "2026-12-01 09:00"),
    ("2026/12/1 9点半", "2026-12-01 09:30"),
    ("2026年12月1日 下午3点", "2026-12-01 15:00"),
    ("下周一 9点", "2026-12-07 09:00"),
    ("周一 9点", "2026-11-30 09:00"),  # later today
    ("周一 7点", "2026-12-07 07:00"),  # already past today: next week
    ("11月1日 9点", "2027-11-01 09:00"),  # no year, already past this year
    ("9点", "2026-11-30 09:00"),
])
def test_one_off_times_as_admins_write_them(text, expected):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from broadcasts.schedules import parse_once_text

    now = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
    assert parse_once_text(text, now).strftime("%Y-%m-%d %H:%M") == expected


async def test_two_admins_in_one_group_build_their_own_schedules(start, emulator):
    """The wizard is a conversation per chat and user: each admin's draft is their own."""
    from core.admins import add_admin

    async with start() as bot:
        async with bot.services.sessions() as session, session.begin():
            await add_admin(session, 4343, "副主席")
        group = emulator.group("工会干部群")
        first, second = emulator.user("管理员", id=ADMIN_ID), emulator.user("副主席", id=4343)

        async def say(user, text: str) -> dict:
            sent = await emulator.send_text(user, text, chat=group)
            return await emulator.wait_for_message(group, after=sent)

        async def tap(user, message: dict, button: str) -> dict:
            async with emulator.expect(group, count=0, edits=1) as got:
                await emulator.press(user, message, button, chat=group)
            return got.edited[0]

        await tap(first, await say(first, "/schedule"), msg.WHAT_TEXT)
        await tap(second, await say(second, "/schedule"), msg.WHAT_SERIES)
        audience = await say(first, "冬季用气安全提醒：请检查燃气软管。")
        assert audience["text"].startswith("已选：文字通知\n\n第 2 步")
        when = await tap(first, audience, msg.AUDIENCE_ALL)
        confirm = await tap(first, when, msg.WHEN_NOW)
        assert "内容：通知：冬季用气安全提醒" in confirm["text"]
        async with emulator.expect(group, count=1, edits=1) as got:
            await emulator.press(first, confirm, msg.CONFIRM_BUTTON, chat=group)
        assert got.edited[0]["text"].startswith("✅ 已创建推送计划 #1。")
        async with bot.services.sessions() as session:
            assert (await session.get(Schedule, 1)).kind == "text"


# --- admins: /broadcasts --------------------------------------------------------------------------


async def _two_schedules(bot, library, clock) -> str:
    engine = bot.services.broadcasts
    lesson = library.get("height-work")
    async with bot.services.sessions() as session, session.begin():
        await create_schedule(session, engine.library, What("lesson", lesson_id=lesson.id),
                              When("weekly", weekdays=("mon",), at_time="09:00"), created_by=ADMIN_ID, now=clock.now())
        await create_schedule(session, engine.library, What("text", text="通知"), When("weekly", weekdays=("fri",),
                              at_time="10:00"), topics=("gas",), created_by=ADMIN_ID, now=clock.now())
        await subscriptions.set_topics(session, 4242, {"all"})
    await engine.sync()
    return lesson.title


async def test_broadcasts_is_one_message_with_titles_and_chinese_times(start, emulator, library, clock):
    async with start() as bot:
        title = await _two_schedules(bot, library, clock)
        admin = emulator.user("管理员", id=ADMIN_ID)
        before = len(emulator.messages(admin))
        listing = await emulator.ask(admin, "/broadcasts")
        await emulator.wait_for(lambda: len(emulator.messages(admin)) == before + 1)
        text = listing["text"]
        assert text.startswith("推送计划（共 2 个）")
        assert (f"#1（已启用）\n内容：课程：{title}\n对象：全部订阅者\n"
                "时间：每周一 09:00（北京时间）\n下次：11月30日（周一）09:00") in text
        assert "#2（已启用）" in text and "下次：12月4日（周五）10:00" in text
        assert "Asia/Shanghai" not in text and "height-work" not in text and "进行中" not in text
        assert button_texts(listing) == [["#1 暂停", "#1 立即推送", "#1 删除"], ["#2 暂停", "#2 立即推送", "#2 删除"]]

        paused = await tap_edits(emulator, admin, listing, "#2 暂停")
        assert "#2（已暂停）" in paused["text"] and "#2 恢复" in flat(paused)


async def test_send_now_and_delete_ask_for_confirmation(start, emulator, library, clock):
    async with start() as bot:
        await _two_schedules(bot, library, clock)
        admin = emulator.user("管理员", id=ADMIN_ID)
        listing = await emulator.ask(admin, "/broadcasts")

        ask = await tap_edits(emulator, admin, listing, "#1 立即推送")
        assert ask["text"].startswith("确定把 #1 立即推送给全部订阅者（约 1 人）吗？")
        assert button_texts(ask) == [[msg.YES_BUTTON, msg.CANCEL_BUTTON]]
        back = await tap_edits(emulator, admin, ask, msg.CANCEL_BUTTON)
        assert back["text"].startswith("推送计划（共 2 个）")
        async with bot.services.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(Occurrence))).scalar_one() == 0

        ask = await tap_edits(emulator, admin, back, "#1 立即推送")
        async with emulator.expect(admin, count=1, edits=1) as got:
            await emulator.press(admin, ask, msg.YES_BUTTON)
        assert "已开始" in got.message["text"] and "共 1 位接收人" in got.message["text"]
        assert got.edited[0]["text"].startswith("推送计划（共 2 个）")
        await emulator.wait_for(lambda: "推送报告" in emulator.messages(admin)[-1].get("text", ""), timeout=10)

        ask = await tap_edits(emulator, admin, got.edited[0], "#2 删除")
        assert ask["text"].startswith("确定删除推送计划 #2 吗？")
        async with bot.services.sessions() as session:
            assert (await session.get(Schedule, 2)).status == "active"
        gone = await tap_edits(emulator, admin, ask, msg.YES_BUTTON)
        assert gone["text"].startswith("推送计划（共 1 个）") and "#2" not in gone["text"]
        async with bot.services.sessions() as session:
            assert (await session.get(Schedule, 2)).status == "cancelled"

        # A confirmation pressed again after the deletion, and forged data, are answered kindly.
        qid = await emulator.press(admin, gone, data=cb.build(cb.ScheduleButton(cb.Act.DELETE, 2)))
        assert (await answer_of(emulator, qid))["text"].startswith("#2 当前状态为“已删除”")
        qid = await emulator.press(admin, gone, data=cb.build(cb.ScheduleButton(cb.Act.ASK_SEND_NOW, 999)))
        assert (await answer_of(emulator, qid))["text"] == msg.SCHEDULE_MISSING
        qid = await emulator.press(admin, gone, data="bc:zz:1")
        assert (await answer_of(emulator, qid))["text"] == messages.STALE_BUTTON


def test_callback_data_fits_and_forgeries_parse_to_none():
    assert len(cb.build(cb.LessonPage("occupational_health", 9999)).encode()) <= 64
    assert cb.parse(cb.build(cb.LessonPage("gas", 2))) is not None
    for forged in ("sc:lp:gas", "sc:lp:nope.1", "sc:lp:gas.x", "bc:xy:-1", "bc:l:", "ls:no:1", "ls:bm:x"):
        assert cb.parse(forged) is None and lesson_callbacks.parse(forged) is None, forged
