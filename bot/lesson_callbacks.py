"""Callback data of the workers' 微课堂 buttons (topic picker, browsing, lessons, name consent): built and
parsed here only, well under 64 bytes.

Format ``ls:<verb>[:<arg>]``. ``parse`` returns None for anything malformed, forged or from an older
keyboard it no longer understands, so the handler answers it as a stale button. Admins' broadcast
buttons are in ``bot/schedule_callbacks.py``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from broadcasts.models import ALL_TOPICS
from core.topics import BY_CODE

MAX_BYTES = 64
PATTERN = re.compile(r"^ls:")
_LESSON_ID = re.compile(r"^[A-Za-z0-9_-]{1,48}\Z")


@dataclass(frozen=True, slots=True)
class OpenPicker:
    """Open the topic picker (under a message that suggests subscribing)."""


@dataclass(frozen=True, slots=True)
class ToggleTopic:
    """Tick or untick a topic (or 全部) in the picker; saved by SavePicker."""

    topic: str


@dataclass(frozen=True, slots=True)
class SavePicker:
    pass


@dataclass(frozen=True, slots=True)
class ClosePicker:
    """Close the picker without saving."""


@dataclass(frozen=True, slots=True)
class BrowseMenu:
    """Back to the /lessons topic menu."""


@dataclass(frozen=True, slots=True)
class BrowseTopic:
    topic: str


@dataclass(frozen=True, slots=True)
class ReadLesson:
    lesson_id: str


@dataclass(frozen=True, slots=True)
class FinishedReading:
    """读完了 under a lesson: credit its 学时 (once, however often it is pressed)."""

    lesson_id: str


@dataclass(frozen=True, slots=True)
class NameConsent:
    """Show (or hide) the worker's name on the leaderboard."""

    show: bool


Callback = (OpenPicker | ToggleTopic | SavePicker | ClosePicker | BrowseMenu | BrowseTopic | ReadLesson
            | FinishedReading | NameConsent)


def lesson_id_fits(lesson_id: str) -> bool:
    """Whether a lesson can have a button (an id too long or unusual is read with /next, or from the CLI)."""
    return bool(_LESSON_ID.match(lesson_id))


def build(cb: Callback) -> str:
    match cb:
        case OpenPicker():
            data = "ls:open"
        case ToggleTopic(topic) if is_topic(topic):
            data = f"ls:t:{topic}"
        case SavePicker():
            data = "ls:done"
        case ClosePicker():
            data = "ls:no"
        case BrowseMenu():
            data = "ls:bm"
        case BrowseTopic(topic) if is_topic(topic):
            data = f"ls:b:{topic}"
        case ReadLesson(lesson_id) if lesson_id_fits(lesson_id):
            data = f"ls:l:{lesson_id}"
        case FinishedReading(lesson_id) if lesson_id_fits(lesson_id):
            data = f"ls:rd:{lesson_id}"
        case NameConsent(show):
            data = f"ls:cn:{int(show)}"
        case _:
            raise ValueError(f"no callback data for {cb!r}")
    assert len(data.encode()) <= MAX_BYTES, data
    return data


def parse(data: str | None) -> Callback | None:
    """Parse callback data; anything malformed, forged or stale gives None."""
    if not data or not data.startswith("ls:") or len(data.encode()) > MAX_BYTES:
        return None
    match data.split(":")[1:]:
        case ["open"]:
            return OpenPicker()
        case ["t", topic] if is_topic(topic):
            return ToggleTopic(topic)
        case ["done"]:
            return SavePicker()
        case ["no"]:
            return ClosePicker()
        case ["bm"]:
            return BrowseMenu()
        case ["b", topic] if is_topic(topic):
            return BrowseTopic(topic)
        case ["l", lesson_id] if lesson_id_fits(lesson_id):
            return ReadLesson(lesson_id)
        case ["rd", lesson_id] if lesson_id_fits(lesson_id):
            return FinishedReading(lesson_id)
        case ["cn", ("0" | "1") as show]:
            return NameConsent(show == "1")
    return None


def is_topic(code: str) -> bool:
    """A topic code, or ``all`` (全部)."""
    return code == ALL_TOPICS or code in BY_CODE
