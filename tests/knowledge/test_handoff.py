"""问工会 rules (knowledge.handoff): privacy by closing, first answer wins, deadlines on a virtual clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, text

from core.admins import add_admin, remove_admin, set_on_duty
from knowledge import handoff as domain
from knowledge.handoff import HandoffAnswer, HandoffNotice, NoticeKind, RecipientGone
from knowledge.models import Handoff, HandoffStatus
from tests.conftest import ADMIN_ID

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKER = 555_000_111  # an id no other column would hold by chance
# Monday 2026-12-07 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)


class RecordingSender:
    """The HandoffSender port as a test double that records what would be sent (a worker may have blocked it)."""

    def __init__(self) -> None:
        self.notices: list[tuple[int, HandoffNotice]] = []
        self.answers: list[tuple[int, HandoffAnswer]] = []
        self.blocked: set[int] = set()

    async def send_handoff_notice(self, admin_id: int, notice: HandoffNotice) -> None:
        self.notices.append((admin_id, notice))

    async def send_handoff_answer(self, chat_id: int, answer: HandoffAnswer) -> None:
        if chat_id in self.blocked:
            raise RecipientGone()
        self.answers.append((chat_id, answer))


def at(day: int, hour: int) -> datetime:
    """December 2026 in Shanghai (the 7th is a Monday)."""
    return datetime(2026, 12, day, hour, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("start", "end", "hours"), [
    (at(7, 10), at(7, 14), 4.0),  # within Monday
    (at(7, 16), at(8, 11), 4.0),  # Mon 16–18 + Tue 9–11
    (at(11, 17), at(14, 12), 4.0),  # Fri 17–18 + Mon 9–12
    (at(12, 9), at(13, 23), 0.0),  # the weekend
    (at(7, 20), at(8, 8), 0.0),  # overnight
    (at(7, 14), at(7, 10), 0.0),  # backwards
])
def test_working_hours_count_only_weekday_office_hours(start, end, hours):
    assert domain.working_hours_between(start, end, SHANGHAI) == pytest.approx(hours)


@pytest.mark.parametrize("question", ["", "   ", "问" * 4000])
async def test_empty_and_huge_questions_are_refused_and_nothing_is_stored(services, question):
    with pytest.raises((domain.QuestionEmpty, domain.QuestionTooLong)):
        async with services.sessions() as s, s.begin():
            await domain.open_handoff(s, WORKER, question, now=MONDAY_10)
    async with services.sessions() as s:
        assert (await s.execute(select(Handoff))).scalars().all() == []


async def test_sending_twice_gives_one_handoff_and_one_notice(services):
    sender = RecordingSender()
    first = await domain.submit(services.sessions, services.settings, sender, WORKER, "夜班补贴怎么算", now=MONDAY_10)
    second = await domain.submit(services.sessions, services.settings, sender, WORKER, "夜班补贴怎么算", now=MONDAY_10)
    assert first.created and not second.created and first.handoff_id == second.handoff_id
    assert [a for a, _ in sender.notices] == sorted(services.settings.admin_ids)  # nobody on duty: every admin


async def test_first_answer_wins_and_a_removed_admin_cannot_answer(services):
    sender = RecordingSender()
    async with services.sessions() as s, s.begin():
        await add_admin(s, 7, "李")
        await add_admin(s, 8, "王")
    sub = await domain.submit(services.sessions, services.settings, sender, WORKER, "劳保鞋坏了谁来换", now=MONDAY_10)
    async with services.sessions() as s, s.begin():
        await domain.claim(s, services.settings, sub.handoff_id, 8, now=MONDAY_10)
        await remove_admin(s, services.settings, 8)  # removed mid-handoff
    with pytest.raises(domain.NotAnAdminAnymore):
        await domain.answer_and_deliver(services.sessions, services.settings, sender, sub.handoff_id, 8, "我来答",
                                        now=MONDAY_10)
    # The handoff is not lost with them: still waiting, and anyone else may answer.
    assert await domain.answer_and_deliver(services.sessions, services.settings, sender, sub.handoff_id, 7,
                                           "单位应当免费更换。", now=MONDAY_10) is domain.Delivery.DELIVERED
    with pytest.raises(domain.AlreadyAnswered) as second:
        await domain.answer_and_deliver(services.sessions, services.settings, sender, sub.handoff_id, ADMIN_ID,
                                        "重复的回答", now=MONDAY_10)
    assert second.value.by_admin == 7
    assert [(c, a.answer) for c, a in sender.answers] == [(WORKER, "单位应当免费更换。")]


async def _tables_holding(services, value: int) -> list[str]:
    """Every table.column whose rows hold ``value`` (the whole database is read)."""
    found = []
    async with services.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: {t: [col["name"] for col in inspect(c).get_columns(t)]
                                                 for t in inspect(c).get_table_names()})
        for table, columns in tables.items():
            for column in columns:
                hits = await conn.execute(text(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) = :v'),
                                          {"v": str(value)})
                if hits.scalar():
                    found.append(f"{table}.{column}")
    return found


@pytest.mark.parametrize("closing", ["rated", "staff", "blocked", "idle"])
async def test_the_chat_id_is_gone_from_the_database_once_the_handoff_is_closed(services, closing):
    sender = RecordingSender()
    settings = services.settings
    sub = await domain.submit(services.sessions, settings, sender, WORKER, "工伤认定要多久", now=MONDAY_10)
    assert await _tables_holding(services, WORKER) == ["kb_handoffs.chat_id"]  # while open: only the link
    if closing == "blocked":
        sender.blocked.add(WORKER)
    delivery = await domain.answer_and_deliver(services.sessions, settings, sender, sub.handoff_id, ADMIN_ID,
                                               "一般 60 日内作出认定。", now=MONDAY_10)
    assert delivery is (domain.Delivery.BLOCKED if closing == "blocked" else domain.Delivery.DELIVERED)
    if closing == "rated":
        async with services.sessions() as s, s.begin():
            await domain.rate(s, sub.handoff_id, WORKER, True, now=MONDAY_10)
    elif closing == "staff":
        async with services.sessions() as s, s.begin():
            await domain.close(s, sub.handoff_id, now=MONDAY_10, reason="staff", admin_id=ADMIN_ID)
    elif closing == "idle":
        report = await domain.sweep(services.sessions, settings, sender,
                                    now=MONDAY_10 + timedelta(hours=settings.handoff_close_h))
        assert report.closed == (sub.handoff_id,)
    assert await _tables_holding(services, WORKER) == []
    async with services.sessions() as s:
        handoff = await domain.get_handoff(s, sub.handoff_id)
    assert handoff.status is HandoffStatus.CLOSED and handoff.closed_reason == closing
    assert [t.text for t in handoff.turns] == ["工伤认定要多久", "一般 60 日内作出认定。"]  # the text stays


async def test_reminder_after_working_hours_then_escalation_to_every_admin_on_a_virtual_clock(services):
    from core.clock import FakeClock

    settings = services.settings
    assert (settings.handoff_remind_h, settings.handoff_escalate_h) == (4.0, 24.0)  # the defaults
    clock = FakeClock(datetime(2026, 12, 11, 16, 0, tzinfo=SHANGHAI))  # Friday 16:00
    sender = RecordingSender()
    async with services.sessions() as s, s.begin():
        await add_admin(s, 7, "值班")
        await set_on_duty(s, settings, 7, True)
        await add_admin(s, 8, "休息")
    watch = domain.HandoffWatch(services.sessions, settings, sender, clock)
    sub = await domain.submit(services.sessions, settings, sender, WORKER, "周末加班算几倍工资", now=clock.now())
    assert [a for a, _ in sender.notices] == [7]
    sender.notices.clear()

    clock.set(datetime(2026, 12, 11, 23, 0, tzinfo=SHANGHAI))  # 2 working hours (Fri 16–18): nothing yet
    assert await watch.tick() == domain.SweepReport()
    clock.set(datetime(2026, 12, 12, 15, 0, tzinfo=SHANGHAI))  # 23 hours, still 2 working hours (Saturday)
    assert await watch.tick() == domain.SweepReport()
    clock.set(datetime(2026, 12, 12, 16, 0, tzinfo=SHANGHAI))  # 24 hours: every admin, though only 2 working hours
    report = await watch.tick()
    assert report.escalated == (sub.handoff_id,) and report.reminded == ()
    assert sorted(a for a, _ in sender.notices) == sorted(settings.admin_ids | {7, 8})
    assert {n.kind for _, n in sender.notices} == {NoticeKind.ESCALATION}
    assert sender.notices[0][1].waiting_h == 24.0
    sender.notices.clear()
    clock.advance(hours=48)
    assert await watch.tick() == domain.SweepReport()  # once only
    assert sender.notices == []


async def test_a_reminder_comes_after_four_working_hours_and_a_follow_up_starts_the_clock_again(services):
    from core.clock import FakeClock

    settings = services.settings
    clock = FakeClock(MONDAY_10)
    sender = RecordingSender()
    watch = domain.HandoffWatch(services.sessions, settings, sender, clock)
    sub = await domain.submit(services.sessions, settings, sender, WORKER, "体检费谁出", now=clock.now())
    sender.notices.clear()
    clock.advance(hours=3, minutes=59)
    assert (await watch.tick()).reminded == ()
    clock.advance(minutes=1)
    assert (await watch.tick()).reminded == (sub.handoff_id,)
    assert [(a, n.kind) for a, n in sender.notices] == [(a, NoticeKind.REMINDER) for a in sorted(settings.admin_ids)]
    assert (await watch.tick()).reminded == ()  # once
    await domain.answer_and_deliver(services.sessions, settings, sender, sub.handoff_id, ADMIN_ID, "单位承担。",
                                    now=clock.now())
    async with services.sessions() as s, s.begin():
        await domain.follow_up(s, sub.handoff_id, WORKER, "离职体检呢？", now=clock.now())
    clock.advance(hours=4)  # Monday 14:00 → 18:00: four more working hours
    assert (await watch.tick()).reminded == (sub.handoff_id,)
    assert sender.notices[-1][1].question == "离职体检呢？"
