"""The /schedule wizard: an admin builds a 微课堂 broadcast step by step — what (a lesson, the next lesson of a
series, or an announcement), to whom, when (now, or a time typed the way admins write it) — and confirms
it. The rules are broadcasts.schedules' (preview, parse_when, create); this module asks and shows.
Every step needs 推送 over the whole tree (a schedule reaches all subscribers), checked again at each
step, so a role removed mid-wizard stops it; the schedules it creates are managed in /broadcasts
(bot/broadcasts_admin.py).
The flow is drawn in schedule_wizard.mmd."""
from __future__ import annotations

import logging
from datetime import datetime
from enum import IntEnum, auto
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import authz, messages
from bot import lesson_messages as msg
from bot import schedule_callbacks as cb
from bot.broadcasts_admin import button, lesson_title, show, start_sending
from bot.context import AnkangContext, ScheduleDraft
from bot.conversation import Flow, chat_conversation
from bot.lesson_callbacks import lesson_id_fits
from bot.org_messages import unit_label
from bot.parts import chat_data_of, message_of, query_of, user_of
from broadcasts import schedules
from broadcasts.library import Library
from broadcasts.models import ALL_TOPICS
from broadcasts.schedules import ScheduleInvalid, What, When
from core.topics import TOPICS
from org import scope
from org.roles import Role
from org.service import search_units, unit_by_id

log = logging.getLogger(__name__)

# The wizard's steps ask through SCHEDULE.ask, so an emergency mid-wizard can re-ask the step.
SCHEDULE = Flow("schedule", "推送设置")
# An admin who walks away: the draft is dropped after this long.
SCHEDULE_TIMEOUT_S = 600
LESSONS_PER_PAGE = 8
UPCOMING_FIRINGS_SHOWN = 3
TOPIC_COLUMNS = 3
MAX_UNIT_QUERY_CHARS = 64


class Step(IntEnum):
    WHAT = auto()
    LESSON = auto()
    SERIES = auto()
    TEXT = auto()
    AUDIENCE = auto()
    UNIT = auto()
    WHEN = auto()
    WHEN_INPUT = auto()
    CONFIRM = auto()


def _draft(update: Update, context: AnkangContext) -> ScheduleDraft:
    """This admin's draft (a fresh one if the wizard lost it, say after a restart)."""
    return chat_data_of(context).schedule_drafts.setdefault(user_of(update).id, ScheduleDraft())


def _new_draft(update: Update, context: AnkangContext) -> None:
    chat_data_of(context).schedule_drafts[user_of(update).id] = ScheduleDraft()


def _drop_draft(update: object, context: AnkangContext) -> ScheduleDraft | None:
    """Forget this admin's draft (the wizard ended); return it."""
    user = update.effective_user if isinstance(update, Update) else None
    if user is None or context.chat_data is None:
        return None
    return context.chat_data.schedule_drafts.pop(user.id, None)


def _library(context: AnkangContext) -> Library:
    return context.broadcasts.library


def _rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def _cancel_row(back: cb.Back | None = None) -> list[InlineKeyboardButton]:
    """取消 (every step), after ⬅️ 返回 where there is somewhere to go back to."""
    row = [button(msg.BACK_BUTTON, back)] if back else []
    return row + [button(msg.CANCEL_BUTTON, cb.Cancel())]


# --- step 1: what -----------------------------------------------------------------------------------


def _what_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [button(msg.WHAT_LESSON, cb.PickKind("lesson")), button(msg.WHAT_SERIES, cb.PickKind("series"))],
        [button(msg.WHAT_TEXT, cb.PickKind("text"))],
        _cancel_row(),
    ])


async def _draft_unit(update: Update, context: AnkangContext) -> list[int | None]:
    """Saving: 推送 over the unit the draft is scoped to (none: the whole tree). The steps before need 推送
    somewhere: the unit step offers only the units within the admin's reach."""
    draft = chat_data_of(context).schedule_drafts.get(user_of(update).id)
    return [draft.unit_id if draft is not None else None]


@authz.requires(Role.PUSH)
async def schedule_start(update: Update, context: AnkangContext) -> int:
    _new_draft(update, context)
    await SCHEDULE.ask(update, context, msg.ASK_WHAT, _what_keyboard())
    return Step.WHAT


async def _back_to_what(update: Update, context: AnkangContext) -> int:
    _new_draft(update, context)
    await SCHEDULE.ask(update, context, msg.ASK_WHAT, _what_keyboard(), edit=True)
    return Step.WHAT


async def _stale(update: Update, step: Step) -> Step:
    """A button this step does not take (forged, or from an older keyboard): say so, stay at the step."""
    await query_of(update).answer(messages.STALE_BUTTON)
    return step


@authz.requires(Role.PUSH)
async def pick_what(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    data = cb.parse(query.data)
    if not isinstance(data, cb.PickKind):
        return await _stale(update, Step.WHAT)
    await query.answer()
    _draft(update, context).kind = data.kind
    if data.kind == "lesson":
        return await _ask_lesson_topic(update, context)
    if data.kind == "series":
        names = _library(context).series_names()
        buttons = [[button(n, cb.PickSeries(i))] for i, n in enumerate(names)]
        keyboard = InlineKeyboardMarkup(buttons + [_cancel_row(cb.Back("what"))])
        await SCHEDULE.ask(update, context, msg.ASK_SERIES, keyboard, edit=True)
        return Step.SERIES
    keyboard = InlineKeyboardMarkup([_cancel_row(cb.Back("what"))])
    await SCHEDULE.ask(update, context, msg.ASK_TEXT, keyboard, takes_text=True, edit=True)
    return Step.TEXT


async def _ask_lesson_topic(update: Update, context: AnkangContext) -> int:
    library = _library(context)
    buttons = [button(f"{msg.topic_label(code)}（{len(library.by_topic(code))}）", cb.LessonTopic(code))
               for code in library.topics_covered()]
    rows = [[button(f"{msg.ALL_LESSONS}（{len(library)}）", cb.LessonTopic(ALL_TOPICS))]]
    rows += _rows(buttons, TOPIC_COLUMNS) + [_cancel_row(cb.Back("what"))]
    await SCHEDULE.ask(update, context, msg.ASK_LESSON_TOPIC, InlineKeyboardMarkup(rows), edit=True)
    return Step.LESSON


async def _ask_lesson(update: Update, context: AnkangContext, topic: str, page: int) -> int:
    library = _library(context)
    lessons = list(library) if topic == ALL_TOPICS else library.by_topic(topic)
    pages = max(1, -(-len(lessons) // LESSONS_PER_PAGE))
    page = min(page, pages - 1)
    shown = lessons[page * LESSONS_PER_PAGE:(page + 1) * LESSONS_PER_PAGE]
    # A lesson whose id cannot be a button's is scheduled from the CLI.
    rows = [[button(lesson.title, cb.PickLesson(lesson.id))] for lesson in shown if lesson_id_fits(lesson.id)]
    nav = []
    if page > 0:
        nav.append(button(msg.PREV_PAGE, cb.LessonPage(topic, page - 1)))
    if page < pages - 1:
        nav.append(button(msg.NEXT_PAGE, cb.LessonPage(topic, page + 1)))
    rows += [nav] if nav else []
    rows.append(_cancel_row(cb.Back("topics")))
    where = f"，第 {page + 1}/{pages} 页" if pages > 1 else ""
    text = msg.ASK_LESSON.format(topic=escape(msg.topic_label(topic) if topic != ALL_TOPICS else msg.ALL_LESSONS),
                                 count=len(lessons), page=where)
    await SCHEDULE.ask(update, context, text, InlineKeyboardMarkup(rows), edit=True)
    return Step.LESSON


@authz.requires(Role.PUSH)
async def pick_lesson(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    data = cb.parse(query.data)
    if not (isinstance(data, cb.LessonTopic | cb.LessonPage | cb.Back)
            or isinstance(data, cb.PickLesson) and data.lesson_id in _library(context)):
        return await _stale(update, Step.LESSON)
    await query.answer()
    match data:
        case cb.LessonTopic(topic):
            return await _ask_lesson(update, context, topic, 0)
        case cb.LessonPage(topic, page):
            return await _ask_lesson(update, context, topic, page)
        case cb.Back("topics"):
            return await _ask_lesson_topic(update, context)
        case cb.Back("what"):
            return await _back_to_what(update, context)
        case cb.PickLesson(lesson_id):
            _draft(update, context).lesson_id = lesson_id
            return await _ask_audience(update, context)
    return Step.LESSON


@authz.requires(Role.PUSH)
async def pick_series(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    data = cb.parse(query.data)
    names = _library(context).series_names()
    match data:
        case cb.Back():
            await query.answer()
            return await _back_to_what(update, context)
        case cb.PickSeries(index) if index < len(names):
            await query.answer()
            _draft(update, context).series = names[index]
            return await _ask_audience(update, context)
    return await _stale(update, Step.SERIES)


@authz.requires(Role.PUSH)
async def text_step_button(update: Update, context: AnkangContext) -> int:
    """⬅️ 返回 while the wizard waits for the announcement text."""
    query = query_of(update)
    if not isinstance(cb.parse(query.data), cb.Back):
        return await _stale(update, Step.TEXT)
    await query.answer()
    return await _back_to_what(update, context)


@authz.requires(Role.PUSH)
async def got_text(update: Update, context: AnkangContext) -> int:
    draft = _draft(update, context)
    message = message_of(update)
    if message.photo:
        photo = await (await message.photo[-1].get_file()).download_as_bytearray()
        draft.photo, draft.text = bytes(photo), (message.caption or "").strip() or None
    else:
        draft.text, draft.photo = (message.text or "").strip(), None
    try:
        schedules.check_what(_library(context), What("text", text=draft.text, photo=draft.photo))
    except ScheduleInvalid as exc:
        await message.reply_html(_text_problem(exc.field, draft))
        return Step.TEXT
    return await _ask_audience(update, context)


def _text_problem(problem: str, draft: ScheduleDraft) -> str:
    if problem == "photo":
        return msg.PHOTO_TOO_LARGE
    text = (draft.text or "").strip()
    if not text:
        return msg.TEXT_EMPTY
    limit = schedules.CAPTION_MAX_CHARS if draft.photo else schedules.TEXT_MAX_CHARS
    return msg.TEXT_TOO_LONG.format(length=len(text), limit=limit, what="图片说明" if draft.photo else "通知")


def _chosen(context: AnkangContext, draft: ScheduleDraft) -> str:
    library = _library(context)
    lesson_id = draft.lesson_id
    title = library.get(lesson_id).title if lesson_id is not None and lesson_id in library else lesson_id
    return msg.chosen_text(draft.kind, title=title, series=draft.series, photo=draft.photo is not None)


# --- step 2: to whom --------------------------------------------------------------------------------


def _audience_keyboard(selected: list[str]) -> InlineKeyboardMarkup:
    buttons = [button(("✅ " if t.code in selected else "") + t.label, cb.ToggleAudience(t.code)) for t in TOPICS]
    rows = [[button(msg.AUDIENCE_ALL, cb.ToggleAudience(ALL_TOPICS))]] + _rows(buttons, TOPIC_COLUMNS)
    rows.append([button(msg.DONE_BUTTON, cb.AudienceDone()), button(msg.CANCEL_BUTTON, cb.Cancel())])
    return InlineKeyboardMarkup(rows)


async def _ask_audience(update: Update, context: AnkangContext) -> int:
    draft = _draft(update, context)
    text = msg.ASK_AUDIENCE.format(chosen=_chosen(context, draft))
    await SCHEDULE.ask(update, context, text, _audience_keyboard(draft.topics), edit=True)
    return Step.AUDIENCE


@authz.requires(Role.PUSH)
async def pick_audience(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    data = cb.parse(query.data)
    draft = _draft(update, context)
    match data:
        case cb.ToggleAudience(topic) if topic != ALL_TOPICS:
            await query.answer()
            if topic in draft.topics:
                draft.topics.remove(topic)
            else:
                draft.topics.append(topic)
            return await _ask_audience(update, context)
        case cb.ToggleAudience():  # 全部订阅者
            draft.topics = []
        case cb.AudienceDone() if not draft.topics:
            # "完成" with nothing ticked must not quietly mean everyone.
            await query.answer(msg.AUDIENCE_NONE, show_alert=True)
            return Step.AUDIENCE
        case cb.AudienceDone():
            pass
        case _:
            return await _stale(update, Step.AUDIENCE)
    await query.answer()
    draft.unit_id, draft.unit_name = None, ""
    async with context.session() as session:
        reach = await scope.units_in_reach(session, context.services.settings, user_of(update).id, "push")
        units = await scope.has_active_units(session)
    if not units and reach is None:  # no tree yet: every push goes to the whole audience
        return await _ask_when(update, context)
    whom = escape(msg.audience_text(draft.topics))
    if reach is None:
        text = msg.ASK_UNIT.format(chosen=_chosen(context, draft), whom=whom)
        keyboard = InlineKeyboardMarkup([[button(msg.UNIT_ALL, cb.AllUnits()), button(msg.CANCEL_BUTTON, cb.Cancel())]])
    else:  # an admin scoped to a subtree pushes within it only
        text = msg.ASK_UNIT_RESTRICTED.format(chosen=_chosen(context, draft), whom=whom)
        keyboard = InlineKeyboardMarkup([_cancel_row()])
    await SCHEDULE.ask(update, context, text, keyboard, takes_text=True, edit=True)
    return Step.UNIT


# --- step 2b: which units (only once the organisation tree has units) -------------------------------


@authz.requires(Role.PUSH)
async def got_unit_name(update: Update, context: AnkangContext) -> int:
    """A typed name: the units it finds (within the admin's reach) as buttons."""
    text = (message_of(update).text or "")[:MAX_UNIT_QUERY_CHARS].strip()
    async with context.session() as session:
        reach = await scope.units_in_reach(session, context.services.settings, user_of(update).id, "push")
        found = [u for u in await search_units(session, text) if scope.within_reach(reach, u.id)]
    if not found:
        await message_of(update).reply_html(msg.UNIT_NONE_FOUND.format(text=msg.echo_input(text)))
        return Step.UNIT
    rows = [[button(unit_label(u.name, u.level), cb.PickUnit(u.id))] for u in found]
    last = [button(msg.UNIT_ALL, cb.AllUnits())] if reach is None else []
    rows.append(last + [button(msg.CANCEL_BUTTON, cb.Cancel())])
    await SCHEDULE.ask(update, context, msg.UNIT_RESULTS, InlineKeyboardMarkup(rows))
    return Step.UNIT


@authz.requires(Role.PUSH)
async def pick_unit(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    data = cb.parse(query.data)
    draft = _draft(update, context)
    async with context.session() as session:
        reach = await scope.units_in_reach(session, context.services.settings, user_of(update).id, "push")
        match data:
            case cb.PickUnit(unit_id):
                unit = await unit_by_id(session, unit_id)
                if unit is None or not scope.within_reach(reach, unit.id):
                    await query.answer(msg.UNIT_GONE, show_alert=True)
                    return Step.UNIT
                draft.unit_id, draft.unit_name = unit.id, unit_label(unit.name, unit.level)
            case cb.AllUnits() if reach is None:
                draft.unit_id, draft.unit_name = None, ""
            case _:
                return await _stale(update, Step.UNIT)
    await query.answer()
    return await _ask_when(update, context)


async def _ask_when(update: Update, context: AnkangContext) -> int:
    draft = _draft(update, context)
    keyboard = InlineKeyboardMarkup([
        [button(msg.WHEN_NOW, cb.PickWhen("now")), button(msg.WHEN_ONCE, cb.PickWhen("once"))],
        [button(msg.WHEN_WEEKLY, cb.PickWhen("weekly")), button(msg.WHEN_CRON, cb.PickWhen("cron"))],
        _cancel_row(),
    ])
    whom = msg.audience_text(draft.topics)
    if draft.unit_id is not None:
        whom += "\n" + msg.UNIT_SCOPE.format(unit=draft.unit_name)
    text = msg.ASK_WHEN.format(chosen=_chosen(context, draft), whom=escape(whom))
    await SCHEDULE.ask(update, context, text, keyboard, edit=True)
    return Step.WHEN


# --- step 3: when -----------------------------------------------------------------------------------


@authz.requires(Role.PUSH)
async def pick_when(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    data = cb.parse(query.data)
    if not isinstance(data, cb.PickWhen):
        return await _stale(update, Step.WHEN)
    await query.answer()
    draft = _draft(update, context)
    if data.when == "now":
        # "Now" is a one-off a moment from now, sent at once after confirmation.
        draft.now, draft.trigger = True, "once"
        return await _confirm(update, context)
    draft.trigger = data.when
    prompt = {"once": msg.ASK_ONCE, "weekly": msg.ASK_WEEKLY, "cron": msg.ASK_CRON}[data.when]
    zone = escape(msg.zone_label(context.services.settings.timezone))
    await SCHEDULE.ask(update, context, prompt.format(tz=zone), InlineKeyboardMarkup([_cancel_row()]), takes_text=True,
                       edit=True)
    return Step.WHEN_INPUT


_NOT_UNDERSTOOD = {"once": msg.ONCE_INVALID, "weekly": msg.WEEKLY_INVALID, "cron": msg.CRON_INVALID}


@authz.requires(Role.PUSH)
async def got_when(update: Update, context: AnkangContext) -> int:
    draft = _draft(update, context)
    text = message_of(update).text or ""
    services = context.services
    now = services.clock.now()
    try:
        when = schedules.parse_when(draft.trigger, text, services.settings.timezone, now)
    except ScheduleInvalid:
        await message_of(update).reply_html(_NOT_UNDERSTOOD[draft.trigger].format(text=msg.echo_input(text)))
        return Step.WHEN_INPUT
    if when.trigger == "once" and when.run_at is not None and when.run_at <= now:
        past = msg.day_time(when.run_at, when.timezone or services.settings.timezone, now)
        await message_of(update).reply_html(msg.WHEN_PAST.format(time=past))
        return Step.WHEN_INPUT
    draft.when = when
    return await _confirm(update, context)


# --- step 4: confirm --------------------------------------------------------------------------------


def _what(draft: ScheduleDraft) -> What:
    return What(draft.kind, draft.lesson_id, draft.series, draft.text, draft.photo)


async def _confirm(update: Update, context: AnkangContext) -> int:
    draft = _draft(update, context)
    services = context.services
    now = services.clock.now()
    tz = services.settings.timezone
    when = When.right_away(now, tz) if draft.now or draft.when is None else draft.when
    try:
        async with context.session() as session:
            preview = await schedules.preview_schedule(
                session, _library(context), _what(draft), when, topics=tuple(draft.topics), default_timezone=tz,
                now=now, firings=UPCOMING_FIRINGS_SHOWN, unit_id=draft.unit_id)
    except ScheduleInvalid as exc:
        _drop_draft(update, context)
        await show(update, _refusal(exc, when, now))
        return ConversationHandler.END
    schedule = preview.schedule
    summary = msg.schedule_summary(schedule, lesson_title(_library(context), schedule), now)
    if draft.now:
        summary = summary.rsplit("\n", 1)[0] + "\n时间：" + msg.WHEN_NOW
    else:
        summary += "\n" + msg.next_firings_text(preview.firings, schedule.timezone, now)
    if draft.unit_id is not None:
        summary += "\n" + escape(msg.UNIT_SCOPE.format(unit=draft.unit_name))
    summary += "\n" + msg.AUDIENCE_SIZE.format(count=preview.audience)
    keyboard = InlineKeyboardMarkup([[button(msg.CONFIRM_BUTTON, cb.Confirm()),
                                      button(msg.CANCEL_BUTTON, cb.Cancel())]])
    await SCHEDULE.ask(update, context, msg.CONFIRM.format(summary=summary), keyboard, edit=True)
    return Step.CONFIRM


@authz.requires(Role.PUSH, _draft_unit)
async def confirm(update: Update, context: AnkangContext) -> int:
    query = query_of(update)
    if not isinstance(cb.parse(query.data), cb.Confirm):
        return await _stale(update, Step.CONFIRM)
    await query.answer()
    draft = _drop_draft(update, context)
    if draft is None:
        await show(update, msg.SCHEDULE_CANCELLED)
        return ConversationHandler.END
    services = context.services
    engine = context.broadcasts
    admin_id = user_of(update).id
    now = services.clock.now()
    when = draft.when
    tz = services.settings.timezone
    try:
        async with context.session() as session, session.begin():
            if draft.now:  # sent at once below rather than by the timer
                schedule = await schedules.create_to_send_now(
                    session, engine.library, _what(draft), topics=tuple(draft.topics), created_by=admin_id,
                    default_timezone=tz, now=now, unit_id=draft.unit_id)
            else:
                if when is None:  # the wizard reaches this step only with a time chosen
                    raise RuntimeError("no time chosen for the schedule")
                schedule = await schedules.create_schedule(
                    session, engine.library, _what(draft), when, topics=tuple(draft.topics), created_by=admin_id,
                    default_timezone=tz, now=now, unit_id=draft.unit_id)
    except ScheduleInvalid as exc:
        await show(update, _refusal(exc, when, now))
        return ConversationHandler.END
    if not draft.now:
        await engine.sync()  # the timer exists before the admin reads "created"
    summary = msg.schedule_summary(schedule, lesson_title(engine.library, schedule), now)
    if not draft.now:
        summary += "\n" + msg.next_firings_text(schedules.next_fire_times(schedule, now, 1), schedule.timezone, now)
    await show(update, msg.SCHEDULE_CREATED.format(id=schedule.id, summary=summary))
    if draft.now:
        await start_sending(update, context, schedule.id, admin_id)
    return ConversationHandler.END


def _refusal(exc: ScheduleInvalid, when: When | None, now: datetime) -> str:
    """Why the schedule was not created: its time has passed meanwhile, or its content is gone."""
    log.info("a schedule from /schedule was refused: %s", exc.field)
    if exc.field == "once" and when is not None and when.run_at is not None and when.run_at <= now:
        return msg.CREATE_TOO_LATE.format(time=msg.day_time(when.run_at, when.timezone or "UTC", now))
    return msg.SCHEDULE_INVALID


async def cancel(update: Update, context: AnkangContext) -> int:
    _drop_draft(update, context)
    await message_of(update).reply_html(msg.SCHEDULE_CANCELLED)
    return ConversationHandler.END


async def cancel_button(update: Update, context: AnkangContext) -> int:
    """取消 at any step: close the wizard's message in place."""
    await query_of(update).answer()
    _drop_draft(update, context)
    await show(update, msg.SCHEDULE_CANCELLED)
    return ConversationHandler.END


async def timed_out(update: Update, context: AnkangContext) -> None:
    _drop_draft(update, context)
    if update and update.effective_chat:
        await context.bot.send_message(update.effective_chat.id, msg.SCHEDULE_TIMEOUT)


def schedule_conversation() -> ConversationHandler:
    """/schedule: what → (lesson topic → lesson | series | text) → audience → when → (typed time) → confirm.

    取消 is a fallback so that every step closes the same way; the steps' own handlers leave it alone.
    """
    step = cb.WIZARD_STEP_PATTERN
    return chat_conversation(
        entry_points=[CommandHandler("schedule", schedule_start)],
        states={
            Step.WHAT: [CallbackQueryHandler(pick_what, pattern=step)],
            Step.LESSON: [CallbackQueryHandler(pick_lesson, pattern=step)],
            Step.SERIES: [CallbackQueryHandler(pick_series, pattern=step)],
            Step.TEXT: [MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO, got_text),
                        CallbackQueryHandler(text_step_button, pattern=step)],
            Step.AUDIENCE: [CallbackQueryHandler(pick_audience, pattern=step)],
            Step.UNIT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_unit_name),
                        CallbackQueryHandler(pick_unit, pattern=step)],
            Step.WHEN: [CallbackQueryHandler(pick_when, pattern=step)],
            Step.WHEN_INPUT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_when)],
            Step.CONFIRM: [CallbackQueryHandler(confirm, pattern=step)],
            ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out),
                                          CallbackQueryHandler(timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel),
                   CallbackQueryHandler(cancel_button, pattern=cb.WIZARD_CANCEL_PATTERN)],
        conversation_timeout=SCHEDULE_TIMEOUT_S,
        flow=SCHEDULE,
    )
