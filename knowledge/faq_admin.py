"""FAQ entries written by admins: checked against the statutes, stored in ``kb_faq_entries``, live at once.

The web console is one caller; anything else that writes an entry goes through ``add_faq`` and
``edit_faq`` too, so every stored entry cites articles that exist, is audited, and answers in the
running ``KnowledgeBase`` from the next question on. Entries shipped in ``knowledge/data/faq`` can be
edited or disabled here too: the change is an override stored in the database (same id), which
survives upgrades of the bundled files and is flagged for review when the bundled text changes.
"""
from __future__ import annotations

import functools
import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import audit
from core.db import SessionMaker
from core.topics import EVERY as TAXONOMY
from knowledge.engine import KnowledgeBase
from knowledge.errors import KnowledgeError
from knowledge.faq import DATA_DIR, MAX_ANSWER_CHARS, Citation, FaqEntry, faq_entry_from_dict, load_faq
from knowledge.models import FaqEntryRecord, FaqRevision, FaqStatus, Handoff, UnansweredQuestion
from knowledge.statutes import Corpus

QUESTION_MAX_CHARS = 200
ALT_MAX_CHARS = 2000  # all the other phrasings together, one per line
# Ids of admin-written entries; the first were written in the web console, hence "web-".
ID_PREFIX = "web-"


@dataclass(frozen=True, slots=True)
class FaqDraft:
    """An entry as an admin wrote it; ``cite`` names laws as chosen or typed (安全法 resolves too)."""

    q: str
    a: str
    cite: tuple[tuple[str, int], ...]
    alt: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class Flaw(StrEnum):
    QUESTION_MISSING = "question_missing"
    QUESTION_TOO_LONG = "question_too_long"
    ALT_TOO_LONG = "alt_too_long"
    ANSWER_MISSING = "answer_missing"
    ANSWER_TOO_LONG = "answer_too_long"
    TAG_UNKNOWN = "tag_unknown"
    NO_CITATION = "no_citation"
    NO_SUCH_ARTICLE = "no_such_article"


@dataclass(frozen=True, slots=True)
class FaqProblem:
    """One reason a draft cannot be stored: ``length`` for the too-long ones, ``law``/``article`` for a citation."""

    flaw: Flaw
    length: int = 0
    law: str = ""
    article: int = 0


class FaqInvalid(KnowledgeError, ValueError):
    def __init__(self, problems: list[FaqProblem]) -> None:
        super().__init__(", ".join(p.flaw for p in problems))
        self.problems = problems


class FaqNotFound(KnowledgeError, LookupError):
    """No entry written here or bundled has this id."""


def check_faq(draft: FaqDraft, corpus: Corpus) -> list[FaqProblem]:
    """Every problem of ``draft``: question and answer present and short enough, tags of the one taxonomy
    (topics and subjects, or a tag a bundled entry carries),
    and at least one citation, each to an article that exists."""
    problems = []
    if not draft.q.strip():
        problems.append(FaqProblem(Flaw.QUESTION_MISSING))
    elif len(draft.q.strip()) > QUESTION_MAX_CHARS:
        problems.append(FaqProblem(Flaw.QUESTION_TOO_LONG, length=len(draft.q.strip())))
    alt_length = len("\n".join(_phrasings(draft.alt)))
    if alt_length > ALT_MAX_CHARS:
        problems.append(FaqProblem(Flaw.ALT_TOO_LONG, length=alt_length))
    if not set(draft.tags) <= TAXONOMY.keys() | bundled_tags():
        problems.append(FaqProblem(Flaw.TAG_UNKNOWN))
    if not draft.a.strip():
        problems.append(FaqProblem(Flaw.ANSWER_MISSING))
    elif len(draft.a.strip()) > MAX_ANSWER_CHARS:
        problems.append(FaqProblem(Flaw.ANSWER_TOO_LONG, length=len(draft.a.strip())))
    for law, article in draft.cite:
        if not corpus.has(law, article):
            problems.append(FaqProblem(Flaw.NO_SUCH_ARTICLE, law=law, article=article))
    if not draft.cite:
        problems.append(FaqProblem(Flaw.NO_CITATION))
    return problems


class FaqReview(StrEnum):
    """ANKANG_FAQ_REVIEW: who publishes a new entry, or an edit of a published one."""

    SELF = "self"  # the author, by saving (the console asks them to confirm first)
    TWO_PERSON = "two-person"  # a second admin, from the 待审核 lists (drafts; pending revisions of edits)


class ReviewRefused(KnowledgeError, PermissionError):
    """Under two-person review the author may not publish their own draft, nor their own edit."""


class NoPendingRevision(KnowledgeError, LookupError):
    """The entry has no edit waiting for review (already published or returned, or never proposed)."""


# Revision actions of an edit to a published entry under two-person review: proposed, then published or
# returned by a second admin. A pending revision is a "propose" not followed by any of _SETTLES_PROPOSAL.
PROPOSE, ACCEPT, REJECT = "propose", "accept", "reject"
_SETTLES_PROPOSAL = frozenset({PROPOSE, ACCEPT, REJECT, "edit"})


class FaqTransition(StrEnum):
    PUBLISH = "publish"
    DISABLE = "disable"
    ENABLE = "enable"
    DELETE = "delete"
    RESTORE = "restore"


# Which status each action leaves an entry in, and from which statuses it may be taken.
_TRANSITIONS: dict[FaqTransition, tuple[frozenset[FaqStatus], FaqStatus]] = {
    FaqTransition.PUBLISH: (frozenset({FaqStatus.PENDING}), FaqStatus.PUBLISHED),
    FaqTransition.DISABLE: (frozenset({FaqStatus.PUBLISHED}), FaqStatus.DISABLED),
    FaqTransition.ENABLE: (frozenset({FaqStatus.DISABLED}), FaqStatus.PUBLISHED),
    FaqTransition.DELETE: (frozenset({FaqStatus.PUBLISHED, FaqStatus.PENDING, FaqStatus.DISABLED}), FaqStatus.DELETED),
    # A restored entry comes back disabled: an admin looks at it again before it answers.
    FaqTransition.RESTORE: (frozenset({FaqStatus.DELETED}), FaqStatus.DISABLED),
}


class TransitionRefused(KnowledgeError, ValueError):
    def __init__(self, current: FaqStatus, action: FaqTransition) -> None:
        super().__init__(f"{action} from {current}")
        self.current, self.action = current, action


def fingerprint(entry: FaqEntry) -> str:
    """A bundled entry's content in 16 hex digits, to notice when an upgrade changes it."""
    data = json.dumps(_columns(entry), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@functools.cache
def bundled_entries() -> dict[str, FaqEntry]:
    """The FAQ shipped in knowledge/data/faq, by id (read once per process)."""
    return {e.id: e for e in load_faq(DATA_DIR / "faq")}


@functools.cache
def bundled_tags() -> frozenset[str]:
    """Tags the bundled entries use beyond the topic list (kept when a bundled entry is edited here)."""
    return frozenset(t for e in bundled_entries().values() for t in e.tags)


async def add_faq(
    sessions: SessionMaker, kb: KnowledgeBase, draft: FaqDraft, *, admin_id: int, now: datetime,
    answers: int | list[int] | None = None, handoff: int | None = None, review: FaqReview = FaqReview.SELF,
) -> FaqEntry:
    """Store a new entry (audited, its first revision) and put it in ``kb`` — or, under two-person review,
    keep it as a draft for a second admin. ``answers``: the unanswered questions it answers, which leave
    that list — at once when it is published on save; a draft takes off the list, when it is published,
    the questions it holds as its question or a phrasing (until then they wait with it, and they stay if
    it is deleted instead); ``handoff``: the 问工会 question it was made from (转为FAQ). Raise FaqInvalid.

    Opens its own transaction: the entry may answer workers only once it is committed.
    """
    entry = _entry(f"{ID_PREFIX}{secrets.token_hex(4)}", draft, kb.corpus)
    status = FaqStatus.PUBLISHED if review is FaqReview.SELF else FaqStatus.PENDING
    async with sessions() as session, session.begin():
        if answers is not None and status is FaqStatus.PENDING:
            # The draft holds the workers' questions it answers as phrasings: the reviewer sees what it is
            # for, and publishing it takes exactly those off the list.
            answered = [answers] if isinstance(answers, int) else answers
            samples = (await session.execute(
                select(UnansweredQuestion.sample).where(UnansweredQuestion.id.in_(answered)))).scalars()
            extra = tuple(dict.fromkeys(q for q in samples if q not in entry.questions))
            if extra:
                entry = _entry(entry.id, replace(draft, alt=(*draft.alt, *extra)), kb.corpus)
        session.add(FaqEntryRecord(id=entry.id, created_at=now, created_by=admin_id, status=status,
                                   updated_by=admin_id, **_columns(entry)))
        if answers is not None and status is FaqStatus.PUBLISHED:
            answered = [answers] if isinstance(answers, int) else answers
            await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.id.in_(answered)))
        if handoff is not None:
            made_from = await session.get(Handoff, handoff)
            if made_from is not None:
                made_from.faq_id = entry.id
        action = "add" if status is FaqStatus.PUBLISHED else "draft"
        session.add(FaqRevision(faq_id=entry.id, action=action, snapshot=_snapshot(entry), admin_id=admin_id, at=now))
        await audit(session, admin_id, f"kb.faq_{action}", entry.id, entry.q[:200])
    if status is FaqStatus.PUBLISHED:
        kb.add_faq(entry)
    return entry


async def edit_faq(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, draft: FaqDraft, *, admin_id: int,
    now: datetime | None = None, review: FaqReview = FaqReview.SELF,
) -> FaqEntry:
    """Rewrite entry ``faq_id`` (audited, a revision); a published one answers with the new text at once —
    or, under two-person review, keeps answering with the published text: the edit is a pending revision
    (``pending_revision``, ``edit_waits_for_review``) until a second admin publishes it (``publish_revision``)
    or returns it; a draft is edited in place.

    A bundled entry edited here becomes an override stored in the database (it survives upgrades of
    the bundled files; ``overrides_to_review`` flags it when the bundled text changes underneath).
    Raise FaqInvalid or FaqNotFound.
    """
    entry = _entry(faq_id, draft, kb.corpus)
    if review is FaqReview.TWO_PERSON:
        async with sessions() as session, session.begin():
            record = await session.get(FaqEntryRecord, faq_id, with_for_update=True)
            if record is None and faq_id not in bundled_entries():
                raise FaqNotFound(faq_id)
            if edit_waits_for_review(record, review):
                session.add(FaqRevision(faq_id=faq_id, action=PROPOSE, snapshot=_snapshot(entry), admin_id=admin_id,
                                        **({"at": now} if now is not None else {})))
                await audit(session, admin_id, "kb.faq_propose", faq_id, entry.q[:200])
                return entry
    return await _apply_edit(sessions, kb, entry, admin_id=admin_id, now=now, action="edit")


def edit_waits_for_review(record: FaqEntryRecord | None, review: FaqReview) -> bool:
    """Whether an edit of the entry stored as ``record`` (None: bundled, not stored) is a pending revision:
    under two-person review, for every entry but a draft — a disabled or deleted one too, or disabling,
    editing and enabling it again would publish an edit nobody else saw."""
    return review is FaqReview.TWO_PERSON and (record is None or record.status is not FaqStatus.PENDING)


async def _apply_edit(
    sessions: SessionMaker, kb: KnowledgeBase, entry: FaqEntry, *, admin_id: int, now: datetime | None, action: str,
) -> FaqEntry:
    """Write ``entry`` over its record (an override for a bundled one), a revision ``action``; live if published."""
    faq_id = entry.id
    async with sessions() as session, session.begin():
        record = await _record_or_override(session, faq_id, admin_id, now)
        for column, value in _columns(entry).items():
            setattr(record, column, value)
        record.updated_by = admin_id
        bundled = bundled_entries().get(faq_id)
        if bundled is not None:
            record.bundled_hash = fingerprint(bundled)  # reviewed against the bundled text of now
        session.add(FaqRevision(faq_id=faq_id, action=action, snapshot=_snapshot(entry), admin_id=admin_id,
                                **({"at": now} if now is not None else {})))
        await audit(session, admin_id, f"kb.faq_{action}", faq_id, entry.q[:200])
        published = record.status is FaqStatus.PUBLISHED
    if published:
        kb.add_faq(entry)  # replaces the entry with this id
    return entry


async def pending_revision(session: AsyncSession, faq_id: str) -> FaqRevision | None:
    """The edit of ``faq_id`` waiting for a second admin (two-person review), if any."""
    stmt = (select(FaqRevision).where(FaqRevision.faq_id == faq_id, FaqRevision.action.in_(_SETTLES_PROPOSAL))
            .order_by(FaqRevision.id.desc()).limit(1))
    latest = (await session.execute(stmt)).scalar_one_or_none()
    return latest if latest is not None and latest.action == PROPOSE else None


async def pending_revisions(session: AsyncSession) -> list[FaqRevision]:
    """Every edit waiting for a second admin, oldest first (one per entry at most)."""
    stmt = select(FaqRevision).where(FaqRevision.action.in_(_SETTLES_PROPOSAL)).order_by(FaqRevision.id)
    latest = {rev.faq_id: rev for rev in (await session.execute(stmt)).scalars()}
    return [rev for rev in latest.values() if rev.action == PROPOSE]


async def publish_revision(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, *, admin_id: int, now: datetime,
) -> FaqEntry:
    """A second admin publishes the pending edit of ``faq_id``: it replaces the published text (audited, a
    revision ``accept``). Raise NoPendingRevision, ReviewRefused (the editor), FaqInvalid (a cited article gone)."""
    async with sessions() as session:
        pending = await pending_revision(session, faq_id)
    if pending is None:
        raise NoPendingRevision(faq_id)
    if pending.admin_id == admin_id:
        raise ReviewRefused(faq_id)
    proposed = faq_entry_from_dict({"id": faq_id, **pending.snapshot}, "db")
    draft = FaqDraft(q=proposed.q, a=proposed.a, cite=tuple((c.law, c.article) for c in proposed.cite),
                     alt=tuple(proposed.alt), tags=tuple(proposed.tags))
    entry = _entry(faq_id, draft, kb.corpus)
    published = await _apply_edit(sessions, kb, entry, admin_id=admin_id, now=now, action=ACCEPT)
    await _forget_answered(sessions, published.questions)  # e.g. those merged into it (合并到已有条目)
    return published


async def reject_revision(sessions: SessionMaker, faq_id: str, *, admin_id: int, now: datetime) -> None:
    """A second admin returns the pending edit of ``faq_id`` (退回): the published text stays (audited, a
    revision ``reject``). Raise NoPendingRevision, ReviewRefused (the editor)."""
    async with sessions() as session, session.begin():
        pending = await pending_revision(session, faq_id)
        if pending is None:
            raise NoPendingRevision(faq_id)
        if pending.admin_id == admin_id:
            raise ReviewRefused(faq_id)
        session.add(FaqRevision(faq_id=faq_id, action=REJECT, snapshot=dict(pending.snapshot), admin_id=admin_id,
                                at=now))
        await audit(session, admin_id, "kb.faq_reject", faq_id, str(pending.snapshot.get("q", ""))[:200])


async def change_faq_status(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, action: FaqTransition, *, admin_id: int, now: datetime,
    review: FaqReview = FaqReview.SELF,
) -> FaqEntry:
    """Publish a draft, disable, enable, delete (soft) or restore entry ``faq_id``; at once, audited, a
    revision. A bundled entry gets an override record. Raise FaqNotFound, TransitionRefused, ReviewRefused."""
    allowed, target = _TRANSITIONS[action]
    async with sessions() as session, session.begin():
        record = await _record_or_override(session, faq_id, admin_id, now)
        if record.status not in allowed:
            raise TransitionRefused(record.status, action)
        if action is FaqTransition.PUBLISH and review is FaqReview.TWO_PERSON and record.updated_by == admin_id:
            raise ReviewRefused(faq_id)
        entry = record.to_entry()
        record.status = target
        session.add(FaqRevision(faq_id=faq_id, action=action.value, snapshot=_snapshot(entry), admin_id=admin_id,
                                at=now))
        await audit(session, admin_id, f"kb.faq_{action.value}", faq_id, entry.q[:200])
    if target is FaqStatus.PUBLISHED:
        kb.add_faq(entry)
        await _forget_answered(sessions, entry.questions)  # e.g. those a draft was written for (写FAQ)
    else:
        kb.remove_faq(faq_id)
    return entry


async def set_faq_enabled(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, enabled: bool, *, admin_id: int, now: datetime,
) -> FaqEntry:
    """Disable (never answers, kept) or enable again entry ``faq_id``; a no-op when already so."""
    async with sessions() as session:
        record = await session.get(FaqEntryRecord, faq_id)
    if record is not None and (record.status is FaqStatus.PUBLISHED) == enabled:
        return record.to_entry()
    action = FaqTransition.ENABLE if enabled else FaqTransition.DISABLE
    return await change_faq_status(sessions, kb, faq_id, action, admin_id=admin_id, now=now)


async def _record_or_override(
    session: AsyncSession, faq_id: str, admin_id: int, now: datetime | None,
) -> FaqEntryRecord:
    """The stored record of ``faq_id``, or a new override copying the bundled entry; raise FaqNotFound."""
    record = await session.get(FaqEntryRecord, faq_id, with_for_update=True)
    if record is not None:
        return record
    bundled = bundled_entries().get(faq_id)
    if bundled is None:
        raise FaqNotFound(faq_id)
    record = FaqEntryRecord(id=faq_id, created_by=admin_id, updated_by=admin_id, status=FaqStatus.PUBLISHED,
                            bundled_hash=fingerprint(bundled), **_columns(bundled),
                            **({"created_at": now} if now is not None else {}))
    session.add(record)
    await session.flush()
    return record


async def hidden_ids(session: AsyncSession) -> list[str]:
    """Ids stored here that must not answer (drafts, disabled, deleted) — bundled ones included."""
    stmt = select(FaqEntryRecord.id).where(FaqEntryRecord.status != FaqStatus.PUBLISHED)
    return list((await session.execute(stmt)).scalars())


def overrides_to_review(records: list[FaqEntryRecord]) -> set[str]:
    """Bundled entries edited or disabled here whose bundled text has changed since (an upgrade):
    flagged for an admin to review, never overwritten."""
    bundled = bundled_entries()
    return {r.id for r in records
            if r.bundled_hash is not None and r.id in bundled and fingerprint(bundled[r.id]) != r.bundled_hash}


async def acknowledge_bundled(sessions: SessionMaker, faq_id: str, *, admin_id: int, now: datetime) -> None:
    """The admin reviewed an override against the new bundled text and keeps it (audited)."""
    bundled = bundled_entries().get(faq_id)
    async with sessions() as session, session.begin():
        record = await session.get(FaqEntryRecord, faq_id, with_for_update=True)
        if record is None or bundled is None:
            raise FaqNotFound(faq_id)
        record.bundled_hash = fingerprint(bundled)
        await audit(session, admin_id, "kb.faq_review_bundled", faq_id)


async def merge_questions(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, question_ids: list[int], *, admin_id: int, now: datetime,
    review: FaqReview = FaqReview.SELF,
) -> FaqEntry:
    """合并到已有条目: unanswered questions become alternative phrasings of entry ``faq_id``, an edit like
    any other: live at once under self review (the questions leave the unanswered list), or under two-person
    review a pending revision that a second admin publishes (``publish_revision`` then takes the questions
    off the list; returned, they are still there). Raise FaqNotFound or FaqInvalid (too many phrasings)."""
    async with sessions() as session:
        current = await admin_faq(session, faq_id) if (kb.entry(faq_id) is None) else kb.entry(faq_id)
        proposed = edit_waits_for_review(await session.get(FaqEntryRecord, faq_id), review)
        pending = await pending_revision(session, faq_id) if proposed else None
        rows = list((await session.execute(
            select(UnansweredQuestion).where(UnansweredQuestion.id.in_(question_ids)))).scalars())
    assert current is not None  # admin_faq raises FaqNotFound
    if pending is not None:  # merged into the edit already waiting, which would otherwise be replaced
        current = faq_entry_from_dict({"id": faq_id, **pending.snapshot}, "db")
    alt = list(dict.fromkeys([*current.alt, *(r.sample for r in rows if r.sample not in current.questions)]))
    draft = FaqDraft(q=current.q, a=current.a, cite=tuple((c.law, c.article) for c in current.cite), alt=tuple(alt),
                     tags=tuple(current.tags))
    entry = await edit_faq(sessions, kb, faq_id, draft, admin_id=admin_id, now=now, review=review)
    if not proposed:
        async with sessions() as session, session.begin():
            await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.id.in_([r.id for r in rows])))
    return entry


async def _forget_answered(sessions: SessionMaker, samples: list[str]) -> None:
    """Unanswered questions that an entry now answers (as its question or a phrasing) leave the list."""
    if samples:
        async with sessions() as session, session.begin():
            await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.sample.in_(samples)))


async def faq_history(session: AsyncSession, faq_id: str) -> list[FaqRevision]:
    """Every change to ``faq_id``, oldest first."""
    stmt = select(FaqRevision).where(FaqRevision.faq_id == faq_id).order_by(FaqRevision.at, FaqRevision.id)
    return list((await session.execute(stmt)).scalars())


async def admin_faq_records(session: AsyncSession) -> list[FaqEntryRecord]:
    """Every entry stored here (written here, or a bundled one overridden), whatever its status, newest first."""
    stmt = select(FaqEntryRecord).order_by(FaqEntryRecord.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def admin_faq(session: AsyncSession, faq_id: str) -> FaqEntry:
    """Entry ``faq_id`` as stored here, else as bundled; raise FaqNotFound."""
    record = await session.get(FaqEntryRecord, faq_id)
    if record is not None:
        return record.to_entry()
    bundled = bundled_entries().get(faq_id)
    if bundled is None:
        raise FaqNotFound(faq_id)
    return bundled


def _entry(faq_id: str, draft: FaqDraft, corpus: Corpus) -> FaqEntry:
    problems = check_faq(draft, corpus)
    if problems:
        raise FaqInvalid(problems)
    # Citations are stored under the laws' short names, whatever name the admin used.
    cite = [Citation(corpus.resolve_law(law) or law, article) for law, article in draft.cite]
    return FaqEntry(id=faq_id, q=draft.q.strip(), a=draft.a.strip(), alt=_phrasings(draft.alt), cite=cite,
                    tags=list(draft.tags), source="db")


def _snapshot(entry: FaqEntry) -> dict[str, object]:
    return _columns(entry)


def _phrasings(alt: tuple[str, ...]) -> list[str]:
    return [line.strip() for line in alt if line.strip()]


def _columns(entry: FaqEntry) -> dict[str, object]:
    return {"q": entry.q, "alt": entry.alt, "a": entry.a, "cite": [c.to_dict() for c in entry.cite],
            "tags": entry.tags}
