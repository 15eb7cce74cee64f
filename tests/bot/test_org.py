"""Workers join a unit through the emulator: a unit's deep link, an unknown or retired code, /settings."""
from __future__ import annotations

from emulator import button_texts
from org import service


async def seed(services) -> None:
    async with services.sessions() as s, s.begin():
        await service.add_unit(s, "city", "某市总工会", "市")
        await service.add_unit(s, "jx-01", "机械厂工会", "基层", "city")
        await service.add_unit(s, "hg", "化工厂工会", "基层", "city")
        old = await service.add_unit(s, "old", "旧厂工会", "基层", "city")
        await service.retire(s, old.id)


async def unit_code_of(services, chat_id: int) -> str | None:
    async with services.sessions() as s:
        unit = await service.unit_of(s, chat_id)
    return unit.code if unit else None


async def test_a_units_deep_link_joins_it_and_still_greets(ankang, emulator):
    await seed(ankang.services)
    worker = emulator.user("小李")
    async with emulator.expect(worker, count=3) as got:
        await emulator.send_text(worker, "/start u_jx-01")
    joined, greeting, _offer = got.messages
    assert "已加入" in joined["text"] and "机械厂工会（基层）" in joined["text"]
    assert "安康助手" in greeting["text"]
    assert await unit_code_of(ankang.services, worker.id) == "jx-01"


async def test_unknown_retired_or_malformed_codes_get_a_friendly_message_and_join_nothing(ankang, emulator):
    await seed(ankang.services)
    worker = emulator.user("小张")
    for payload in ("u_nowhere", "u_old", "u_", "u_" + "x" * 60, "u_%E4%B8%AD"):
        async with emulator.expect(worker, count=1, predicate=lambda m: "没有找到这个单位" in m.get("text", "")):
            await emulator.send_text(worker, f"/start {payload}")
    assert await unit_code_of(ankang.services, worker.id) is None


async def test_settings_searches_by_name_joins_changes_and_leaves(ankang, emulator):
    await seed(ankang.services)
    worker = emulator.user("小王")
    assert "还没有选择所在单位" in (await emulator.ask(worker, "/settings"))["text"]
    assert "没有找到名称包含「面包房」" in (await emulator.ask(worker, "/settings 面包房"))["text"]

    results = await emulator.ask(worker, "/settings 厂 工会")
    assert button_texts(results) == [["化工厂工会（基层）"], ["机械厂工会（基层）"]]  # the retired 旧厂 is not offered
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, results, "机械厂工会（基层）")
    assert "已加入" in got.edited[0]["text"]
    assert await unit_code_of(ankang.services, worker.id) == "jx-01"

    results = await emulator.ask(worker, "/settings 化工")
    async with emulator.expect(worker, count=0, edits=1):
        await emulator.press(worker, results, "化工厂工会（基层）")
    assert await unit_code_of(ankang.services, worker.id) == "hg"
    shown = await emulator.ask(worker, "/settings")
    assert "化工厂工会" in shown["text"]

    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, shown, "🚪 不属于任何单位")
    assert "已退出" in got.edited[0]["text"]
    assert await unit_code_of(ankang.services, worker.id) is None


async def test_a_button_for_a_retired_unit_or_forged_data_joins_nothing(ankang, emulator):
    await seed(ankang.services)
    worker = emulator.user("小赵")
    results = await emulator.ask(worker, "/settings 化工")
    async with ankang.services.sessions() as s, s.begin():
        hg = await service.unit_by_code(s, "hg")
        await service.retire(s, hg.id)
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, results, "化工厂工会（基层）")
    assert "已撤销" in got.edited[0]["text"]
    for forged in ("og:j:99999", "og:j:-1", "og:j:abc", "og:zz"):
        await emulator.press(worker, results, data=forged)
    assert await unit_code_of(ankang.services, worker.id) is None


async def test_a_question_is_counted_for_the_askers_unit_and_nothing_names_the_asker(ankang, emulator):
    """The rollups' 提问: one count per unit and day, written after the reply; a worker in no unit adds none
    (issue 12, point 6)."""
    from sqlalchemy import select

    from org.models import UnitQuestionCount
    from tests.broadcasts.conftest import until

    await seed(ankang.services)
    member, loner = emulator.user("小王"), emulator.user("小赵")
    async with emulator.expect(member, count=3):
        await emulator.send_text(member, "/start u_jx-01")
    for worker in (member, member, loner):
        await emulator.ask(worker, "劳保用品要自己掏钱吗")

    async def counted():
        async with ankang.services.sessions() as s:
            return (await s.execute(select(UnitQuestionCount.unit_id, UnitQuestionCount.count))).all()

    rows = await until(lambda: _two(counted), what="two questions counted")
    async with ankang.services.sessions() as s:
        unit = await service.unit_by_code(s, "jx-01")
    assert [(unit_id, count) for unit_id, count in rows] == [(unit.id, 2)]
    assert set(UnitQuestionCount.__table__.columns.keys()) == {"unit_id", "day", "count"}


async def _two(counted):
    rows = await counted()
    return rows if rows and rows[0][1] == 2 else None
