"""Anonymous hazard tips over Telegram, the admins' side: the duty alert, ``/tips`` (list, filters,
open a tip with its photos and thread), status changes and replies (a short conversation for the
note), and ``/duty`` (the roster that gets urgent alerts).

Everything goes through ``tips.service`` and ``core.admins``, which audit what admins do.
"""
from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from bot import messages as common_messages
from bot import tip_callbacks as cb
from bot import tip_messages as msg
from bot.context import AnkangContext, user_is_admin
from bot.conversation import Flow, chat_conversation
from bot.parts import chat_of, message_of, query_of, user_data_of, user_of
from bot.render import send_long
from bot.tips_common import OTHER, TEXT, keyboard, need_text, pairs
from core import admins
from core.topics import TOPICS
from tips.alerts import DutyAlert
from tips.models import ALL_STATUSES, TipStatus, parse_status
from tips.service import (
    TipNotFound,
    TransitionNotAllowed,
    allowed_transitions,
    change_status,
    get_tip,
    list_tips,
    reply,
)

ADMIN_NOTE = "admin_note"  # the conversation's one state: waiting for the note or the reply
# Its step asks through Flow.ask, so an emergency mid-flow can re-ask the step.
TRIAGE = Flow("tip_triage", "举报处理")

ADMIN_ACTION_KEY = "tip_admin_action"  # user_data key of the pending status change or reply


class TelegramDutyAlerts:
    """The tips domain's ``DutyAlertSender`` over Telegram: the alert with a button that opens the tip here.

    Urgent tips from the bot's report flow and from the web form (through ``TelegramSender``) both
    arrive this way, so the admin on duty gets the same message and the same action.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
        markup = keyboard([[(msg.OPEN_TIP_BUTTON, cb.OpenTip(alert.tip_id))]])
        await self._bot.send_message(admin_id, alert.html, parse_mode="HTML", reply_markup=markup)


async def _admin_or_refuse(update: Update, context: AnkangContext) -> bool:
    if await user_is_admin(context, update.effective_user.id if update.effective_user else None):
        return True
    if update.callback_query:
        await update.callback_query.answer(common_messages.NOT_ADMIN, show_alert=True)
    else:
        await message_of(update).reply_text(common_messages.NOT_ADMIN)
    return False


def parse_list_args(args: list[str]) -> cb.ListTips:
    """``/tips [状态] [类别] [紧急]`` in Chinese labels or codes, in any order."""
    status: TipStatus | None = None
    category = None
    urgent = False
    labels = {s.label: s for s in ALL_STATUSES}
    topics = {t.label: t.code for t in TOPICS} | {t.code: t.code for t in TOPICS}
    for arg in args:
        if arg in ("紧急", "urgent"):
            urgent = True
        elif (chosen := labels.get(arg) or parse_status(arg)) is not None:
            status = chosen
        elif arg in topics:
            category = topics[arg]
    return cb.ListTips(status, category, urgent, 0)


async def tips_command(update: Update, context: AnkangContext) -> None:
    """/tips: the admin's list of open tips."""
    if not await _admin_or_refuse(update, context):
        return
    text, markup = await _render_list(context, parse_list_args(context.args or []))
    await message_of(update).reply_html(text, reply_markup=markup)


async def tips_list_pressed(update: Update, context: AnkangContext) -> None:
    if not await _admin_or_refuse(update, context):
        return
    await query_of(update).answer()
    text, markup = await _render_list(context, cb.parse_as(query_of(update).data, cb.ListTips))
    try:
        await query_of(update).edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except TelegramError:
        await message_of(update).reply_html(text, reply_markup=markup)


async def _render_list(context: AnkangContext, view: cb.ListTips) -> tuple[str, InlineKeyboardMarkup]:
    async with context.session() as session:
        page = await list_tips(session, status=view.status, category=view.category,
                               urgent=True if view.urgent_only else None, offset=view.offset)
    tz = context.services.settings.tz
    rows: list[list[tuple[str, cb.Callback]]] = [[(msg.list_button(t, tz), cb.OpenTip(t.id))] for t in page.tips]
    nav: list[tuple[str, cb.Callback]] = []
    if view.offset > 0:
        nav.append((msg.PREV_BUTTON, cb.ListTips(view.status, view.category, view.urgent_only,
                                                  max(0, view.offset - page.limit))))
    if page.has_next:
        nav.append((msg.NEXT_BUTTON, cb.ListTips(view.status, view.category, view.urgent_only,
                                                  view.offset + page.limit)))
    if nav:
        rows.append(nav)
    # One button per status plus 未办结 (the default view); the one being shown is ticked.
    status_filters: list[tuple[str, cb.Callback]] = [
        (_ticked(msg.FILTER_OPEN, view.status is None), cb.ListTips(None, view.category, view.urgent_only, 0))]
    status_filters += [(_ticked(s.label, view.status is s), cb.ListTips(s, view.category, view.urgent_only, 0))
                       for s in ALL_STATUSES]
    rows += pairs(status_filters, 4)
    rows.append([(("✅ " if view.urgent_only else "") + msg.URGENT_ONLY,
                  cb.ListTips(view.status, view.category, not view.urgent_only, 0))])
    header = msg.list_header(page.total, view.offset, len(page.tips), view.status, view.category, view.urgent_only)
    return (header if page.tips else f"{header}\n{msg.NO_TIPS}"), keyboard(rows)


def _ticked(label: str, chosen: bool) -> str:
    return f"✅ {label}" if chosen else label


async def tip_opened(update: Update, context: AnkangContext) -> None:
    """An admin opens a tip: its text, thread and photos, with the status buttons."""
    if not await _admin_or_refuse(update, context):
        return
    query = query_of(update)
    await query.answer()
    tip_id = cb.parse_as(query.data, cb.OpenTip).tip_id
    admin_id = user_of(update).id
    try:
        async with context.session() as session, session.begin():
            tip = await get_tip(session, tip_id)
            await admins.audit(session, admin_id, "tip.view", f"tip:{tip_id}")
    except TipNotFound:
        await message_of(update).reply_text(msg.TIP_NOT_FOUND)
        return
    chat_id = chat_of(update).id
    if len(tip.photos) == 1:
        await context.bot.send_photo(chat_id, tip.photos[0].data)
    elif tip.photos:
        for start in range(0, len(tip.photos), 10):  # albums hold 2–10 photos
            chunk = tip.photos[start : start + 10]
            if len(chunk) == 1:
                await context.bot.send_photo(chat_id, chunk[0].data)
            else:
                await context.bot.send_media_group(chat_id, [InputMediaPhoto(p.data) for p in chunk])
    buttons = [(s.label, cb.SetStatus(tip.id, s)) for s in allowed_transitions(tip.status)]
    rows = pairs(buttons, 3) + [[(msg.REPLY_BUTTON, cb.ReplyToTip(tip.id)), (msg.BACK_BUTTON, cb.ListTips())]]
    await send_long(context.bot, chat_id, msg.admin_tip(tip, context.services.settings.tz), keyboard(rows))


@dataclass(frozen=True, slots=True)
class _PendingAction:
    tip_id: int
    status: TipStatus | None  # None: a reply


async def admin_action_start(update: Update, context: AnkangContext) -> str | int:
    if not await _admin_or_refuse(update, context):
        return ConversationHandler.END
    query = query_of(update)
    await query.answer()
    action = cb.parse(query.data)
    if isinstance(action, cb.SetStatus):
        user_data_of(context)[ADMIN_ACTION_KEY] = _PendingAction(action.tip_id, action.status)
        await TRIAGE.ask(update, context, msg.ASK_NOTE.format(status=action.status.label), takes_text=True)
    else:  # the entry points' patterns admit only these two
        reply = cb.parse_as(query.data, cb.ReplyToTip)
        user_data_of(context)[ADMIN_ACTION_KEY] = _PendingAction(reply.tip_id, None)
        await TRIAGE.ask(update, context, msg.ASK_REPLY.format(tip_id=reply.tip_id), takes_text=True)
    return ADMIN_NOTE


async def admin_note_given(update: Update, context: AnkangContext) -> str | int:
    pending = user_data_of(context).pop(ADMIN_ACTION_KEY, None)
    if not isinstance(pending, _PendingAction):
        return ConversationHandler.END
    if not await _admin_or_refuse(update, context):
        return ConversationHandler.END
    text = message_of(update).text or ""
    admin_id = user_of(update).id
    now = context.services.clock.now()
    try:
        async with context.session() as session, session.begin():
            if pending.status is None:
                await reply(session, pending.tip_id, text, admin_id=admin_id, now=now)
                done = msg.REPLY_SENT.format(tip_id=pending.tip_id)
            else:
                await change_status(session, pending.tip_id, pending.status, text, admin_id=admin_id, now=now)
                done = msg.STATUS_CHANGED.format(tip_id=pending.tip_id, status=pending.status.label)
    except TipNotFound:
        done = msg.TIP_NOT_FOUND
    except TransitionNotAllowed as err:
        done = msg.TRANSITION_REFUSED.format(tip_id=pending.tip_id, current=err.current.label,
                                             target=err.target.label if err.target is not None else "")
    await message_of(update).reply_html(
        done, reply_markup=keyboard([[(msg.VIEW_TIP_BUTTON, cb.OpenTip(pending.tip_id))]]))
    return ConversationHandler.END


async def admin_cancel(update: Update, context: AnkangContext) -> int:
    user_data_of(context).pop(ADMIN_ACTION_KEY, None)
    await message_of(update).reply_text(msg.ADMIN_CANCELLED)
    return ConversationHandler.END


async def admin_timed_out(update: object, context: AnkangContext) -> None:
    user_data_of(context).pop(ADMIN_ACTION_KEY, None)


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
    admin_id = user_of(update).id
    arg = (context.args or [""])[0].lower()
    async with context.session() as session, session.begin():
        if arg in ("on", "开", "开始"):
            await admins.set_on_duty(session, context.services.settings, admin_id, True)
            await admins.audit(session, admin_id, "duty.on")
            text = msg.DUTY_ON
        elif arg in ("off", "关", "结束"):
            await admins.set_on_duty(session, context.services.settings, admin_id, False)
            await admins.audit(session, admin_id, "duty.off")
            text = msg.DUTY_OFF
        else:
            text = msg.DUTY_STATUS_ON if await admins.is_on_duty(session, admin_id) else msg.DUTY_STATUS_OFF
    await message_of(update).reply_html(text)


def register(app: Application) -> None:
    """Add the triage conversation, /tips, /duty and the tip buttons to group 0, before the generic handlers."""
    app.add_handler(triage_conversation(app.bot_data.services.settings.tip_draft_ttl_s))
    app.add_handler(CommandHandler("tips", tips_command))
    app.add_handler(CommandHandler("duty", duty_command))
    app.add_handler(CallbackQueryHandler(tips_list_pressed, pattern=cb.matches(cb.ListTips)))
    app.add_handler(CallbackQueryHandler(tip_opened, pattern=cb.matches(cb.OpenTip)))
