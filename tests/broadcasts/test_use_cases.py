"""The broadcast rules the bot and the console share, each written once in broadcasts.schedules: the next
firings, the preview, the status labels, "send now". Each test drives both delivery layers (or the domain)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import ClientSession, CookieJar

from bot import lesson_messages as msg
from bot import schedule_callbacks as cb
from broadcasts import schedules
from broadcasts.models import Schedule, ScheduleStatus
from broadcasts.schedules import What, When, create_schedule
from tests.broadcasts.test_bot_lesson_screens import _to_audience, answer_of, tap_edits
from tests.conftest import ADMIN_ID
from tests.web.conftest import http_log_in


async def _console(bot, clock, http):
    return await http_log_in(http, bot.web_url, bot.services.settings, clock.now())


def _schedule_status(page: str) -> str:
    return re.search(r'id="schedule-status">([^<]*)<', page)[1]


async def test_a_finished_schedule_has_the_same_label_in_the_bot_and_the_console(start, emulator, clock):
    async with start() as bot:
        engine = bot.services.broadcasts
        async with bot.services.sessions() as session, session.begin():
            schedule = await create_schedule(session, engine.library, What("text", text="通知"),
                                             When("once", run_at=clock.now() + timedelta(hours=1)),
                                             created_by=ADMIN_ID, now=clock.now())
        clock.advance(hours=1)
        await engine.check_due()
        async with bot.services.sessions() as session:
            assert (await session.get(Schedule, schedule.id)).status == ScheduleStatus.FINISHED

        admin = emulator.user("管理员", id=ADMIN_ID)
        listing = await emulator.ask(admin, "/broadcasts")
        stale_pause = cb.build(cb.ScheduleButton(cb.Act.PAUSE, schedule.id))
        qid = await emulator.press(admin, listing, data=stale_pause)
        in_bot = (await answer_of(emulator, qid))["text"]
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
            console = await _console(bot, clock, http)
            async with await console.get(f"/admin/broadcasts/{schedule.id}") as response:
                in_console = _schedule_status(await response.text())
            async with await console.get("/admin/broadcasts?all=1") as response:
                listed = await response.text()

    assert ScheduleStatus.FINISHED.label == "已完成"
    assert in_bot == f"#{schedule.id} 当前状态为“已完成”，不能执行这个操作。"
    assert in_console == "已完成"
    assert re.search(r'<span class="badge *">已完成</span>', listed) and "finished" not in listed


async def test_at_the_minute_of_a_firing_bot_and_console_show_the_same_next_firings(start, emulator, clock):
    clock.advance(hours=1)  # Monday 2026-11-30 09:00 北京时间, the very minute of 每周一 9点
    async with start() as bot:
        admin = emulator.user("管理员", id=ADMIN_ID)
        audience = await _to_audience(emulator, admin)
        when = await tap_edits(emulator, admin, audience, msg.AUDIENCE_ALL)
        await tap_edits(emulator, admin, when, msg.WHEN_WEEKLY)
        confirm = await emulator.ask(admin, "每周一 9点")
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
            console = await _console(bot, clock, http)
            form = {"kind": "text", "text": "冬季用气安全提醒", "trigger": "weekly", "weekdays": "mon",
                    "at_time": "09:00", "preview": "1"}
            async with await console.post("/admin/broadcasts/new", form) as response:
                assert response.status == 200
                preview = await response.text()

    # Created at 09:00, a schedule's first firing is the next one: 09:00 today is already behind it.
    assert "下次推送：12月7日（周一）09:00\n之后：12月14日（周一）09:00、12月21日（周一）09:00" in confirm["text"]
    firings = re.findall(r"<li>([^<]*)</li>", preview.split('id="firings"', 1)[1])
    assert firings[:3] == ["2026-12-07 周一 09:00", "2026-12-14 周一 09:00", "2026-12-21 周一 09:00"]


async def test_the_console_cannot_send_a_cancelled_schedule(start, clock):
    async with start() as bot:
        engine = bot.services.broadcasts
        async with bot.services.sessions() as session, session.begin():
            schedule = await create_schedule(session, engine.library, What("text", text="通知"),
                                             When("weekly", weekdays=("mon",), at_time="09:00"), now=clock.now())
            await schedules.change_status(session, schedule.id, "cancel", now=clock.now())
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
            console = await _console(bot, clock, http)
            async with await console.post(f"/admin/broadcasts/{schedule.id}/send") as response:
                assert response.status == 409, "a page opened before the cancellation sends no broadcast"
            async with await console.post("/admin/broadcasts/999/send") as response:
                assert response.status == 404


# --- the domain rules themselves ------------------------------------------------------------------

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai


def _weekly(**overrides) -> Schedule:
    values = {"kind": "text", "text": "通知", "topics": "", "trigger": "weekly", "weekdays": "mon,thu",
              "at_time": "09:00", "timezone": "Asia/Shanghai", "status": ScheduleStatus.ACTIVE, "last_fire_at": NOW}
    return Schedule(**{**values, **overrides})


@pytest.mark.parametrize(("schedule", "expected"), [
    (_weekly(), ["2026-11-30 01:00", "2026-12-03 01:00", "2026-12-07 01:00"]),
    # A firing the watermark has dealt with (fired, or skipped) is not next.
    (_weekly(last_fire_at=NOW + timedelta(hours=1)), ["2026-12-03 01:00", "2026-12-07 01:00", "2026-12-10 01:00"]),
    (_weekly(status=ScheduleStatus.PAUSED), []),
    (_weekly(status=ScheduleStatus.CANCELLED), []),
    (_weekly(trigger="cron", weekdays=None, at_time=None, cron="30 8 * * *"),
     ["2026-11-30 00:30", "2026-12-01 00:30", "2026-12-02 00:30"]),
    (_weekly(trigger="once", run_at=NOW + timedelta(days=1)), ["2026-12-01 00:00"]),
    (_weekly(trigger="once", run_at=NOW - timedelta(minutes=1)), []),
    (_weekly(trigger="once", run_at=NOW + timedelta(days=1), status=ScheduleStatus.FINISHED), []),
])
def test_next_fire_times(schedule, expected):
    times = schedules.next_fire_times(schedule, NOW, 3)
    assert [t.strftime("%Y-%m-%d %H:%M") for t in times] == expected
    assert all(t.tzinfo == UTC for t in times)
    assert schedules.next_fire_time(schedule, NOW) == (times[0] if times else None)


async def test_a_preview_validates_counts_the_audience_and_stores_nothing(clocked_services, library, clock):
    from sqlalchemy import func, select

    from broadcasts.subscriptions import set_topics

    async with clocked_services.sessions() as session, session.begin():
        await set_topics(session, 7, {"gas"})
        await set_topics(session, 8, {"all"})
        await set_topics(session, 9, {"school"})
    async with clocked_services.sessions() as session:
        preview = await schedules.preview_schedule(
            session, library, What("text", text="通知"), When("weekly", weekdays=("mon",), at_time="09:00"),
            topics=("gas",), now=clock.now(), firings=2)
        assert not session.new and not session.dirty
        with pytest.raises(schedules.ScheduleInvalid):
            await schedules.preview_schedule(session, library, What("text", text=""),
                                             When("weekly", weekdays=("mon",), at_time="09:00"), now=clock.now())
        assert (await session.execute(select(func.count()).select_from(Schedule))).scalar_one() == 0
    assert preview.schedule.id is None and preview.audience == 2  # the gas subscriber and the all subscriber
    assert [t.isoformat() for t in preview.firings] == ["2026-11-30T01:00:00+00:00", "2026-12-07T01:00:00+00:00"]


async def test_send_now_creates_a_finished_one_off_that_the_timer_never_fires(make_engine, clocked_services,
                                                                             library, clock):
    engine = make_engine()
    async with clocked_services.sessions() as session, session.begin():
        schedule = await schedules.create_to_send_now(session, library, What("text", text="通知"),
                                                      created_by=ADMIN_ID, now=clock.now())
    assert schedule.status == ScheduleStatus.FINISHED and schedule.trigger == "once"
    assert schedules.next_fire_times(schedule, clock.now(), 3) == []
    clock.advance(minutes=5)
    assert await engine.check_due() == []  # only BroadcastEngine.send_now sends it
    await engine.send_now(schedule.id, ADMIN_ID)


@pytest.mark.parametrize(("trigger", "text", "expected"), [
    ("once", "明天 下午3点", When("once", run_at=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
                              timezone="Asia/Shanghai")),
    ("weekly", "周一至周五 8点半", When("weekly", weekdays=("mon", "tue", "wed", "thu", "fri"), at_time="08:30",
                                   timezone="Asia/Shanghai")),
    ("cron", " 0  9 * * 1 ", When("cron", cron="0 9 * * 1", timezone="Asia/Shanghai")),
])
def test_parse_when(trigger, text, expected):
    when = schedules.parse_when(trigger, text, "Asia/Shanghai", NOW)
    assert when == expected


@pytest.mark.parametrize(("trigger", "text"), [("once", "next monday"), ("weekly", "每周八 9点"),
                                               ("cron", "every monday"), ("hourly", "9点")])
def test_parse_when_refuses_what_it_does_not_understand(trigger, text):
    with pytest.raises(schedules.ScheduleInvalid):
        schedules.parse_when(trigger, text, "Asia/Shanghai", NOW)
