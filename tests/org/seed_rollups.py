"""A small tree with workers, lessons, quiz answers and questions whose rollup figures the tests
compute by hand (issue 12, point 6). Shared by the domain test and the console tests."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from broadcasts.models import LessonProgress, QuizAnswer, QuizPoll
from core.models import User
from org import rollups, service

TZ = ZoneInfo("Asia/Shanghai")
# The period: November 2026 in Shanghai.
PERIOD = rollups.Period(date(2026, 11, 1), date(2026, 11, 30), TZ)
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
INSIDE = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
FIRST_MINUTES = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 11-01 00:30 in Shanghai: inside
BEFORE = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)  # 10-31 23:00 in Shanghai
AFTER = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 12-01 00:00 in Shanghai


async def seed(session) -> dict[str, int]:
    """市 → 东区 (→ 东一街道, 东二街道), 西区; seven workers (see the test for who did what)."""
    city = await service.add_unit(session, "city", "某市总工会", "市")
    east = await service.add_unit(session, "east", "东区总工会", "区县", "city")
    e1 = await service.add_unit(session, "e1", "东一街道工会", "街镇", "east")
    e2 = await service.add_unit(session, "e2", "东二街道工会", "街镇", "east")
    west = await service.add_unit(session, "west", "西区总工会", "区县", "city")
    # chat id: unit, subscribed, blocked
    workers = {1: (e1, True, False), 2: (e1, True, False), 3: (e2, False, False), 4: (east, True, True),
               5: (west, True, False), 6: (city, True, False), 7: (None, True, False)}
    for chat_id, (_unit, subscribed, blocked) in workers.items():
        session.add(User(chat_id=chat_id, subscribed=subscribed, blocked_at=INSIDE if blocked else None))
    await session.flush()
    for chat_id, (unit, _, _) in workers.items():
        await service.join(session, chat_id, unit)
    for chat_id, lesson, at in ((1, "a", INSIDE), (2, "a", BEFORE), (4, "b", FIRST_MINUTES), (7, "a", INSIDE)):
        session.add(LessonProgress(chat_id=chat_id, lesson_id=lesson, delivered_at=at))
    answers = ((1, True, INSIDE), (1, False, INSIDE), (3, True, FIRST_MINUTES), (5, False, AFTER), (7, True, INSIDE))
    for n, (chat_id, correct, at) in enumerate(answers):
        session.add(QuizPoll(poll_id=f"p{n}", chat_id=chat_id, lesson_id="a", correct_option=0, sent_at=at))
        await session.flush()
        session.add(QuizAnswer(poll_id=f"p{n}", chat_id=chat_id, option=0 if correct else 1, correct=correct,
                               points=10 if correct else 2, answered_at=at))
    for chat_id, day in ((1, date(2026, 11, 3)), (1, date(2026, 11, 30)), (3, date(2026, 11, 1)),
                         (5, date(2026, 10, 31)), (7, date(2026, 11, 5))):
        await rollups.count_question(session, chat_id, day)
    # Tips: received in November / closed in November / overdue on 1 December.
    from datetime import timedelta

    from tips.models import Tip, TipStatus

    for unit, created, status, closed, ack_due, feedback_due in (
            (e1, INSIDE, TipStatus.CLOSED, INSIDE, None, None),  # 东一: received and closed
            (west, BEFORE, TipStatus.NEW, None, INSIDE, None),  # 西区: from October, overdue to acknowledge
            (e2, INSIDE, TipStatus.ACCEPTED, None, None, NOW + timedelta(days=1)),  # 东二: received, in time
            (None, INSIDE, TipStatus.NEW, None, INSIDE, None)):  # no unit: counted nowhere
        session.add(Tip(created_hour=created, category="gas", place_type="factory", description="隐患", status=status,
                        receipt_lookup="abcd", receipt_hash="x", closed_at=closed, ack_due_at=ack_due,
                        feedback_due_at=feedback_due, unit_id=unit.id if unit else None))
    await session.flush()
    return {"city": city.id, "east": east.id, "e1": e1.id, "e2": e2.id, "west": west.id}
