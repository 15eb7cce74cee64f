"""Tip domain functions shared by the bot, the web form, the web console and the CLI.

Callers own the session and the transaction (``async with sessions() as s, s.begin(): …``);
these functions flush but never commit.
"""
from __future__ import annotations

import asyncio
import csv
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.admins import audit
from core.topics import BY_CODE as TOPICS_BY_CODE
from org.service import unit_names
from tips import receipts
from tips.cases import CasePolicy, coarsen_to_hour, set_deadlines
from tips.errors import TipError, TipInvalid, TipNotFound, TransitionNotAllowed
from tips.excel import write_xlsx
from tips.models import (
    OPEN_STATUSES,
    PLACES_BY_CODE,
    REJECT_REASONS_BY_CODE,
    STATUS_ORDER,
    Author,
    EventKind,
    Tip,
    TipEvent,
    TipPhoto,
    TipStatus,
    parse_status,
)
from tips.photos import MAX_PHOTOS_PER_TIP, CleanPhoto
from tips.receipts import PRODUCTION_COST, ReceiptCost
from tips.routing import route_unit

log = logging.getLogger(__name__)

__all__ = ["TipError", "TipInvalid", "TipNotFound", "TransitionNotAllowed", "coarsen_to_hour"]

DESCRIPTION_MIN_CHARS = 10
DESCRIPTION_MAX_CHARS = 2000
LOCATION_MAX_CHARS = 200
NOTE_MAX_CHARS = 2000
MAX_PHOTOS_PER_THREAD = 30
# A tipper's follow-ups to one tip within 24 hours (by the hour they are stored at): enough to add
# what was forgotten, too few to bury the thread (200 follow-ups of 2,000 characters were accepted).
FOLLOWUPS_PER_TIP_PER_DAY = 10
PAGE_SIZE = 8
EXPORT_TZ = ZoneInfo("Asia/Shanghai")  # the default; callers pass settings.tz


ReceiptInvalid = receipts.ReceiptInvalid


@dataclass
class TipDraft:
    """What the tipper has entered so far; lives in memory only until submitted."""

    category: str = ""
    place_type: str = ""
    location: str = ""
    description: str = ""
    urgent: bool | None = None
    photos: list[CleanPhoto] = field(default_factory=list)
    # The unit the tipper routes the tip to (issue 12, point 4); None: the union as a whole.
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    tip_id: int
    receipt_code: str  # shown once, never stored


@dataclass(frozen=True, slots=True)
class TipPage:
    tips: list[Tip]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


def check_description(text: str) -> str:
    text = (text or "").strip()
    if len(text) < DESCRIPTION_MIN_CHARS:
        raise TipInvalid("description_short")
    if len(text) > DESCRIPTION_MAX_CHARS:
        raise TipInvalid("description_long")
    return text


def check_location(text: str) -> str:
    text = (text or "").strip()
    if len(text) > LOCATION_MAX_CHARS:
        raise TipInvalid("location_long")
    return text


def validate(draft: TipDraft) -> None:
    """Raise TipInvalid for the first problem in ``draft``."""
    if draft.category not in TOPICS_BY_CODE:
        raise TipInvalid("category")
    if draft.place_type not in PLACES_BY_CODE:
        raise TipInvalid("place_type")
    check_location(draft.location)
    check_description(draft.description)
    if draft.urgent is None:
        raise TipInvalid("urgent")
    if len(draft.photos) > MAX_PHOTOS_PER_TIP:
        raise TipInvalid("photos")


async def submit_tip(
    session: AsyncSession, draft: TipDraft, *, now: datetime, cost: ReceiptCost = PRODUCTION_COST,
    policy: CasePolicy | None = None,
) -> Submitted:
    """Store the tip with a new receipt's hash; the caller commits BEFORE showing the code.

    ``cost`` is the runtime's (``services.tips.receipt_cost``): production's unless a test says so;
    ``policy`` (``CasePolicy.from_settings``) sets the deadlines. An urgent tip is alerted at once by
    the caller, so only the others wait for the digest (``digested``).
    """
    validate(draft)
    code = receipts.new_code()
    receipt_hash = await asyncio.to_thread(receipts.hash_code, code, cost)
    hour = coarsen_to_hour(now)
    tip = Tip(
        created_hour=hour,
        category=draft.category,
        place_type=draft.place_type,
        location=check_location(draft.location),
        description=check_description(draft.description),
        urgent=bool(draft.urgent),
        status=TipStatus.NEW,
        receipt_lookup=receipts.lookup_key(code),
        receipt_hash=receipt_hash,
        digested=bool(draft.urgent),
        unit_id=await route_unit(session, draft.unit_id),
    )
    set_deadlines(tip, policy or CasePolicy())
    session.add(tip)
    await session.flush()
    event = TipEvent(tip_id=tip.id, at=hour, kind=EventKind.SUBMITTED, author=Author.TIPPER, status=TipStatus.NEW)
    session.add(event)
    await session.flush()
    for photo in draft.photos:
        session.add(_photo_row(tip.id, event.id, photo))
    await session.flush()
    return Submitted(tip.id, code)


def _photo_row(tip_id: int, event_id: int | None, photo: CleanPhoto) -> TipPhoto:
    return TipPhoto(
        tip_id=tip_id, event_id=event_id, content_type=photo.content_type,
        width=photo.width, height=photo.height, data=photo.data,
    )


def _full_tip() -> Select[Tip]:
    return (
        select(Tip)
        .options(selectinload(Tip.events).selectinload(TipEvent.photos), selectinload(Tip.photos))
    )


async def find_by_receipt(session: AsyncSession, code: str, *, cost: ReceiptCost = PRODUCTION_COST) -> Tip:
    """Return the tip (thread and photos loaded) for ``code``; raise ReceiptInvalid otherwise.

    Every refusal — malformed code, no tip with its lookup prefix, or a prefix match whose argon2
    check fails — comes after the same fixed delay (``cost.refusal_s``), so timing says
    nothing about whether any tip exists. The delay is a sleep, not work: argon2 (tens to hundreds
    of milliseconds of CPU and 64 MiB) runs only for the ≈ n/65 536 of random guesses whose
    prefix matches a stored tip, so a flood of guesses cannot exhaust the server.
    """
    started = time.monotonic()
    try:
        lookup = receipts.lookup_key(code)
        rows = (await session.execute(select(Tip.id, Tip.receipt_hash).where(Tip.receipt_lookup == lookup))).all()
        for tip_id, stored in rows:
            if await asyncio.to_thread(receipts.verify, stored, code):
                return await get_tip(session, tip_id)
    except ReceiptInvalid:
        pass
    await asyncio.sleep(max(0.0, cost.refusal_s - (time.monotonic() - started)))
    raise ReceiptInvalid()


async def get_tip(session: AsyncSession, tip_id: int) -> Tip:
    """Return the tip with its thread and photos; raise TipNotFound."""
    tip = (await session.execute(_full_tip().where(Tip.id == tip_id))).scalar_one_or_none()
    if tip is None:
        raise TipNotFound(tip_id)
    return tip


async def list_tips(
    session: AsyncSession,
    *,
    status: TipStatus | None = None,
    category: str | None = None,
    urgent: bool | None = None,
    open_only: bool = True,
    unread: bool | None = None,
    owner_id: int | None = None,
    now: datetime | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    unit_ids: Collection[int] | None = None,
) -> TipPage:
    """A page of tips; ``status`` overrides ``open_only``; ``unit_ids``: only tips routed to these units
    (an admin's scope; tips of no unit belong to the whole tree).

    With ``now``: overdue tips first, then urgent ones, then the nearest deadline; without it
    urgent first then newest. ``unread``: only tips with something new from the tipper.
    """
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(Tip.status == status)
    elif open_only:
        conditions.append(Tip.status.in_(OPEN_STATUSES))
    if category:
        conditions.append(Tip.category == category)
    if urgent is not None:
        conditions.append(Tip.urgent.is_(urgent))
    if unread is not None:
        conditions.append(Tip.tipper_unread.is_(unread))
    if owner_id is not None:
        conditions.append(Tip.owner_id == owner_id)
    if unit_ids is not None:
        conditions.append(Tip.unit_id.in_(list(unit_ids)))
    total = (await session.execute(select(func.count()).select_from(Tip).where(*conditions))).scalar_one()
    stmt = select(Tip).where(*conditions)
    if now is not None:
        # The deadline a tip is under (tips.cases.deadline, in SQL): 受理 while new, 反馈 while open.
        due = case((Tip.status == TipStatus.NEW, Tip.ack_due_at),
                   (Tip.status.in_(OPEN_STATUSES), Tip.feedback_due_at), else_=None)
        overdue = case((due <= now, 0), else_=1)
        stmt = stmt.order_by(overdue, Tip.urgent.desc(), case((due.is_(None), 1), else_=0), due, Tip.id.desc())
    else:
        stmt = stmt.order_by(Tip.urgent.desc(), Tip.id.desc())
    tips = list((await session.execute(stmt.limit(limit).offset(offset))).scalars())
    return TipPage(tips, total, offset, limit)


def allowed_transitions(current: TipStatus) -> tuple[TipStatus, ...]:
    """Statuses an admin may move a tip to: any later step, or 不予受理, while the tip is open.

    A tip under 复查 goes back to 核查中/整改中 or is closed again (it was accepted once already).
    """
    if current.is_final:
        return ()
    if current is TipStatus.REVIEWING:
        return (TipStatus.VERIFYING, TipStatus.RECTIFYING, TipStatus.CLOSED)
    later = STATUS_ORDER[STATUS_ORDER.index(current) + 1 :]
    return later + (TipStatus.REJECTED,)


async def change_status(
    session: AsyncSession, tip_id: int, new_status: TipStatus | str, note: str, *, admin_id: int, now: datetime,
    reason: str | None = None,
) -> TipEvent:
    """Move the tip to ``new_status`` (a status or its code, as posted) with a note the tipper can read; audited.

    Closing needs a closing note (TipInvalid "close_note"); 不予受理 a ``reason`` from
    ``REJECT_REASONS`` (TipInvalid "reject_reason"). Both start the 复查 and retention clocks.
    """
    tip = await session.get(Tip, tip_id, with_for_update=True)
    if tip is None:
        raise TipNotFound(tip_id)
    target = parse_status(new_status)
    if target is None or target not in allowed_transitions(tip.status):
        raise TransitionNotAllowed(tip.status, target)
    note = (note or "").strip()[:NOTE_MAX_CHARS]
    if target is TipStatus.CLOSED and not note:
        raise TipInvalid("close_note")
    if target is TipStatus.REJECTED:
        if reason not in REJECT_REASONS_BY_CODE:
            raise TipInvalid("reject_reason")
        tip.reject_reason = reason
    if target is TipStatus.CLOSED:
        tip.reject_reason = None  # a rejected tip reviewed and then closed is no longer rejected
    if target.is_final:
        tip.closed_at = now
    old = tip.status
    tip.status = target
    event = TipEvent(tip_id=tip.id, at=now, kind=EventKind.STATUS, author=Author.UNION, status=target, text=note)
    session.add(event)
    await audit(session, admin_id, "tip.status", f"tip:{tip.id}", f"{old} -> {target}", unit_id=tip.unit_id)
    await session.flush()
    log.info("tip %s status %s -> %s", tip.id, old, target)
    return event


async def reply(session: AsyncSession, tip_id: int, text: str, *, admin_id: int, now: datetime) -> TipEvent:
    """Post the union's message into the tip's anonymous thread; audited."""
    tip = await session.get(Tip, tip_id)
    if tip is None:
        raise TipNotFound(tip_id)
    text = (text or "").strip()
    if not text:
        raise TipInvalid("text")
    event = TipEvent(tip_id=tip_id, at=now, kind=EventKind.MESSAGE, author=Author.UNION, text=text[:NOTE_MAX_CHARS])
    session.add(event)
    await audit(session, admin_id, "tip.reply", f"tip:{tip_id}", "", unit_id=tip.unit_id)
    await session.flush()
    log.info("tip %s union reply", tip_id)
    return event


async def add_followup(
    session: AsyncSession, tip_id: int, text: str = "", photos: list[CleanPhoto] | None = None, *, now: datetime
) -> TipEvent:
    """Add the tipper's message and/or photos to the thread (time coarsened to the hour)."""
    photos = photos or []
    text = (text or "").strip()
    if not text and not photos:
        raise TipInvalid("text")
    if len(text) > DESCRIPTION_MAX_CHARS:
        raise TipInvalid("description_long")
    tip = await session.get(Tip, tip_id)
    if tip is None:
        raise TipNotFound(tip_id)
    count = (
        await session.execute(select(func.count()).select_from(TipPhoto).where(TipPhoto.tip_id == tip_id))
    ).scalar_one()
    if count + len(photos) > MAX_PHOTOS_PER_THREAD:
        raise TipInvalid("photos")
    hour = coarsen_to_hour(now)
    recent = await session.scalar(select(func.count()).select_from(TipEvent).where(
        TipEvent.tip_id == tip_id, TipEvent.author == Author.TIPPER, TipEvent.kind == EventKind.MESSAGE,
        TipEvent.at > hour - timedelta(hours=24)))
    if (recent or 0) >= FOLLOWUPS_PER_TIP_PER_DAY:
        raise TipInvalid("followups_daily")
    tip.tipper_unread = True
    event = TipEvent(tip_id=tip.id, at=hour, kind=EventKind.MESSAGE, author=Author.TIPPER, text=text)
    session.add(event)
    await session.flush()
    for photo in photos:
        session.add(_photo_row(tip.id, event.id, photo))
    await session.flush()
    log.info("tip %s follow-up from tipper", tip_id)
    return event


@dataclass(frozen=True, slots=True)
class ExportResult:
    csv_path: Path
    thread_path: Path
    tips: int
    photos: int


async def export_tips(
    session: AsyncSession, out_dir: Path, *, status: TipStatus | None = None, open_only: bool = False,
    admin_id: int = 0, tz: ZoneInfo = EXPORT_TZ, unit_ids: Collection[int] | None = None,
) -> ExportResult:
    """Write tips.csv, thread.csv, tips.xlsx (local times in ``tz``) and photos/ under ``out_dir`` for
    handing to the authorities; audited with what was exported, never the server path it went to.
    ``unit_ids``: only tips routed to these units (the exporting admin's scope)."""
    stmt = _full_tip().order_by(Tip.id)
    if unit_ids is not None:
        stmt = stmt.where(Tip.unit_id.in_(list(unit_ids)))
    if status is not None:
        stmt = stmt.where(Tip.status == status)
    elif open_only:
        stmt = stmt.where(Tip.status.in_(OPEN_STATUSES))
    tips = list((await session.execute(stmt)).scalars())
    names = await unit_names(session, [tip.unit_id for tip in tips])
    result = await asyncio.to_thread(_write_export, tips, Path(out_dir), names)
    await asyncio.to_thread(write_xlsx, tips, Path(out_dir) / "tips.xlsx", tz, names)
    scope = status.value if status is not None else "open" if open_only else "all"
    await audit(session, admin_id, "tip.export", f"tips:{scope}", f"{result.tips} tips, {result.photos} photos")
    return result


def _write_export(tips: list[Tip], out_dir: Path, unit_names: dict[int, str]) -> ExportResult:
    photos_dir = out_dir / "photos"
    photos_dir.mkdir(parents=True, exist_ok=True)
    csv_path, thread_path = out_dir / "tips.csv", out_dir / "thread.csv"
    photo_count = 0
    # utf-8-sig so Excel on Chinese Windows opens the file with the right encoding.
    with open(csv_path, "w", newline="", encoding="utf-8-sig") as tips_file, \
            open(thread_path, "w", newline="", encoding="utf-8-sig") as thread_file:
        tips_csv, thread_csv = csv.writer(tips_file), csv.writer(thread_file)
        tips_csv.writerow(["编号", "提交时间(UTC,整点)", "类别", "场所类型", "地点", "描述", "紧急", "状态", "照片",
                           "单位"])
        thread_csv.writerow(["举报编号", "时间(UTC)", "来自", "类型", "状态", "内容", "照片"])
        for tip in tips:
            names = []
            by_event: dict[int | None, list[str]] = {}
            for index, photo in enumerate(tip.photos, start=1):
                name = f"tip-{tip.id}-{index}.jpg"
                (photos_dir / name).write_bytes(photo.data)
                names.append(name)
                by_event.setdefault(photo.event_id, []).append(name)
                photo_count += 1
            tips_csv.writerow([
                tip.id, tip.created_hour.isoformat(), _topic_label(tip.category), _place_label(tip.place_type),
                tip.location, tip.description, "是" if tip.urgent else "否", tip.status_label, " ".join(names),
                unit_names.get(tip.unit_id, "") if tip.unit_id is not None else "",
            ])
            for event in tip.events:
                thread_csv.writerow([
                    tip.id, event.at.isoformat(), event.author.label,
                    event.kind, event.status_label, event.text,
                    " ".join(by_event.get(event.id, [])),
                ])
    return ExportResult(csv_path, thread_path, len(tips), photo_count)


def _topic_label(code: str) -> str:
    topic = TOPICS_BY_CODE.get(code)
    return topic.label if topic else code


def _place_label(code: str) -> str:
    place = PLACES_BY_CODE.get(code)
    return place.label if place else code


topic_label = _topic_label
place_label = _place_label
