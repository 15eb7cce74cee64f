"""The FAQ as a managed knowledge base (knowledge.faq_admin): review, disable, soft delete and restore,
bundled entries overridden in the database and flagged when the bundled text changes — real database."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core import db
from knowledge.faq_admin import (
    FaqDraft,
    FaqReview,
    FaqTransition,
    NoPendingRevision,
    ReviewRefused,
    TransitionRefused,
    acknowledge_bundled,
    add_faq,
    admin_faq_records,
    bundled_entries,
    change_faq_status,
    edit_faq,
    faq_history,
    hidden_ids,
    overrides_to_review,
    pending_revision,
    publish_revision,
    reject_revision,
)
from knowledge.models import FaqEntryRecord, FaqStatus

NOW = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
QUESTION = "叉车司机每天上班前要不要点检车辆"
DRAFT = FaqDraft(q=QUESTION, a="要检查。叉车属于特种设备，使用单位要经常性维护保养、定期自行检查。",
                 cite=(("特种设备安全法", 39),))
BUNDLED_ID = "core-gap-001"


@pytest.fixture
def kb(own_fixture_kb):
    """A small knowledge base of its own, holding one bundled entry too: these tests change it."""
    kb = own_fixture_kb
    kb.add_faq(bundled_entries()[BUNDLED_ID])
    return kb


@pytest.fixture
def sessions(kb_engine):
    return db.create_sessionmaker(kb_engine)


async def test_two_person_review_keeps_a_draft_silent_until_a_second_admin_publishes_it(kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    assert kb.entry(entry.id) is None and kb.answer(QUESTION).intent != "answer"
    with pytest.raises(ReviewRefused):
        await change_faq_status(sessions, kb, entry.id, FaqTransition.PUBLISH, admin_id=42, now=NOW,
                                review=FaqReview.TWO_PERSON)
    await change_faq_status(sessions, kb, entry.id, FaqTransition.PUBLISH, admin_id=7, now=NOW,
                            review=FaqReview.TWO_PERSON)
    assert kb.answer(QUESTION).faq_id == entry.id
    async with sessions() as s:
        assert [(r.action, r.admin_id) for r in await faq_history(s, entry.id)] == [("draft", 42), ("publish", 7)]


async def test_self_review_publishes_on_save(kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW, review=FaqReview.SELF)
    assert kb.answer(QUESTION).faq_id == entry.id


async def test_delete_is_soft_and_restore_brings_it_back_disabled(kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    await change_faq_status(sessions, kb, entry.id, FaqTransition.DELETE, admin_id=42, now=NOW)
    assert kb.entry(entry.id) is None
    async with sessions() as s:
        record = await s.get(FaqEntryRecord, entry.id)
        assert record is not None and record.status is FaqStatus.DELETED and record.a == DRAFT.a
        assert await hidden_ids(s) == [entry.id]
    with pytest.raises(TransitionRefused):
        await change_faq_status(sessions, kb, entry.id, FaqTransition.ENABLE, admin_id=42, now=NOW)
    await change_faq_status(sessions, kb, entry.id, FaqTransition.RESTORE, admin_id=42, now=NOW)
    assert kb.entry(entry.id) is None  # restored disabled: an admin looks again before it answers
    await change_faq_status(sessions, kb, entry.id, FaqTransition.ENABLE, admin_id=42, now=NOW)
    assert kb.answer(QUESTION).faq_id == entry.id


async def test_a_bundled_entry_is_overridden_in_the_database_and_flagged_when_the_bundled_text_changes(kb, sessions):
    bundled = bundled_entries()[BUNDLED_ID]
    changed = FaqDraft(q=bundled.q, a="后台改写的回答：单位不得关闭报警设备，可以向 12350 举报。",
                       cite=(("安全生产法", 36),), alt=tuple(bundled.alt), tags=tuple(bundled.tags))
    await edit_faq(sessions, kb, BUNDLED_ID, changed, admin_id=42, now=NOW)
    assert kb.answer(bundled.q).faq_id == BUNDLED_ID and "后台改写" in kb.answer(bundled.q).text
    async with sessions() as s:
        records = await admin_faq_records(s)
        assert [r.id for r in records] == [BUNDLED_ID] and overrides_to_review(records) == set()
    # An upgrade changes the bundled text underneath (simulated: the fingerprint recorded at edit time
    # no longer matches): the entry is flagged, and the version edited here stays in use.
    async with sessions() as s, s.begin():
        (await s.get(FaqEntryRecord, BUNDLED_ID)).bundled_hash = "0" * 16
    async with sessions() as s:
        assert overrides_to_review(await admin_faq_records(s)) == {BUNDLED_ID}
        assert (await s.get(FaqEntryRecord, BUNDLED_ID)).a == changed.a
    await acknowledge_bundled(sessions, BUNDLED_ID, admin_id=7, now=NOW)
    async with sessions() as s:
        assert overrides_to_review(await admin_faq_records(s)) == set()


async def test_a_disabled_bundled_entry_stays_silent_after_a_restart(kb, sessions, fixture_kb_copies):
    await change_faq_status(sessions, kb, BUNDLED_ID, FaqTransition.DISABLE, admin_id=42, now=NOW)
    assert kb.entry(BUNDLED_ID) is None
    # A restart: a fresh knowledge base with the bundled entry, then what the runner applies from the database.
    fresh = fixture_kb_copies()  # as a start reads it from its snapshot
    fresh.add_faq(bundled_entries()[BUNDLED_ID])
    async with sessions() as s:
        for faq_id in await hidden_ids(s):
            fresh.remove_faq(faq_id)
        stored = (await s.execute(select(FaqEntryRecord))).scalar_one()
    assert fresh.entry(BUNDLED_ID) is None and stored.bundled_hash is not None


EDITED = "要。开车前按点检表查刹车、转向、喇叭灯光和货叉链条，有毛病先报修，不开带病的车。"


async def test_under_two_person_review_an_edit_waits_for_a_second_admin_and_the_old_text_answers_meanwhile(
        kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    edit = FaqDraft(q=QUESTION, a=EDITED, cite=(("特种设备安全法", 39),))
    await edit_faq(sessions, kb, entry.id, edit, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    assert kb.answer(QUESTION).faq_id == entry.id and "点检表" not in kb.answer(QUESTION).text
    async with sessions() as s:
        pending = await pending_revision(s, entry.id)
        assert pending is not None and pending.admin_id == 42 and pending.snapshot["a"] == EDITED
        assert (await s.get(FaqEntryRecord, entry.id)).a == DRAFT.a  # the stored, published text is unchanged
    with pytest.raises(ReviewRefused):  # the editor cannot publish their own edit
        await publish_revision(sessions, kb, entry.id, admin_id=42, now=NOW)
    with pytest.raises(ReviewRefused):
        await reject_revision(sessions, entry.id, admin_id=42, now=NOW)
    assert "点检表" not in kb.answer(QUESTION).text
    await publish_revision(sessions, kb, entry.id, admin_id=7, now=NOW)
    assert kb.answer(QUESTION).faq_id == entry.id and "点检表" in kb.answer(QUESTION).text
    async with sessions() as s:
        assert await pending_revision(s, entry.id) is None
        assert (await s.get(FaqEntryRecord, entry.id)).a == EDITED
        assert [(r.action, r.admin_id) for r in await faq_history(s, entry.id)] == [
            ("add", 42), ("propose", 42), ("accept", 7)]
    with pytest.raises(NoPendingRevision):  # pressed twice
        await publish_revision(sessions, kb, entry.id, admin_id=7, now=NOW)


async def test_a_returned_edit_leaves_the_published_text(kb, sessions):
    bundled = bundled_entries()[BUNDLED_ID]
    edit = FaqDraft(q=bundled.q, a="后台改写的回答：单位不得关闭报警设备。", cite=(("安全生产法", 36),),
                    alt=tuple(bundled.alt), tags=tuple(bundled.tags))
    await edit_faq(sessions, kb, BUNDLED_ID, edit, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    assert kb.entry(BUNDLED_ID).a == bundled.a
    await reject_revision(sessions, BUNDLED_ID, admin_id=7, now=NOW)
    assert kb.entry(BUNDLED_ID).a == bundled.a and "后台改写" not in kb.answer(bundled.q).text
    async with sessions() as s:
        assert await pending_revision(s, BUNDLED_ID) is None
        assert await admin_faq_records(s) == []  # a returned edit of a bundled entry stores no override
        assert [r.action for r in await faq_history(s, BUNDLED_ID)] == ["propose", "reject"]
    with pytest.raises(NoPendingRevision):
        await publish_revision(sessions, kb, BUNDLED_ID, admin_id=7, now=NOW)


async def test_under_two_person_review_a_draft_is_still_edited_in_place(kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    edit = FaqDraft(q=QUESTION, a=EDITED, cite=(("特种设备安全法", 39),))
    await edit_faq(sessions, kb, entry.id, edit, admin_id=7, now=NOW, review=FaqReview.TWO_PERSON)
    async with sessions() as s:
        assert await pending_revision(s, entry.id) is None and (await s.get(FaqEntryRecord, entry.id)).a == EDITED
    assert kb.entry(entry.id) is None  # still a draft, now the editor's: someone else publishes it
    with pytest.raises(ReviewRefused):
        await change_faq_status(sessions, kb, entry.id, FaqTransition.PUBLISH, admin_id=7, now=NOW,
                                review=FaqReview.TWO_PERSON)


async def test_an_entry_keeps_a_subject_tag_of_the_shared_taxonomy(kb, sessions):
    from core.topics import SUBJECTS

    subject = SUBJECTS[0].code
    entry = await add_faq(sessions, kb, FaqDraft(q=QUESTION, a=DRAFT.a, cite=DRAFT.cite, tags=("forklift", subject)),
                          admin_id=42, now=NOW)
    assert set(kb.entry(entry.id).tags) == {"forklift", subject}


@pytest.mark.parametrize("publish", [True, False])
async def test_under_two_person_review_a_merge_waits_for_a_second_admin_and_the_questions_wait_with_it(
        kb, sessions, publish):
    from knowledge.faq_admin import merge_questions
    from knowledge.models import UnansweredQuestion, record_unanswered

    bundled = bundled_entries()[BUNDLED_ID]
    asked = ["厂里把报警器的电拔了怎么办", "单位把报警器拔了电咋整"]
    async with sessions() as s, s.begin():
        ids = [(await record_unanswered(s, text, now=NOW)).id for text in asked]
    await merge_questions(sessions, kb, BUNDLED_ID, ids, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    assert not set(asked) & set(kb.entry(BUNDLED_ID).alt)  # not live yet
    async with sessions() as s:
        pending = await pending_revision(s, BUNDLED_ID)
        assert pending is not None and set(asked) <= set(pending.snapshot["alt"])
        assert pending.snapshot["a"] == bundled.a
        left = set((await s.execute(select(UnansweredQuestion.sample))).scalars())
    assert left == set(asked)  # nothing is lost while the merge waits
    with pytest.raises(ReviewRefused):
        await publish_revision(sessions, kb, BUNDLED_ID, admin_id=42, now=NOW)
    if publish:
        await publish_revision(sessions, kb, BUNDLED_ID, admin_id=7, now=NOW)
        assert set(asked) <= set(kb.entry(BUNDLED_ID).alt)
    else:
        await reject_revision(sessions, BUNDLED_ID, admin_id=7, now=NOW)
        assert not set(asked) & set(kb.entry(BUNDLED_ID).alt)
    async with sessions() as s:
        left = set((await s.execute(select(UnansweredQuestion.sample))).scalars())
    assert left == (set() if publish else set(asked))


async def test_a_merge_adds_to_an_edit_already_waiting_instead_of_replacing_it(kb, sessions):
    from knowledge.faq_admin import merge_questions
    from knowledge.models import record_unanswered

    bundled = bundled_entries()[BUNDLED_ID]
    edit = FaqDraft(q=bundled.q, a="后台改写的回答：单位不得关闭报警设备。", cite=(("安全生产法", 36),),
                    alt=tuple(bundled.alt), tags=tuple(bundled.tags))
    await edit_faq(sessions, kb, BUNDLED_ID, edit, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    async with sessions() as s, s.begin():
        qid = (await record_unanswered(s, "单位把报警器拔了电咋整", now=NOW)).id
    await merge_questions(sessions, kb, BUNDLED_ID, [qid], admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    async with sessions() as s:
        pending = await pending_revision(s, BUNDLED_ID)
    assert pending.snapshot["a"] == edit.a and "单位把报警器拔了电咋整" in pending.snapshot["alt"]


async def test_under_two_person_review_disabling_editing_and_enabling_does_not_publish_an_unreviewed_edit(
        kb, sessions):
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW)
    await change_faq_status(sessions, kb, entry.id, FaqTransition.DISABLE, admin_id=42, now=NOW,
                            review=FaqReview.TWO_PERSON)
    edit = FaqDraft(q=QUESTION, a=EDITED, cite=(("特种设备安全法", 39),))
    await edit_faq(sessions, kb, entry.id, edit, admin_id=42, now=NOW, review=FaqReview.TWO_PERSON)
    await change_faq_status(sessions, kb, entry.id, FaqTransition.ENABLE, admin_id=42, now=NOW,
                            review=FaqReview.TWO_PERSON)
    assert kb.answer(QUESTION).faq_id == entry.id and "点检表" not in kb.answer(QUESTION).text
    async with sessions() as s:
        assert (await pending_revision(s, entry.id)).snapshot["a"] == EDITED
    await publish_revision(sessions, kb, entry.id, admin_id=7, now=NOW)
    assert "点检表" in kb.answer(QUESTION).text


@pytest.mark.parametrize("publish", [True, False])
async def test_under_two_person_review_the_questions_a_draft_answers_wait_with_it(kb, sessions, publish):
    """写FAQ from unanswered questions: the draft takes them off the list only when a second admin
    publishes it; deleted instead, they are still there to be answered."""
    from knowledge.models import UnansweredQuestion, record_unanswered

    asked = [QUESTION, "开叉车前要先检查一遍车吗"]  # one group: the form shows the first as the question
    async with sessions() as s, s.begin():
        ids = [(await record_unanswered(s, text, now=NOW)).id for text in asked]
    entry = await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW, answers=ids, review=FaqReview.TWO_PERSON)
    assert entry.questions == asked  # the reviewer sees which workers' questions it answers

    async def left() -> set[str]:
        async with sessions() as s:
            return set((await s.execute(select(UnansweredQuestion.sample))).scalars())

    assert await left() == set(asked)  # nothing answers them yet
    action = FaqTransition.PUBLISH if publish else FaqTransition.DELETE
    await change_faq_status(sessions, kb, entry.id, action, admin_id=7, now=NOW, review=FaqReview.TWO_PERSON)
    assert await left() == (set() if publish else set(asked))


async def test_under_self_review_the_questions_an_entry_answers_leave_the_list_on_save(kb, sessions):
    from knowledge.models import UnansweredQuestion, record_unanswered

    async with sessions() as s, s.begin():
        qid = (await record_unanswered(s, "叉车开工前要检查吗", now=NOW)).id
    await add_faq(sessions, kb, DRAFT, admin_id=42, now=NOW, answers=[qid], review=FaqReview.SELF)
    async with sessions() as s:
        assert list((await s.execute(select(UnansweredQuestion.id))).scalars()) == []
