"""Typed callback data of 问工会 (prefix ``ho``): built and parsed here only, ASCII, well under 64 bytes.

``parse`` gives None for anything stale or forged; the handlers then say so kindly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = re.compile(r"^ho\|")


@dataclass(frozen=True, slots=True)
class SendDraft:
    """The worker confirms the question shown (the draft kept in the chat's data)."""


@dataclass(frozen=True, slots=True)
class EditDraft:
    """The worker wants to change the question before sending it."""


@dataclass(frozen=True, slots=True)
class DropDraft:
    """The worker decides not to ask after all."""


@dataclass(frozen=True, slots=True)
class Rate:
    handoff_id: int
    helpful: bool


@dataclass(frozen=True, slots=True)
class FollowUp:
    """继续追问 under an answer."""

    handoff_id: int


@dataclass(frozen=True, slots=True)
class Answer:
    """A staff member's 回答."""

    handoff_id: int


@dataclass(frozen=True, slots=True)
class ToFaq:
    """A staff member's 转为FAQ: a login link to the console's FAQ form, prefilled."""

    handoff_id: int


Callback = SendDraft | EditDraft | DropDraft | Rate | FollowUp | Answer | ToFaq


def build(cb: Callback) -> str:
    match cb:
        case SendDraft():
            return "ho|s"
        case EditDraft():
            return "ho|e"
        case DropDraft():
            return "ho|x"
        case Rate(handoff_id, helpful):
            return f"ho|r|{handoff_id}|{int(helpful)}"
        case FollowUp(handoff_id):
            return f"ho|f|{handoff_id}"
        case Answer(handoff_id):
            return f"ho|a|{handoff_id}"
        case ToFaq(handoff_id):
            return f"ho|q|{handoff_id}"
    raise TypeError(f"not a handoff callback: {cb!r}")


def parse(data: str | None) -> Callback | None:
    """Parse callback data; anything malformed or forged gives None."""
    if not data or len(data) > 64 or not data.isascii():
        return None
    match data.split("|"):
        case ["ho", "s"]:
            return SendDraft()
        case ["ho", "e"]:
            return EditDraft()
        case ["ho", "x"]:
            return DropDraft()
        case ["ho", "r", handoff_id, ("0" | "1") as helpful] if _is_id(handoff_id):
            return Rate(int(handoff_id), helpful == "1")
        case ["ho", "f", handoff_id] if _is_id(handoff_id):
            return FollowUp(int(handoff_id))
        case ["ho", "a", handoff_id] if _is_id(handoff_id):
            return Answer(int(handoff_id))
        case ["ho", "q", handoff_id] if _is_id(handoff_id):
            return ToFaq(int(handoff_id))
    return None


def matches(*kinds: type) -> re.Pattern[str]:
    """A pattern for CallbackQueryHandler that matches the given kinds (by their code letter)."""
    codes = {SendDraft: "s", EditDraft: "e", DropDraft: "x", Rate: "r", FollowUp: "f", Answer: "a", ToFaq: "q"}
    letters = "".join(codes[k] for k in kinds)
    return re.compile(rf"^ho\|[{letters}](\||$)")


def _is_id(text: str) -> bool:
    return text.isdigit() and 0 < len(text) <= 9
