"""What the three tip conversations share: keyboards of typed callbacks, message filters, the photo
download (report and follow-up) and the answer to anything but text where text is wanted."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import filters

from bot import tip_callbacks as cb
from bot import tip_messages as msg
from bot.context import AnkangContext
from bot.parts import message_of
from tips.photos import MAX_PHOTO_BYTES, CleanPhoto, PhotoRejected, sanitize

TEXT = filters.TEXT & ~filters.COMMAND
IMAGE = filters.PHOTO | filters.Document.IMAGE
# Anything that is neither text, an image, nor a command: stickers, voice, locations, files …
OTHER = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL


def keyboard(rows: Sequence[Sequence[tuple[str, cb.Callback]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data.pack()) for text, data in row]
                                 for row in rows])


def pairs(items: Sequence[tuple[str, cb.Callback]], per_row: int = 2) -> list[list[tuple[str, cb.Callback]]]:
    return [list(items[i : i + per_row]) for i in range(0, len(items), per_row)]


async def download_clean_photo(message: Message, context: AnkangContext) -> CleanPhoto:
    """Fetch the image in ``message`` and return it sanitised; raise PhotoRejected."""
    item = message.photo[-1] if message.photo else message.document
    if item is None:  # the IMAGE filter lets only photos and image documents through
        raise PhotoRejected("not_image")
    if item.file_size and item.file_size > MAX_PHOTO_BYTES:
        raise PhotoRejected("too_large")
    # A few photos at a time, whatever the number of chats sending them: a 10 MB upload is tens of
    # MB while it is downloaded and decoded (issue 17: 20 at once peaked at 1.7 GB).
    async with context.services.tips.photo_slots:
        telegram_file = await context.bot.get_file(item.file_id)
        data = await telegram_file.download_as_bytearray()
        # Re-encoding is CPU work: keep it off the event loop so other chats are not delayed.
        return await asyncio.to_thread(sanitize, bytes(data))


async def need_text(update: Update, context: AnkangContext) -> None:
    await message_of(update).reply_text(msg.NEED_TEXT)
