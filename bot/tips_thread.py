"""Anonymous hazard tips over Telegram, the receipt thread: ``/status CODE`` shows a tip's progress and
the union's replies, and the tipper may add text and photos (see bot/tips.mmd).

Which tip a chat is looking at is kept in ``context.user_data`` only, and forgotten when the
thread ends, times out, or a new report starts (``leave_thread``). Wrong codes get one answer
whatever was wrong, and guesses are limited per chat.
"""
from __future__ import annotations

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
from bot.tips_common import IMAGE, OTHER, TEXT, download_clean_photo, keyboard, need_text
from tips.photos import PhotoRejected
from tips.service import ReceiptInvalid, TipInvalid, add_followup, find_by_receipt

# Conversation states, named for what the bot is waiting for.
AWAIT_CODE, VIEWING, FOLLOWUP = "await_code", "viewing", "followup"

# Its steps ask through Flow.ask, so an emergency mid-flow can re-ask the step.
STATUS = Flow("tip_status", "进展查询")

VIEWING_KEY = "tip_viewing"  # user_data key of the tip id whose thread was opened (memory only)
FOLLOWUP_KEY = "tip_followup"  # … and of the tip id being added to (memory only)


def leave_thread(context: AnkangContext) -> bool:
    """Forget the tip this chat was looking at; True when it was adding to it."""
    context.user_data.pop(VIEWING_KEY, None)
    return context.user_data.pop(FOLLOWUP_KEY, None) is not None


def _status_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[(msg.ADD_INFO_BUTTON, cb.AddInfo()), (msg.END_BUTTON, cb.EndFollowup())]])


def _end_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[(msg.END_BUTTON, cb.EndFollowup())]])


async def status_start(update: Update, context: AnkangContext) -> str | int:
    """/status CODE shows the thread; /status alone asks for the code."""
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(msg.STATUS_IN_GROUP if context.args else msg.PRIVATE_ONLY)
        return ConversationHandler.END
    code = " ".join(context.args or [])
    if not code:
        await STATUS.ask(update, context, msg.ASK_CODE, takes_text=True)
        return AWAIT_CODE
    return await _open_thread(update, context, code)


async def status_code_given(update: Update, context: AnkangContext) -> str | int:
    return await _open_thread(update, context, update.effective_message.text or "", asked=True)


async def _open_thread(update: Update, context: AnkangContext, code: str, *, asked: bool = False) -> str | int:
    """Show the thread of the tip ``code`` opens. ``asked``: the code answers our prompt, so a
    wrong one keeps waiting for another try (guesses are still counted and limited)."""
    guesses = context.services.tips.limits.receipt_guesses_per_chat
    chat_id = update.effective_chat.id
    if not guesses.allowed(chat_id):
        await update.effective_message.reply_text(msg.RECEIPT_RATE_LIMITED)
        return ConversationHandler.END
    try:
        async with context.session() as session:
            tip = await find_by_receipt(session, code, cost=context.services.tips.receipt_cost)
    except ReceiptInvalid:
        guesses.hit(chat_id)
        if asked:
            await update.effective_message.reply_html(msg.RECEIPT_REFUSED_AGAIN)
            return AWAIT_CODE
        await update.effective_message.reply_html(msg.RECEIPT_REFUSED)
        return ConversationHandler.END
    context.user_data.pop(FOLLOWUP_KEY, None)
    context.user_data[VIEWING_KEY] = tip.id
    await STATUS.ask(update, context, msg.status_view(tip, context.services.settings.tz), _status_keyboard())
    return VIEWING


async def followup_open(update: Update, context: AnkangContext) -> str | int:
    await update.callback_query.answer()
    tip_id = context.user_data.pop(VIEWING_KEY, None)
    if not isinstance(tip_id, int):
        await update.effective_message.reply_text(msg.FOLLOWUP_ENDED)
        return ConversationHandler.END
    context.user_data[FOLLOWUP_KEY] = tip_id
    await STATUS.ask(update, context, msg.ASK_FOLLOWUP, _end_keyboard(), takes_text=True)
    return FOLLOWUP


async def followup_given(update: Update, context: AnkangContext) -> str | int:
    tip_id = context.user_data.get(FOLLOWUP_KEY)
    if not isinstance(tip_id, int):
        # The thread was left (a report was started meanwhile): never file this into the old tip.
        await update.effective_message.reply_text(msg.FOLLOWUP_ENDED)
        return ConversationHandler.END
    message = update.effective_message
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
    await STATUS.ask(update, context, msg.FOLLOWUP_SAVED, _end_keyboard(), takes_text=True)
    return FOLLOWUP


async def followup_end(update: Update, context: AnkangContext) -> int:
    leave_thread(context)
    if update.callback_query:
        await update.callback_query.answer()
    await update.effective_message.reply_html(msg.FOLLOWUP_DONE)
    return ConversationHandler.END


async def followup_timed_out(update: object, context: AnkangContext) -> None:
    had_thread = leave_thread(context)  # only say so if they were adding
    if had_thread and isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, msg.FOLLOWUP_TIMED_OUT)
        except TelegramError:
            pass


def status_conversation(ttl_s: float) -> ConversationHandler:
    def button(kind: type, callback) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=cb.matches(kind))

    return chat_conversation(
        flow=STATUS,
        entry_points=[CommandHandler("status", status_start)],
        states={
            AWAIT_CODE: [MessageHandler(TEXT, status_code_given), MessageHandler(OTHER, need_text)],
            VIEWING: [button(cb.AddInfo, followup_open), button(cb.EndFollowup, followup_end)],
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
