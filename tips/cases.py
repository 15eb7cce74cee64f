"""Tips handled as cases (issue 16): owners, private notes, deadlines, closing, 复查, 有效举报, legal holds.

The rules live here once; the bot, the console and the web form call these functions. Like
``tips.service`` they flush and never commit, and admin actions are audited. Nothing here is
about the tipper: owners and notes are union staff's, times the tipper causes are coarsened.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import audit, is_admin
from core.settings import Settings
from org import roles
from org.roles import Role
from tips.errors import TipInvalid, TipNotFound
from tips.models import (
    REJECT_REASONS_BY_CODE,
    Author,
    Channel,
    EventKind,
    Tip,
    TipEvent,
    TipNote,
    TipReminder,
    TipStatus,
    official_channel,
)

log = logging.getLogger(__name__)

NOTE_MAX_CHARS = 2000
RECOGNITION_MAX_CHARS = 200
HOLD_REASON_MAX_CHARS = 500
REVIEW_REASON_MIN_CHARS = 4
REVIEW_REASON_MAX_CHARS = 2000
# An overdue tip reminds its owner at once and escalates one step up the tree this long after its deadline.
ESCALATE_AFTER = timedelta(days=1)


class CaseError(Exception):
    """Base of the case rules' refusals; ``reason`` says which (the bot and web map it to Chinese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OwnerNotAdmin(CaseError):
    """The chosen owner is not (or no longer) an admin (``not_admin``), or holds no 举报处理 over the tip's
    unit (``not_handler``)."""


class ReviewRefused(CaseError):
    """A 复查 request that cannot be taken: ``open`` (not closed), ``expired``, ``again``, ``reason``."""


class HoldRefused(CaseError):
    """``held`` (already on hold), ``not_held`` (nothing to release) or ``reason`` (no reason given)."""


def coarsen_to_hour(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class CasePolicy:
    """The deadlines and windows of the configuration, in calendar days of ``tz``."""

    tz: ZoneInfo = ZoneInfo("Asia/Shanghai")
    ack_days: int = 3
    feedback_days: int = 30
    review_days: int = 30
    retention_days: int = 365
    digest_times: tuple[str, ...] = ("09:00", "16:00")

    @classmethod
    def from_settings(cls, settings: Settings) -> CasePolicy:
        return cls(settings.tz, settings.tip_ack_days, settings.tip_feedback_days, settings.tip_review_days,
                   settings.tip_retention_days, settings.tip_digest_times)

    def end_of_day(self, start: datetime, days: int) -> datetime:
        """The end of the ``days``-th calendar day after ``start`` (local midnight), in UTC."""
        local_day = start.astimezone(self.tz).date() + timedelta(days=days + 1)
        return datetime.combine(local_day, time(0), tzinfo=self.tz).astimezone(UTC)

    def review_until(self, tip: Tip) -> datetime | None:
        """Until when the tipper may ask for a 复查 (None: the tip is not closed)."""
        if tip.closed_at is None or not tip.status.is_final:
            return None
        return self.end_of_day(tip.closed_at, self.review_days)

    def purge_at(self, tip: Tip) -> datetime | None:
        """When the retention purge deletes ``tip`` (None: open, or on legal hold)."""
        if tip.closed_at is None or not tip.status.is_final or tip.hold_reason is not None:
            return None
        return tip.closed_at + timedelta(days=self.retention_days)


@dataclass(frozen=True, slots=True)
class Deadline:
    """The deadline a tip is under now: 受理时限 while new, 反馈时限 while open."""

    kind: str  # "ack" or "feedback"
    due_at: datetime
    now: datetime

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self.kind]

    @property
    def overdue(self) -> bool:
        return self.now >= self.due_at

    @property
    def left(self) -> timedelta:
        return self.due_at - self.now

    @property
    def left_text(self) -> str:
        """"剩 2 天 5 小时" or "已超期 1 天 3 小时": what the inbox shows."""
        span = abs(self.left)
        days, hours = span.days, span.seconds // 3600
        amount = f"{days} 天 {hours} 小时" if days else f"{hours} 小时" if hours else "不到 1 小时"
        return f"已超期 {amount}" if self.overdue else f"剩 {amount}"


DEADLINE_LABELS = {"ack": "受理时限", "feedback": "反馈时限"}


def deadline(tip: Tip, now: datetime) -> Deadline | None:
    """The deadline ``tip`` is under at ``now``, or None (closed, or from before deadlines existed)."""
    if tip.status is TipStatus.NEW and tip.ack_due_at is not None:
        return Deadline("ack", tip.ack_due_at, now)
    if tip.is_open and tip.feedback_due_at is not None:
        return Deadline("feedback", tip.feedback_due_at, now)
    return None


def set_deadlines(tip: Tip, policy: CasePolicy) -> None:
    """Give a new tip its deadlines, counted from its (hour-coarsened) creation time."""
    tip.ack_due_at = policy.end_of_day(tip.created_hour, policy.ack_days)
    tip.feedback_due_at = policy.end_of_day(tip.created_hour, policy.feedback_days)


def channel_for(tip: Tip) -> Channel:
    """The official channel shown with a rejected tip: 12350, 12333, 12351 or 119/120/110."""
    return official_channel(tip.category, tip.reject_reason)


async def _tip(session: AsyncSession, tip_id: int, *, lock: bool = True) -> Tip:
    tip = await session.get(Tip, tip_id, with_for_update=lock)
    if tip is None:
        raise TipNotFound(tip_id)
    return tip


async def assign_owner(
    session: AsyncSession, settings: Settings, tip_id: int, owner_id: int | None, *, admin_id: int
) -> Tip:
    """Make ``owner_id`` (an admin who may handle the tip: 举报处理 over its unit, ``org.roles.tip_owners``;
    ``admin_id`` themself to take it) the tip's owner, or None to release it."""
    tip = await _tip(session, tip_id)
    if owner_id is not None and not await is_admin(session, settings, owner_id):
        raise OwnerNotAdmin("not_admin")
    if owner_id is not None and not await roles.can(session, settings, owner_id, Role.TIPS, tip.unit_id):
        raise OwnerNotAdmin("not_handler")
    tip.owner_id = owner_id
    await audit(session, admin_id, "tip.owner", f"tip:{tip_id}", "" if owner_id is None else str(owner_id),
                unit_id=tip.unit_id)
    await session.flush()
    return tip


async def add_note(session: AsyncSession, tip_id: int, text: str, *, admin_id: int, now: datetime) -> TipNote:
    """A private note for union staff (never shown to the tipper); audited without its text."""
    text = (text or "").strip()
    if not text:
        raise TipInvalid("text")
    if len(text) > NOTE_MAX_CHARS:
        raise TipInvalid("note_long")
    tip = await _tip(session, tip_id, lock=False)
    note = TipNote(tip_id=tip_id, admin_id=admin_id, at=now, text=text)
    session.add(note)
    await audit(session, admin_id, "tip.note", f"tip:{tip_id}", unit_id=tip.unit_id)
    await session.flush()
    return note


async def mark_read(session: AsyncSession, tip_id: int) -> None:
    """A handler opened the tip: what the tipper added is no longer new."""
    tip = await session.get(Tip, tip_id)
    if tip is not None and tip.tipper_unread:
        tip.tipper_unread = False
        await session.flush()


async def request_review(
    session: AsyncSession, tip_id: int, reason: str, *, now: datetime, policy: CasePolicy
) -> TipEvent:
    """The tipper asks for a 复查 of a closed or rejected tip: reopen it as 复查中 with a new feedback deadline.

    Once per tip, within ``policy.review_days`` of closing. The request is stored at the hour, like
    every tipper event.
    """
    reason = (reason or "").strip()
    tip = await _tip(session, tip_id)
    until = policy.review_until(tip)
    if until is None:
        raise ReviewRefused("open")
    if tip.review_requested:
        raise ReviewRefused("again")
    if now >= until:
        raise ReviewRefused("expired")
    if len(reason) < REVIEW_REASON_MIN_CHARS or len(reason) > REVIEW_REASON_MAX_CHARS:
        raise ReviewRefused("reason")
    tip.status = TipStatus.REVIEWING
    tip.review_requested = True
    tip.tipper_unread = True
    tip.closed_at = None
    tip.feedback_due_at = policy.end_of_day(now, policy.feedback_days)
    # The earlier reminders were about the first round: the review gets its own.
    await session.execute(delete(TipReminder).where(TipReminder.tip_id == tip_id))
    event = TipEvent(tip_id=tip_id, at=coarsen_to_hour(now), kind=EventKind.REVIEW, author=Author.TIPPER,
                     status=TipStatus.REVIEWING, text=reason)
    session.add(event)
    await session.flush()
    log.info("tip %s review requested", tip_id)
    return event


async def recognize(session: AsyncSession, tip_id: int, note: str, *, admin_id: int) -> Tip:
    """Mark the tip 有效举报 with a short note the tipper reads (or change the note); audited."""
    note = (note or "").strip()
    if len(note) > RECOGNITION_MAX_CHARS:
        raise TipInvalid("note_long")
    tip = await _tip(session, tip_id)
    tip.recognized = True
    tip.recognition_note = note
    await audit(session, admin_id, "tip.recognize", f"tip:{tip_id}", unit_id=tip.unit_id)
    await session.flush()
    return tip


async def set_hold(session: AsyncSession, tip_id: int, reason: str | None, *, admin_id: int) -> Tip:
    """Place a legal hold with ``reason`` (the purge skips the tip), or release it with None; audited."""
    tip = await _tip(session, tip_id)
    if reason is None:
        if tip.hold_reason is None:
            raise HoldRefused("not_held")
        tip.hold_reason = None
        await audit(session, admin_id, "tip.hold.release", f"tip:{tip_id}", unit_id=tip.unit_id)
    else:
        reason = reason.strip()[:HOLD_REASON_MAX_CHARS]
        if not reason:
            raise HoldRefused("reason")
        if tip.hold_reason is not None:
            raise HoldRefused("held")
        tip.hold_reason = reason
        await audit(session, admin_id, "tip.hold", f"tip:{tip_id}", reason, unit_id=tip.unit_id)
    await session.flush()
    return tip


def reject_reason_known(code: str | None) -> bool:
    return code is not None and code in REJECT_REASONS_BY_CODE


async def notes_of(session: AsyncSession, tip_id: int) -> list[TipNote]:
    """The private notes of a tip, oldest first (the console and /tips show them apart from the thread)."""
    rows = await session.execute(select(TipNote).where(TipNote.tip_id == tip_id).order_by(TipNote.id))
    return list(rows.scalars())
