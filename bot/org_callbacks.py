"""Callback data of the unit buttons under /settings: built and parsed here only.

Format ``og:j:<unit id>`` (join that unit) and ``og:x`` (leave the unit). ``parse`` returns None for
anything malformed or forged; a unit that no longer exists is the handler's business.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = re.compile(r"^og:")
MAX_BYTES = 64
_ID = re.compile(r"^[1-9][0-9]{0,9}$")


@dataclass(frozen=True, slots=True)
class JoinUnit:
    unit_id: int


@dataclass(frozen=True, slots=True)
class LeaveUnit:
    pass


Callback = JoinUnit | LeaveUnit


def build(cb: Callback) -> str:
    match cb:
        case JoinUnit(unit_id) if unit_id > 0:
            data = f"og:j:{unit_id}"
        case LeaveUnit():
            data = "og:x"
        case _:
            raise ValueError(f"no callback data for {cb!r}")
    assert len(data.encode()) <= MAX_BYTES, data
    return data


def parse(data: str | None) -> Callback | None:
    """Parse callback data; anything malformed or forged gives None."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    match data.split(":"):
        case ["og", "j", unit_id] if _ID.match(unit_id):
            return JoinUnit(int(unit_id))
        case ["og", "x"]:
            return LeaveUnit()
    return None
