"""Handlers every worker meets: /start, /help, unknown commands, non-text messages, blocks, errors."""
from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden

from bot import admin_invite, lesson_callbacks, messages, org, org_messages
from bot.context import AnkangContext, user_is_admin
from bot.parts import chat_member_of, chat_of, message_of, query_of
from core import users
from core.logging import redacted_traceback
from core.supervision import is_database_fault
from org import roles

log = logging.getLogger(__name__)


async def start(update: Update, context: AnkangContext) -> None:
    """Greet the worker and record them on first contact; a unit's deep link (u_<code>) also joins that unit."""
    chat = chat_of(update)
    language = update.effective_user.language_code if update.effective_user else None
    async with context.session() as session, session.begin():
        user, is_new = await users.record_user(session, chat.id, language)
        subscribed = user.subscribed
    payload = context.args[0] if context.args else ""
    if payload.startswith(roles.INVITE_PREFIX):  # an admin's invitation: no worker's welcome
        await admin_invite.accept(update, context, roles.invite_token(payload))
        return
    if payload.startswith(org_messages.START_PREFIX):
        await message_of(update).reply_html(
            await org.join_by_code(context, chat.id, payload.removeprefix(org_messages.START_PREFIX)))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(
        messages.SUBSCRIBE_BUTTON, callback_data=lesson_callbacks.build(lesson_callbacks.OpenPicker()))]])
    if is_new:
        await message_of(update).reply_html(messages.WELCOME)
        if not subscribed:
            await message_of(update).reply_html(messages.OFFER_SUBSCRIBE, reply_markup=keyboard)
    else:
        # A returning worker gets one short message, with the offer folded in rather than repeated.
        await message_of(update).reply_html(
            messages.WELCOME_BACK if subscribed else messages.WELCOME_BACK_OFFER,
            reply_markup=None if subscribed else keyboard,
        )


async def help_command(update: Update, context: AnkangContext) -> None:
    is_admin = await user_is_admin(context, update.effective_user.id if update.effective_user else None)
    text = messages.help_text(is_admin, context.bot.username)
    await message_of(update).reply_html(text, disable_web_page_preview=True)


async def unknown_command(update: Update, context: AnkangContext) -> None:
    """A command no handler knows. In groups, commands meant for other bots are not ours to answer."""
    from html import escape

    words = (message_of(update).text or "").split()
    command = words[0][:64] if words else "/"  # an edit can leave a command entity on blank text
    _, _, addressee = command.partition("@")
    if (update.effective_chat and update.effective_chat.type != ChatType.PRIVATE
            and addressee.lower() != (context.bot.username or "").lower()):
        return
    await message_of(update).reply_html(messages.UNKNOWN_COMMAND.format(command=escape(command)))


async def nothing_to_cancel(update: Update, context: AnkangContext) -> None:
    """/cancel outside any flow: every flow handles its own /cancel, so there is nothing to cancel."""
    await message_of(update).reply_html(messages.NOTHING_TO_CANCEL)


async def unsupported_message(update: Update, context: AnkangContext) -> None:
    """Stickers, voice, locations and the like outside a flow: explain what works."""
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        await message_of(update).reply_html(messages.UNSUPPORTED_MESSAGE)


async def stale_button(update: Update, context: AnkangContext) -> None:
    """Any callback no other handler claimed: old keyboards, forged data."""
    await query_of(update).answer(messages.STALE_BUTTON, show_alert=False)


async def chat_member_changed(update: Update, context: AnkangContext) -> None:
    """A worker blocked the bot (kicked) or came back (member): keep the users table truthful."""
    change = chat_member_of(update)
    if change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    async with context.session() as session, session.begin():
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            await users.mark_blocked(session, change.chat.id)
        elif status == ChatMemberStatus.MEMBER:
            await users.record_user(session, change.chat.id)
            await users.mark_active(session, change.chat.id)


async def error_handler(update: object, context: AnkangContext) -> None:
    """Log where the failure happened — never the update, its ids or the exception's message.

    Exception messages can quote what a worker wrote (a tip description, a receipt code) or SQL
    parameters (chat ids), so only exception types and stack frames are logged.
    """
    error = context.error
    if error is None:  # PTB hands every error handler its exception: nothing to report without one
        return
    kind = type(update).__name__
    log.error("handler failed for %s\n%s", kind, redacted_traceback(error))
    if isinstance(error, Forbidden):
        return
    if (isinstance(update, Update) and update.effective_message and update.effective_chat
            and update.effective_chat.type == ChatType.PRIVATE):
        try:
            text = messages.ERROR_DATABASE if is_database_fault(error) else messages.ERROR
            await update.effective_message.reply_text(text)
        except Exception:  # the reply itself may be what failed
            log.warning("could not tell the user about the failure")
