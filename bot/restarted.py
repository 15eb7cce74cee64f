"""After a restart or a takeover, a worker who goes on with a conversation the old process held is
told plainly what was lost (issue 14, point 5), instead of having the message taken for something else.

Conversations live in the memory of the process that receives updates (tip drafts must: they never
reach any storage). ``core.conversations.ConversationMarks`` keeps a digest of who had which flow
open; the new process takes them over before its first update. Here, in the group after the
emergencies (an emergency is answered first, always), the first update from such a chat and user is
answered with one sentence per lost flow. A typed step or an old button goes no further — a tip's
description must not be answered, or stored, as a question. A command goes on: the worker is
starting again (/report) or elsewhere, and the command answers after the notice.
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import messages
from bot.context import AnkangContext

GROUP = -1


async def tell_lost(update: object, context: AnkangContext) -> None:
    """Tell a worker, once, which conversations a restart lost; stop what they sent with it unless a command."""
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return
    flows = context.services.marks.lost(update.effective_chat.id, update.effective_user.id)
    if not flows:
        return
    text = messages.restarted(flows)
    query = update.callback_query
    if query is not None:
        await query.answer(messages.RESTARTED_BUTTON)
    await context.bot.send_message(update.effective_chat.id, text)
    message = update.message or update.edited_message
    if message is not None and (message.text or "").startswith("/"):
        return  # a command: it is answered after the notice
    raise ApplicationHandlerStop
