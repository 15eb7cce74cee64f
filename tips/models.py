"""Tables of the anonymous hazard tips: nothing in them identifies who sent a tip.

No Telegram user/chat id, name, username, phone, message id or file id is ever stored here;
creation times are coarsened to the hour; photos are re-encoded without metadata.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, StrEnumType, UTCDateTime


class TipStatus(StrEnum):
    """Where a tip stands, stored by its value; people read ``label`` (one table, STATUS_LABELS)."""

    NEW = "new"
    ACCEPTED = "accepted"
    VERIFYING = "verifying"
    RECTIFYING = "rectifying"
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
    TipStatus.CLOSED: "已办结",
    TipStatus.REJECTED: "不予受理",
}

# The usual path through the statuses; 不予受理 can end it at any open step.
STATUS_ORDER: tuple[TipStatus, ...] = (
    TipStatus.NEW, TipStatus.ACCEPTED, TipStatus.VERIFYING, TipStatus.RECTIFYING, TipStatus.CLOSED,
)
ALL_STATUSES: tuple[TipStatus, ...] = STATUS_ORDER + (TipStatus.REJECTED,)
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

    @property
    def label(self) -> str:
        return EVENT_KIND_LABELS[self]


# The one Chinese label table of thread events.
EVENT_KIND_LABELS: dict[EventKind, str] = {
    EventKind.SUBMITTED: "提交举报",
    EventKind.STATUS: "状态变更",
    EventKind.MESSAGE: "留言",
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

    events: Mapped[list[TipEvent]] = relationship(
        back_populates="tip", order_by="TipEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[TipPhoto]] = relationship(
        back_populates="tip", order_by="TipPhoto.id", cascade="all, delete-orphan"
    )

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
