"""Anonymous hazard tips over Telegram, the receipt thread: ``/status CODE`` shows a tip's progress and
the union's replies, and the tipper may add text and photos (see bot/tips.mmd).

Which tip a chat is looking at is kept in ``context.user_data`` only, and forgotten when the
thread ends, times out, or a new report starts (``leave_thread``). Wrong codes get one answer
whatever was wrong, and guesses are limited per chat.
"""
from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from bot import tip_callbacks as cb
from bot import tip_messages as msg
from bot.context import AnkangContext
from bot.conversation import Flow, chat_conversation
from bot.parts import chat_of, message_of, query_of, user_data_of
from bot.tips_common import IMAGE, OTHER, TEXT, download_clean_photo, keyboard, need_text
from bot.tips_triage import TelegramDutyAlerts
from tips import messages as case_text
from tips.alerts import notify_followup
from tips.cases import CasePolicy, ReviewRefused, request_review
from tips.models import Tip
from tips.photos import PhotoRejected
from tips.service import ReceiptInvalid, TipInvalid, add_followup, find_by_receipt

# Conversation states, named for what the bot is waiting for.
AWAIT_CODE, VIEWING, FOLLOWUP, REVIEW_REASON = "await_code", "viewing", "followup", "review_reason"

# Its steps ask through Flow.ask, so an emergency mid-flow can re-ask the step.
STATUS = Flow("tip_status", "进展查询")

VIEWING_KEY = "tip_viewing"  # user_data key of the tip id whose thread was opened (memory only)
FOLLOWUP_KEY = "tip_followup"  # … and of the tip id being added to (memory only)


def leave_thread(context: AnkangContext) -> bool:
    """Forget the tip this chat was looking at; True when it was adding to it."""
    user_data_of(context).pop(VIEWING_KEY, None)
    return user_data_of(context).pop(FOLLOWUP_KEY, None) is not None


def _status_keyboard(tip: Tip, context: AnkangContext) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, cb.Callback]]] = [
        [(msg.ADD_INFO_BUTTON, cb.AddInfo()), (msg.END_BUTTON, cb.EndFollowup())]]
    until = _policy(context).review_until(tip)
    if until is not None and not tip.review_requested and context.services.clock.now() < until:
        rows.insert(0, [(msg.REVIEW_BUTTON, cb.AskReview())])
    return keyboard(rows)


def _policy(context: AnkangContext) -> CasePolicy:
    return CasePolicy.from_settings(context.services.settings)


def _notify(context: AnkangContext, tip_id: int, *, review: bool = False) -> None:
    """Tell the owner (or the duty staff) in the background: the tipper's reply never waits on it."""
    services = context.services
    services.tips.spawn(notify_followup(services.sessions, services.settings, TelegramDutyAlerts(context.bot),
                                        tip_id, review=review))


def _end_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[(msg.END_BUTTON, cb.EndFollowup())]])


async def status_start(update: Update, context: AnkangContext) -> str | int:
    """/status CODE shows the thread; /status alone asks for the code."""
    if chat_of(update).type != ChatType.PRIVATE:
        await message_of(update).reply_text(msg.STATUS_IN_GROUP if context.args else msg.PRIVATE_ONLY)
        return ConversationHandler.END
    code = " ".join(context.args or [])
    if not code:
        await STATUS.ask(update, context, msg.ASK_CODE, takes_text=True)
        return AWAIT_CODE
    return await _open_thread(update, context, code)


async def status_code_given(update: Update, context: AnkangContext) -> str | int:
    return await _open_thread(update, context, message_of(update).text or "", asked=True)


async def _open_thread(update: Update, context: AnkangContext, code: str, *, asked: bool = False) -> str | int:
    """Show the thread of the tip ``code`` opens. ``asked``: the code answers our prompt, so a
    wrong one keeps waiting for another try (guesses are still counted and limited)."""
    guesses = context.services.tips.limits.receipt_guesses_per_chat
    chat_id = chat_of(update).id
    if not guesses.allowed(chat_id):
        await message_of(update).reply_text(msg.RECEIPT_RATE_LIMITED)
        return ConversationHandler.END
    try:
        async with context.session() as session:
            tip = await find_by_receipt(session, code, cost=context.services.tips.receipt_cost)
    except ReceiptInvalid:
        guesses.hit(chat_id)
        if asked:
            await message_of(update).reply_html(msg.RECEIPT_REFUSED_AGAIN)
            return AWAIT_CODE
        await message_of(update).reply_html(msg.RECEIPT_REFUSED)
        return ConversationHandler.END
    user_data_of(context).pop(FOLLOWUP_KEY, None)
    user_data_of(context)[VIEWING_KEY] = tip.id
    services = context.services
    view = msg.status_view(tip, services.settings.tz, services.clock.now(), _policy(context))
    await STATUS.ask(update, context, view, _status_keyboard(tip, context))
    return VIEWING


async def followup_open(update: Update, context: AnkangContext) -> str | int:
    await query_of(update).answer()
    tip_id = user_data_of(context).pop(VIEWING_KEY, None)
    if not isinstance(tip_id, int):
        await message_of(update).reply_text(msg.FOLLOWUP_ENDED)
        return ConversationHandler.END
    user_data_of(context)[FOLLOWUP_KEY] = tip_id
    await STATUS.ask(update, context, msg.ASK_FOLLOWUP, _end_keyboard(), takes_text=True)
    return FOLLOWUP


async def followup_given(update: Update, context: AnkangContext) -> str | int:
    tip_id = user_data_of(context).get(FOLLOWUP_KEY)
    if not isinstance(tip_id, int):
        # The thread was left (a report was started meanwhile): never file this into the old tip.
        await message_of(update).reply_text(msg.FOLLOWUP_ENDED)
        return ConversationHandler.END
    message = message_of(update)
    text, photos = "", []
    if message.text:
        text = message.text
        if len(text) > 2000:
            await message.reply_text(msg.DESCRIPTION_TOO_LONG.format(length=len(text)))
            return FOLLOWUP
    else:
        try:
            photos = [await download_clean_photo(message, context)]
        except PhotoRejected as err:
            await message.reply_text(msg.PHOTO_REJECTED[err.reason])
            return FOLLOWUP
        text = message.caption or ""
    try:
        async with context.session() as session, session.begin():
            await add_followup(session, tip_id, text, photos, now=context.services.clock.now())
    except TipInvalid as err:
        await message.reply_text(msg.FOLLOWUPS_LIMIT if err.field == "followups_daily" else msg.NEED_TEXT)
        return FOLLOWUP
    _notify(context, tip_id)
    await STATUS.ask(update, context, msg.FOLLOWUP_SAVED, _end_keyboard(), takes_text=True)
    return FOLLOWUP


async def review_open(update: Update, context: AnkangContext) -> str | int:
    await query_of(update).answer()
    tip_id = user_data_of(context).get(VIEWING_KEY)
    if not isinstance(tip_id, int):
        await message_of(update).reply_text(msg.FOLLOWUP_ENDED)
        return ConversationHandler.END
    await STATUS.ask(update, context, msg.ASK_REVIEW_REASON, _end_keyboard(), takes_text=True)
    return REVIEW_REASON


async def review_given(update: Update, context: AnkangContext) -> str | int:
    tip_id = user_data_of(context).get(VIEWING_KEY)
    if not isinstance(tip_id, int):
        await message_of(update).reply_text(msg.FOLLOWUP_ENDED)
        return ConversationHandler.END
    services = context.services
    policy = _policy(context)
    try:
        async with context.session() as session, session.begin():
            await request_review(session, tip_id, message_of(update).text or "", now=services.clock.now(),
                                 policy=policy)
    except ReviewRefused as refused:
        await message_of(update).reply_text(case_text.review_refused(refused.reason, policy.review_days))
        return REVIEW_REASON if refused.reason == "reason" else ConversationHandler.END
    leave_thread(context)
    _notify(context, tip_id, review=True)
    await message_of(update).reply_html(case_text.REVIEW_DONE)
    return ConversationHandler.END


async def followup_end(update: Update, context: AnkangContext) -> int:
    leave_thread(context)
    if update.callback_query:
        await update.callback_query.answer()
    await message_of(update).reply_html(msg.FOLLOWUP_DONE)
    return ConversationHandler.END


async def followup_timed_out(update: object, context: AnkangContext) -> None:
    had_thread = leave_thread(context)  # only say so if they were adding
    if had_thread and isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, msg.FOLLOWUP_TIMED_OUT)


def status_conversation(ttl_s: float) -> ConversationHandler:
    def button(kind: type, callback) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=cb.matches(kind))

    return chat_conversation(
        flow=STATUS,
        entry_points=[CommandHandler("status", status_start)],
        states={
            AWAIT_CODE: [MessageHandler(TEXT, status_code_given), MessageHandler(OTHER, need_text)],
            VIEWING: [button(cb.AddInfo, followup_open), button(cb.EndFollowup, followup_end),
                      button(cb.AskReview, review_open)],
            REVIEW_REASON: [MessageHandler(TEXT, review_given), button(cb.EndFollowup, followup_end),
                            MessageHandler(OTHER, need_text)],
            FOLLOWUP: [MessageHandler(TEXT | IMAGE, followup_given), button(cb.EndFollowup, followup_end),
                       MessageHandler(OTHER, need_text)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, followup_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", followup_end)],
        allow_reentry=True,
        conversation_timeout=ttl_s,
        persistent=False,
    )


def register(app: Application) -> None:
    """Add the receipt thread's conversation to group 0, before the generic command and message handlers."""
    app.add_handler(status_conversation(app.bot_data.services.settings.tip_draft_ttl_s))
