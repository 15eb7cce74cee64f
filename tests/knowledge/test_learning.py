from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select

from knowledge.models import (
    FaqEntryRecord,
    Feedback,
    feedback_summary,
    list_unanswered,
    load_db_faq,
    record_feedback,
    record_unanswered,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_unanswered_grouped_by_normalised_text(session):
    await record_unanswered(session, "叉车要年检吗", now=T0)
    await record_unanswered(session, "叉车要年检吗？", now=T0 + timedelta(hours=1))
    await record_unanswered(session, "叉車要年檢嗎", now=T0 + timedelta(hours=2))
    await record_unanswered(session, "电梯多久检验一次", now=T0)
    await session.commit()
    rows = await list_unanswered(session, 10)
    assert [(r.count, r.sample) for r in rows] == [(3, "叉车要年检吗"), (1, "电梯多久检验一次")]
    assert rows[0].first_asked_at == T0 and rows[0].last_asked_at == T0 + timedelta(hours=2)
    assert rows[0].last_asked_at.tzinfo is not None


async def test_feedback_recorded(session):
    await record_feedback(session, "ppe-001", True)
    await record_feedback(session, "ppe-001", False, question="劳保用品要自己掏钱吗")
    await record_feedback(session, None, False, question="没答上来的问题")
    await session.commit()
    assert await feedback_summary(session) == {"ppe-001": (1, 1), None: (0, 1)}
    rows = (await session.execute(select(Feedback))).scalars().all()
    assert len(rows) == 3


async def test_no_user_identifiers_in_learning_tables(kb_engine):
    async with kb_engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {t: [col["name"] for col in inspect(c).get_columns(t)] for t in ("kb_unanswered", "kb_feedback")}
        )
    for names in columns.values():
        assert not any("user" in n or "chat" in n for n in names)


async def test_console_faq_entries_round_trip(session):
    session.add(FaqEntryRecord(id="db-001", q="叉车司机要持证吗", alt=["开叉车要证吗"], a="要。",
                               cite=[{"law": "特种设备安全法", "article": 14}], tags=["special_equipment"],
                               created_by=42))
    await session.commit()
    [entry] = await load_db_faq(session)
    assert entry.id == "db-001" and entry.alt == ["开叉车要证吗"] and entry.cite[0].article == 14
