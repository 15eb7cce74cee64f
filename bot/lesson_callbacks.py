"""Callback data of the 微课堂 buttons: one typed contract, built and parsed here, ≤ 64 bytes.

Format ``<area>:<verb>[:<arg>]``; ``parse`` returns None for anything stale or forged, so the
common stale-button handler answers it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from broadcasts.models import ALL_TOPICS
from core.topics import BY_CODE

MAX_BYTES = 64
# Workers' buttons ("ls:…") and admins' buttons ("bc:…" for /broadcasts, "sc:…" for /schedule).
PATTERN = re.compile(r"^(ls|bc|sc):")
WORKER_PATTERN = re.compile(r"^ls:")
ADMIN_PATTERN = re.compile(r"^bc:")
SCHEDULE_PATTERN = re.compile(r"^sc:")
# Inside /schedule: the steps' own buttons, and 取消 (a fallback, the same at every step).
SCHEDULE_STEP_PATTERN = re.compile(r"^sc:(?!no$)")
SCHEDULE_CANCEL_PATTERN = re.compile(r"^sc:no$")

_ARG_RE = re.compile(r"^[A-Za-z0-9_\-]{1,48}$")


@dataclass(frozen=True, slots=True)
class Data:
    area: str  # "ls", "bc" or "sc"
    verb: str
    arg: str = ""

    def encode(self) -> str:
        text = f"{self.area}:{self.verb}:{self.arg}" if self.arg else f"{self.area}:{self.verb}"
        if len(text.encode()) > MAX_BYTES:
            raise ValueError(f"callback data too long: {text!r}")
        return text


# verb → what its argument must be
_VERBS: dict[str, dict[str, str]] = {
    "ls": {
        "open": "",  # open the topic picker
        "t": "topic",  # toggle a topic (or all) in the picker; saved by "done"
        "done": "",  # save the ticked topics and close the picker
        "no": "",  # close the picker without saving
        "bm": "",  # back to the /lessons topic menu
        "b": "topic",  # browse lessons of a topic
        "l": "id",  # read a lesson now
        "cn": "flag",  # leaderboard name consent on/off
    },
    "bc": {
        "p": "int", "r": "int",  # pause, resume a schedule
        "x": "int", "xy": "int",  # ask to delete a schedule; deletion confirmed
        "n": "int", "ny": "int",  # ask to send a schedule now; sending confirmed
        "s": "int",  # progress of an occurrence
        "pg": "int",  # a page of the /broadcasts list
        "l": "int",  # the /broadcasts page holding a schedule (取消 on a confirmation)
    },
    "sc": {
        "k": "id",  # step 1: lesson, series or text
        "lt": "topic", "lp": "topic_page",  # lessons of a topic (or all), a page of them
        "l": "id", "s": "int",  # a lesson, a series (by position)
        "bk": "id",  # back: to "what" (step 1) or "topics" (the lesson topics)
        "a": "topic", "ad": "",  # audience: toggle a topic or 全部; done
        "w": "id",  # when: now, once, weekly or cron
        "ok": "", "no": "",  # confirm; cancel (at any step)
    },
}


def parse(data: str | None) -> Data | None:
    """Parse callback data; None when it is not a well-formed 微课堂 button."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":", 2)
    if len(parts) < 2 or parts[0] not in _VERBS:
        return None
    area, verb = parts[0], parts[1]
    arg = parts[2] if len(parts) == 3 else ""
    kind = _VERBS[area].get(verb)
    if kind is None:
        return None
    if kind == "" and arg:
        return None
    if kind == "topic" and arg != ALL_TOPICS and arg not in BY_CODE:
        return None
    if kind == "int" and not (arg.isdigit() and len(arg) <= 12):
        return None
    if kind == "flag" and arg not in ("0", "1"):
        return None
    if kind == "id" and not _ARG_RE.match(arg):
        return None
    if kind == "topic_page":
        topic, _, page = arg.partition(".")
        if (topic != ALL_TOPICS and topic not in BY_CODE) or not (page.isdigit() and len(page) <= 4):
            return None
    return Data(area, verb, arg)


def topic_page(data: Data) -> tuple[str, int]:
    """The (topic, page) of a "topic_page" argument that ``parse`` accepted."""
    topic, _, page = data.arg.partition(".")
    return topic, int(page)


def open_picker() -> str:
    return Data("ls", "open").encode()


def toggle_topic(code: str) -> str:
    return Data("ls", "t", code).encode()


def picker_done() -> str:
    return Data("ls", "done").encode()


def close_picker() -> str:
    return Data("ls", "no").encode()


def browse_menu() -> str:
    return Data("ls", "bm").encode()


def browse_topic(code: str) -> str:
    return Data("ls", "b", code).encode()


def read_lesson(lesson_id: str) -> str | None:
    """None when the id would not fit (such a lesson gets no button)."""
    try:
        return Data("ls", "l", lesson_id).encode() if _ARG_RE.match(lesson_id) else None
    except ValueError:
        return None


def name_consent(show: bool) -> str:
    return Data("ls", "cn", "1" if show else "0").encode()


def schedule_action(verb: str, schedule_id: int) -> str:
    return Data("bc", verb, str(schedule_id)).encode()


def schedules_page(page: int) -> str:
    return Data("bc", "pg", str(page)).encode()


def occurrence_status(occurrence_id: int) -> str:
    return Data("bc", "s", str(occurrence_id)).encode()


def wizard(verb: str, arg: str = "") -> str:
    return Data("sc", verb, arg).encode()


def wizard_lessons(topic: str, page: int) -> str:
    return Data("sc", "lp", f"{topic}.{page}").encode()
