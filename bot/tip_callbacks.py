"""Typed callback data of the tip flow, the follow-up thread and triage: build and parse, never split() ad hoc.

Every payload is ASCII and well under Telegram's 64 bytes; ``parse`` returns None for anything
stale or forged, and the common stale-button handler answers those.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from core.topics import BY_CODE as TOPICS_BY_CODE
from tips.models import PLACES_BY_CODE, REJECT_REASONS_BY_CODE, TipStatus, parse_status


# --- The tipper's flow (prefix "tr") ---
@dataclass(frozen=True, slots=True)
class PickCategory:
    code: str

    def pack(self) -> str:
        return f"tr:c:{self.code}"


@dataclass(frozen=True, slots=True)
class PickPlace:
    code: str

    def pack(self) -> str:
        return f"tr:p:{self.code}"


@dataclass(frozen=True, slots=True)
class Skip:
    def pack(self) -> str:
        return "tr:skip"


@dataclass(frozen=True, slots=True)
class PhotosDone:
    def pack(self) -> str:
        return "tr:done"


@dataclass(frozen=True, slots=True)
class PickUrgency:
    urgent: bool

    def pack(self) -> str:
        return f"tr:u:{int(self.urgent)}"


@dataclass(frozen=True, slots=True)
class PickUnit:
    """Route the tip to this unit (issue 12, point 4); a unit gone meanwhile is the handler's business."""

    unit_id: int

    def pack(self) -> str:
        return f"tr:g:{self.unit_id}"


@dataclass(frozen=True, slots=True)
class NoUnit:
    """Route the tip to no unit: the union as a whole."""

    def pack(self) -> str:
        return "tr:g:-"


@dataclass(frozen=True, slots=True)
class ChangeUnit:
    """From the preview, back to the unit step."""

    def pack(self) -> str:
        return "tr:gc"


@dataclass(frozen=True, slots=True)
class Confirm:
    def pack(self) -> str:
        return "tr:ok"


@dataclass(frozen=True, slots=True)
class CancelReport:
    def pack(self) -> str:
        return "tr:x"


# --- The tipper's follow-up thread (prefix "tf") ---
@dataclass(frozen=True, slots=True)
class AddInfo:
    def pack(self) -> str:
        return "tf:add"


@dataclass(frozen=True, slots=True)
class EndFollowup:
    def pack(self) -> str:
        return "tf:end"


@dataclass(frozen=True, slots=True)
class AskReview:
    """The tipper asks for a 复查 of the closed tip they are viewing."""

    def pack(self) -> str:
        return "tf:rv"


# --- Admin triage (prefix "ta") ---
@dataclass(frozen=True, slots=True)
class ListTips:
    status: TipStatus | None = None
    category: str | None = None
    urgent_only: bool = False
    offset: int = 0

    def pack(self) -> str:
        return f"ta:l:{self.status or '-'}:{self.category or '-'}:{int(self.urgent_only)}:{self.offset}"


@dataclass(frozen=True, slots=True)
class OpenTip:
    tip_id: int

    def pack(self) -> str:
        return f"ta:o:{self.tip_id}"


@dataclass(frozen=True, slots=True)
class SetStatus:
    tip_id: int
    status: TipStatus

    def pack(self) -> str:
        return f"ta:s:{self.tip_id}:{self.status}"


@dataclass(frozen=True, slots=True)
class ReplyToTip:
    tip_id: int

    def pack(self) -> str:
        return f"ta:r:{self.tip_id}"


@dataclass(frozen=True, slots=True)
class TakeTip:
    """The admin makes themself the tip's owner."""

    tip_id: int

    def pack(self) -> str:
        return f"ta:t:{self.tip_id}"


@dataclass(frozen=True, slots=True)
class AddNote:
    """A private note for union staff."""

    tip_id: int

    def pack(self) -> str:
        return f"ta:n:{self.tip_id}"


@dataclass(frozen=True, slots=True)
class RejectWith:
    """不予受理 with one of ``tips.models.REJECT_REASONS``."""

    tip_id: int
    reason: str

    def pack(self) -> str:
        return f"ta:j:{self.tip_id}:{self.reason}"


@dataclass(frozen=True, slots=True)
class ConfirmAction:
    def pack(self) -> str:
        return "ta:k"


@dataclass(frozen=True, slots=True)
class CancelAction:
    def pack(self) -> str:
        return "ta:q"


Callback = (PickCategory | PickPlace | Skip | PhotosDone | PickUrgency | PickUnit | NoUnit | ChangeUnit | Confirm
            | CancelReport | AddInfo | EndFollowup | AskReview | ListTips | OpenTip | SetStatus | ReplyToTip | TakeTip
            | AddNote | RejectWith | ConfirmAction | CancelAction)

_SIMPLE: dict[str, Callback] = {"tr:skip": Skip(), "tr:done": PhotosDone(), "tr:ok": Confirm(), "tr:x": CancelReport(),
           "tr:g:-": NoUnit(), "tr:gc": ChangeUnit(),
           "tf:add": AddInfo(), "tf:end": EndFollowup(),
           "tf:rv": AskReview(), "tr:u:1": PickUrgency(True), "tr:u:0": PickUrgency(False),
           "ta:k": ConfirmAction(), "ta:q": CancelAction()}


C = TypeVar("C", bound=Callback)
_NAT = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes "²" and "①", which int() refuses


def _int(text: str) -> int | None:
    return int(text) if _NAT.fullmatch(text) else None


def parse(data: object) -> Callback | None:
    """The typed callback for ``data``, or None when it is not one of ours or is malformed."""
    if not isinstance(data, str) or len(data) > 64:
        return None
    if data in _SIMPLE:
        return _SIMPLE[data]
    parts = data.split(":")
    match parts:
        case ["tr", "c", code] if code in TOPICS_BY_CODE:
            return PickCategory(code)
        case ["tr", "p", code] if code in PLACES_BY_CODE:
            return PickPlace(code)
        case ["tr", "g", unit_id] if (number := _int(unit_id)) is not None and number > 0:
            return PickUnit(number)
        case ["ta", "l", status, category, urgent, offset]:
            chosen = None if status == "-" else parse_status(status)
            if (status != "-" and chosen is None) or (category != "-" and category not in TOPICS_BY_CODE):
                return None
            if urgent not in ("0", "1") or (start := _int(offset)) is None:
                return None
            return ListTips(chosen, None if category == "-" else category, urgent == "1", start)
        case ["ta", "o", tip_id] if (number := _int(tip_id)) is not None:
            return OpenTip(number)
        case ["ta", "s", tip_id, status] if (number := _int(tip_id)) is not None and parse_status(status) is not None:
            return SetStatus(number, TipStatus(status))
        case ["ta", "r", tip_id] if (number := _int(tip_id)) is not None:
            return ReplyToTip(number)
        case ["ta", "t", tip_id] if (number := _int(tip_id)) is not None:
            return TakeTip(number)
        case ["ta", "n", tip_id] if (number := _int(tip_id)) is not None:
            return AddNote(number)
        case ["ta", "j", tip_id, reason] if (number := _int(tip_id)) is not None and reason in REJECT_REASONS_BY_CODE:
            return RejectWith(number, reason)
    return None


def matches(kind: type[Callback]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern accepting only data that parses to ``kind``."""
    return lambda data: isinstance(parse(data), kind)


def parse_as(data: object, kind: type[C]) -> C:
    """The callback of a handler registered with ``pattern=matches(kind)``: its pattern let only
    data of that kind through, so anything else is a registration mistake."""
    parsed = parse(data)
    if not isinstance(parsed, kind):
        raise ValueError(f"callback data is not a {kind.__name__}")
    return parsed
