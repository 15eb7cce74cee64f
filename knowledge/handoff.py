"""问工会: a question the bot could not answer, handed to the union's staff, answered in a thread.

The rules live here once; the bot (Telegram buttons and commands) and the console (the 待回答 inbox)
both call these functions. Sending goes through a port (``HandoffSender``) that the bot implements,
so an answer typed in the console reaches the worker exactly like one typed in Telegram.

Privacy: staff know the worker only as 职工 #id (one number per question, so two questions of one
worker cannot be linked). The chat id is the only link to the worker; it is kept while the handoff
is open and set to NULL when it closes (rated by the worker, closed by staff, left alone for
``ANKANG_HANDOFF_CLOSE_H`` after the answer, or the worker blocked the bot). The text stays.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.admins import audit, is_admin
from core.clock import Clock
from core.db import SessionMaker
from core.settings import Settings
from core.supervision import Loops
from knowledge.errors import KnowledgeError
from knowledge.models import Handoff, HandoffStatus, HandoffTurn
from org.roles import Role, duty_recipients_for, escalation_recipients

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 3000
# Working hours, local time (ANKANG_TIMEZONE), Monday to Friday; public holidays are not known.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(18, 0)


class HandoffError(KnowledgeError):
    """Base class of the handoff's domain errors (translated to Chinese at the edge)."""


class QuestionEmpty(HandoffError, ValueError):
    pass


class QuestionTooLong(HandoffError, ValueError):
    def __init__(self, length: int) -> None:
        super().__init__(f"{length} chars")
        self.length = length


class HandoffNotFound(HandoffError, LookupError):
    """No such handoff, or not this worker's."""


class HandoffClosed(HandoffError):
    """The handoff is over (answers and follow-ups are refused)."""


class AlreadyAnswered(HandoffError):
    """Someone answered the worker's latest message first."""

    def __init__(self, handoff_id: int, by_admin: int | None) -> None:
        super().__init__(f"handoff {handoff_id}")
        self.handoff_id = handoff_id
        self.by_admin = by_admin


class NotAnAdminAnymore(HandoffError, PermissionError):
    """The staff member was removed from the admins while the handoff was open."""


class RecipientGone(Exception):
    """Raised by a ``HandoffSender`` when the worker cannot be reached (they blocked the bot)."""


class NoticeKind(StrEnum):
    NEW = "new"
    FOLLOW_UP = "follow_up"
    REMINDER = "reminder"
    ESCALATION = "escalation"


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    """What a staff member is told about a handoff; the channel adds 回答 and 转为FAQ."""

    handoff_id: int
    kind: NoticeKind
    question: str  # the worker's latest unanswered message
    waiting_h: float = 0.0


@dataclass(frozen=True, slots=True)
class HandoffAnswer:
    """A staff answer on its way to the worker; the channel adds 👍/👎 and 继续追问."""

    handoff_id: int
    question: str
    answer: str


class HandoffSender(Protocol):
    """Delivers handoff messages (implemented by the bot: ``bot.handoff.TelegramHandoffs``).

    ``send_answer`` raises ``RecipientGone`` when the worker blocked the bot; any other exception
    is a delivery failure that may be retried.
    """

    async def send_handoff_notice(self, admin_id: int, notice: HandoffNotice) -> None: ...

    async def send_handoff_answer(self, chat_id: int, answer: HandoffAnswer) -> None: ...


# --- reading ---------------------------------------------------------------------------------------

def check_question(text: str) -> str:
    """The question as it will be stored; raise QuestionEmpty or QuestionTooLong."""
    text = (text or "").strip()
    if not text:
        raise QuestionEmpty()
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(text))
    return text


async def get_handoff(session: AsyncSession, handoff_id: int, *, for_update: bool = False) -> Handoff:
    """The handoff with its turns; raise HandoffNotFound."""
    stmt = select(Handoff).where(Handoff.id == handoff_id).options(selectinload(Handoff.turns))
    if for_update:
        stmt = stmt.with_for_update()
    handoff = (await session.execute(stmt)).scalar_one_or_none()
    if handoff is None:
        raise HandoffNotFound(handoff_id)
    return handoff


def latest_question(handoff: Handoff) -> str:
    """The worker's latest message (the one a waiting handoff waits on)."""
    for turn in reversed(handoff.turns):
        if turn.from_worker:
            return turn.text
    return handoff.question


def latest_answer(handoff: Handoff) -> str:
    for turn in reversed(handoff.turns):
        if not turn.from_worker:
            return turn.text
    return ""


async def list_handoffs(session: AsyncSession, *, open_only: bool = True, limit: int = 100) -> list[Handoff]:
    """Waiting ones first (longest waiting first), then answered, then closed (newest first)."""
    stmt = select(Handoff).options(selectinload(Handoff.turns))
    if open_only:
        stmt = stmt.where(Handoff.status != HandoffStatus.CLOSED)
    rows = list((await session.execute(stmt.order_by(Handoff.id.desc()).limit(limit))).scalars())
    order = {HandoffStatus.RECEIVED: 0, HandoffStatus.ANSWERING: 0, HandoffStatus.ANSWERED: 1, HandoffStatus.CLOSED: 2}
    rows.sort(key=lambda h: (order[h.status], (h.waiting_since or h.created_at).timestamp() if h.status.is_waiting
                             else -h.id))
    return rows


async def counts(session: AsyncSession) -> dict[HandoffStatus, int]:
    """How many handoffs are in each open state (for the dashboard and the inbox)."""
    stmt = select(Handoff.status, func.count()).where(Handoff.status != HandoffStatus.CLOSED).group_by(Handoff.status)
    found = {status: n for status, n in (await session.execute(stmt)).all()}
    return {s: found.get(s, 0) for s in (HandoffStatus.RECEIVED, HandoffStatus.ANSWERING, HandoffStatus.ANSWERED)}


async def worker_handoffs(session: AsyncSession, chat_id: int) -> list[Handoff]:
    """A worker's open and answered questions (closed ones have no chat id any more), newest first."""
    stmt = (select(Handoff).where(Handoff.chat_id == chat_id).options(selectinload(Handoff.turns))
            .order_by(Handoff.id.desc()))
    return list((await session.execute(stmt)).scalars())


# --- changing ---------------------------------------------------------------------------------------

async def open_handoff(session: AsyncSession, chat_id: int, text: str, *, now: datetime) -> tuple[Handoff, bool]:
    """Hand a worker's question to the staff; ``(handoff, created)``. The same question sent twice
    while the first is open gives the first (``created`` False). Raise QuestionEmpty/QuestionTooLong."""
    question = check_question(text)
    stmt = (select(Handoff).where(Handoff.chat_id == chat_id, Handoff.question == question,
                                  Handoff.status != HandoffStatus.CLOSED).options(selectinload(Handoff.turns)))
    existing = (await session.execute(stmt)).scalars().first()
    if existing is not None:
        return existing, False
    handoff = Handoff(question=question, chat_id=chat_id, status=HandoffStatus.RECEIVED, created_at=now,
                      waiting_since=now, closed_reason="")
    handoff.turns = [HandoffTurn(text=question, at=now)]
    session.add(handoff)
    await session.flush()
    return handoff, True


async def follow_up(session: AsyncSession, handoff_id: int, chat_id: int, text: str, *, now: datetime) -> Handoff:
    """The worker's next message in the thread (继续追问): waiting again, reminders start over."""
    question = check_question(text)
    handoff = await get_handoff(session, handoff_id, for_update=True)
    if handoff.status is HandoffStatus.CLOSED:
        raise HandoffClosed(handoff_id)
    if handoff.chat_id != chat_id:
        raise HandoffNotFound(handoff_id)
    handoff.turns.append(HandoffTurn(handoff_id=handoff.id, text=question, at=now))
    if not handoff.status.is_waiting:
        handoff.status = HandoffStatus.RECEIVED
        handoff.waiting_since = now
        handoff.reminded_at = handoff.escalated_at = None
    await session.flush()
    return handoff


async def claim(session: AsyncSession, settings: Settings, handoff_id: int, admin_id: int, *, now: datetime) -> Handoff:
    """A staff member starts answering (the worker sees 回答中); anyone may still answer first."""
    if not await is_admin(session, settings, admin_id):
        raise NotAnAdminAnymore(admin_id)
    handoff = await get_handoff(session, handoff_id, for_update=True)
    if handoff.status is HandoffStatus.CLOSED:
        raise HandoffClosed(handoff_id)
    if handoff.status is HandoffStatus.RECEIVED:
        handoff.status = HandoffStatus.ANSWERING
        handoff.claimed_by = admin_id
        await audit(session, admin_id, "handoff.claim", f"handoff:{handoff_id}")
    return handoff


async def answer(
    session: AsyncSession, settings: Settings, handoff_id: int, admin_id: int, text: str, *, now: datetime,
) -> Handoff:
    """Answer the worker's latest message: the first answer wins (AlreadyAnswered for the next one).

    Raise HandoffClosed, NotAnAdminAnymore, QuestionEmpty/QuestionTooLong (for the answer's text).
    """
    text = (text or "").strip()
    if not text:
        raise QuestionEmpty()
    if len(text) > MAX_ANSWER_CHARS:
        raise QuestionTooLong(len(text))
    if not await is_admin(session, settings, admin_id):
        raise NotAnAdminAnymore(admin_id)
    handoff = await get_handoff(session, handoff_id, for_update=True)
    if handoff.status is HandoffStatus.CLOSED:
        raise HandoffClosed(handoff_id)
    if handoff.status is HandoffStatus.ANSWERED:
        last_staff = next((t.admin_id for t in reversed(handoff.turns) if not t.from_worker), None)
        raise AlreadyAnswered(handoff_id, last_staff)
    handoff.turns.append(HandoffTurn(handoff_id=handoff.id, text=text, admin_id=admin_id, at=now))
    handoff.status = HandoffStatus.ANSWERED
    handoff.answered_at = now
    handoff.waiting_since = None
    await audit(session, admin_id, "handoff.answer", f"handoff:{handoff_id}", text[:200])
    await session.flush()
    return handoff


def _close(handoff: Handoff, reason: str, now: datetime) -> None:
    handoff.status = HandoffStatus.CLOSED
    handoff.chat_id = None  # the one link to the worker goes; the text stays
    handoff.closed_at = now
    handoff.closed_reason = reason
    handoff.waiting_since = None


async def close(
    session: AsyncSession, handoff_id: int, *, now: datetime, reason: str, admin_id: int | None = None,
) -> Handoff:
    """Close a handoff and delete its chat id (staff ``reason="staff"``; a blocked bot ``"blocked"``)."""
    handoff = await get_handoff(session, handoff_id, for_update=True)
    if handoff.status is not HandoffStatus.CLOSED:
        _close(handoff, reason, now)
        if admin_id is not None:
            await audit(session, admin_id, "handoff.close", f"handoff:{handoff_id}")
    return handoff


async def rate(session: AsyncSession, handoff_id: int, chat_id: int, helpful: bool, *, now: datetime) -> Handoff:
    """The worker's 👍/👎 on the answer; it closes the handoff. Raise HandoffNotFound/HandoffClosed."""
    handoff = await get_handoff(session, handoff_id, for_update=True)
    if handoff.status is HandoffStatus.CLOSED:
        raise HandoffClosed(handoff_id)
    if handoff.chat_id != chat_id:
        raise HandoffNotFound(handoff_id)
    if handoff.status is not HandoffStatus.ANSWERED:
        raise HandoffClosed(handoff_id)  # nothing to rate yet (a forged button)
    handoff.helpful = helpful
    _close(handoff, "rated", now)
    return handoff


async def link_faq(session: AsyncSession, handoff_id: int, faq_id: str) -> None:
    """Remember the FAQ entry a handoff was turned into (shown in the console)."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is not None:
        handoff.faq_id = faq_id


# --- use cases that send ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Submitted:
    handoff_id: int
    created: bool
    notified: int


async def submit(
    sessions: SessionMaker, settings: Settings, sender: HandoffSender, chat_id: int, text: str, *, now: datetime,
) -> Submitted:
    """Open a handoff (committed first) and tell the staff on duty, or every admin when nobody is."""
    async with sessions() as session, session.begin():
        handoff, created = await open_handoff(session, chat_id, text, now=now)
        recipients = await duty_recipients_for(session, settings, Role.KNOWLEDGE) if created else []
        notice = HandoffNotice(handoff.id, NoticeKind.NEW, handoff.question)
    notified = await _notify(sender, recipients, notice)
    return Submitted(handoff.id, created, notified)


async def submit_follow_up(
    sessions: SessionMaker, settings: Settings, sender: HandoffSender, handoff_id: int, chat_id: int, text: str, *,
    now: datetime,
) -> int:
    """The worker's 继续追问: stored, then the staff on duty are told. Returns how many were."""
    async with sessions() as session, session.begin():
        handoff = await follow_up(session, handoff_id, chat_id, text, now=now)
        recipients = await duty_recipients_for(session, settings, Role.KNOWLEDGE)
        notice = HandoffNotice(handoff.id, NoticeKind.FOLLOW_UP, latest_question(handoff))
    return await _notify(sender, recipients, notice)


class Delivery(StrEnum):
    DELIVERED = "delivered"
    BLOCKED = "blocked"  # the worker blocked the bot: the handoff is closed, nothing is retried
    FAILED = "failed"  # stored, but not sent this time (the worker sees it in /myquestions)


async def answer_and_deliver(
    sessions: SessionMaker, settings: Settings, sender: HandoffSender, handoff_id: int, admin_id: int, text: str, *,
    now: datetime,
) -> Delivery:
    """Store the answer (first wins: raises AlreadyAnswered), then send it to the worker."""
    async with sessions() as session, session.begin():
        handoff = await answer(session, settings, handoff_id, admin_id, text, now=now)
        chat_id = handoff.chat_id
        message = HandoffAnswer(handoff.id, latest_question(handoff), latest_answer(handoff))
    if chat_id is None:  # pragma: no cover - an open handoff always has one
        return Delivery.FAILED
    try:
        await sender.send_handoff_answer(chat_id, message)
    except RecipientGone:
        async with sessions() as session, session.begin():
            await close(session, handoff_id, now=now, reason="blocked")
        log.info("handoff %s: the worker blocked the bot; closed", handoff_id)
        return Delivery.BLOCKED
    except Exception as exc:  # the answer is stored: the worker reads it in /myquestions
        log.warning("handoff %s: answer not delivered (%s)", handoff_id, type(exc).__name__)
        return Delivery.FAILED
    return Delivery.DELIVERED


async def _notify(sender: HandoffSender, recipients: list[int], notice: HandoffNotice) -> int:
    results = await asyncio.gather(*(sender.send_handoff_notice(a, notice) for a in recipients), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        if not isinstance(failure, Exception):
            raise failure
    if failures:
        log.warning("handoff %s %s notice failed for %d admin(s): %s", notice.handoff_id, notice.kind, len(failures),
                    ", ".join(sorted({type(f).__name__ for f in failures})))
    return len(results) - len(failures)


# --- deadlines ---------------------------------------------------------------------------------------

def working_hours_between(start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Hours of working time (Mon–Fri, WORKDAY_START–WORKDAY_END local) between two instants."""
    if end <= start:
        return 0.0
    total = timedelta()
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() < 5:
            open_at = datetime.combine(day, WORKDAY_START, tz)
            close_at = datetime.combine(day, WORKDAY_END, tz)
            lo, hi = max(open_at, start), min(close_at, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class SweepReport:
    reminded: tuple[int, ...] = ()
    escalated: tuple[int, ...] = ()
    closed: tuple[int, ...] = ()


async def sweep(sessions: SessionMaker, settings: Settings, sender: HandoffSender, *, now: datetime) -> SweepReport:
    """Remind, escalate and close by the clock (``now`` comes from the process clock; tests move it).

    A question waiting ``handoff_remind_h`` working hours reminds the staff on duty once; waiting
    ``handoff_escalate_h`` hours it goes once to every admin over the whole tree with 知识库 (or 管理员), the
    super-admins included (``org.roles.escalation_recipients``); an answered one left alone for
    ``handoff_close_h`` hours is closed (and its chat id deleted).
    """
    reminders: list[tuple[list[int], HandoffNotice]] = []
    reminded: list[int] = []
    escalated: list[int] = []
    closed: list[int] = []
    async with sessions() as session, session.begin():
        on_duty = await duty_recipients_for(session, settings, Role.KNOWLEDGE)
        _, above = await escalation_recipients(session, settings, Role.KNOWLEDGE, None)  # a handoff has no unit
        stmt = (select(Handoff).where(Handoff.status != HandoffStatus.CLOSED).options(selectinload(Handoff.turns))
                .with_for_update())
        for handoff in (await session.execute(stmt)).scalars():
            if handoff.status is HandoffStatus.ANSWERED:
                if handoff.answered_at and now - handoff.answered_at >= timedelta(hours=settings.handoff_close_h):
                    _close(handoff, "idle", now)
                    closed.append(handoff.id)
                continue
            since = handoff.waiting_since or handoff.created_at
            waited_h = (now - since).total_seconds() / 3600
            if handoff.escalated_at is None and waited_h >= settings.handoff_escalate_h:
                handoff.escalated_at = now
                handoff.reminded_at = handoff.reminded_at or now
                escalated.append(handoff.id)
                reminders.append((above, HandoffNotice(handoff.id, NoticeKind.ESCALATION, latest_question(handoff),
                                                          round(waited_h, 1))))
            elif (handoff.reminded_at is None
                  and working_hours_between(since, now, settings.tz) >= settings.handoff_remind_h):
                handoff.reminded_at = now
                reminded.append(handoff.id)
                reminders.append((on_duty, HandoffNotice(handoff.id, NoticeKind.REMINDER, latest_question(handoff),
                                                         round(waited_h, 1))))
    for recipients, notice in reminders:
        await _notify(sender, recipients, notice)
    if reminded or escalated or closed:
        log.info("handoffs: %d reminded, %d escalated, %d closed", len(reminded), len(escalated), len(closed))
    return SweepReport(tuple(reminded), tuple(escalated), tuple(closed))


class HandoffWatch:
    """Runs ``sweep`` every ``interval_s`` while the bot is up; ``tick()`` runs it once (tests move the clock)."""

    CHECK_INTERVAL_S = 60.0

    LOOP = "handoff-watch"  # its name in services.loops and on /healthz

    def __init__(self, sessions: SessionMaker, settings: Settings, sender: HandoffSender, clock: Clock, *,
                 interval_s: float = CHECK_INTERVAL_S, loops: Loops | None = None) -> None:
        self._sessions, self._settings, self._sender, self._clock = sessions, settings, sender, clock
        self._interval_s = interval_s
        self._loops = loops  # supervision (issue 17): one log line per outage, state on /healthz
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> SweepReport:
        return await sweep(self._sessions, self._settings, self._sender, now=self._clock.now())

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="handoff-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        if self._loops is not None:
            await self._loops.every(self.LOOP, self._interval_s, self.tick, wait_first=True)
            return
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.tick()
            except Exception:  # one failed sweep must not end the watch; the next one retries
                log.exception("handoff sweep failed")
