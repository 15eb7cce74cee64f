"""Admins' /broadcasts screens: every active or paused schedule in one message, with buttons to pause,
resume, delete or send it now (the last two after 确定), pages, and a firing's progress. The /schedule
wizard (bot/schedule_wizard.py) hands over here to start a send-now. Non-admins are refused politely."""
from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import authz, messages
from bot import lesson_messages as msg
from bot import schedule_callbacks as cb
from bot.context import AnkangContext
from bot.parts import chat_of, message_of, query_of, user_of
from bot.render import edit_in_place
from broadcasts import occurrences, schedules
from broadcasts.library import Library
from broadcasts.models import OccurrenceStatus, Schedule, ScheduleStatus
from broadcasts.schedules import ScheduleNotFound, ScheduleStateError
from org.roles import Action, Role

SCHEDULES_PER_PAGE = 5


def button(text: str, data: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.build(data))


async def show(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Show a screen: in place of the pressed message after a button, as a reply after typed input."""
    query = update.callback_query
    if query is None:
        await message_of(update).reply_html(text, reply_markup=keyboard)
        return
    await edit_in_place(query, text, reply_markup=keyboard)


def lesson_title(library: Library, schedule: Schedule) -> str | None:
    lesson_id = schedule.lesson_id
    return library.get(lesson_id).title if lesson_id is not None and lesson_id in library else None


def _library(context: AnkangContext) -> Library:
    return context.broadcasts.library


def _schedule_buttons(schedule: Schedule) -> list[InlineKeyboardButton]:
    def act_on(label: str, act: cb.Act) -> InlineKeyboardButton:
        return button(msg.schedule_button(schedule.id, label), cb.ScheduleButton(act, schedule.id))

    buttons = []
    if schedule.status == ScheduleStatus.ACTIVE:
        buttons.append(act_on(msg.PAUSE, cb.Act.PAUSE))
    if schedule.status == ScheduleStatus.PAUSED:
        buttons.append(act_on(msg.RESUME, cb.Act.RESUME))
    buttons.append(act_on(msg.SEND_NOW, cb.Act.ASK_SEND_NOW))
    buttons.append(act_on(msg.CANCEL, cb.Act.ASK_DELETE))
    return buttons


async def _schedules_view(context: AnkangContext, page: int = 0, around: int | None = None
                          ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /broadcasts list: one message, a row of buttons per schedule, pages of SCHEDULES_PER_PAGE.

    ``around`` shows the page holding that schedule (after acting on it)."""
    services = context.services
    async with context.session() as session:
        rows = await schedules.list_schedules(session)
    if not rows:
        return msg.BROADCASTS_EMPTY, None
    ids = [s.id for s in rows]
    if around in ids:
        page = ids.index(around) // SCHEDULES_PER_PAGE
    pages = -(-len(rows) // SCHEDULES_PER_PAGE)
    page = max(0, min(page, pages - 1))
    shown = rows[page * SCHEDULES_PER_PAGE:(page + 1) * SCHEDULES_PER_PAGE]
    now = services.clock.now()
    library = _library(context)
    lines = [msg.schedule_line(s, lesson_title(library, s), schedules.next_fire_time(s, now), now) for s in shown]
    keyboard = [_schedule_buttons(s) for s in shown]
    nav = []
    if page > 0:
        nav.append(button(msg.PREV_PAGE, cb.ListPage(page - 1)))
    if page < pages - 1:
        nav.append(button(msg.NEXT_PAGE, cb.ListPage(page + 1)))
    keyboard += [nav] if nav else []
    return msg.schedules_text(lines, len(rows), page, pages), InlineKeyboardMarkup(keyboard)


@authz.requires(Action.VIEW_PUSH)
async def broadcasts_command(update: Update, context: AnkangContext) -> None:
    """/broadcasts: every active or paused schedule in one message, with its buttons."""
    text, keyboard = await _schedules_view(context)
    await message_of(update).reply_html(text, reply_markup=keyboard)


# The status change behind each /broadcasts button that makes one (broadcasts.schedules.change_status).
_STATUS_CHANGES = {cb.Act.PAUSE: "pause", cb.Act.RESUME: "resume", cb.Act.DELETE: "cancel"}


@authz.marks(Action.VIEW_PUSH, acts=Role.PUSH)  # looking at pages and progress; acting on a schedule
async def broadcast_button(update: Update, context: AnkangContext) -> None:
    """Every "bc:" button: a schedule's actions and their confirmations, pages, a firing's progress."""
    query = query_of(update)
    data = cb.parse(query.data)
    if data is None:
        await query.answer(messages.STALE_BUTTON)
        return
    if not await authz.permitted(update, context, Action.VIEW_PUSH):
        return
    if isinstance(data, cb.ScheduleButton) and not await authz.permitted(
            update, context, Role.PUSH, await authz.row_unit(context, Schedule, data.schedule_id)):
        return
    match data:
        case cb.ShowProgress(occurrence_id):
            await _show_progress(update, context, occurrence_id)
        case cb.ListPage(page):
            await query.answer()
            await show(update, *await _schedules_view(context, page=page))
        case cb.ListAround(schedule_id):
            await query.answer()
            await show(update, *await _schedules_view(context, around=schedule_id))
        case cb.ScheduleButton(cb.Act.ASK_SEND_NOW | cb.Act.ASK_DELETE as act, schedule_id):
            await _ask_to_confirm(update, context, act, schedule_id)
        case cb.ScheduleButton(cb.Act.SEND_NOW, schedule_id):
            await query.answer(msg.SEND_STARTED.format(id=schedule_id))
            if await start_sending(update, context, schedule_id, user_of(update).id):
                await show(update, *await _schedules_view(context, around=schedule_id))
        case cb.ScheduleButton(act, schedule_id):
            await _change_status(update, context, _STATUS_CHANGES[act], schedule_id)
        case _:  # a wizard's button outside the wizard
            await query.answer(messages.STALE_BUTTON)


async def _show_progress(update: Update, context: AnkangContext, occurrence_id: int) -> None:
    query = query_of(update)
    async with context.session() as session:
        try:
            p = await occurrences.progress(session, occurrence_id)
        except LookupError:
            await query.answer(msg.SCHEDULE_MISSING)
            return
    await query.answer()
    keyboard = None if p.status == OccurrenceStatus.DONE else InlineKeyboardMarkup(
        [[button(msg.REFRESH, cb.ShowProgress(occurrence_id))]])
    await edit_in_place(query, msg.progress_text(p), reply_markup=keyboard)


async def _change_status(update: Update, context: AnkangContext, action: str, schedule_id: int) -> None:
    query = query_of(update)
    try:
        async with context.session() as session, session.begin():
            await schedules.change_status(session, schedule_id, action, user_of(update).id,
                                          now=context.services.clock.now())
    except ScheduleNotFound:
        await query.answer(msg.SCHEDULE_MISSING)
        return
    except ScheduleStateError as exc:
        await query.answer(msg.ACTION_INVALID.format(id=schedule_id, status=exc.status.label))
        return
    await context.broadcasts.sync()
    await query.answer(msg.ACTION_DONE[action].format(id=schedule_id))
    await show(update, *await _schedules_view(context, around=schedule_id))


async def _ask_to_confirm(update: Update, context: AnkangContext, act: cb.Act, schedule_id: int) -> None:
    """立即推送 and 删除 act only after 确定; 取消 goes back to the list."""
    query = query_of(update)
    now = context.services.clock.now()
    async with context.session() as session:
        try:
            schedule = await schedules.get_schedule(session, schedule_id)
        except ScheduleNotFound:
            schedule = None
        if schedule is None or not schedule.status.is_open:
            await query.answer(msg.SCHEDULE_MISSING)
            return
        size = await schedules.audience_size(session, schedule)
    await query.answer()
    summary = msg.schedule_summary(schedule, lesson_title(_library(context), schedule), now)
    if act == cb.Act.ASK_SEND_NOW:
        text = msg.CONFIRM_SEND_NOW.format(id=schedule_id, whom=escape(msg.audience_text(schedule.topic_codes)),
                                           count=size, summary=summary)
    else:
        text = msg.CONFIRM_DELETE.format(id=schedule_id, summary=summary)
    confirmed = cb.Act.SEND_NOW if act == cb.Act.ASK_SEND_NOW else cb.Act.DELETE
    keyboard = InlineKeyboardMarkup([[
        button(msg.YES_BUTTON, cb.ScheduleButton(confirmed, schedule_id)),
        button(msg.CANCEL_BUTTON, cb.ListAround(schedule_id)),
    ]])
    await show(update, text, keyboard)


async def start_sending(update: Update, context: AnkangContext, schedule_id: int, admin_id: int) -> bool:
    """Fire the schedule now (BroadcastEngine.send_now) and post its progress with 刷新进度; False when it is
    gone or cancelled (the admin is told)."""
    engine = context.broadcasts
    try:
        occurrence_id = await engine.send_now(schedule_id, admin_id)
    except (ScheduleNotFound, ScheduleStateError):
        await context.bot.send_message(chat_of(update).id, msg.SCHEDULE_MISSING)
        return False
    async with context.session() as session:
        p = await occurrences.progress(session, occurrence_id)
    keyboard = InlineKeyboardMarkup([[button(msg.REFRESH, cb.ShowProgress(occurrence_id))]])
    await context.bot.send_message(chat_of(update).id, msg.SENDING_NOW.format(
        occurrence=occurrence_id, recipients=p.recipients), reply_markup=keyboard)
    return True
