"""Rendering helpers shared by the bot's areas: HTML escaping, splitting long texts for Telegram, and
showing a screen in place of the message whose button was pressed."""
from __future__ import annotations

from html import escape
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

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
        while len(line) > limit:  # a single over-long line: cut it hard, never inside an HTML entity
            if current:
                chunks.append(current)
                current = ""
            cut = _safe_cut(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [text[:limit]]


def _safe_cut(line: str, limit: int) -> int:
    """Where to cut ``line`` at most ``limit`` characters in: before an entity (``&lt;``) it would split."""
    amp = line.rfind("&", max(0, limit - 10), limit)
    if amp != -1 and ";" not in line[amp:limit] and ";" in line[limit:amp + 10]:
        return amp or limit
    return limit


async def reply_long(message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
    """Reply with HTML ``text`` in as many messages under 4096 characters as it needs, the keyboard
    under the last; return the last. Every text built from user content goes out this way."""
    chunks = split_text(text)
    sent = message
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        sent = await message.reply_html(chunk, reply_markup=reply_markup if last else None)
    return sent


async def send_long(bot: Bot, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """``reply_long`` for a chat rather than a message (an admin's tip view after a button press)."""
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML,
                               reply_markup=reply_markup if last else None)


def h(text: object) -> str:
    """Escape a value for Telegram HTML."""
    return escape(str(text), quote=False)


def is_not_modified(exc: BadRequest) -> bool:
    """Telegram's answer to an edit that changes nothing ("message is not modified")."""
    return "not modified" in str(exc).lower()


async def edit_in_place(query: CallbackQuery, text: str | None = None, *,
                        reply_markup: InlineKeyboardMarkup | None = None, **options: Any) -> None:
    """Show ``text`` (Telegram HTML) and ``reply_markup`` in place of the pressed message, or only the
    keyboard when ``text`` is None. A second tap on the same button changes nothing, which Telegram
    refuses as "message is not modified": that is not an error here. ``options`` go to the edit."""
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=reply_markup)
        else:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=reply_markup, **options)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise
