"""The campaign report for superiors (issue 13, point 7): per-unit results over time and before/after accuracy
per tag, from counted attempts only, and the same figures in the Excel export."""
from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from campaigns.models import Attempt, AttemptQuestion, AttemptStatus, Campaign, QuestionStatus
from campaigns.report import campaign_report, periods_of, report_xlsx
from core import users
from org.service import add_unit, join, unit_by_code
from tests.campaigns.conftest import local, make_campaign

START = date(2026, 6, 1)
A, B, C, D = 801, 802, 803, 804  # A, B in team 甲; C in team 乙; D in no unit


async def attempt(session, bank, cid, chat, day, answers, *, practice=False, slot=1, minute=0):
    """A finished attempt whose questions are ``answers``: (topic, right or None for timed out) pairs."""
    by_topic: dict[str, list] = {}
    for q in bank:
        by_topic.setdefault(q.topic, []).append(q)
    row = Attempt(campaign_id=cid, chat_id=chat, day=day, slot=None if practice else slot, practice=practice,
                  status=AttemptStatus.FINISHED, question_count=len(answers),
                  score=10 * sum(1 for _, r in answers if r), correct=sum(1 for _, r in answers if r),
                  answered=len(answers), started_at=local(day, 9, minute), finished_at=local(day, 9, minute + 1))
    session.add(row)
    await session.flush()
    for position, (topic, right) in enumerate(answers):
        q = by_topic[topic][position]
        session.add(AttemptQuestion(
            attempt_id=row.id, position=position, question_id=q.id, kind=q.type, answer="0",
            status=QuestionStatus.TIMED_OUT if right is None else QuestionStatus.ANSWERED,
            correct=bool(right), points=10 if right else 0))


async def seeded(services, bank) -> Campaign:
    cid = await make_campaign(services, bank)  # safety_month: 2026-06-01 to 2026-06-30, daily periods
    async with services.sessions() as s, s.begin():
        for chat in (A, B, C, D):
            await users.record_user(s, chat)
        await add_unit(s, "plant", "一厂工会", "基层")
        await add_unit(s, "jia", "甲班组", "班组", "plant")
        await add_unit(s, "yi", "乙班组", "班组", "plant")
        for chat, code in ((A, "jia"), (B, "jia"), (C, "yi")):
            await join(s, chat, await unit_by_code(s, code))
        day1, day2 = START, START + timedelta(days=1)
        # A: fire 1/2 then 2/2; rights 0/1 then 1/1 → both tags improve for the same worker.
        await attempt(s, bank, cid, A, day1, [("fire", True), ("fire", False), ("rights", None)])
        await attempt(s, bank, cid, A, day2, [("fire", True), ("fire", True), ("rights", True)])
        # C: fire 1/1 then 0/1; hazards only in the latest → not compared.
        await attempt(s, bank, cid, C, day1, [("fire", True)])
        await attempt(s, bank, cid, C, day2, [("fire", False), ("hazards", True)], minute=5)
        await attempt(s, bank, cid, B, day2, [("fire", True)])  # one attempt: not in before/after
        await attempt(s, bank, cid, B, day2, [("fire", False)] * 3, practice=True)  # practice: nothing
        await attempt(s, bank, cid, D, day1, [("fire", True)])  # in no unit: only the days count them
        return await s.get(Campaign, cid)


async def test_units_over_time_and_before_after_per_tag(services, bank):
    campaign = await seeded(services, bank)
    async with services.sessions() as s:
        report = await campaign_report(s, campaign, bank, today=START + timedelta(days=2))
    assert [p.label for p in report.periods] == ["2026-06-01", "2026-06-02", "2026-06-03"]
    units = {u.code: u for u in report.units}
    assert [u.code for u in report.units] == ["plant", "jia", "yi"]  # depth first, parents before children
    jia = units["jia"]
    assert jia.members == 2 and jia.depth == 1
    assert [(f.participants, f.attempts, f.reached) for f in jia.periods] == [(1, 1, 1), (2, 2, 2), (0, 0, 2)]
    assert [jia.participation(f) for f in jia.periods] == [0.5, 1.0, 1.0]
    assert jia.periods[1].average == 20.0  # A's 30 and B's 10 over two attempts
    plant = units["plant"]
    assert plant.members == 3 and [plant.participation(f) for f in plant.periods] == [2 / 3, 1.0, 1.0]

    tags = {t.tag: t for t in report.tags}
    assert set(tags) == {"fire", "rights"}  # hazards came up in C's latest only
    fire = tags["fire"]
    assert (fire.workers, fire.before_asked, fire.before_right, fire.after_asked, fire.after_right) == (2, 3, 2, 3, 2)
    rights = tags["rights"]
    assert (rights.workers, rights.before, rights.after, rights.change) == (1, 0.0, 1.0, 1.0)  # timed out = wrong
    assert [t.tag for t in report.tags] == ["rights", "fire"]  # largest gain first
    assert rights.label not in ("", "rights")  # the taxonomy's words, not the code

    book = load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames == ["每日参与", "各单位分期", "题目正确率", "前后正确率"]
    rows = [[c.value for c in r] for r in book["各单位分期"].iter_rows()]
    assert rows[0] == ["单位", "层级", "人数", "时段", "参与人数", "答题次数", "平均分", "累计参与率"]
    assert ["　甲班组", "班组", 2, "2026-06-02", 2, 2, 20.0, 1.0] in rows
    tag_rows = [[c.value for c in r] for r in book["前后正确率"].iter_rows()]
    assert tag_rows[0] == ["类别", "对比人数", "首次答题数", "首次正确率", "最近答题数", "最近正确率", "变化"]
    assert [rights.label, 1, 1, 0.0, 1, 1.0, 1.0] in tag_rows


def test_a_long_campaign_is_reported_by_week():
    campaign = Campaign(starts_on=date(2026, 1, 7), ends_on=date(2026, 12, 31))  # a Wednesday, 359 days
    periods = periods_of(campaign, date(2026, 1, 20))
    assert [p.start for p in periods] == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    assert periods[0].label == "2026-01-05 起一周"
