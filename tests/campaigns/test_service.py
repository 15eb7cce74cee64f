"""Campaigns as admins make them: the bundled templates, refusals, and the invitation's timing and audience
(subscribed topics and a unit's subtree) on the broadcast engine (issue 13, point 2)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcasts.models import Delivery, Schedule, ScheduleStatus
from broadcasts.occurrences import send_now
from broadcasts.subscriptions import set_topics
from campaigns.service import CampaignInvalid, create_campaign, draft_from_template, edit_campaign, queue_invitation
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


@pytest.mark.parametrize("template_id", sorted(load_templates()))
async def test_every_templates_invitation_says_the_campaigns_own_numbers(services, bank, template_id):
    """A template's invitation is written with placeholders, filled in from the campaign's rules when queued
    (the 安全生产月 one used to say 每次10题 whatever was set), and again after an edit before it went out."""
    template = load_templates()[template_id]
    assert "{每次题数}" in template.invitation  # no template hard-codes its numbers
    draft = draft_from_template(template, START)
    draft = replace(draft, rules=replace(draft.rules, questions_per_attempt=6, seconds_per_question=25,
                                         attempts_per_day=4))
    early = local(START, 8, 30)
    async with services.sessions() as s, s.begin():
        campaign = await create_campaign(s, draft, bank, now=early)
        schedule, now = await queue_invitation(s, campaign, draft.invitation, now=early, tz=TZ)
    assert "每次6题" in schedule.text and "{" not in schedule.text
    for typed in ("{每题秒数}", "{每天次数}", "{天数}", "{开始日期}"):
        if typed in template.invitation:
            assert {"{每题秒数}": "25秒", "{每天次数}": "4次", "{天数}": f"{template.days}天",
                    "{开始日期}": "2026年12月7日"}[typed] in schedule.text
    # Edited before it was sent: the invitation waiting for 09:00 says the new numbers.
    edited = replace(draft, rules=replace(draft.rules, questions_per_attempt=12))
    async with services.sessions() as s, s.begin():
        await edit_campaign(s, campaign.id, edited, bank, now=early - timedelta(days=1), tz=TZ)
    async with services.sessions() as s:
        again = await s.get(Schedule, schedule.id)
    assert "每次12题" in again.text and "每次6题" not in again.text


def test_braces_that_are_no_placeholder_stay_as_typed():
    from campaigns.service import Rules, render_invitation

    text = render_invitation("每次{每次题数}题 {别的} {x}", "赛", START, START, Rules(questions_per_attempt=7))
    assert text == "每次7题 {别的} {x}"
