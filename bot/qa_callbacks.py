"""Callback data of the question-answering buttons: built and parsed here only, well under 64 bytes.

Laws are referred to by their position in the loaded corpus (Chinese short names would not fit);
a stale or forged value parses to ``None`` or fails the look-up, and the handler says so kindly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "qa"
PATTERN = re.compile(r"^qa\|")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,48}\Z")


@dataclass(frozen=True, slots=True)
class ShowArticle:
    law: int
    number: int


@dataclass(frozen=True, slots=True)
class AskFaq:
    faq_id: str


@dataclass(frozen=True, slots=True)
class Feedback:
    faq_id: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class BrowseLaws:
    pass


@dataclass(frozen=True, slots=True)
class BrowseLaw:
    law: int
    page: int = 0


@dataclass(frozen=True, slots=True)
class BrowseChapter:
    law: int
    chapter: int
    page: int = 0


@dataclass(frozen=True, slots=True)
class AskUnion:
    """"🙋 问工会" under an unsure answer: reach a person (see bot.qa.ask_union)."""


Callback = ShowArticle | AskFaq | Feedback | BrowseLaws | BrowseLaw | BrowseChapter | AskUnion


def build(cb: Callback) -> str:
    match cb:
        case ShowArticle(law, number):
            data = f"qa|a|{law}|{number}"
        case AskFaq(faq_id):
            data = f"qa|f|{faq_id}"
        case Feedback(faq_id, helpful):
            data = f"qa|v|{int(helpful)}|{faq_id}"
        case BrowseLaws():
            data = "qa|L"
        case BrowseLaw(law, page):
            data = f"qa|l|{law}|{page}"
        case BrowseChapter(law, chapter, page):
            data = f"qa|c|{law}|{chapter}|{page}"
        case AskUnion():
            data = "qa|u"
        case _:
            raise TypeError(f"not a QA callback: {cb!r}")
    assert len(data.encode()) <= 64, data
    return data


def parse(data: str | None) -> Callback | None:
    """Parse callback data; anything malformed or forged gives None."""
    if not data or not data.startswith("qa|") or len(data) > 64:
        return None
    parts = data.split("|")[1:]
    try:
        match parts:
            case ["a", law, number]:
                return ShowArticle(_nat(law), _nat(number))
            case ["f", faq_id] if _ID.match(faq_id):
                return AskFaq(faq_id)
            case ["v", ("0" | "1") as helpful, faq_id] if _ID.match(faq_id):
                return Feedback(faq_id, helpful == "1")
            case ["L"]:
                return BrowseLaws()
            case ["l", law, page]:
                return BrowseLaw(_nat(law), _nat(page))
            case ["c", law, chapter, page]:
                return BrowseChapter(_nat(law), _nat(chapter), _nat(page))
            case ["u"]:
                return AskUnion()
    except ValueError:
        return None
    return None


_NAT = re.compile(r"[0-9]{1,6}")  # ASCII only: str.isdigit() also takes "²" and "①", which int() refuses


def _nat(value: str) -> int:
    if not _NAT.fullmatch(value):
        raise ValueError(value)
    return int(value)
