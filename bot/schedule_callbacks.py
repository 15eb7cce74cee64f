"""Callback data of the admins' broadcast buttons: the /broadcasts screens (``bc:``) and the /schedule
wizard's steps (``sc:``). Built and parsed here only, well under 64 bytes.

Numbers are ASCII digits of bounded length; topics, kinds and lesson ids are checked against what
exists. ``parse`` returns None for anything malformed, forged or from an older keyboard, so the
handler answers it as a stale button instead of failing on it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.lesson_callbacks import is_topic, lesson_id_fits
from broadcasts.schedules import KINDS

MAX_BYTES = 64
# /broadcasts buttons; the wizard's buttons, its steps' own and 取消 (a fallback, the same at every step).
LIST_PATTERN = re.compile(r"^bc:")
WIZARD_STEP_PATTERN = re.compile(r"^sc:(?!no$)")
WIZARD_CANCEL_PATTERN = re.compile(r"^sc:no$")

_ID_DIGITS = 9  # schedule and occurrence ids, pages, series positions
_NAT = re.compile(rf"^[0-9]{{1,{_ID_DIGITS}}}\Z")  # ASCII only: str.isdigit() also takes "²" and "١"


# --- /broadcasts -------------------------------------------------------------------------------------


class Act(StrEnum):
    """What a schedule's button in /broadcasts does (its callback verb)."""

    PAUSE = "p"
    RESUME = "r"
    ASK_DELETE = "x"  # 删除 asks first…
    DELETE = "xy"  # …and 确定 deletes
    ASK_SEND_NOW = "n"
    SEND_NOW = "ny"


@dataclass(frozen=True, slots=True)
class ScheduleButton:
    act: Act
    schedule_id: int


@dataclass(frozen=True, slots=True)
class ShowProgress:
    """The progress of one firing (刷新进度)."""

    occurrence_id: int


@dataclass(frozen=True, slots=True)
class ListPage:
    page: int


@dataclass(frozen=True, slots=True)
class ListAround:
    """The /broadcasts page holding a schedule (取消 on a confirmation goes back there)."""

    schedule_id: int


ListCallback = ScheduleButton | ShowProgress | ListPage | ListAround


# --- the /schedule wizard ----------------------------------------------------------------------------

WhenChoice = Literal["now", "once", "weekly", "cron"]  # "now", or one of broadcasts.schedules.TRIGGERS


@dataclass(frozen=True, slots=True)
class PickKind:
    """Step 1: a lesson, the next lesson of a series, or a text announcement."""

    kind: str


@dataclass(frozen=True, slots=True)
class LessonTopic:
    """The lessons of a topic (or of all topics), first page."""

    topic: str


@dataclass(frozen=True, slots=True)
class LessonPage:
    topic: str
    page: int


@dataclass(frozen=True, slots=True)
class PickLesson:
    lesson_id: str


@dataclass(frozen=True, slots=True)
class PickSeries:
    """A series by its position in the library's list of series names."""

    index: int


@dataclass(frozen=True, slots=True)
class Back:
    """⬅️ 返回: to step 1 (``what``) or to the lesson topics (``topics``)."""

    to: Literal["what", "topics"]


@dataclass(frozen=True, slots=True)
class ToggleAudience:
    """Step 2: tick a topic, or pick 全部订阅者 (``all``)."""

    topic: str


@dataclass(frozen=True, slots=True)
class AudienceDone:
    pass


@dataclass(frozen=True, slots=True)
class PickUnit:
    """The push's scope: a unit and everything below it (found by name)."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class AllUnits:
    """The push's scope: the whole tree."""


@dataclass(frozen=True, slots=True)
class PickWhen:
    """Step 3: now, or how the time is given."""

    when: WhenChoice


@dataclass(frozen=True, slots=True)
class Confirm:
    pass


@dataclass(frozen=True, slots=True)
class Cancel:
    """取消, at any step."""


WizardCallback = (PickKind | LessonTopic | LessonPage | PickLesson | PickSeries | Back | ToggleAudience
                  | AudienceDone | PickUnit | AllUnits | PickWhen | Confirm | Cancel)
Callback = ListCallback | WizardCallback


def build(cb: Callback) -> str:
    match cb:
        case ScheduleButton(act, schedule_id):
            data = f"bc:{act.value}:{_nat(schedule_id)}"
        case ShowProgress(occurrence_id):
            data = f"bc:s:{_nat(occurrence_id)}"
        case ListPage(page):
            data = f"bc:pg:{_nat(page)}"
        case ListAround(schedule_id):
            data = f"bc:l:{_nat(schedule_id)}"
        case PickKind(kind) if kind in KINDS:
            data = f"sc:k:{kind}"
        case LessonTopic(topic) if is_topic(topic):
            data = f"sc:lt:{topic}"
        case LessonPage(topic, page) if is_topic(topic):
            data = f"sc:lp:{topic}.{_nat(page)}"
        case PickLesson(lesson_id) if lesson_id_fits(lesson_id):
            data = f"sc:l:{lesson_id}"
        case PickSeries(index):
            data = f"sc:s:{_nat(index)}"
        case Back(to) if to in ("what", "topics"):
            data = f"sc:bk:{to}"
        case ToggleAudience(topic) if is_topic(topic):
            data = f"sc:a:{topic}"
        case AudienceDone():
            data = "sc:ad"
        case PickUnit(unit_id) if unit_id > 0:
            data = f"sc:u:{_nat(unit_id)}"
        case AllUnits():
            data = "sc:ua"
        case PickWhen(when) if when in ("now", "once", "weekly", "cron"):
            data = f"sc:w:{when}"
        case Confirm():
            data = "sc:ok"
        case Cancel():
            data = "sc:no"
        case _:
            raise ValueError(f"no callback data for {cb!r}")
    assert len(data.encode()) <= MAX_BYTES, data
    return data


def parse(data: str | None) -> Callback | None:
    """Parse callback data; anything malformed, forged or stale gives None."""
    if not data or not data.startswith(("bc:", "sc:")) or len(data.encode()) > MAX_BYTES:
        return None
    match data.split(":"):
        case ["bc", verb, number] if verb in _ACTS and _NAT.match(number):
            return ScheduleButton(Act(verb), int(number))
        case ["bc", "s", number] if _NAT.match(number):
            return ShowProgress(int(number))
        case ["bc", "pg", number] if _NAT.match(number):
            return ListPage(int(number))
        case ["bc", "l", number] if _NAT.match(number):
            return ListAround(int(number))
        case ["sc", "k", kind] if kind in KINDS:
            return PickKind(kind)
        case ["sc", "lt", topic] if is_topic(topic):
            return LessonTopic(topic)
        case ["sc", "lp", topic_page]:
            topic, _, page = topic_page.partition(".")
            return LessonPage(topic, int(page)) if is_topic(topic) and _NAT.match(page) else None
        case ["sc", "l", lesson_id] if lesson_id_fits(lesson_id):
            return PickLesson(lesson_id)
        case ["sc", "s", number] if _NAT.match(number):
            return PickSeries(int(number))
        case ["sc", "bk", ("what" | "topics") as to]:
            return Back(to)
        case ["sc", "a", topic] if is_topic(topic):
            return ToggleAudience(topic)
        case ["sc", "ad"]:
            return AudienceDone()
        case ["sc", "u", number] if _NAT.match(number) and int(number) > 0:
            return PickUnit(int(number))
        case ["sc", "ua"]:
            return AllUnits()
        case ["sc", "w", ("now" | "once" | "weekly" | "cron") as when]:
            return PickWhen(when)
        case ["sc", "ok"]:
            return Confirm()
        case ["sc", "no"]:
            return Cancel()
    return None


_ACTS = {act.value for act in Act}


def _nat(value: int) -> str:
    text = str(value)
    if not _NAT.match(text):
        raise ValueError(f"not a small natural number: {value!r}")
    return text
