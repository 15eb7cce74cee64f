"""The first handler every update meets (group -3): input no handler could process safely is
answered here, once, with a friendly message, and goes no further.

- Text, captions, callback data or inline queries holding U+0000 or a lone surrogate (JSON can
  carry "\\ud800"; UTF-8 cannot encode it and PostgreSQL refuses NUL): every step after would
  fail on it, in a reply, a database write or a log line.
- Buttons pressed under a message sent through inline mode: such a callback carries no message
  (only ``inline_message_id``), and Ankang's inline results have no buttons, so the data is not
  ours; it is answered so the worker's client stops waiting.
"""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot import messages
from bot.context import AnkangContext
from core.cleantext import has_unstorable

GROUP = -3


def _texts(update: Update) -> list[str | None]:
    texts: list[str | None] = []
    message = update.effective_message
    if message is not None:
        texts += [message.text, message.caption]
    if update.callback_query is not None:
        texts.append(update.callback_query.data)
    if update.inline_query is not None:
        texts.append(update.inline_query.query)
    return texts


async def hostile_input(update: object, context: AnkangContext) -> None:
    """Stop updates that carry unstorable characters or come from an inline message's button."""
    if not isinstance(update, Update):
        return
    query = update.callback_query
    if query is not None and query.message is None:
        await query.answer(messages.INLINE_BUTTON)
        raise ApplicationHandlerStop
    if not any(has_unstorable(text) for text in _texts(update)):
        return
    if query is not None:
        await query.answer(messages.UNSTORABLE_TEXT, show_alert=True)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0)
    elif (update.message is not None and update.effective_chat is not None
          and update.effective_chat.type == ChatType.PRIVATE):
        await update.message.reply_text(messages.UNSTORABLE_TEXT)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, hostile_input), group=GROUP)
