"""FAQ import and export (knowledge.faq_transfer): YAML and Excel round trips, all-or-nothing citation checks."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core import db
from knowledge.faq_admin import FaqDraft, add_faq
from knowledge.faq_transfer import (
    ImportUnreadable,
    entry_rows,
    import_entries,
    parse_xlsx,
    parse_yaml,
    to_xlsx,
    to_yaml,
)
from knowledge.models import FaqEntryRecord, FaqStatus

NOW = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
DRAFT = FaqDraft(q="叉车司机每天上班前要不要点检车辆", a="要检查，并做好记录。", cite=(("特种设备安全法", 39),),
                 alt=("开叉车前要检查什么",))


@pytest.fixture
def kb(own_fixture_kb):
    """A small knowledge base of its own: these tests change it."""
    return own_fixture_kb


@pytest.fixture
def sessions(kb_engine):
    return db.create_sessionmaker(kb_engine)


@pytest.mark.parametrize(("dump", "load"), [(to_yaml, parse_yaml), (to_xlsx, parse_xlsx)])
async def test_export_then_import_updates_the_same_entries(kb, sessions, dump, load):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    exported = entry_rows([entry], {entry.id: FaqStatus.PUBLISHED.value})
    exported[0]["a"] = "要检查：刹车、转向、喇叭灯光和货叉链条。"
    rows = load(dump(exported))
    assert [(r.faq_id, r.draft.cite, r.draft.alt) for r in rows] == [(entry.id, (("特种设备安全法", 39),),
                                                                       ("开叉车前要检查什么",))]
    report = await import_entries(sessions, kb, rows, admin_id=7, now=NOW)
    assert report.ok and report.updated == [entry.id] and report.added == []
    assert "货叉链条" in kb.answer(DRAFT.q).text


async def test_one_bad_citation_imports_nothing_and_names_the_row(kb, sessions):
    data = to_yaml([
        {"q": "新问题一", "a": "回答一", "cite": ["安全生产法第45条"]},
        {"q": "新问题二", "a": "回答二", "cite": ["安全生产法第9999条"]},
        {"q": "新问题三", "a": "回答三", "cite": ["随便写的出处"]},
    ])
    faq_count = len(kb.faq)
    report = await import_entries(sessions, kb, parse_yaml(data), admin_id=7, now=NOW)
    assert not report.ok and report.added == [] and len(kb.faq) == faq_count
    assert [p.article for p in report.problems[2]] == [9999]
    assert report.unreadable_cites == {3: ["随便写的出处"]}


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00binary", b"q: not a list", b"[1, 2]", b"PK\x03\x04broken"])
def test_unreadable_files_are_refused(data):
    with pytest.raises(ImportUnreadable):
        (parse_xlsx if data.startswith(b"PK") else parse_yaml)(data)


async def test_under_two_person_review_an_import_adds_drafts_and_proposes_edits_answering_unchanged(kb, sessions):
    from knowledge.faq_admin import FaqReview, pending_revision, publish_revision

    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    exported = entry_rows([entry], {entry.id: FaqStatus.PUBLISHED.value})
    exported[0]["a"] = "要检查：刹车、转向、喇叭灯光和货叉链条。"
    exported.append({"q": "新来的问题：电焊作业要不要持证", "a": "要持证上岗。", "cite": ["安全生产法第30条"]})
    rows = parse_yaml(to_yaml(exported))
    report = await import_entries(sessions, kb, rows, admin_id=7, now=NOW, review=FaqReview.TWO_PERSON)
    assert report.ok and not report.live and report.proposed == [entry.id] and report.updated == []
    [draft_id] = report.added
    assert "货叉链条" not in kb.answer(DRAFT.q).text and kb.entry(draft_id) is None  # nothing goes live
    async with sessions() as s:
        assert (await s.get(FaqEntryRecord, draft_id)).status is FaqStatus.PENDING
        assert (await pending_revision(s, entry.id)).admin_id == 7
    await publish_revision(sessions, kb, entry.id, admin_id=42, now=NOW)  # a second admin
    assert "货叉链条" in kb.answer(DRAFT.q).text


async def test_a_planned_import_stores_nothing(kb, sessions):
    from knowledge.faq_transfer import RowAction, plan_import

    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    exported = entry_rows([entry], {entry.id: FaqStatus.PUBLISHED.value})
    same = dict(exported[0])
    exported[0] = dict(exported[0], a="要检查：刹车、转向、喇叭灯光和货叉链条。")
    exported.append({"q": "新来的问题：电焊作业要不要持证", "a": "要持证上岗。", "cite": ["安全生产法第30条"]})
    report = await plan_import(sessions, kb, parse_yaml(to_yaml(exported + [same])))
    assert report.ok and report.live and report.added == []
    assert [action for _, action in report.planned] == [RowAction.UPDATE, RowAction.ADD, RowAction.UNCHANGED]
    assert "货叉链条" not in kb.answer(DRAFT.q).text
    async with sessions() as s:
        assert [r.id for r in (await s.execute(select(FaqEntryRecord))).scalars()] == [entry.id]
