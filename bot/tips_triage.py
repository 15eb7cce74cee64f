"""Anonymous hazard tips over Telegram, the admins' side: the duty alert, ``/tips`` (list, filters,
open a tip with its photos and thread), status changes and replies (a short conversation for the
note), and ``/duty`` (the roster that gets urgent alerts).

Everything goes through ``tips.service`` and ``core.admins``, which audit what admins do.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from html import escape

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

from bot import authz
from bot import tip_callbacks as cb
from bot import tip_messages as msg
from bot.context import AnkangContext
from bot.conversation import Flow, chat_conversation
from bot.parts import chat_of, message_of, query_of, user_data_of, user_of
from bot.render import send_long
from bot.tips_common import OTHER, TEXT, keyboard, need_text, pairs
from core import admins
from core.topics import TOPICS
from org.roles import Action, Role, scope_of
from tips.alerts import DutyAlert
from tips.cases import add_note, assign_owner, mark_read, notes_of
from tips.models import ALL_STATUSES, REJECT_REASONS, REJECT_REASONS_BY_CODE, Tip, TipStatus, parse_status
from tips.service import (
    TipInvalid,
    TipNotFound,
    TransitionNotAllowed,
    allowed_transitions,
    change_status,
    get_tip,
    list_tips,
    reply,
)

ADMIN_NOTE = "admin_note"  # waiting for the note, the reply or the private note
ADMIN_CONFIRM = "admin_confirm"  # a closing or rejection waiting for its 确认
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
        action = (msg.OPEN_LIST_BUTTON, cb.ListTips()) if alert.opens_list else \
            (msg.OPEN_TIP_BUTTON, cb.OpenTip(alert.tip_id))
        markup = keyboard([[action]])
        await self._bot.send_message(admin_id, alert.html, parse_mode="HTML", reply_markup=markup)


async def _button_tip(update: Update, context: AnkangContext) -> list[int | None]:
    """The unit of the tip a button acts on."""
    data = cb.parse(query_of(update).data)
    return await authz.row_unit(context, Tip, getattr(data, "tip_id", None))


async def _pending_tip(update: Update, context: AnkangContext) -> list[int | None]:
    """The unit of the tip whose note, reply or confirmation is awaited."""
    pending = user_data_of(context).get(ADMIN_ACTION_KEY)
    return await authz.row_unit(context, Tip, pending.tip_id if isinstance(pending, _PendingAction) else None)


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


@authz.requires(Action.VIEW_TIPS)
async def tips_command(update: Update, context: AnkangContext) -> None:
    """/tips: the admin's list of open tips."""
    text, markup = await _render_list(context, parse_list_args(context.args or []), user_of(update).id)
    await message_of(update).reply_html(text, reply_markup=markup)


@authz.requires(Action.VIEW_TIPS)
async def tips_list_pressed(update: Update, context: AnkangContext) -> None:
    await query_of(update).answer()
    text, markup = await _render_list(context, cb.parse_as(query_of(update).data, cb.ListTips), user_of(update).id)
    try:
        await query_of(update).edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except TelegramError:
        await message_of(update).reply_html(text, reply_markup=markup)


async def _render_list(context: AnkangContext, view: cb.ListTips, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    async with context.session() as session:
        # A unit's staff see the tips routed to their subtree only, as in the console.
        scope = await scope_of(session, context.services.settings, user_id, Action.VIEW_TIPS)
        page = await list_tips(session, status=view.status, category=view.category,
                               urgent=True if view.urgent_only else None, offset=view.offset,
                               now=context.services.clock.now(),
                               unit_ids=None if scope.everything else scope.unit_ids)
    tz = context.services.settings.tz
    now = context.services.clock.now()
    rows: list[list[tuple[str, cb.Callback]]] = [[(msg.list_button(t, tz, now), cb.OpenTip(t.id))] for t in page.tips]
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


@authz.requires(Action.VIEW_TIPS)
async def tip_opened(update: Update, context: AnkangContext) -> None:
    """An admin opens a tip: its text, thread, private notes and photos, with the case buttons."""
    query = query_of(update)
    tip_id = cb.parse_as(query.data, cb.OpenTip).tip_id
    # A unit's staff see the tips of their subtree only, as in the console (a missing tip is said below).
    async with context.session() as session:
        row = await session.get(Tip, tip_id)
    if row is not None and not await authz.permitted(update, context, Action.VIEW_TIPS, [row.unit_id]):
        return
    await query.answer()
    admin_id = user_of(update).id
    try:
        async with context.session() as session, session.begin():
            tip = await get_tip(session, tip_id)
            notes = await notes_of(session, tip_id)
            await mark_read(session, tip_id)
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
    case_row: list[tuple[str, cb.Callback]] = [(msg.NOTE_BUTTON, cb.AddNote(tip.id))]
    if tip.owner_id != admin_id:
        case_row.insert(0, (msg.TAKE_BUTTON, cb.TakeTip(tip.id)))
    rows: list[list[tuple[str, cb.Callback]]] = pairs(buttons, 3) + [case_row,
                                [(msg.REPLY_BUTTON, cb.ReplyToTip(tip.id)), (msg.BACK_BUTTON, cb.ListTips())]]
    services = context.services
    text = msg.admin_tip(tip, services.settings.tz, services.clock.now(), notes)
    await send_long(context.bot, chat_id, text, keyboard(rows))


@authz.requires(Role.TIPS, _button_tip)
async def take_pressed(update: Update, context: AnkangContext) -> None:
    """🙋 由我负责: the admin becomes the tip's owner (follow-ups and reminders then go to them)."""
    query = query_of(update)
    await query.answer()
    tip_id = cb.parse_as(query.data, cb.TakeTip).tip_id
    admin_id = user_of(update).id
    try:
        async with context.session() as session, session.begin():
            await assign_owner(session, context.services.settings, tip_id, admin_id, admin_id=admin_id)
    except TipNotFound:
        await message_of(update).reply_text(msg.TIP_NOT_FOUND)
        return
    await message_of(update).reply_html(msg.TAKEN.format(tip_id=tip_id),
                                              reply_markup=keyboard([[(msg.VIEW_TIP_BUTTON, cb.OpenTip(tip_id))]]))


@dataclass(frozen=True, slots=True)
class _PendingAction:
    tip_id: int
    kind: str  # "status", "reply" or "note"
    status: TipStatus | None = None
    reason: str | None = None  # 不予受理's reason code
    note: str = ""  # the note typed, kept while a final status waits for its confirmation


@authz.requires(Role.TIPS, _button_tip)
async def admin_action_start(update: Update, context: AnkangContext) -> str | int:
    query = query_of(update)
    await query.answer()
    action = cb.parse(query.data)
    if isinstance(action, cb.SetStatus) and action.status is TipStatus.REJECTED:
        # 不予受理 needs a reason from the list first; its button starts the note.
        rows = [[(r.label, cb.RejectWith(action.tip_id, r.code))] for r in REJECT_REASONS]
        await message_of(update).reply_html(msg.ASK_REJECT_REASON, reply_markup=keyboard(rows))
        return ConversationHandler.END
    if isinstance(action, cb.SetStatus):
        pending = _PendingAction(action.tip_id, "status", action.status)
        prompt = msg.ASK_CLOSE_NOTE if action.status is TipStatus.CLOSED else \
            msg.ASK_NOTE.format(status=action.status.label)
    elif isinstance(action, cb.RejectWith):
        pending = _PendingAction(action.tip_id, "status", TipStatus.REJECTED, action.reason)
        prompt = msg.ASK_NOTE.format(status=TipStatus.REJECTED.label)
    elif isinstance(action, cb.AddNote):
        pending = _PendingAction(action.tip_id, "note")
        prompt = msg.ASK_PRIVATE_NOTE.format(tip_id=action.tip_id)
    else:  # the entry points' patterns admit only these four
        reply = cb.parse_as(query.data, cb.ReplyToTip)
        pending = _PendingAction(reply.tip_id, "reply")
        prompt = msg.ASK_REPLY.format(tip_id=reply.tip_id)
    user_data_of(context)[ADMIN_ACTION_KEY] = pending
    await TRIAGE.ask(update, context, prompt, takes_text=True)
    return ADMIN_NOTE


@authz.requires(Role.TIPS, _pending_tip)
async def admin_note_given(update: Update, context: AnkangContext) -> str | int:
    pending = user_data_of(context).get(ADMIN_ACTION_KEY)
    if not isinstance(pending, _PendingAction):
        return ConversationHandler.END
    text = (message_of(update).text or "").strip()
    if (status := pending.status) is not None and status.is_final:
        # Closing and rejecting end the case: the admin sees what the tipper will read, then confirms.
        pending = replace(pending, note=text)
        user_data_of(context)[ADMIN_ACTION_KEY] = pending
        extra = ""
        if pending.reason is not None:
            extra = f"原因：{REJECT_REASONS_BY_CODE[pending.reason].label}\n"
        question = msg.CONFIRM_FINAL.format(tip_id=pending.tip_id, status=status.label, note=escape(text),
                                            extra=escape(extra), days=context.services.settings.tip_review_days)
        await TRIAGE.ask(update, context, question, keyboard([[(msg.CONFIRM_ACTION_BUTTON, cb.ConfirmAction()),
                                                               (msg.CANCEL_ACTION_BUTTON, cb.CancelAction())]]))
        return ADMIN_CONFIRM
    user_data_of(context).pop(ADMIN_ACTION_KEY, None)
    await _carry_out(update, context, pending, text)
    return ConversationHandler.END


@authz.requires(Role.TIPS, _pending_tip)
async def admin_confirmed(update: Update, context: AnkangContext) -> str | int:
    await query_of(update).answer()
    pending = user_data_of(context).pop(ADMIN_ACTION_KEY, None)
    if not isinstance(pending, _PendingAction):
        return ConversationHandler.END
    with contextlib.suppress(TelegramError):
        await query_of(update).edit_message_reply_markup(None)
    await _carry_out(update, context, pending, pending.note)
    return ConversationHandler.END


async def _carry_out(update: Update, context: AnkangContext, pending: _PendingAction, text: str) -> None:
    admin_id = user_of(update).id
    now = context.services.clock.now()
    try:
        async with context.session() as session, session.begin():
            if pending.kind == "reply":
                await reply(session, pending.tip_id, text, admin_id=admin_id, now=now)
                done = msg.REPLY_SENT.format(tip_id=pending.tip_id)
            elif pending.kind == "note":
                await add_note(session, pending.tip_id, text, admin_id=admin_id, now=now)
                done = msg.NOTE_SAVED
            else:
                assert pending.status is not None
                await change_status(session, pending.tip_id, pending.status, text, admin_id=admin_id, now=now,
                                    reason=pending.reason)
                done = msg.STATUS_CHANGED.format(tip_id=pending.tip_id, status=pending.status.label)
    except TipNotFound:
        done = msg.TIP_NOT_FOUND
    except TipInvalid:
        done = msg.NEED_NOTE
    except TransitionNotAllowed as err:
        done = msg.TRANSITION_REFUSED.format(tip_id=pending.tip_id, current=err.current.label,
                                             target=err.target.label if err.target is not None else "")
    view = keyboard([[(msg.VIEW_TIP_BUTTON, cb.OpenTip(pending.tip_id))]])
    await message_of(update).reply_html(done, reply_markup=view)


async def admin_cancel(update: Update, context: AnkangContext) -> int:
    user_data_of(context).pop(ADMIN_ACTION_KEY, None)
    if update.callback_query:
        await update.callback_query.answer()
    await message_of(update).reply_text(msg.ADMIN_CANCELLED)
    return ConversationHandler.END


async def admin_timed_out(update: object, context: AnkangContext) -> None:
    user_data_of(context).pop(ADMIN_ACTION_KEY, None)


def triage_conversation(ttl_s: float) -> ConversationHandler:
    def button(kind: type, callback) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=cb.matches(kind))

    return chat_conversation(
        flow=TRIAGE,
        entry_points=[button(cb.SetStatus, admin_action_start), button(cb.ReplyToTip, admin_action_start),
                      button(cb.RejectWith, admin_action_start), button(cb.AddNote, admin_action_start)],
        states={
            ADMIN_NOTE: [MessageHandler(TEXT, admin_note_given), MessageHandler(OTHER, need_text)],
            ADMIN_CONFIRM: [button(cb.ConfirmAction, admin_confirmed), button(cb.CancelAction, admin_cancel)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, admin_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", admin_cancel)],
        allow_reentry=True,
        conversation_timeout=ttl_s,
        persistent=False,
    )


@authz.requires(Role.TIPS)
async def duty_command(update: Update, context: AnkangContext) -> None:
    """/duty on|off: join or leave the roster that receives urgent tips."""
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
    app.add_handler(CallbackQueryHandler(take_pressed, pattern=cb.matches(cb.TakeTip)))
