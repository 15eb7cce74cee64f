"""Anonymous hazard tips over Telegram, the tipper's side: the report flow (see bot/tips.mmd).

One declared conversation: category → place → location → description → photos → urgency →
unit (only when the union has set up its units) → preview → confirm. The draft lives in
``context.user_data`` only — the application has no persistence configured, so it never leaves
memory — and is dropped on submit, cancel and timeout. The tip is committed before its receipt is
shown; an urgent one then goes to its unit's handlers or the admins on duty
(``tips.alerts.alert_urgent``). Nothing here logs a user, chat or message id next to a tip.
"""
from __future__ import annotations

import contextlib
import logging
from html import escape

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
    filters,
)

from bot import tip_callbacks as cb
from bot import tip_messages as msg
from bot.context import AnkangContext
from bot.conversation import Flow, chat_conversation
from bot.parts import chat_of, message_of, query_of, user_data_of
from bot.tips_common import IMAGE, OTHER, TEXT, download_clean_photo, keyboard, need_text, pairs
from bot.tips_thread import leave_thread
from bot.tips_triage import TelegramDutyAlerts
from core.logging import redacted_traceback
from core.topics import TOPICS
from org import service as org
from tips import messages as case_text
from tips.alerts import alert_urgent
from tips.cases import CasePolicy
from tips.models import PLACE_TYPES
from tips.photos import MAX_PHOTOS_PER_TIP, PhotoRejected
from tips.routing import route_unit, unit_choice
from tips.service import TipDraft, TipInvalid, check_description, check_location, submit_tip

log = logging.getLogger(__name__)

# Conversation states, named for what the bot is waiting for.
CATEGORY, PLACE, LOCATION, DESCRIPTION, PHOTOS, URGENCY, UNIT, PREVIEW = (
    "category", "place", "location", "description", "photos", "urgency", "unit", "preview",
)

# Its steps ask through Flow.ask, so an emergency mid-flow can re-ask the step.
REPORT = Flow("tip_report", "举报")

DRAFT_KEY = "tip_draft"  # user_data key of the in-memory TipDraft

REPORT_TEXT = r"^\s*(📝\s*)?(我要举报|我要匿名举报|匿名举报|举报隐患)"

CANCEL_ROW: list[tuple[str, cb.Callback]] = [(msg.CANCEL_BUTTON, cb.CancelReport())]


def _draft(context: AnkangContext) -> TipDraft | None:
    draft = user_data_of(context).get(DRAFT_KEY)
    return draft if isinstance(draft, TipDraft) else None


def _draft_in_progress(context: AnkangContext) -> TipDraft:
    """The draft of the report in progress: report_start made it, and only the flow's steps ask."""
    draft = _draft(context)
    if draft is None:
        raise RuntimeError("no tip draft in this report")
    return draft


def _drop_draft(context: AnkangContext) -> None:
    user_data_of(context).pop(DRAFT_KEY, None)


async def _choice_made(update: Update, question: str, answer: str) -> None:
    """Answer the button press and freeze the question with the choice (no stale keyboards)."""
    query = query_of(update)
    await query.answer()
    # The message may be too old to edit; the flow goes on regardless.
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(f"{question}\n→ <b>{answer}</b>", parse_mode="HTML")


async def report_start(update: Update, context: AnkangContext) -> str | int:
    """/report, the menu button or "我要举报…": start a fresh in-memory draft."""
    if chat_of(update).type != ChatType.PRIVATE:
        await message_of(update).reply_text(msg.PRIVATE_ONLY)
        return ConversationHandler.END
    if not context.services.tips.limits.tips_per_chat.allowed(chat_of(update).id):
        await message_of(update).reply_text(msg.RATE_LIMITED)
        return ConversationHandler.END
    # A report started from the follow-up thread ends that thread: later messages must not flow
    # into the old tip once this report is done (see tips_thread.followup_given).
    leave_thread(context)
    user_data_of(context)[DRAFT_KEY] = TipDraft()
    buttons = [(t.label, cb.PickCategory(t.code)) for t in TOPICS]
    await REPORT.ask(update, context, msg.INTRO, keyboard(pairs(buttons, 3) + [CANCEL_ROW]))
    return CATEGORY


async def category_chosen(update: Update, context: AnkangContext) -> str:
    choice = cb.parse_as(query_of(update).data, cb.PickCategory)
    draft = _draft(context) or TipDraft()
    user_data_of(context)[DRAFT_KEY] = draft
    draft.category = choice.code
    await _choice_made(update, "隐患类别", escape(dict((t.code, t.label) for t in TOPICS)[choice.code]))
    buttons = [(p.label, cb.PickPlace(p.code)) for p in PLACE_TYPES]
    await REPORT.ask(update, context, msg.ASK_PLACE, keyboard(pairs(buttons, 3) + [CANCEL_ROW]))
    return PLACE


async def place_chosen(update: Update, context: AnkangContext) -> str:
    choice = cb.parse_as(query_of(update).data, cb.PickPlace)
    draft = _draft(context) or TipDraft()
    user_data_of(context)[DRAFT_KEY] = draft
    draft.place_type = choice.code
    await _choice_made(update, "场所类型", escape(dict((p.code, p.label) for p in PLACE_TYPES)[choice.code]))
    await REPORT.ask(update, context, msg.ASK_LOCATION, keyboard([[(msg.SKIP_BUTTON, cb.Skip())], CANCEL_ROW]),
                     takes_text=True)
    return LOCATION


async def location_given(update: Update, context: AnkangContext) -> str:
    try:
        location = check_location(message_of(update).text or "")
    except TipInvalid:
        await message_of(update).reply_text(msg.LOCATION_TOO_LONG)
        return LOCATION
    _draft_in_progress(context).location = location
    await REPORT.ask(update, context, msg.ASK_DESCRIPTION, takes_text=True)
    return DESCRIPTION


async def location_skipped(update: Update, context: AnkangContext) -> str:
    _draft_in_progress(context).location = ""
    await _choice_made(update, "具体地点", "跳过")
    await REPORT.ask(update, context, msg.ASK_DESCRIPTION, takes_text=True)
    return DESCRIPTION


async def description_given(update: Update, context: AnkangContext) -> str:
    text = message_of(update).text or ""
    try:
        _draft_in_progress(context).description = check_description(text)
    except TipInvalid as err:
        if err.field == "description_long":
            await message_of(update).reply_text(msg.DESCRIPTION_TOO_LONG.format(length=len(text.strip())))
        else:
            await message_of(update).reply_text(msg.DESCRIPTION_TOO_SHORT)
        return DESCRIPTION
    await REPORT.ask(update, context, msg.ASK_PHOTOS, _photo_keyboard())
    return PHOTOS


def _photo_keyboard(received: int = 0) -> InlineKeyboardMarkup:
    """跳过 before the first photo; once one has arrived only 完成 (跳过 would read as "drop them")."""
    first = [(msg.SKIP_BUTTON, cb.Skip())] if received == 0 else [(msg.DONE_BUTTON, cb.PhotosDone())]
    return keyboard([first, CANCEL_ROW])


async def photo_given(update: Update, context: AnkangContext) -> str:
    draft = _draft_in_progress(context)
    if len(draft.photos) >= MAX_PHOTOS_PER_TIP:
        return await _ask_urgency(update, context, msg.PHOTO_LIMIT)
    try:
        photo = await download_clean_photo(message_of(update), context)
    except PhotoRejected as err:
        await message_of(update).reply_text(msg.PHOTO_REJECTED[err.reason])
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
    await query_of(update).answer()
    count = len(_draft_in_progress(context).photos)
    return await _ask_urgency(update, context, f"照片：{count} 张")


async def _ask_urgency(update: Update, context: AnkangContext, before: str) -> str:
    markup = keyboard([[(msg.YES_URGENT_BUTTON, cb.PickUrgency(True)), (msg.NOT_URGENT_BUTTON, cb.PickUrgency(False))],
                       CANCEL_ROW])
    await REPORT.ask(update, context, f"{before}\n\n{msg.ASK_URGENCY}", markup)
    return URGENCY


async def urgency_chosen(update: Update, context: AnkangContext) -> str:
    urgent = cb.parse_as(query_of(update).data, cb.PickUrgency).urgent
    draft = _draft_in_progress(context)
    draft.urgent = urgent
    await _choice_made(update, "是否紧急", "是" if urgent else "否")
    if urgent:
        # Safety first: the guidance goes out before the preview, not after submission.
        await message_of(update).reply_html(msg.EMERGENCY_GUIDANCE)
    async with context.session() as session:
        units = await org.has_units(session)
    return await (_ask_unit(update, context) if units else _preview(update, context, draft))


async def _ask_unit(update: Update, context: AnkangContext) -> str:
    """Which unit the tip goes to: the worker's own unit first (if they joined one), the units above it
    ("我不想让本单位知道"), no unit, or any unit found by typing its name. Membership is read, never stored."""
    async with context.session() as session:
        own = await org.unit_of(session, chat_of(update).id)
        own = own if own is not None and not own.retired else None
        above = await org.ancestors(session, own) if own is not None else []
    text = msg.ASK_UNIT
    rows: list[list[tuple[str, cb.Callback]]] = []
    if own is not None:
        text += "\n\n" + escape(msg.ASK_UNIT_MEMBER.format(name=own.name))
        rows.append([(msg.unit_button(msg.UNIT_OWN_BUTTON, own.name), cb.PickUnit(own.id))])
        rows += [[(msg.unit_button(msg.UNIT_HIGHER_BUTTON, u.name), cb.PickUnit(u.id))] for u in above]
    rows += [[(case_text.NO_UNIT_LABEL, cb.NoUnit())], CANCEL_ROW]
    await REPORT.ask(update, context, text, keyboard(rows), takes_text=True)
    return UNIT


async def unit_search(update: Update, context: AnkangContext) -> str:
    """Typed text at the unit step: the units whose name contains it, as buttons."""
    query = (message_of(update).text or "")[:msg.UNIT_QUERY_MAX_CHARS].strip()
    async with context.session() as session:
        found = await org.search_units(session, query)
    rows: list[list[tuple[str, cb.Callback]]] = [
        [(msg.unit_button("{name}", u.name + (f"（{u.level}）" if u.level else "")), cb.PickUnit(u.id))]
        for u in found]
    rows += [[(case_text.NO_UNIT_LABEL, cb.NoUnit())], CANCEL_ROW]
    await REPORT.ask(update, context, msg.UNIT_FOUND if found else msg.unit_not_found(query), keyboard(rows),
                     takes_text=True)
    return UNIT


async def unit_picked(update: Update, context: AnkangContext) -> str:
    """A unit button (at the unit step, or 改交上级 under the preview): route the draft there."""
    unit_id = cb.parse_as(query_of(update).data, cb.PickUnit).unit_id
    draft = _draft_in_progress(context)
    async with context.session() as session:
        choice = await unit_choice(session, context.services.settings, unit_id)
    if choice is None:
        await query_of(update).answer(msg.UNIT_GONE, show_alert=True)
        return await _ask_unit(update, context)
    draft.unit_id = choice.unit.id
    await _choice_made(update, "交给单位", escape(choice.unit.name))
    return await _preview(update, context, draft)


async def unit_none(update: Update, context: AnkangContext) -> str:
    draft = _draft_in_progress(context)
    draft.unit_id = None
    await _choice_made(update, "交给单位", case_text.NO_UNIT_LABEL)
    return await _preview(update, context, draft)


async def unit_change(update: Update, context: AnkangContext) -> str:
    await query_of(update).answer()
    return await _ask_unit(update, context)


async def _preview(update: Update, context: AnkangContext, draft: TipDraft) -> str:
    rows: list[list[tuple[str, cb.Callback]]] = [[(msg.CONFIRM_BUTTON, cb.Confirm()),
                                                  (msg.CANCEL_BUTTON, cb.CancelReport())]]
    unit: str | None = None
    warning = ""
    async with context.session() as session:
        if await org.has_units(session):
            # A unit retired since it was chosen: its nearest active unit above, as submit_tip will store it.
            draft.unit_id = await route_unit(session, draft.unit_id)
            choice = await unit_choice(session, context.services.settings, draft.unit_id) if draft.unit_id else None
            unit = choice.unit.name if choice is not None else ""
            if choice is not None and choice.small:
                parent = choice.parent
                warning = "\n\n" + escape(case_text.small_unit_warning(
                    choice.unit.name, choice.members, choice.min_size, parent.name if parent else None))
                if parent is not None:
                    rows.append([(msg.unit_button(msg.UNIT_PARENT_BUTTON, parent.name), cb.PickUnit(parent.id))])
            rows.append([(msg.CHANGE_UNIT_BUTTON, cb.ChangeUnit())])
    summary = msg.tip_summary(None, category=draft.category, place_type=draft.place_type, location=draft.location,
                              description=draft.description, urgent=draft.urgent, photos=len(draft.photos),
                              unit=unit)
    await REPORT.ask(update, context, msg.PREVIEW_HEADER + summary + warning, keyboard(rows))
    return PREVIEW


async def report_confirm(update: Update, context: AnkangContext) -> str | int:
    """Commit the tip, THEN show the receipt; alert the duty admins when urgent."""
    query = query_of(update)
    draft = _draft_in_progress(context)
    limits = context.services.tips.limits
    chat_id = chat_of(update).id
    if not limits.tips_per_chat.allowed(chat_id):
        await query.answer()
        await message_of(update).reply_text(msg.RATE_LIMITED)
        _drop_draft(context)
        return ConversationHandler.END
    await query.answer("正在提交…")
    try:
        async with context.session() as session, session.begin():
            submitted = await submit_tip(session, draft, now=context.services.clock.now(),
                                         cost=context.services.tips.receipt_cost,
                                         policy=CasePolicy.from_settings(context.services.settings))
    except Exception as err:
        # Nothing was committed, so no receipt may be shown; the draft stays for a retry.
        # The traceback is redacted: a database error quotes the row's values.
        log.error("tip submission failed before commit\n%s", redacted_traceback(err))
        await message_of(update).reply_html(msg.SUBMIT_FAILED)
        return PREVIEW
    limits.tips_per_chat.hit(chat_id)
    _drop_draft(context)
    # The receipt goes out first: every step between the commit and this send widens the window
    # in which a crash leaves a stored tip whose receipt was never shown.
    await _send_receipt(context, chat_id, submitted.tip_id, submitted.receipt_code)
    log.info("tip %s submitted%s", submitted.tip_id, " (urgent)" if draft.urgent else "")
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(None)  # an old confirm button answers as stale
    if draft.urgent:
        # In the background, as from the web form: through a database outage the alert waits for the
        # database, and this chat's next update (an emergency, say) must not wait behind it.
        services = context.services
        services.tips.spawn(alert_urgent(services.sessions, services.settings, TelegramDutyAlerts(context.bot),
                                         submitted.tip_id, services.tips.alerts, services.tips.spawn,
                                         loops=services.loops))
    return ConversationHandler.END


async def _send_receipt(context: AnkangContext, chat_id: int, tip_id: int, code: str) -> None:
    """The tip is already stored: deliver its only copy of the receipt. The outgoing path (bot/retry.py)
    sends it again through 429s, 5xx answers and time-outs; only a refusal (blocked, 400) ends it."""
    try:
        await context.bot.send_message(chat_id, msg.receipt(tip_id, code), parse_mode="HTML")
    except TelegramError:
        log.warning("tip %s stored but Telegram refused its receipt", tip_id)


async def report_cancel(update: Update, context: AnkangContext) -> int:
    _drop_draft(context)
    if update.callback_query:
        await update.callback_query.answer()
    await message_of(update).reply_text(msg.CANCELLED)
    return ConversationHandler.END


async def report_timed_out(update: object, context: AnkangContext) -> None:
    """The conversation idled past tip_draft_ttl_s: drop the draft and say so."""
    _drop_draft(context)
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, msg.TIMED_OUT)


async def use_buttons(update: Update, context: AnkangContext) -> None:
    await message_of(update).reply_text(msg.USE_BUTTONS)


async def need_photo(update: Update, context: AnkangContext) -> None:
    await message_of(update).reply_text(msg.NEED_PHOTO, reply_markup=_photo_keyboard())


async def in_flow_command(update: Update, context: AnkangContext) -> None:
    await message_of(update).reply_text(msg.IN_FLOW_COMMAND)


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
            UNIT: [button(cb.PickUnit, unit_picked), button(cb.NoUnit, unit_none), MessageHandler(TEXT, unit_search),
                   MessageHandler(OTHER, need_text)],
            PREVIEW: [button(cb.Confirm, report_confirm), button(cb.PickUnit, unit_picked),
                      button(cb.ChangeUnit, unit_change), *buttons_only],
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


def register(app: Application) -> None:
    """Add the report conversation to group 0, before the generic command and message handlers."""
    app.add_handler(report_conversation(app.bot_data.services.settings.tip_draft_ttl_s))
