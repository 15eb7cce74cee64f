"""Callback data of the campaign buttons (the invitation, /campaign): built and parsed here only.

Format ``cp:s:<campaign id>`` (start a counted attempt) and ``cp:p:<campaign id>`` (practice). ``parse``
returns None for anything malformed or forged; a campaign that no longer exists is the handler's business.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = re.compile(r"^cp:")
MAX_BYTES = 64
_ID = re.compile(r"^[1-9][0-9]{0,8}$")  # an integer column: 9 digits at most


@dataclass(frozen=True, slots=True)
class StartAttempt:
    campaign_id: int


@dataclass(frozen=True, slots=True)
class Practice:
    campaign_id: int


Callback = StartAttempt | Practice


def build(cb: Callback) -> str:
    match cb:
        case StartAttempt(campaign_id) if campaign_id > 0:
            data = f"cp:s:{campaign_id}"
        case Practice(campaign_id) if campaign_id > 0:
            data = f"cp:p:{campaign_id}"
        case _:
            raise ValueError(f"no callback data for {cb!r}")
    assert len(data.encode()) <= MAX_BYTES, data
    return data


def parse(data: str | None) -> Callback | None:
    """Parse callback data; anything malformed or forged gives None."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    match data.split(":"):
        case ["cp", "s", campaign_id] if _ID.match(campaign_id):
            return StartAttempt(int(campaign_id))
        case ["cp", "p", campaign_id] if _ID.match(campaign_id):
            return Practice(int(campaign_id))
    return None
