"""Tips routed to units, in the domain (issue 12, point 4): where a tip is stored, who is told, and what
retiring or merging a unit does to its open tips."""
from __future__ import annotations

from datetime import UTC, datetime

from core.admins import add_admin, set_on_duty
from core.clock import FakeClock
from tests.conftest import ADMIN_ID
from tests.tips.test_jobs import Recorder
from tips.alerts import duty_notice, followup_recipients
from tips.cases import CasePolicy
from tips.jobs import run_due
from tips.models import Tip, TipStatus
from tips.routing import route_of, unit_choice
from tips.service import TipDraft, change_status, get_tip, submit_tip

START = datetime(2026, 3, 2, 0, 10, tzinfo=UTC)  # Monday 08:10 in Shanghai
DUTY = 900002


async def tree(services) -> dict[str, int]:
    from org import service as org

    async with services.sessions() as s, s.begin():
        ids = {}
        for code, name, parent in (("city", "某市总工会", None), ("dist", "东区总工会", "city"),
                                   ("jx", "机械厂工会", "dist"), ("hg", "化工厂工会", "dist")):
            ids[code] = (await org.add_unit(s, code, name, "", parent)).id
    return ids


async def tip_for(services, unit_id: int | None, *, urgent: bool = False, now: datetime = START) -> int:
    draft = TipDraft("fire", "warehouse", "物流园B仓", "消防通道被货物堵死，灭火器过期两年", urgent, [], unit_id)
    async with services.sessions() as s, s.begin():
        return (await submit_tip(s, draft, now=now, cost=services.tips.receipt_cost,
                                 policy=CasePolicy.from_settings(services.settings))).tip_id


async def unit_of_tip(services, tip_id: int) -> int | None:
    async with services.sessions() as s:
        return (await s.get(Tip, tip_id)).unit_id


async def test_retiring_or_merging_a_unit_moves_its_open_tips_to_the_heir_and_leaves_closed_ones(services):
    from org import service as org

    units = await tree(services)
    open_jx, closed_jx, open_hg, open_dist = [await tip_for(services, units[c]) for c in ("jx", "jx", "hg", "dist")]
    async with services.sessions() as s, s.begin():
        await change_status(s, closed_jx, TipStatus.REJECTED, "", admin_id=ADMIN_ID, now=START, reason="duplicate")
        await org.retire(s, units["jx"])  # → its parent
        await org.merge(s, units["hg"], "city")  # → the unit merged into
    assert [await unit_of_tip(services, t) for t in (open_jx, closed_jx, open_hg, open_dist)] == \
           [units["dist"], units["jx"], units["city"], units["dist"]]
    async with services.sessions() as s, s.begin():
        await org.retire(s, units["city"])  # a root: its open tips go to the union as a whole
    assert await unit_of_tip(services, open_hg) is None


async def test_a_tip_for_a_retired_unit_is_stored_for_the_nearest_active_unit_above(services):
    from org import service as org

    units = await tree(services)
    async with services.sessions() as s, s.begin():
        await org.retire(s, units["jx"])
        await org.retire(s, units["dist"])
    assert await unit_of_tip(services, await tip_for(services, units["jx"])) == units["city"]
    assert await unit_of_tip(services, await tip_for(services, None)) is None


async def test_a_units_tip_goes_to_its_handlers_and_names_the_unit_others_to_the_duty_roster(services):
    units = await tree(services)
    async with services.sessions() as s, s.begin():
        await add_admin(s, DUTY, "值班员")
        await set_on_duty(s, services.settings, DUTY, True)
    for_unit, for_none = await tip_for(services, units["jx"], urgent=True), await tip_for(services, None, urgent=True)
    async with services.sessions() as s:
        unit_notice, none_notice = await duty_notice(s, services.settings, for_unit), \
            await duty_notice(s, services.settings, for_none)
        route = await route_of(s, services.settings, units["jx"])
        followups = await followup_recipients(s, services.settings, await get_tip(s, for_unit))
    # Handlers of the unit (org.roles decides who; never nobody); a tip without a unit as before.
    assert unit_notice.recipients == route.recipients and unit_notice.recipients
    assert followups == route.recipients
    assert "单位：机械厂工会" in unit_notice.alert.html
    assert none_notice.recipients == (DUTY,) and "单位：" not in none_notice.alert.html


async def test_the_digest_goes_to_each_tips_recipients_separately(services):
    units = await tree(services)
    async with services.sessions() as s, s.begin():
        await add_admin(s, DUTY)
        await set_on_duty(s, services.settings, DUTY, True)
    clock, sender = FakeClock(START), Recorder()
    for_unit, for_none = await tip_for(services, units["hg"]), await tip_for(services, None)
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 09:00 Shanghai
    assert (await run_due(services.sessions, services.settings, sender, clock.now())).digested == 2
    async with services.sessions() as s:
        unit_recipients = (await route_of(s, services.settings, units["hg"])).recipients
    got: dict[int, str] = {}
    for admin, alert in sender.sent:
        got[admin] = got.get(admin, "") + alert.html
    assert f"#{for_none}" in got[DUTY]
    assert all(f"#{for_unit}" in got[admin] for admin in unit_recipients)
    assert all(f"#{for_none}" not in got[admin] for admin in unit_recipients if admin != DUTY)


async def test_a_unit_under_the_threshold_is_small_and_suggests_its_parent(services):
    from core import users
    from org import service as org

    units = await tree(services)
    async with services.sessions() as s, s.begin():
        unit = await org.unit_by_id(s, units["jx"])
        for chat_id in range(7_000_000, 7_000_000 + services.settings.tip_min_unit_size - 1):
            await users.record_user(s, chat_id)
            await org.join(s, chat_id, unit)
        small = await unit_choice(s, services.settings, units["jx"])
        await users.record_user(s, 7_999_999)
        await org.join(s, 7_999_999, unit)
        enough = await unit_choice(s, services.settings, units["jx"])
        await org.retire(s, units["hg"])
        assert await unit_choice(s, services.settings, units["hg"]) is None
    assert small.small and small.members == 29 and small.parent.name == "东区总工会"
    assert [u.code for u in small.above] == ["dist", "city"]
    assert not enough.small and enough.members == 30


async def test_the_export_names_each_tips_unit(services, tmp_path):
    import csv

    from openpyxl import load_workbook

    from tips.service import export_tips

    units = await tree(services)
    for_unit, for_none = await tip_for(services, units["jx"]), await tip_for(services, None)
    async with services.sessions() as s, s.begin():
        await export_tips(s, tmp_path, admin_id=ADMIN_ID)
    with open(tmp_path / "tips.csv", newline="", encoding="utf-8-sig") as exported:
        rows = {row["编号"]: row for row in csv.DictReader(exported)}
    assert rows[str(for_unit)]["单位"] == "机械厂工会" and rows[str(for_none)]["单位"] == ""
    sheet = load_workbook(tmp_path / "tips.xlsx").active
    header = [cell.value for cell in sheet[1]]
    units_column = {row[0]: row[header.index("单位")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert units_column[for_unit] == "机械厂工会" and units_column[for_none] in ("", None)
