"""Callback data of the 学时 buttons: a certificate's download under /mystudy. Built and parsed here only.

Format ``st:c:<certificate id>``. ``parse`` returns None for anything malformed or forged; whether the
certificate is the presser's own is the handler's business (``study.certificates.certificate_of``).
The 读完了 button under a lesson is a lesson button (``bot/lesson_callbacks.py``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = re.compile(r"^st:")
MAX_BYTES = 64
_ID = re.compile(r"^[1-9][0-9]{0,9}$")


@dataclass(frozen=True, slots=True)
class DownloadCertificate:
    certificate_id: int


Callback = DownloadCertificate


def build(cb: Callback) -> str:
    match cb:
        case DownloadCertificate(certificate_id) if certificate_id > 0:
            data = f"st:c:{certificate_id}"
        case _:
            raise ValueError(f"no callback data for {cb!r}")
    assert len(data.encode()) <= MAX_BYTES, data
    return data


def parse(data: str | None) -> Callback | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    match data.split(":"):
        case ["st", "c", number] if _ID.match(number):
            return DownloadCertificate(int(number))
    return None
