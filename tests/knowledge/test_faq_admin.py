"""Admins' FAQ entries (knowledge.faq_admin): checked, stored, audited and answering at once — real database."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core import db
from core.models import AuditEntry
from knowledge.faq_admin import (
    FaqDraft,
    FaqInvalid,
    FaqNotFound,
    FaqProblem,
    Flaw,
    add_faq,
    admin_faq,
    check_faq,
    edit_faq,
)
from knowledge.models import FaqEntryRecord, list_unanswered, load_db_faq, record_unanswered

NOW = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
QUESTION = "叉车司机每天上班前要不要点检车辆"
DRAFT = FaqDraft(
    q=QUESTION, alt=("开叉车前要检查什么", "  "),
    a="要检查。叉车属于特种设备，使用单位要经常性维护保养、定期自行检查并做好记录。",
    cite=(("特种设备安全法", 39),), tags=("special_equipment",),
)


@pytest.fixture
def kb(own_fixture_kb):
    """A small knowledge base of its own: these tests add entries to it."""
    return own_fixture_kb


@pytest.fixture
def sessions(kb_engine):
    return db.create_sessionmaker(kb_engine)


async def test_an_added_entry_is_stored_audited_and_answers_at_once(kb, sessions):
    async with sessions() as s, s.begin():
        asked = await record_unanswered(s, QUESTION, now=NOW)
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW, answers=asked.id)
    assert entry.id.startswith("web-") and entry.alt == ["开叉车前要检查什么"] and entry.source == "db"
    assert kb.entry(entry.id) == entry
    assert kb.answer(QUESTION).faq_id == entry.id
    async with sessions() as s:
        assert [e.id for e in await load_db_faq(s)] == [entry.id]
        assert (await admin_faq(s, entry.id)).cite[0].article == 39
        audit = (await s.execute(select(AuditEntry.admin_id, AuditEntry.action, AuditEntry.target))).all()
        assert [tuple(a) for a in audit] == [(42, "kb.faq_add", entry.id)]
        assert (await s.execute(select(FaqEntryRecord.created_at))).scalar_one() == NOW
        assert await list_unanswered(s) == []


async def test_citations_are_stored_under_the_laws_short_names(kb, sessions):
    entry = await add_faq(sessions, kb, FaqDraft(q="劳保用品谁出钱", a="单位出。", cite=(("《安全生产法》", 45),)),
                          admin_id=42, now=NOW)
    async with sessions() as s:
        record = await s.get(FaqEntryRecord, entry.id)
    assert record.cite == [{"law": "安全生产法", "article": 45}]


async def test_an_edited_entry_replaces_the_old_one_in_the_database_and_the_answers(kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    corrected = FaqDraft(q=QUESTION, a="要。开车前按点检表查刹车、转向、喇叭灯光和货叉链条，有毛病先报修。",
                         cite=(("特种设备安全法", 39), ("特种设备安全法", 40)))
    edited = await edit_faq(sessions, kb, entry.id, corrected, admin_id=7)
    assert edited.id == entry.id and edited.alt == [] and len(edited.cite) == 2
    answer = kb.answer(QUESTION)
    assert answer.faq_id == entry.id and "点检表" in answer.text
    async with sessions() as s:
        stored = await admin_faq(s, entry.id)
        actions = (await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()
    assert "点检表" in stored.a and stored.tags == []
    assert actions == ["kb.faq_add", "kb.faq_edit"]


async def test_only_stored_or_bundled_entries_can_be_edited(kb, sessions):
    with pytest.raises(FaqNotFound):
        await edit_faq(sessions, kb, "t-ppe-pay", DRAFT, admin_id=42)  # a test fixture: neither stored nor bundled
    assert kb.entry("t-ppe-pay").q == "劳保用品要自己掏钱吗"


async def test_a_draft_with_problems_is_refused_and_nothing_is_stored(kb, sessions):
    bad = FaqDraft(q=" ", a="x" * 301, cite=(("安全生产法", 9999),), alt=("很长" * 1001,), tags=("no-such-topic",))
    assert check_faq(bad, kb.corpus) == [
        FaqProblem(Flaw.QUESTION_MISSING), FaqProblem(Flaw.ALT_TOO_LONG, length=2002), FaqProblem(Flaw.TAG_UNKNOWN),
        FaqProblem(Flaw.ANSWER_TOO_LONG, length=301), FaqProblem(Flaw.NO_SUCH_ARTICLE, law="安全生产法", article=9999),
    ]
    assert [p.flaw for p in check_faq(FaqDraft(q="问题", a="回答", cite=()), kb.corpus)] == [Flaw.NO_CITATION]
    faq_count = len(kb.faq)
    with pytest.raises(FaqInvalid) as refused:
        await add_faq(sessions, kb, bad, admin_id=42, now=NOW)
    assert len(refused.value.problems) == 5 and len(kb.faq) == faq_count
    async with sessions() as s:
        assert await load_db_faq(s) == [] and (await s.execute(select(AuditEntry))).first() is None
