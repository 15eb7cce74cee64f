"""Broadcasts scoped to a unit's subtree (issue 12, point 5): the audience, the /schedule wizard's unit
step and the emulator's delivery log."""
from __future__ import annotations

from broadcasts.models import Schedule
from broadcasts.schedules import ScheduleInvalid, What, When, audience_size, create_schedule
from broadcasts.subscriptions import set_topics
from core.users import record_user
from org import service
from tests.conftest import ADMIN_ID

NOTICE = "东区各单位：本周五开展燃气安全检查。"


async def _tree(session):
    """市 → 东区 (→ 东一街道) and 西区."""
    city = await service.add_unit(session, "city", "市总工会", "市")
    east = await service.add_unit(session, "east", "东区总工会", "区县", "city")
    street = await service.add_unit(session, "east1", "东一街道工会", "街镇", "east")
    west = await service.add_unit(session, "west", "西区总工会", "区县", "city")
    return city, east, street, west


async def test_a_schedule_scoped_to_a_unit_reaches_only_subscribers_of_its_subtree(services, library):
    async with services.sessions() as session, session.begin():
        city, east, street, west = await _tree(session)
        for chat_id, unit, topic in ((1, street, "all"), (2, east, "gas"), (3, west, "all"), (4, None, "all"),
                                     (5, street, None), (6, city, "all")):
            await record_user(session, chat_id)
            if topic:
                await set_topics(session, chat_id, {topic})
            await service.join(session, chat_id, unit)
        east_all = Schedule(kind="text", topics="", unit_id=east.id)
        east_power = Schedule(kind="text", topics="power", unit_id=east.id)
        everyone = Schedule(kind="text", topics="", unit_id=None)
        from_city = Schedule(kind="text", topics="", unit_id=city.id)
        assert await audience_size(session, east_all) == 2  # 1 (street below) and 2 (east itself)
        assert await audience_size(session, east_power) == 1  # 1 follows everything; 2 only gas
        assert await audience_size(session, everyone) == 5  # 5 subscribed to nothing
        assert await audience_size(session, from_city) == 4  # a parent reaches all below it; 4 joined none
        await service.retire(session, west.id)
        try:
            await create_schedule(session, library, What("text", text="x"), When("weekly", weekdays=("mon",),
                                  at_time="09:00"), unit_id=west.id)
        except ScheduleInvalid as exc:
            assert exc.field == "unit"
        else:
            raise AssertionError("a retired unit was accepted as a schedule's scope")


async def test_a_broadcast_to_a_subtree_reaches_its_workers_only(start_bot, emulator):
    async with start_bot() as bot:
        admin = emulator.user("管理员", id=ADMIN_ID)
        workers = {name: emulator.user(name) for name in ("东一小王", "东区小李", "西区小张", "无单位小赵", "市直小孙")}
        async with bot.services.sessions() as session, session.begin():
            city, east, street, west = await _tree(session)
            for name, unit in zip(workers, (street, east, west, None, city), strict=True):
                chat_id = workers[name].id
                await set_topics(session, chat_id, {"all"})
                await service.join(session, chat_id, unit)

        ask_what = await emulator.ask(admin, "/schedule")
        async with emulator.expect(admin, count=0, edits=1):
            await emulator.press(admin, ask_what, "文字通知")
        wizard = await emulator.ask(admin, NOTICE)
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, wizard, "全部订阅者")
        assert "推送范围" in got.edited[0]["text"]
        found = await emulator.ask(admin, "东区")
        labels = [b["text"] for row in found["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["东区总工会（区县）", "全部单位", "取消"]
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, found, "东区总工会（区县）")
        assert "东区总工会（区县） 及其下级单位" in got.edited[0]["text"]
        async with emulator.expect(admin, count=0, edits=1) as got:
            await emulator.press(admin, found, "立即推送")
        assert "预计接收：约 2 人" in got.edited[0]["text"]
        mark = emulator.mark()
        await emulator.press(admin, found, "✅ 确认")
        report = await emulator.wait_for_message(admin, lambda m: "推送报告" in m.get("text", ""), since=mark,
                                                 timeout=15)
        assert "接收人：2" in report["text"]

        def got_notice(name: str) -> bool:
            return any(NOTICE in m.get("text", "") for m in emulator.messages(workers[name]))

        assert [name for name in workers if got_notice(name)] == ["东一小王", "东区小李"]
        async with bot.services.sessions() as session:
            schedule = await session.get(Schedule, 1)
        assert schedule is not None and schedule.unit_id == east.id


async def test_a_push_admin_of_a_district_schedules_within_it_only(start_bot, emulator):
    """推送 held at 东区: the wizard is theirs, its unit step offers 东区's subtree only (no 全部单位, no 西区),
    and the schedule saved reaches 东区's workers."""
    from org.roles import Role, grant

    async with start_bot() as bot:
        pusher = emulator.user("东区推送员", id=961_000)
        workers = {name: emulator.user(name) for name in ("东一小王", "西区小张")}
        async with bot.services.sessions() as session, session.begin():
            city, east, street, west = await _tree(session)
            for name, unit in zip(workers, (street, west), strict=True):
                await set_topics(session, workers[name].id, {"all"})
                await service.join(session, workers[name].id, unit)
            await grant(session, pusher.id, pusher.first_name, Role.PUSH, east.id, by=ADMIN_ID)

        ask_what = await emulator.ask(pusher, "/schedule")
        async with emulator.expect(pusher, count=0, edits=1):
            await emulator.press(pusher, ask_what, "文字通知")
        wizard = await emulator.ask(pusher, NOTICE)
        async with emulator.expect(pusher, count=0, edits=1) as got:
            await emulator.press(pusher, wizard, "全部订阅者")
        assert "推送范围" in got.edited[0]["text"]
        assert "全部单位" not in [b["text"] for row in got.edited[0]["reply_markup"]["inline_keyboard"] for b in row]
        outside = await emulator.ask(pusher, "西区")
        assert "西区总工会（区县）" not in [b["text"] for row in (outside.get("reply_markup") or {}).get(
            "inline_keyboard", []) for b in row]
        found = await emulator.ask(pusher, "东区")
        assert [b["text"] for row in found["reply_markup"]["inline_keyboard"] for b in row] == [
            "东区总工会（区县）", "取消"]
        async with emulator.expect(pusher, count=0, edits=1):
            await emulator.press(pusher, found, "东区总工会（区县）")
        async with emulator.expect(pusher, count=0, edits=1):
            await emulator.press(pusher, found, "立即推送")
        mark = emulator.mark()
        await emulator.press(pusher, found, "✅ 确认")
        await emulator.wait_for_message(pusher, lambda m: "推送报告" in m.get("text", ""), since=mark, timeout=15)
        assert any(NOTICE in m.get("text", "") for m in emulator.messages(workers["东一小王"]))
        assert not any(NOTICE in m.get("text", "") for m in emulator.messages(workers["西区小张"]))
