"""FAQ entries written by admins: checked against the statutes, stored in ``kb_faq_entries``, live at once.

The web console is one caller; anything else that writes an entry goes through ``add_faq`` and
``edit_faq`` too, so every stored entry cites articles that exist, is audited, and answers in the
running ``KnowledgeBase`` from the next question on. Entries shipped in ``knowledge/data/faq`` are
edited in their YAML files, not here.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import audit
from core.db import SessionMaker
from core.topics import BY_CODE as TOPICS_BY_CODE
from knowledge.engine import KnowledgeBase
from knowledge.errors import KnowledgeError
from knowledge.faq import MAX_ANSWER_CHARS, Citation, FaqEntry
from knowledge.models import FaqEntryRecord, FaqRevision, Handoff, UnansweredQuestion
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
    """No admin-written entry has this id (shipped entries are not edited here)."""


def check_faq(draft: FaqDraft, corpus: Corpus) -> list[FaqProblem]:
    """Every problem of ``draft``: question and answer present and short enough, known topics,
    and at least one citation, each to an article that exists."""
    problems = []
    if not draft.q.strip():
        problems.append(FaqProblem(Flaw.QUESTION_MISSING))
    elif len(draft.q.strip()) > QUESTION_MAX_CHARS:
        problems.append(FaqProblem(Flaw.QUESTION_TOO_LONG, length=len(draft.q.strip())))
    alt_length = len("\n".join(_phrasings(draft.alt)))
    if alt_length > ALT_MAX_CHARS:
        problems.append(FaqProblem(Flaw.ALT_TOO_LONG, length=alt_length))
    if not set(draft.tags) <= TOPICS_BY_CODE.keys():
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


async def add_faq(
    sessions: SessionMaker, kb: KnowledgeBase, draft: FaqDraft, *, admin_id: int, now: datetime,
    answers: int | None = None, handoff: int | None = None,
) -> FaqEntry:
    """Store a new entry (audited, its first revision) and put it in ``kb``; ``answers``: the unanswered
    question it answers, which leaves that list; ``handoff``: the 问工会 question it was made from
    (turned into FAQ). Raise FaqInvalid.

    Opens its own transaction: the entry may answer workers only once it is committed.
    """
    entry = _entry(f"{ID_PREFIX}{secrets.token_hex(4)}", draft, kb.corpus)
    async with sessions() as session, session.begin():
        session.add(FaqEntryRecord(id=entry.id, created_at=now, created_by=admin_id, **_columns(entry)))
        if answers is not None:
            await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.id == answers))
        if handoff is not None:
            made_from = await session.get(Handoff, handoff)
            if made_from is not None:
                made_from.faq_id = entry.id
        session.add(FaqRevision(faq_id=entry.id, action="add", snapshot=_snapshot(entry), admin_id=admin_id, at=now))
        await audit(session, admin_id, "kb.faq_add", entry.id, entry.q[:200])
    kb.add_faq(entry)
    return entry


async def edit_faq(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, draft: FaqDraft, *, admin_id: int,
    now: datetime | None = None,
) -> FaqEntry:
    """Rewrite the admin-written entry ``faq_id`` (audited); ``kb`` answers with the new text at once.
    Raise FaqInvalid or FaqNotFound."""
    entry = _entry(faq_id, draft, kb.corpus)
    async with sessions() as session, session.begin():
        record = await session.get(FaqEntryRecord, faq_id, with_for_update=True)
        if record is None:
            raise FaqNotFound(faq_id)
        for column, value in _columns(entry).items():
            setattr(record, column, value)
        session.add(FaqRevision(faq_id=faq_id, action="edit", snapshot=_snapshot(entry), admin_id=admin_id,
                                **({"at": now} if now is not None else {})))
        await audit(session, admin_id, "kb.faq_edit", faq_id, entry.q[:200])
        disabled = record.disabled
    if not disabled:
        kb.add_faq(entry)  # replaces the entry with this id
    return entry


async def set_faq_enabled(
    sessions: SessionMaker, kb: KnowledgeBase, faq_id: str, enabled: bool, *, admin_id: int, now: datetime,
) -> FaqEntry:
    """Disable (never answers, kept) or enable again the admin-written entry ``faq_id``, at once and
    audited, as a revision. Raise FaqNotFound."""
    async with sessions() as session, session.begin():
        record = await session.get(FaqEntryRecord, faq_id, with_for_update=True)
        if record is None:
            raise FaqNotFound(faq_id)
        entry = record.to_entry()
        if record.disabled == (not enabled):
            return entry
        record.disabled = not enabled
        action = "enable" if enabled else "disable"
        session.add(FaqRevision(faq_id=faq_id, action=action, snapshot=_snapshot(entry), admin_id=admin_id, at=now))
        await audit(session, admin_id, f"kb.faq_{action}", faq_id, entry.q[:200])
    if enabled:
        kb.add_faq(entry)
    else:
        kb.remove_faq(faq_id)
    return entry


async def faq_history(session: AsyncSession, faq_id: str) -> list[FaqRevision]:
    """Every change to ``faq_id``, oldest first."""
    stmt = select(FaqRevision).where(FaqRevision.faq_id == faq_id).order_by(FaqRevision.at, FaqRevision.id)
    return list((await session.execute(stmt)).scalars())


async def admin_faq_records(session: AsyncSession) -> list[FaqEntryRecord]:
    """Every entry written in the console, disabled ones too, newest first."""
    stmt = select(FaqEntryRecord).order_by(FaqEntryRecord.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def admin_faq(session: AsyncSession, faq_id: str) -> FaqEntry:
    """The admin-written entry ``faq_id``, as stored; raise FaqNotFound."""
    record = await session.get(FaqEntryRecord, faq_id)
    if record is None:
        raise FaqNotFound(faq_id)
    return record.to_entry()


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
