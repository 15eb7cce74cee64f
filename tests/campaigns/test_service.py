"""Campaigns as admins make them: the bundled templates, refusals, and the invitation's timing and audience
(subscribed topics and a unit's subtree) on the broadcast engine (issue 13, point 2)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcasts.models import Delivery, ScheduleStatus
from broadcasts.occurrences import send_now
from broadcasts.subscriptions import set_topics
from campaigns.service import CampaignInvalid, create_campaign, draft_from_template, queue_invitation
from campaigns.templates import load_templates
from core import users
from org.service import add_unit, join, unit_by_code
from tests.campaigns.conftest import TZ, local

START = date(2026, 12, 7)


def test_the_four_bundled_templates_load():
    templates = load_templates()
    assert [t.name for t in templates.values()] == ["安康杯年度竞赛", "新员工三级安全教育", "安全生产月知识竞赛",
                                                    "岁末年初安全六周赛"]
    assert {t.questions_per_attempt for t in templates.values()} <= set(range(5, 16))


@pytest.mark.parametrize("field, value, message", [
    ("questions_per_attempt", 4, "5–15"), ("questions_per_attempt", 16, "5–15"), ("seconds_per_question", 5, "秒"),
    ("attempts_per_day", 0, "次数"), ("tags", ("confined_space",), "不够每次"), ("audience", "boss", "题目对象"),
])
async def test_rules_out_of_range_are_refused_in_words(services, bank, field, value, message):
    draft = draft_from_template(load_templates()["safety_month"], START)
    draft = replace(draft, rules=replace(draft.rules, **{field: value}))
    async with services.sessions() as session:
        with pytest.raises(CampaignInvalid) as refused:
            await create_campaign(session, draft, bank, now=local(START, 8))
    assert message in refused.value.message


async def test_every_template_makes_a_valid_campaign(services, bank):
    async with services.sessions() as session, session.begin():
        for template in load_templates().values():
            campaign = await create_campaign(session, draft_from_template(template, START), bank, now=local(START, 8))
            assert campaign.ends_on == START + timedelta(days=template.days - 1)


async def test_the_invitation_waits_for_nine_and_reaches_the_units_subtree_only(services, bank):
    async with services.sessions() as s, s.begin():
        await add_unit(s, "city", "市总工会")
        await add_unit(s, "plant", "一厂工会", parent_code="city")
        await add_unit(s, "team", "一厂班组", parent_code="plant")
        await add_unit(s, "other", "二厂工会", parent_code="city")
        for chat, unit, topics in ((1, "team", {"fire"}), (2, "other", {"fire"}), (3, "plant", {"rights"}),
                                   (4, "plant", {"all"}), (5, None, {"fire"})):
            await users.record_user(s, chat)
            await set_topics(s, chat, topics)
            if unit:
                await join(s, chat, await unit_by_code(s, unit))
        plant = await unit_by_code(s, "plant")
        draft = replace(draft_from_template(load_templates()["year_end"], START), topics=("fire",), unit_id=plant.id)
        early = local(START, 8, 30)
        campaign = await create_campaign(s, draft, bank, now=early)
        schedule, now = await queue_invitation(s, campaign, draft.invitation, now=early, tz=TZ)
    assert not now and schedule.trigger == "once" and schedule.status == ScheduleStatus.ACTIVE
    assert schedule.run_at == local(START, 9)
    later = local(START, 9, 30)
    async with services.sessions() as s, s.begin():
        schedule, now = await queue_invitation(s, campaign, draft.invitation, now=later, tz=TZ)
    assert now and schedule.status == ScheduleStatus.FINISHED
    occurrence = await send_now(services.sessions, schedule.id, later)
    async with services.sessions() as s:
        chats = sorted((await s.execute(select(Delivery.chat_id).where(Delivery.occurrence_id == occurrence)))
                       .scalars())
    # fire subscribers (or all) in the plant and below: the team's worker and the plant's "all" subscriber.
    assert chats == [1, 4]
