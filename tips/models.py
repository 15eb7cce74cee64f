"""Tables of the anonymous hazard tips: nothing in them identifies who sent a tip.

No Telegram user/chat id, name, username, phone, message id or file id is ever stored here;
creation times are coarsened to the hour; photos are re-encoded without metadata.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, StrEnumType, UTCDateTime


class TipStatus(StrEnum):
    """Where a tip stands, stored by its value; people read ``label`` (one table, STATUS_LABELS)."""

    NEW = "new"
    ACCEPTED = "accepted"
    VERIFYING = "verifying"
    RECTIFYING = "rectifying"
    REVIEWING = "reviewing"  # reopened at the tipper's request after closing (复查)
    CLOSED = "closed"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


# The one Chinese label table of tip statuses: the bot, the web pages, the console, the CLI and
# the export all read it (through ``TipStatus.label``).
STATUS_LABELS: dict[TipStatus, str] = {
    TipStatus.NEW: "待受理",
    TipStatus.ACCEPTED: "已受理",
    TipStatus.VERIFYING: "核查中",
    TipStatus.RECTIFYING: "整改中",
    TipStatus.REVIEWING: "复查中",
    TipStatus.CLOSED: "已办结",
    TipStatus.REJECTED: "不予受理",
}

# The usual path through the statuses; 不予受理 can end it at any open step.
STATUS_ORDER: tuple[TipStatus, ...] = (
    TipStatus.NEW, TipStatus.ACCEPTED, TipStatus.VERIFYING, TipStatus.RECTIFYING, TipStatus.CLOSED,
)
# 复查中 is outside the usual path: only a tipper's review request leads there, and it leads to 已办结 again.
ALL_STATUSES: tuple[TipStatus, ...] = STATUS_ORDER[:-1] + (TipStatus.REVIEWING, TipStatus.CLOSED, TipStatus.REJECTED)
FINAL_STATUSES: frozenset[TipStatus] = frozenset({TipStatus.CLOSED, TipStatus.REJECTED})
OPEN_STATUSES: tuple[TipStatus, ...] = tuple(s for s in ALL_STATUSES if s not in FINAL_STATUSES)


def parse_status(value: str | None) -> TipStatus | None:
    """The status whose code is ``value`` (a query parameter, a form field, callback data), or None."""
    if value is None:
        return None
    try:
        return TipStatus(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PlaceType:
    code: str
    label: str


PLACE_TYPES: tuple[PlaceType, ...] = (
    PlaceType("workshop", "工厂车间"),
    PlaceType("site", "建筑工地"),
    PlaceType("mine", "矿山井下"),
    PlaceType("warehouse", "仓库物流"),
    PlaceType("road", "道路运输"),
    PlaceType("mall", "商场超市"),
    PlaceType("eatery", "餐饮店"),
    PlaceType("hotel", "宾馆酒店"),
    PlaceType("hospital", "医院诊所"),
    PlaceType("school", "学校"),
    PlaceType("nursing_home", "养老机构"),
    PlaceType("office", "办公场所"),
    PlaceType("public", "公共场所"),
    PlaceType("other", "其他"),
)
PLACES_BY_CODE: dict[str, PlaceType] = {p.code: p for p in PLACE_TYPES}


class Author(StrEnum):
    """Who wrote an event of a tip's thread, stored by its value; people read ``label``."""

    TIPPER = "tipper"
    UNION = "union"

    @property
    def label(self) -> str:
        return AUTHOR_LABELS[self]


# The one Chinese label table of thread authors (the console, the bot's thread view, the export).
AUTHOR_LABELS: dict[Author, str] = {Author.TIPPER: "举报人", Author.UNION: "工会"}


class EventKind(StrEnum):
    """What an event of a tip's thread is, stored by its value; people read ``label``."""

    SUBMITTED = "submitted"
    STATUS = "status"
    MESSAGE = "message"
    REVIEW = "review"  # the tipper asks for a 复查, with a reason

    @property
    def label(self) -> str:
        return EVENT_KIND_LABELS[self]


# The one Chinese label table of thread events.
EVENT_KIND_LABELS: dict[EventKind, str] = {
    EventKind.SUBMITTED: "提交举报",
    EventKind.STATUS: "状态变更",
    EventKind.MESSAGE: "留言",
    EventKind.REVIEW: "申请复查",
}


class Tip(Base):
    """One hazard report. Deliberately holds no sender identifiers (see docs/threat-model-tips.md)."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Coarsened to the hour so the time cannot be matched against Telegram or server activity.
    created_hour: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    place_type: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    status: Mapped[TipStatus] = mapped_column(StrEnumType(TipStatus, 16), default=TipStatus.NEW, index=True)
    # A short public prefix to find candidate rows, and the slow salted argon2id hash of the code.
    receipt_lookup: Mapped[str] = mapped_column(String(8), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(160))

    # --- The case (issue 16). Nothing here is about the tipper: owners and notes are union staff's.
    # The admin handling the tip (a Telegram user id of union staff), or None.
    owner_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    # The tipper added something no handler has opened yet ("新补充" in the inbox).
    tipper_unread: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Whether the on-duty staff have been told of the tip (urgent: the alert; others: the digest).
    digested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
    # Deadlines (end of a calendar day in the configured time zone); None for tips from before them.
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    feedback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the union last closed or rejected the tip: starts the 复查 window and the retention clock.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # The tipper asked for a 复查 (the flag stays after the review is closed again).
    review_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why the tip was not accepted: a code of REJECT_REASONS.
    reject_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    # 有效举报: recognised as a valid report, with a short note the tipper reads.
    recognized: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recognition_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A legal hold keeps the tip past its retention (the reason is shown in the console; audited).
    hold_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # The unit the tip is routed to (issue 12, point 4): the tipper's choice, never their membership;
    # None for a tip to the union as a whole. Retiring or merging the unit moves open tips to its heir.
    # No foreign key: the tips branch of the migrations stays independent of org's (a cross-branch
    # dependency hides a branch's head from ``db current``); units are never deleted, only retired.
    unit_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)

    events: Mapped[list[TipEvent]] = relationship(
        back_populates="tip", order_by="TipEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[TipPhoto]] = relationship(
        back_populates="tip", order_by="TipPhoto.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[TipNote]] = relationship(
        back_populates="tip", order_by="TipNote.id", cascade="all, delete-orphan"
    )

    @property
    def reject_reason_label(self) -> str:
        reason = REJECT_REASONS_BY_CODE.get(self.reject_reason or "")
        return reason.label if reason else ""

    @property
    def is_open(self) -> bool:
        return not self.status.is_final

    @property
    def status_label(self) -> str:
        return self.status.label


class TipEvent(Base):
    """The tip's thread: submission, status changes with notes, and messages from either side."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    # Tipper events are coarsened to the hour like the tip; union events keep the exact time.
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[EventKind] = mapped_column(StrEnumType(EventKind, 16))
    author: Mapped[Author] = mapped_column(StrEnumType(Author, 8))
    status: Mapped[TipStatus | None] = mapped_column(StrEnumType(TipStatus, 16), default=None)
    text: Mapped[str] = mapped_column(Text, default="")

    tip: Mapped[Tip] = relationship(back_populates="events")
    photos: Mapped[list[TipPhoto]] = relationship(back_populates="event", order_by="TipPhoto.id")

    @property
    def status_label(self) -> str:
        """The label of the status this event set ("" for other events)."""
        return self.status.label if self.status is not None else ""


class TipPhoto(Base):
    """A photo re-encoded without metadata; stored in the database so one backup holds everything."""

    __tablename__ = "tip_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("tip_events.id", ondelete="CASCADE"), default=None)
    content_type: Mapped[str] = mapped_column(String(32), default="image/jpeg")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    tip: Mapped[Tip] = relationship(back_populates="photos")
    event: Mapped[TipEvent | None] = relationship(back_populates="photos")


class TipNote(Base):
    """A handler's private note on a tip: for union staff only, never shown to the tipper.

    A table of its own, so no query that builds the tipper's thread can reach it by accident.
    """

    __tablename__ = "tip_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    admin_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)

    tip: Mapped[Tip] = relationship(back_populates="notes")


class TipReminder(Base):
    """A deadline notice already sent for a tip (so a restart sends none twice): ``kind`` is
    ``ack.remind``, ``ack.escalate``, ``feedback.remind`` or ``feedback.escalate``."""

    __tablename__ = "tip_reminders"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)


class TipPurgeCount(Base):
    """What the retention purge leaves of purged tips: counts per month, category and outcome, nothing else."""

    __tablename__ = "tip_purge_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purged_on: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the purge run, to the day
    created_month: Mapped[str] = mapped_column(String(7))  # "2026-03", local time
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[TipStatus] = mapped_column(StrEnumType(TipStatus, 16))
    urgent: Mapped[bool] = mapped_column(Boolean)
    recognized: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class RejectReason:
    code: str
    label: str


# Why a tip is not accepted (不予受理): the handler picks one; the tipper reads its label.
REJECT_REASONS: tuple[RejectReason, ...] = (
    RejectReason("not_safety", "不属于安全生产隐患（如工资、合同、社保问题）"),
    RejectReason("authority", "属于政府部门职责，需向主管部门反映"),
    RejectReason("emergency", "正在发生的紧急情况，需立即报警求助"),
    RejectReason("duplicate", "与已受理的举报重复"),
    RejectReason("insufficient", "信息不足，无法核实（地点或情况不清）"),
    RejectReason("outside_area", "不在本工会服务范围内"),
)
REJECT_REASONS_BY_CODE: dict[str, RejectReason] = {r.code: r for r in REJECT_REASONS}


@dataclass(frozen=True, slots=True)
class Channel:
    """An official channel a worker can use besides the union."""

    number: str
    label: str


WORK_SAFETY = Channel("12350", "安全生产举报投诉热线（应急管理部门）")
LABOUR = Channel("12333", "人力资源和社会保障服务热线（工资、劳动合同、工伤保险）")
UNION_HOTLINE = Channel("12351", "工会职工服务热线")
EMERGENCY = Channel("119 / 120 / 110", "火警 / 急救 / 报警")

# The channel that fits a tip's category (消防、燃气、矿山… are work safety; 职工权益 is labour).
CHANNEL_BY_CATEGORY: dict[str, Channel] = {"rights": LABOUR, "emergency": EMERGENCY}
# A rejection reason that points elsewhere whatever the category.
CHANNEL_BY_REASON: dict[str, Channel] = {
    "emergency": EMERGENCY, "not_safety": LABOUR, "outside_area": UNION_HOTLINE,
}


def official_channel(category: str, reason: str | None = None) -> Channel:
    """Where the tipper can turn instead (shown with 不予受理): by the reason first, then the category."""
    if reason in CHANNEL_BY_REASON:
        return CHANNEL_BY_REASON[reason]
    return CHANNEL_BY_CATEGORY.get(category, WORK_SAFETY)
