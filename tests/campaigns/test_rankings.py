"""Rankings (issue 13, point 4): people by points (names only with consent; ties by fewer attempts), units by
participation at each level of the tree, live while the campaign runs and frozen once it has ended."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from broadcasts.quiz import anonymous_name, set_name_consent
from campaigns.models import Attempt, AttemptStatus, Campaign
from campaigns.rankings import standings
from core import users
from org.service import add_unit, join, unit_by_code
from tests.campaigns.conftest import local, make_campaign

DAY = date(2026, 6, 5)
W1, W2, W3, W4 = 701, 702, 703, 704


async def finished(session, cid, chat, score, day=DAY, practice=False, slot=1, minute=0):
    session.add(Attempt(campaign_id=cid, chat_id=chat, day=day, slot=None if practice else slot, practice=practice,
                        status=AttemptStatus.FINISHED, question_count=5, score=score, correct=score // 10,
                        answered=5, started_at=local(day, 9, minute), finished_at=local(day, 9, minute + 1)))


async def test_people_and_units_rank_by_the_stated_rules_and_freeze_at_the_end(services, bank):
    cid = await make_campaign(services, bank)  # 2026-06-01 to 2026-06-30
    async with services.sessions() as s, s.begin():
        for chat in (W1, W2, W3, W4):
            await users.record_user(s, chat)
        await add_unit(s, "city", "市总工会", "市")
        await add_unit(s, "east", "东区工会", "区县", "city")
        await add_unit(s, "west", "西区工会", "区县", "city")
        for chat, code in ((W1, "east"), (W2, "east"), (W3, "west"), (W4, "west")):
            await join(s, chat, await unit_by_code(s, code))
        await finished(s, cid, W1, 20, slot=1)
        await finished(s, cid, W1, 30, day=date(2026, 6, 6))
        await finished(s, cid, W2, 50, minute=5)  # the same 50 points in one attempt: ahead of W1
        await finished(s, cid, W3, 30)
        await finished(s, cid, W4, 100, practice=True)  # practice counts for nothing
        await set_name_consent(s, W2, "王师傅")
    async with services.sessions() as s, s.begin():
        campaign = await s.get(Campaign, cid)
        live = await standings(s, campaign, DAY)
    assert not live.frozen
    assert [(p.place, p.chat_id, p.points, p.attempts) for p in live.persons] == [
        (1, W2, 50, 1), (2, W1, 50, 2), (3, W3, 30, 1)]
    assert [p.name for p in live.persons] == ["王师傅", anonymous_name(W1), anonymous_name(W3)]
    units = {u.code: u for u in live.units}
    assert (units["city"].place, units["city"].members, units["city"].participants) == (1, 4, 3)
    assert units["city"].participation == 0.75 and round(units["city"].average, 2) == round(130 / 3, 2)
    assert (units["east"].place, units["east"].participation, units["east"].average) == (1, 1.0, 50.0)
    assert (units["west"].place, units["west"].participation, units["west"].attempts_per_member) == (2, 0.5, 0.5)

    after_end = date(2026, 7, 1)
    async with services.sessions() as s, s.begin():
        final = await standings(s, campaign, after_end)
    assert final.frozen and final.persons == live.persons and final.units == live.units
    # Later changes leave the final results as they were: a move, a withdrawn name.
    async with services.sessions() as s, s.begin():
        await join(s, W3, await unit_by_code(s, "east"))
        await set_name_consent(s, W2, None)
    async with services.sessions() as s, s.begin():
        again = await standings(s, campaign, after_end)
    assert again.persons[0].name == "王师傅" and {u.code: u.participation for u in again.units}["west"] == 0.5


async def test_freezing_issues_certificates_to_finishers_winners_and_first_units_once(services, bank):
    """Issue 13, point 6: the watch freezes an ended campaign; its certificates are issued with the freeze, once."""
    from sqlalchemy import func, select

    from campaigns.awards import finish_ref, unit_ref, winner_ref
    from campaigns.rankings import freeze_ended
    from study.certificates import certificates_of
    from study.models import Certificate

    cid = await make_campaign(services, bank)  # 2026-06-01 to 2026-06-30
    async with services.sessions() as s, s.begin():
        for chat in (W1, W2, W3, W4):
            await users.record_user(s, chat)
        await add_unit(s, "city", "市总工会", "市")
        await add_unit(s, "east", "东区工会", "区县", "city")
        await add_unit(s, "west", "西区工会", "区县", "city")
        for chat, code in ((W1, "east"), (W2, "east"), (W3, "west"), (W4, "west")):
            await join(s, chat, await unit_by_code(s, code))
        await finished(s, cid, W1, 20)
        await finished(s, cid, W2, 50)
        await finished(s, cid, W3, 30)
        await finished(s, cid, W4, 100, practice=True)  # practice only: no certificate
        await set_name_consent(s, W2, "王师傅")
    async with services.sessions() as s, s.begin():
        assert await freeze_ended(s, date(2026, 6, 30)) == []  # the last day is not over yet
        assert await s.scalar(select(func.count()).select_from(Certificate)) == 0
    for _ in range(2):  # the second pass finds nothing to freeze
        async with services.sessions() as s, s.begin():
            frozen = await freeze_ended(s, date(2026, 7, 1))
            assert frozen == ([cid] if _ == 0 else [])
    async with services.sessions() as s:
        mine = {chat: [(c.title, c.holder_name, c.reason_ref) for c in await certificates_of(s, chat)]
                for chat in (W1, W2, W3, W4)}
        units = (await s.scalars(select(Certificate).where(Certificate.unit_id.is_not(None)))).all()
        city, east = await unit_by_code(s, "city"), await unit_by_code(s, "east")
        # Reading the frozen results again issues nothing more.
        await standings(s, await s.get(Campaign, cid), date(2026, 7, 2))
        total = await s.scalar(select(func.count()).select_from(Certificate))
    assert sorted(mine[W2]) == [("「安全生产月知识竞赛」优胜证书（第 1 名）", "王师傅", winner_ref(cid)),
                                ("「安全生产月知识竞赛」参赛证书", "王师傅", finish_ref(cid))]
    assert sorted(t for t, _, _ in mine[W3]) == ["「安全生产月知识竞赛」优胜证书（第 2 名）",
                                                  "「安全生产月知识竞赛」参赛证书"]
    assert {h for _, h, _ in mine[W1]} == {anonymous_name(W1)} and len(mine[W1]) == 2
    assert mine[W4] == []
    assert sorted((c.unit_id, c.holder_name, c.reason_ref) for c in units) == sorted(
        [(city.id, "市总工会", unit_ref(cid, city.id)), (east.id, "东区工会", unit_ref(cid, east.id))])
    assert total == 3 * 2 + 2


async def test_report_counts_participation_per_day_and_share_right_per_question_without_practice(services, bank):
    """Issue 13, point 7 (in part): counted, finished attempts only; the hardest question first."""
    from campaigns.models import AttemptQuestion, QuestionStatus
    from campaigns.report import campaign_report

    cid = await make_campaign(services, bank)
    q1, q2 = [q.id for q in list(bank)[:2]]
    async with services.sessions() as s, s.begin():
        await finished(s, cid, W1, 10)
        await finished(s, cid, W1, 10, slot=2, minute=10)
        await finished(s, cid, W2, 10, day=date(2026, 6, 6))
        await finished(s, cid, W3, 10, practice=True)
        await s.flush()
        attempts = (await s.scalars(select(Attempt).order_by(Attempt.id))).all()
        for attempt, (right1, right2) in zip(attempts, ((True, False), (True, None), (False, False), (True, True)),
                                             strict=True):
            s.add(AttemptQuestion(attempt_id=attempt.id, position=0, question_id=q1, kind="single", answer="0",
                                  status=QuestionStatus.ANSWERED, correct=right1))
            s.add(AttemptQuestion(attempt_id=attempt.id, position=1, question_id=q2, kind="single", answer="0",
                                  status=QuestionStatus.ANSWERED if right2 is not None else QuestionStatus.TIMED_OUT,
                                  correct=right2))
    async with services.sessions() as s:
        report = await campaign_report(s, await s.get(Campaign, cid), bank)
    assert [(d.day, d.participants, d.attempts) for d in report.days] == [
        (DAY, 1, 2), (date(2026, 6, 6), 1, 1)]
    assert [(q.question_id, q.asked, q.right) for q in report.questions] == [(q2, 3, 0), (q1, 3, 2)]
    assert report.questions[1].share == 2 / 3 and report.questions[0].stem


def test_a_workers_chain_ranks_siblings_by_the_stated_tie_breaks():
    """chain_rankings: the worker's unit among its siblings, then its parent among theirs, up to the top; ties
    on 参与率 go to 平均分, then 人均次数, then the unit's code (``UNIT_TIE_BREAKS``)."""
    from campaigns.rankings import UnitRow, chain_rankings

    def row(code, parent, depth, members, participants, attempts, points):
        return UnitRow(0, code, code.upper(), "", depth, members, participants, attempts, points, parent)

    units = [
        row("root", "", 0, 8, 4, 6, 200), row("other", "", 0, 2, 1, 1, 10),
        row("a", "root", 1, 2, 1, 1, 50),  # 50% · 50
        row("b", "root", 1, 2, 1, 2, 50),  # 50% · 50 · more attempts: ahead of a
        row("c", "root", 1, 2, 1, 1, 60),  # 50% · 60: ahead of both
        row("d", "root", 1, 2, 1, 2, 40),
        row("a1", "a", 2, 1, 1, 1, 50), row("a2", "a", 2, 1, 0, 0, 0),
    ]
    chain = chain_rankings(units, "a1")
    assert [(s.parent.code if s.parent else None, s.mine) for s in chain] == [
        ("a", "a1"), ("root", "a"), (None, "root")]
    assert [(place, u.code) for place, u in chain[1].rows] == [(1, "c"), (2, "b"), (3, "a"), (4, "d")]
    assert [u.code for _, u in chain[2].rows] == ["root", "other"]  # 50% each, then 平均分 50 > 10
    tie = [row("y", "", 0, 1, 1, 1, 10), row("x", "", 0, 1, 1, 1, 10)]
    assert [u.code for _, u in chain_rankings(tie, "y")[0].rows] == ["x", "y"]  # all equal: by code
    assert chain_rankings(units, None) == [] and chain_rankings(units, "gone") == []
