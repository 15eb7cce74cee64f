"""Anonymous hazard tips over Telegram: the report flow, the receipt thread (/status) and admin triage.

Three declared conversations (see bot/tips.mmd): ``report`` (category → place → location →
description → photos → urgency → preview → confirm), ``status`` (receipt → thread → follow-up)
and ``triage`` (an admin's note or reply). Drafts live in ``context.user_data`` only — the
application has no persistence configured, so they never leave memory — and are dropped on
submit, cancel and timeout. Nothing here logs a user, chat or message id next to a tip.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, TypeHandler, filters,
)

from bot.conversation import Flow, chat_conversation
from bot import messages as common_messages
from bot import tip_callbacks as cb
from bot import tip_messages as msg
from bot.context import AnkangContext, user_is_admin
from core import admins
from core.logging import quiet_identifying_loggers, redacted_traceback
from core.topics import TOPICS
from tips.models import ALL_STATUSES, PLACE_TYPES, STATUS_LABELS
from tips.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_TIP, PhotoRejected, sanitize
from tips.service import (
    ReceiptInvalid, TipDraft, TipInvalid, TipNotFound, TransitionNotAllowed, add_followup, allowed_transitions,
    change_status, check_description, check_location, find_by_receipt, get_tip,
    list_tips, reply, submit_tip,
)

log = logging.getLogger(__name__)

# Conversation states, named for what the bot is waiting for.
CATEGORY, PLACE, LOCATION, DESCRIPTION, PHOTOS, URGENCY, PREVIEW = (
    "category", "place", "location", "description", "photos", "urgency", "preview",
)
AWAIT_CODE, VIEWING, FOLLOWUP = "await_code", "viewing", "followup"
ADMIN_NOTE = "admin_note"

# The three flows; their steps ask through Flow.ask, so an emergency mid-flow can re-ask the step.
REPORT = Flow("tip_report", "举报")
STATUS = Flow("tip_status", "进展查询")
TRIAGE = Flow("tip_triage", "举报处理")

DRAFT_KEY = "tip_draft"  # user_data key of the in-memory TipDraft
VIEWING_KEY = "tip_viewing"  # user_data key of the tip id whose thread was opened (memory only)
FOLLOWUP_KEY = "tip_followup"  # … and of the tip id being added to (memory only)
ADMIN_ACTION_KEY = "tip_admin_action"

REPORT_TEXT = r"^\s*(📝\s*)?(我要举报|我要匿名举报|匿名举报|举报隐患)"
RECEIPT_SEND_ATTEMPTS = 4

TEXT = filters.TEXT & ~filters.COMMAND
IMAGE = filters.PHOTO | filters.Document.IMAGE
# Anything that is neither text, an image, nor a command: stickers, voice, locations, files …
OTHER = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL


def _keyboard(rows: list[list[tuple[str, cb.Callback]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data.pack()) for text, data in row]
                                 for row in rows])


def _pairs(items: list[tuple[str, cb.Callback]], per_row: int = 2) -> list[list[tuple[str, cb.Callback]]]:
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


CANCEL_ROW = [(msg.CANCEL_BUTTON, cb.CancelReport())]


def _draft(context: AnkangContext) -> TipDraft | None:
    draft = context.user_data.get(DRAFT_KEY)
    return draft if isinstance(draft, TipDraft) else None


def _drop_draft(context: AnkangContext) -> None:
    context.user_data.pop(DRAFT_KEY, None)


async def _choice_made(update: Update, question: str, answer: str) -> None:
    """Answer the button press and freeze the question with the choice (no stale keyboards)."""
    query = update.callback_query
    await query.answer()
    try:
        await query.edit_message_text(f"{question}\n→ <b>{answer}</b>", parse_mode="HTML")
    except TelegramError:
        pass  # the message may be too old to edit; the flow goes on regardless


# ---------------------------------------------------------------- the report flow


async def report_start(update: Update, context: AnkangContext) -> str | int:
    """/report, the menu button or "我要举报…": start a fresh in-memory draft."""
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(msg.PRIVATE_ONLY)
        return ConversationHandler.END
    if not context.services.tips.limits.tips_per_chat.allowed(update.effective_chat.id):
        await update.effective_message.reply_text(msg.RATE_LIMITED)
        return ConversationHandler.END
    # A report started from the follow-up thread ends that thread: later messages must not flow
    # into the old tip once this report is done (see followup_given).
    context.user_data.pop(VIEWING_KEY, None)
    context.user_data.pop(FOLLOWUP_KEY, None)
    context.user_data[DRAFT_KEY] = TipDraft()
    buttons = [(t.label, cb.PickCategory(t.code)) for t in TOPICS]
    await REPORT.ask(update, context, msg.INTRO, _keyboard(_pairs(buttons, 3) + [CANCEL_ROW]))
    return CATEGORY


async def category_chosen(update: Update, context: AnkangContext) -> str:
    choice = cb.parse(update.callback_query.data)
    draft = _draft(context) or TipDraft()
    context.user_data[DRAFT_KEY] = draft
    draft.category = choice.code
    await _choice_made(update, "隐患类别", escape(dict((t.code, t.label) for t in TOPICS)[choice.code]))
    buttons = [(p.label, cb.PickPlace(p.code)) for p in PLACE_TYPES]
    await REPORT.ask(update, context, msg.ASK_PLACE, _keyboard(_pairs(buttons, 3) + [CANCEL_ROW]))
    return PLACE


async def place_chosen(update: Update, context: AnkangContext) -> str:
    choice = cb.parse(update.callback_query.data)
    draft = _draft(context) or TipDraft()
    context.user_data[DRAFT_KEY] = draft
    draft.place_type = choice.code
    await _choice_made(update, "场所类型", escape(dict((p.code, p.label) for p in PLACE_TYPES)[choice.code]))
    await REPORT.ask(update, context, msg.ASK_LOCATION, _keyboard([[(msg.SKIP_BUTTON, cb.Skip())], CANCEL_ROW]),
                     takes_text=True)
    return LOCATION


async def location_given(update: Update, context: AnkangContext) -> str:
    try:
        location = check_location(update.effective_message.text)
    except TipInvalid:
        await update.effective_message.reply_text(msg.LOCATION_TOO_LONG)
        return LOCATION
    _draft(context).location = location
    await REPORT.ask(update, context, msg.ASK_DESCRIPTION, takes_text=True)
    return DESCRIPTION


async def location_skipped(update: Update, context: AnkangContext) -> str:
    _draft(context).location = ""
    await _choice_made(update, "具体地点", "跳过")
    await REPORT.ask(update, context, msg.ASK_DESCRIPTION, takes_text=True)
    return DESCRIPTION


async def description_given(update: Update, context: AnkangContext) -> str:
    text = update.effective_message.text or ""
    try:
        _draft(context).description = check_description(text)
    except TipInvalid as err:
        if err.field == "description_long":
            await update.effective_message.reply_text(msg.DESCRIPTION_TOO_LONG.format(length=len(text.strip())))
        else:
            await update.effective_message.reply_text(msg.DESCRIPTION_TOO_SHORT)
        return DESCRIPTION
    await REPORT.ask(update, context, msg.ASK_PHOTOS, _photo_keyboard())
    return PHOTOS


def _photo_keyboard(received: int = 0) -> InlineKeyboardMarkup:
    """跳过 before the first photo; once one has arrived only 完成 (跳过 would read as "drop them")."""
    first = [(msg.SKIP_BUTTON, cb.Skip())] if received == 0 else [(msg.DONE_BUTTON, cb.PhotosDone())]
    return _keyboard([first, CANCEL_ROW])


async def download_clean_photo(message: Message, context: AnkangContext):
    """Fetch the image in ``message`` and return it sanitised; raise PhotoRejected."""
    if message.photo:
        item = message.photo[-1]
    else:
        item = message.document
    if item.file_size and item.file_size > MAX_PHOTO_BYTES:
        raise PhotoRejected("too_large")
    telegram_file = await context.bot.get_file(item.file_id)
    data = bytes(await telegram_file.download_as_bytearray())
    # Re-encoding is CPU work: keep it off the event loop so other chats are not delayed.
    return await asyncio.to_thread(sanitize, data)


async def photo_given(update: Update, context: AnkangContext) -> str:
    draft = _draft(context)
    if len(draft.photos) >= MAX_PHOTOS_PER_TIP:
        return await _ask_urgency(update, context, msg.PHOTO_LIMIT)
    try:
        photo = await download_clean_photo(update.effective_message, context)
    except PhotoRejected as err:
        await update.effective_message.reply_text(msg.PHOTO_REJECTED[err.reason])
        return PHOTOS
    if len(draft.photos) >= MAX_PHOTOS_PER_TIP:  # an album may race past the limit
        return PHOTOS
    draft.photos.append(photo)
    if len(draft.photos) >= MAX_PHOTOS_PER_TIP:
        return await _ask_urgency(update, context, msg.PHOTO_LIMIT)
    count = len(draft.photos)
    await REPORT.ask(update, context, msg.PHOTO_RECEIVED.format(count=count), _photo_keyboard(count))
    return PHOTOS


async def photos_finished(update: Update, context: AnkangContext) -> str:
    await update.callback_query.answer()
    count = len(_draft(context).photos)
    return await _ask_urgency(update, context, f"照片：{count} 张")


async def _ask_urgency(update: Update, context: AnkangContext, before: str) -> str:
    keyboard = _keyboard([[(msg.YES_URGENT_BUTTON, cb.PickUrgency(True)), (msg.NOT_URGENT_BUTTON, cb.PickUrgency(False))],
                          CANCEL_ROW])
    await REPORT.ask(update, context, f"{before}\n\n{msg.ASK_URGENCY}", keyboard)
    return URGENCY


async def urgency_chosen(update: Update, context: AnkangContext) -> str:
    urgent = cb.parse(update.callback_query.data).urgent
    draft = _draft(context)
    draft.urgent = urgent
    await _choice_made(update, "是否紧急", "是" if urgent else "否")
    if urgent:
        # Safety first: the guidance goes out before the preview, not after submission.
        await update.effective_message.reply_html(msg.EMERGENCY_GUIDANCE)
    return await _preview(update, context, draft)


async def _preview(update: Update, context: AnkangContext, draft: TipDraft) -> str:
    summary = msg.tip_summary(None, category=draft.category, place_type=draft.place_type, location=draft.location,
                              description=draft.description, urgent=draft.urgent, photos=len(draft.photos))
    keyboard = _keyboard([[(msg.CONFIRM_BUTTON, cb.Confirm()), (msg.CANCEL_BUTTON, cb.CancelReport())]])
    await REPORT.ask(update, context, msg.PREVIEW_HEADER + summary, keyboard)
    return PREVIEW


async def report_confirm(update: Update, context: AnkangContext) -> str | int:
    """Commit the tip, THEN show the receipt; alert the duty admins when urgent."""
    query = update.callback_query
    draft = _draft(context)
    limits = context.services.tips.limits
    chat_id = update.effective_chat.id
    if not limits.tips_per_chat.allowed(chat_id):
        await query.answer()
        await update.effective_message.reply_text(msg.RATE_LIMITED)
        _drop_draft(context)
        return ConversationHandler.END
    await query.answer("正在提交…")
    try:
        async with context.session() as session, session.begin():
            submitted = await submit_tip(session, draft, now=context.services.clock.now(),
                                         cost=context.services.tips.receipt_cost)
    except Exception as err:
        # Nothing was committed, so no receipt may be shown; the draft stays for a retry.
        # The traceback is redacted: a database error quotes the row's values.
        log.error("tip submission failed before commit\n%s", redacted_traceback(err))
        await update.effective_message.reply_html(msg.SUBMIT_FAILED)
        return PREVIEW
    limits.tips_per_chat.hit(chat_id)
    _drop_draft(context)
    # The receipt goes out first: every step between the commit and this send widens the window
    # in which a crash leaves a stored tip whose receipt was never shown.
    await _send_receipt(context, chat_id, submitted.tip_id, submitted.receipt_code)
    log.info("tip %s submitted%s", submitted.tip_id, " (urgent)" if draft.urgent else "")
    try:
        await query.edit_message_reply_markup(None)  # an old confirm button answers as stale
    except TelegramError:
        pass
    if draft.urgent:
        await alert_duty_admins(context, submitted.tip_id)
    return ConversationHandler.END


async def _send_receipt(context: AnkangContext, chat_id: int, tip_id: int, code: str) -> None:
    """The tip is already stored; try hard to deliver its only copy of the receipt."""
    for attempt in range(1, RECEIPT_SEND_ATTEMPTS + 1):
        try:
            await context.bot.send_message(chat_id, msg.receipt(tip_id, code), parse_mode="HTML")
            return
        except RetryAfter as err:
            await asyncio.sleep(min(float(err.retry_after if isinstance(err.retry_after, (int, float))
                                          else err.retry_after.total_seconds()), 30))
        except Forbidden:
            break
        except NetworkError:
            await asyncio.sleep(0.2 * attempt)
    log.warning("tip %s stored but its receipt could not be delivered", tip_id)


async def alert_duty_admins(context: AnkangContext, tip_id: int) -> None:
    """Send an urgent tip to every on-duty admin (all admins when nobody is on duty) at once."""
    async with context.session() as session:
        recipients = await admins.duty_recipients(session, context.services.settings)
        tip = await get_tip(session, tip_id)
    text = msg.admin_alert(tip)
    keyboard = _keyboard([[("查看并处理", cb.OpenTip(tip_id))]])

    async def send(admin_id: int) -> bool:
        try:
            await context.bot.send_message(admin_id, text, parse_mode="HTML", reply_markup=keyboard)
            return True
        except TelegramError:
            return False

    results = await asyncio.gather(*(send(a) for a in recipients))
    log.info("tip %s urgent alert delivered to %d of %d admins", tip_id, sum(results), len(results))


async def report_cancel(update: Update, context: AnkangContext) -> int:
    _drop_draft(context)
    if update.callback_query:
        await update.callback_query.answer()
    await update.effective_message.reply_text(msg.CANCELLED)
    return ConversationHandler.END


async def report_timed_out(update: object, context: AnkangContext) -> None:
    """The conversation idled past tip_draft_ttl_s: drop the draft and say so."""
    _drop_draft(context)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, msg.TIMED_OUT)
        except TelegramError:
            pass


async def use_buttons(update: Update, context: AnkangContext) -> None:
    await update.effective_message.reply_text(msg.USE_BUTTONS)


async def need_text(update: Update, context: AnkangContext) -> None:
    await update.effective_message.reply_text(msg.NEED_TEXT)


async def need_photo(update: Update, context: AnkangContext) -> None:
    await update.effective_message.reply_text(msg.NEED_PHOTO, reply_markup=_photo_keyboard())


async def in_flow_command(update: Update, context: AnkangContext) -> None:
    await update.effective_message.reply_text(msg.IN_FLOW_COMMAND)


def report_conversation(ttl_s: float) -> ConversationHandler:
    """The declared report flow; see bot/tips.mmd."""
    def button(kind: type, callback) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=cb.matches(kind))

    # Every state ends with catch-alls so stickers, voice, locations and stray text get guidance.
    buttons_only = [MessageHandler(TEXT | OTHER, use_buttons)]
    return chat_conversation(
        flow=REPORT,
        entry_points=[
            CommandHandler("report", report_start),
            MessageHandler(filters.TEXT & filters.Regex(REPORT_TEXT), report_start),
        ],
        states={
            CATEGORY: [button(cb.PickCategory, category_chosen), *buttons_only],
            PLACE: [button(cb.PickPlace, place_chosen), *buttons_only],
            LOCATION: [MessageHandler(TEXT, location_given), button(cb.Skip, location_skipped),
                       MessageHandler(OTHER, need_text)],
            DESCRIPTION: [MessageHandler(TEXT, description_given), MessageHandler(OTHER, need_text)],
            PHOTOS: [MessageHandler(IMAGE, photo_given), button(cb.Skip, photos_finished),
                     button(cb.PhotosDone, photos_finished), MessageHandler(TEXT | OTHER, need_photo)],
            URGENCY: [button(cb.PickUrgency, urgency_chosen), *buttons_only],
            PREVIEW: [button(cb.Confirm, report_confirm), *buttons_only],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, report_timed_out)],
        },
        fallbacks=[
            CommandHandler("cancel", report_cancel),
            button(cb.CancelReport, report_cancel),
            MessageHandler(filters.COMMAND, in_flow_command),
        ],
        allow_reentry=True,
        conversation_timeout=ttl_s,
        persistent=False,  # drafts must never reach any persistence
    )


# ---------------------------------------------------------------- the receipt thread (/status)


def _status_keyboard() -> InlineKeyboardMarkup:
    return _keyboard([[(msg.ADD_INFO_BUTTON, cb.AddInfo()), (msg.END_BUTTON, cb.EndFollowup())]])


def _end_keyboard() -> InlineKeyboardMarkup:
    return _keyboard([[(msg.END_BUTTON, cb.EndFollowup())]])


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
    except TipInvalid:
        await message.reply_text(msg.NEED_TEXT)
        return FOLLOWUP
    await STATUS.ask(update, context, msg.FOLLOWUP_SAVED, _end_keyboard(), takes_text=True)
    return FOLLOWUP


async def followup_end(update: Update, context: AnkangContext) -> int:
    context.user_data.pop(VIEWING_KEY, None)
    context.user_data.pop(FOLLOWUP_KEY, None)
    if update.callback_query:
        await update.callback_query.answer()
    await update.effective_message.reply_html(msg.FOLLOWUP_DONE)
    return ConversationHandler.END


async def followup_timed_out(update: object, context: AnkangContext) -> None:
    context.user_data.pop(VIEWING_KEY, None)
    had_thread = context.user_data.pop(FOLLOWUP_KEY, None) is not None  # only say so if they were adding
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


# ---------------------------------------------------------------- admin triage


async def _admin_or_refuse(update: Update, context: AnkangContext) -> bool:
    if await user_is_admin(context, update.effective_user.id if update.effective_user else None):
        return True
    if update.callback_query:
        await update.callback_query.answer(common_messages.NOT_ADMIN, show_alert=True)
    else:
        await update.effective_message.reply_text(common_messages.NOT_ADMIN)
    return False


def parse_list_args(args: list[str]) -> cb.ListTips:
    """``/tips [状态] [类别] [紧急]`` in Chinese labels or codes, in any order."""
    status = category = None
    urgent = False
    labels = {label: code for code, label in STATUS_LABELS.items()}
    topics = {t.label: t.code for t in TOPICS} | {t.code: t.code for t in TOPICS}
    for arg in args:
        if arg in ("紧急", "urgent"):
            urgent = True
        elif arg in labels or arg in ALL_STATUSES:
            status = labels.get(arg, arg)
        elif arg in topics:
            category = topics[arg]
    return cb.ListTips(status, category, urgent, 0)


async def tips_command(update: Update, context: AnkangContext) -> None:
    """/tips: the admin's list of open tips."""
    if not await _admin_or_refuse(update, context):
        return
    text, keyboard = await _render_list(context, parse_list_args(context.args or []))
    await update.effective_message.reply_html(text, reply_markup=keyboard)


async def tips_list_pressed(update: Update, context: AnkangContext) -> None:
    if not await _admin_or_refuse(update, context):
        return
    await update.callback_query.answer()
    text, keyboard = await _render_list(context, cb.parse(update.callback_query.data))
    try:
        await update.callback_query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)
    except TelegramError:
        await update.effective_message.reply_html(text, reply_markup=keyboard)


async def _render_list(context: AnkangContext, view: cb.ListTips) -> tuple[str, InlineKeyboardMarkup]:
    async with context.session() as session:
        page = await list_tips(session, status=view.status, category=view.category,
                               urgent=True if view.urgent_only else None, offset=view.offset)
    tz = context.services.settings.tz
    rows = [[(msg.list_button(t, tz), cb.OpenTip(t.id))] for t in page.tips]
    nav = []
    if view.offset > 0:
        nav.append((msg.PREV_BUTTON, cb.ListTips(view.status, view.category, view.urgent_only,
                                                  max(0, view.offset - page.limit))))
    if page.has_next:
        nav.append((msg.NEXT_BUTTON, cb.ListTips(view.status, view.category, view.urgent_only,
                                                  view.offset + page.limit)))
    if nav:
        rows.append(nav)
    # One button per status plus 未办结 (the default view); the one being shown is ticked.
    status_filters = [(_ticked(msg.FILTER_OPEN, view.status is None), cb.ListTips(None, view.category, view.urgent_only, 0))]
    status_filters += [(_ticked(STATUS_LABELS[s], view.status == s), cb.ListTips(s, view.category, view.urgent_only, 0))
                       for s in ALL_STATUSES]
    rows += _pairs(status_filters, 4)
    rows.append([(("✅ " if view.urgent_only else "") + msg.URGENT_ONLY,
                  cb.ListTips(view.status, view.category, not view.urgent_only, 0))])
    header = msg.list_header(page.total, view.offset, len(page.tips), view.status, view.category, view.urgent_only)
    return (header if page.tips else f"{header}\n{msg.NO_TIPS}"), _keyboard(rows)


def _ticked(label: str, chosen: bool) -> str:
    return f"✅ {label}" if chosen else label


async def tip_opened(update: Update, context: AnkangContext) -> None:
    """An admin opens a tip: its text, thread and photos, with the status buttons."""
    if not await _admin_or_refuse(update, context):
        return
    query = update.callback_query
    await query.answer()
    tip_id = cb.parse(query.data).tip_id
    admin_id = update.effective_user.id
    try:
        async with context.session() as session, session.begin():
            tip = await get_tip(session, tip_id)
            await admins.audit(session, admin_id, "tip.view", f"tip:{tip_id}")
    except TipNotFound:
        await update.effective_message.reply_text(msg.TIP_NOT_FOUND)
        return
    chat_id = update.effective_chat.id
    if len(tip.photos) == 1:
        await context.bot.send_photo(chat_id, tip.photos[0].data)
    elif tip.photos:
        for start in range(0, len(tip.photos), 10):  # albums hold 2–10 photos
            chunk = tip.photos[start : start + 10]
            if len(chunk) == 1:
                await context.bot.send_photo(chat_id, chunk[0].data)
            else:
                await context.bot.send_media_group(chat_id, [InputMediaPhoto(p.data) for p in chunk])
    buttons = [(STATUS_LABELS[s], cb.SetStatus(tip.id, s)) for s in allowed_transitions(tip.status)]
    rows = _pairs(buttons, 3) + [[(msg.REPLY_BUTTON, cb.ReplyToTip(tip.id)), (msg.BACK_BUTTON, cb.ListTips())]]
    await context.bot.send_message(chat_id, msg.admin_tip(tip, context.services.settings.tz), parse_mode="HTML",
                                   reply_markup=_keyboard(rows))


@dataclass(frozen=True, slots=True)
class _PendingAction:
    tip_id: int
    status: str | None  # None: a reply


async def admin_action_start(update: Update, context: AnkangContext) -> str | int:
    if not await _admin_or_refuse(update, context):
        return ConversationHandler.END
    query = update.callback_query
    await query.answer()
    action = cb.parse(query.data)
    if isinstance(action, cb.SetStatus):
        context.user_data[ADMIN_ACTION_KEY] = _PendingAction(action.tip_id, action.status)
        await TRIAGE.ask(update, context, msg.ASK_NOTE.format(status=STATUS_LABELS[action.status]), takes_text=True)
    else:
        context.user_data[ADMIN_ACTION_KEY] = _PendingAction(action.tip_id, None)
        await TRIAGE.ask(update, context, msg.ASK_REPLY.format(tip_id=action.tip_id), takes_text=True)
    return ADMIN_NOTE


async def admin_note_given(update: Update, context: AnkangContext) -> str | int:
    pending = context.user_data.pop(ADMIN_ACTION_KEY, None)
    if not isinstance(pending, _PendingAction):
        return ConversationHandler.END
    if not await _admin_or_refuse(update, context):
        return ConversationHandler.END
    text = update.effective_message.text or ""
    admin_id = update.effective_user.id
    now = context.services.clock.now()
    try:
        async with context.session() as session, session.begin():
            if pending.status is None:
                await reply(session, pending.tip_id, text, admin_id=admin_id, now=now)
                done = msg.REPLY_SENT.format(tip_id=pending.tip_id)
            else:
                await change_status(session, pending.tip_id, pending.status, text, admin_id=admin_id, now=now)
                done = msg.STATUS_CHANGED.format(tip_id=pending.tip_id, status=STATUS_LABELS[pending.status])
    except TipNotFound:
        done = msg.TIP_NOT_FOUND
    except TransitionNotAllowed as err:
        done = msg.TRANSITION_REFUSED.format(tip_id=pending.tip_id, current=STATUS_LABELS.get(err.current, err.current),
                                             target=STATUS_LABELS.get(err.target, err.target))
    await update.effective_message.reply_html(done, reply_markup=_keyboard([[("查看举报", cb.OpenTip(pending.tip_id))]]))
    return ConversationHandler.END


async def admin_cancel(update: Update, context: AnkangContext) -> int:
    context.user_data.pop(ADMIN_ACTION_KEY, None)
    await update.effective_message.reply_text(msg.ADMIN_CANCELLED)
    return ConversationHandler.END


async def admin_timed_out(update: object, context: AnkangContext) -> None:
    context.user_data.pop(ADMIN_ACTION_KEY, None)


def triage_conversation(ttl_s: float) -> ConversationHandler:
    return chat_conversation(
        flow=TRIAGE,
        entry_points=[CallbackQueryHandler(admin_action_start, pattern=cb.matches(cb.SetStatus)),
                      CallbackQueryHandler(admin_action_start, pattern=cb.matches(cb.ReplyToTip))],
        states={
            ADMIN_NOTE: [MessageHandler(TEXT, admin_note_given), MessageHandler(OTHER, need_text)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, admin_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", admin_cancel)],
        allow_reentry=True,
        conversation_timeout=ttl_s,
        persistent=False,
    )


async def duty_command(update: Update, context: AnkangContext) -> None:
    """/duty on|off: join or leave the roster that receives urgent tips."""
    if not await _admin_or_refuse(update, context):
        return
    admin_id = update.effective_user.id
    arg = (context.args or [""])[0].lower()
    async with context.session() as session, session.begin():
        if arg in ("on", "开", "开始"):
            await admins.set_on_duty(session, admin_id, True)
            await admins.audit(session, admin_id, "duty.on")
            text = msg.DUTY_ON
        elif arg in ("off", "关", "结束"):
            await admins.set_on_duty(session, admin_id, False)
            await admins.audit(session, admin_id, "duty.off")
            text = msg.DUTY_OFF
        else:
            row = await session.get(admins.Admin, admin_id)
            text = msg.DUTY_STATUS_ON if row is not None and row.on_duty else msg.DUTY_STATUS_OFF
    await update.effective_message.reply_html(text)


def register(app: Application) -> None:
    """Add the tip handlers to group 0; call before the generic command and message handlers."""
    # PTB logs whole updates at DEBUG: make sure those records never exist, whoever built the app.
    quiet_identifying_loggers()
    ttl_s = app.bot_data.services.settings.tip_draft_ttl_s
    conversations = [report_conversation(ttl_s), status_conversation(ttl_s), triage_conversation(ttl_s)]
    # The conversations come first: while a chat is inside one, its text, photos and commands
    # belong to that flow (a description must never be taken for a question to answer).
    for conversation in conversations:
        app.add_handler(conversation)
    app.add_handler(CommandHandler("tips", tips_command))
    app.add_handler(CommandHandler("duty", duty_command))
    app.add_handler(CallbackQueryHandler(tips_list_pressed, pattern=cb.matches(cb.ListTips)))
    app.add_handler(CallbackQueryHandler(tip_opened, pattern=cb.matches(cb.OpenTip)))
