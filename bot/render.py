"""Rendering helpers shared by the bot's areas: HTML escaping and splitting long texts for Telegram."""
from __future__ import annotations

from html import escape

from telegram.constants import MessageLimit

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split plain or HTML text into chunks of at most ``limit`` characters at paragraph or line breaks.

    Callers splitting HTML must only put tags inside single lines, so a chunk never cuts a tag pair.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [text[:limit]]


def h(text: object) -> str:
    """Escape a value for Telegram HTML."""
    return escape(str(text), quote=False)
