"""Tips routed to units in the Telegram flow (issue 12, point 4), through the real bot stack and the emulator.

A worker who joined a unit through its QR deep link is offered that unit first and the units above
it; a unit of few workers is warned about with its parent offered; the tip stores the unit chosen
and nothing about the tipper; its alert names the unit.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from core import users
from emulator import button_texts
from org import service as org
from tests.conftest import ADMIN_ID
from tests.tips.helpers import plain
from tests.tips.test_bot_flow import all_table_text
from tips.models import Tip

DESCRIPTION = "冲压车间的光电保护装置被人拆了，工人手伸进模具区很危险"


async def seed_tree(services, *, big: str | None = None) -> dict[str, int]:
    """市 → 区 → two sibling base units; ``big``: give that unit enough members not to be small."""
    async with services.sessions() as s, s.begin():
        city = await org.add_unit(s, "city", "某市总工会", "市")
        district = await org.add_unit(s, "dist", "东区总工会", "区县", "city")
        jx = await org.add_unit(s, "jx", "机械厂工会", "基层", "dist")
        hg = await org.add_unit(s, "hg", "化工厂工会", "基层", "dist")
        if big is not None:
            unit = await org.unit_by_code(s, big)
            for chat_id in range(5_000_000, 5_000_000 + services.settings.tip_min_unit_size):
                await users.record_user(s, chat_id)
                await org.join(s, chat_id, unit)
    return {"city": city.id, "dist": district.id, "jx": jx.id, "hg": hg.id}


async def join_by_link(emulator, user, payload: str, expected: str = "已加入", count: int = 3) -> None:
    """/start with a unit's deep link, as scanning its QR code does; waits for every reply (a first
    contact also gets the welcome and the subscription offer, a returning one a single greeting)."""
    async with emulator.expect(user, count=count) as got:
        await emulator.send_text(user, f"/start {payload}")
    assert expected in got.messages[0]["text"]


async def stored_tip(services) -> Tip:
    async with services.sessions() as s:
        return (await s.execute(select(Tip))).scalar_one()


async def test_a_qr_member_is_offered_their_unit_warned_it_is_small_and_can_send_it_higher(
        ankang, emulator, make_tipper, caplog):
    caplog.set_level(logging.DEBUG)
    units = await seed_tree(ankang.services)
    tipper = make_tipper("王师傅", username="wang_shifu_77")
    await join_by_link(emulator, tipper.user, "u_jx")

    await tipper.report(description=DESCRIPTION, unit="✅ 机械厂工会（本单位）")
    asked = tipper.unit_question
    # Its own unit first (the default), then each unit above it, then none.
    assert button_texts(asked) == [["✅ 机械厂工会（本单位）"], ["⬆ 东区总工会（上级）"], ["⬆ 某市总工会（上级）"],
                                   ["不指定单位（交工会统一处理）"], ["取消"]]
    assert "您加入的单位是「机械厂工会」" in plain(asked["text"]) and "不想让本单位知道" in plain(asked["text"])

    preview = plain(tipper.last["text"])
    assert "交给：机械厂工会" in preview
    assert "「机械厂工会」已知只有 1 名职工（少于 30 名）" in preview and "建议改交上级单位「东区总工会」" in preview
    assert ["⬆ 改交上级：东区总工会"] in button_texts(tipper.last)

    await tipper.press("⬆ 改交上级：东区总工会")
    preview = plain(tipper.last["text"])
    assert "交给：东区总工会" in preview and "建议改交上级单位「某市总工会」" in preview
    await tipper.confirm()

    tip = await stored_tip(ankang.services)
    assert tip.unit_id == units["dist"]
    # The unit is the tip's only new fact: neither the tips' tables nor the logs hold the tipper.
    async with ankang.services.sessions() as s:
        assert (await org.unit_of(s, tipper.user.id)).code == "jx"  # membership untouched by the tip
    tips_text = await all_table_text(ankang.services, prefix="tip")
    logs = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("emulator"))
    for trace in (str(tipper.user.id), tipper.user.username, tipper.user.first_name):
        assert trace not in tips_text and trace not in logs


async def test_an_urgent_tip_through_the_deep_link_alerts_with_its_unit(ankang, emulator, make_tipper):
    units = await seed_tree(ankang.services, big="jx")
    admin = emulator.user("管理员", id=ADMIN_ID)
    tipper = make_tipper("赵师傅", username=None)
    await join_by_link(emulator, tipper.user, "u_jx")

    preview = await tipper.report(description=DESCRIPTION, urgent=True, unit="✅ 机械厂工会（本单位）")
    assert "交给：机械厂工会" in plain(preview["text"]) and "已知只有" not in plain(preview["text"])
    assert not any("改交上级" in b for row in button_texts(preview) for b in row)
    mark = emulator.mark()
    await tipper.confirm()
    alert = await emulator.wait_for_message(admin, lambda m: "紧急隐患举报" in m.get("text", ""), since=mark)
    assert "单位：机械厂工会" in alert["text"]
    assert (await stored_tip(ankang.services)).unit_id == units["jx"]


async def test_a_tipper_with_no_unit_or_a_bad_link_finds_one_by_name_or_sends_to_none(ankang, emulator, make_tipper):
    units = await seed_tree(ankang.services)
    tipper = make_tipper("陈师傅")
    # An unknown or retired unit's link: a clear message, and the tip can still be routed.
    async with ankang.services.sessions() as s, s.begin():
        await org.retire(s, units["hg"])
    await join_by_link(emulator, tipper.user, "u_nowhere", "没有找到这个单位", count=3)
    await join_by_link(emulator, tipper.user, "u_hg", "没有找到这个单位", count=2)

    await tipper.report(description=DESCRIPTION, unit="机械厂工会（基层）", search="机械")
    asked = [m for m in emulator.messages(tipper.user) if "交给哪个工会" in m.get("text", "")][-1]
    assert button_texts(asked) == [["不指定单位（交工会统一处理）"], ["取消"]]  # no unit of their own
    assert button_texts(tipper.unit_question) == [["机械厂工会（基层）"], ["不指定单位（交工会统一处理）"], ["取消"]]
    assert "交给：机械厂工会" in plain(tipper.last["text"])

    # 更换单位 goes back to the choice; a search that finds nothing says so; then no unit at all.
    await tipper.press("🏢 更换单位")
    assert "交给哪个工会" in tipper.last["text"]
    assert "没有找到名称包含「面包房」" in plain((await tipper.say("面包房"))["text"])
    await tipper.press("不指定单位（交工会统一处理）")
    assert "交给：不指定单位" in plain(tipper.last["text"])
    await tipper.confirm()
    assert (await stored_tip(ankang.services)).unit_id is None


async def test_a_unit_retired_before_confirming_sends_the_tip_to_the_unit_above(ankang, emulator, make_tipper):
    units = await seed_tree(ankang.services)
    tipper = make_tipper("刘师傅")
    await tipper.report(description=DESCRIPTION, unit="机械厂工会（基层）", search="机械厂")
    async with ankang.services.sessions() as s, s.begin():
        await org.retire(s, units["jx"])
    await tipper.confirm()
    assert (await stored_tip(ankang.services)).unit_id == units["dist"]


async def test_without_units_the_flow_asks_nothing_about_them(ankang, make_tipper):
    tipper = make_tipper()
    preview = await tipper.report(description=DESCRIPTION)
    assert "交给" not in plain(preview["text"]) and button_texts(preview) == [["✅ 确认提交", "取消"]]


# --- With scoped roles (issue 12, point 3): the done-when tests of point 4 ------------------------------

async def grant_tips(services, user, unit_id: int) -> None:
    from org.roles import Role, grant

    async with services.sessions() as s, s.begin():
        await grant(s, user.id, user.first_name, Role.TIPS, unit_id, by=ADMIN_ID)


def alerts_of(emulator, user) -> list[dict]:
    return [m for m in emulator.messages(user) if "紧急隐患举报" in m.get("text", "")]


async def test_a_tip_through_a_units_qr_link_reaches_that_units_handler_and_no_siblings(ankang, emulator, make_tipper):
    units = await seed_tree(ankang.services, big="jx")
    handlers = {code: emulator.user(f"{code} 举报处理员", id=950_000 + i)
                for i, code in enumerate(("jx", "hg", "dist"))}
    for code, user in handlers.items():
        await grant_tips(ankang.services, user, units[code])
    super_admin = emulator.user("市总管理员", id=ADMIN_ID)
    tipper = make_tipper("孙师傅")
    await join_by_link(emulator, tipper.user, "u_jx")

    await tipper.report(description=DESCRIPTION, urgent=True, unit="✅ 机械厂工会（本单位）")
    mark = emulator.mark()
    await tipper.confirm()
    alert = await emulator.wait_for_message(handlers["jx"], lambda m: "紧急隐患举报" in m.get("text", ""),
                                            since=mark)
    await ankang.services.tips.drain()  # every alert of this tip has gone out
    assert "单位：机械厂工会" in alert["text"] and DESCRIPTION in alert["text"]
    assert len(alerts_of(emulator, handlers["jx"])) == 1
    for other in (handlers["hg"], handlers["dist"], super_admin):
        assert alerts_of(emulator, other) == [], other.first_name


async def test_a_unit_without_a_handler_is_flagged_in_the_console_and_its_tip_reaches_the_parents(
        ankang, emulator, make_tipper):
    from aiohttp import ClientSession, CookieJar

    from tests.web.conftest import http_log_in

    units = await seed_tree(ankang.services, big="jx")
    async with ankang.services.sessions() as s, s.begin():
        orphan = await org.add_unit(s, "island", "孤岛厂工会", "基层")  # a root nobody handles
    parent_handler = emulator.user("东区举报处理员", id=951_000)
    sibling_handler = emulator.user("化工厂举报处理员", id=951_001)
    await grant_tips(ankang.services, parent_handler, units["dist"])
    await grant_tips(ankang.services, sibling_handler, units["hg"])
    tipper = make_tipper("周师傅")
    await join_by_link(emulator, tipper.user, "u_jx")

    await tipper.report(description=DESCRIPTION, urgent=True, unit="✅ 机械厂工会（本单位）")
    mark = emulator.mark()
    await tipper.confirm()
    alert = await emulator.wait_for_message(parent_handler, lambda m: "紧急隐患举报" in m.get("text", ""),
                                            since=mark)
    await ankang.services.tips.drain()
    assert "单位：机械厂工会" in alert["text"] and alerts_of(emulator, sibling_handler) == []
    tip = await stored_tip(ankang.services)

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        console = await http_log_in(http, ankang.web_url, ankang.services.settings, ankang.services.clock.now())
        inbox = await (await console.get("/admin/tips")).text()
        assert "单位：机械厂工会" in inbox and "本单位无举报处理人员" in inbox and "交「东区总工会」处理" in inbox
        assert 'id="unhandled-units"' in inbox and "孤岛厂工会" in inbox  # no handler up its whole chain
        page = await (await console.get(f"/admin/tips/{tip.id}")).text()
        assert "本单位无举报处理人员" in page
        unit_page = await (await console.get(f"/admin/org/{units['jx']}")).text()
        assert "本单位没有举报处理人员：交给本单位的举报由上级「东区总工会」的举报处理人员处理" in unit_page
        tree = await (await console.get("/admin/org")).text()
        assert 'id="unhandled-units"' in tree and f'href="/admin/org/{orphan.id}">孤岛厂工会' in tree
        handled = await (await console.get(f"/admin/org/{units['hg']}")).text()
        assert 'id="unit-handled"' in handled


async def test_a_units_staff_see_only_the_tips_routed_to_their_subtree(ankang, emulator):
    """A tip sent above one's unit ("我不想让本单位知道") must not show up in that unit's inbox."""
    from aiohttp import ClientSession, CookieJar

    from tests.web.conftest import http_log_in
    from tips.cases import CasePolicy
    from tips.service import TipDraft, submit_tip

    services = ankang.services
    units = await seed_tree(services)
    tip_ids = {}
    for where in ("jx", "hg", "dist", None):
        draft = TipDraft("fire", "warehouse", "物流园B仓", f"消防通道被货物堵死 {where}", False, [],
                         units[where] if where else None)
        async with services.sessions() as s, s.begin():
            tip_ids[where] = (await submit_tip(s, draft, now=services.clock.now(), cost=services.tips.receipt_cost,
                                               policy=CasePolicy.from_settings(services.settings))).tip_id
    jx_handler = emulator.user("机械厂举报处理员", id=952_000)
    await grant_tips(services, jx_handler, units["jx"])

    def listed(inbox: str) -> set:
        return {where for where, tip_id in tip_ids.items() if f'href="/admin/tips/{tip_id}"' in inbox}

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        own = await http_log_in(http, ankang.web_url, services.settings, services.clock.now(), user_id=jx_handler.id)
        assert listed(await (await own.get("/admin/tips")).text()) == {"jx"}
        assert (await own.get(f"/admin/tips/{tip_ids['jx']}")).status == 200
        for hidden in ("hg", "dist", None):
            assert (await own.get(f"/admin/tips/{tip_ids[hidden]}")).status == 404
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        top = await http_log_in(http, ankang.web_url, services.settings, services.clock.now())
        assert listed(await (await top.get("/admin/tips")).text()) == {"jx", "hg", "dist", None}


async def test_a_units_handler_lists_and_opens_only_the_tips_of_their_subtree_in_telegram(ankang, emulator):
    """The bot's /tips is scoped as the console's inbox: a tip sent above a unit (or beside it) stays out of
    its handler's list, and a forged 打开 button for it is refused in words."""
    from tips.service import TipDraft, submit_tip

    units = await seed_tree(ankang.services)
    handler = emulator.user("机械厂举报处理员", id=952_000)
    await grant_tips(ankang.services, handler, units["jx"])
    ids = {}
    async with ankang.services.sessions() as s, s.begin():
        for code in ("jx", "hg", "dist"):
            draft = TipDraft(category="fire", place_type="mall", description=f"{code} 车间{DESCRIPTION}",
                             urgent=False, unit_id=units[code])
            ids[code] = (await submit_tip(s, draft, now=ankang.services.clock.now(),
                                          cost=ankang.services.tips.receipt_cost)).tip_id

    listing = await emulator.ask(handler, "/tips")
    labels = [label for row in button_texts(listing) for label in row]
    assert any(label.startswith(f"#{ids['jx']} ") for label in labels)
    assert not any(label.startswith((f"#{ids['hg']} ", f"#{ids['dist']} ")) for label in labels)

    for code in ("hg", "dist"):
        query = await emulator.press(handler, listing, data=f"ta:o:{ids[code]}")
        answer = await emulator.wait_for(lambda q=query: emulator.callback_answers.get(q), timeout=10)
        assert "没有「查看举报」权限" in answer["text"], code
    assert not any(DESCRIPTION in m.get("text", "") for m in emulator.messages(handler))


async def test_an_emergency_typed_at_the_unit_step_is_answered_first_and_the_step_resumes(
        ankang, emulator, make_tipper):
    """The unit step takes typed text (a unit's name to search): an emergency typed there gets the guidance
    first, the step is asked again, and its buttons still work."""
    from bot.tip_messages import NOT_URGENT_BUTTON, SKIP_BUTTON
    from bot.tips_report import REPORT
    from tests.bot.test_emergency import emergency_mid_flow

    await seed_tree(ankang.services, big="jx")
    tipper = make_tipper("吴师傅")
    await join_by_link(emulator, tipper.user, "u_jx")
    await tipper.say("/report")
    await tipper.press("建筑施工")
    await tipper.press("建筑工地")
    await tipper.say("城东3号工地")
    await tipper.say(DESCRIPTION)
    await tipper.press(SKIP_BUTTON)
    asked = await tipper.press(NOT_URGENT_BUTTON)
    assert "交给哪个工会" in asked["text"]
    again = await emergency_mid_flow(emulator, tipper.user, REPORT.label, "交给哪个工会")
    preview = await tipper.press("✅ 机械厂工会（本单位）", again)
    assert "请核对" in preview["text"] and "交给：机械厂工会" in plain(preview["text"])
