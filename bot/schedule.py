"""Admins' 微课堂 broadcasts: the guided /schedule conversation and /broadcasts (pause, resume,
cancel, send now, progress). Every entry point politely refuses non-admins."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, auto
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.conversation import chat_conversation
from bot import lesson_callbacks as cb
from bot import lesson_messages as msg
from bot import messages
from bot.context import AnkangContext, user_is_admin
from broadcasts import occurrences, schedules
from broadcasts.schedules import ScheduleInvalid, ScheduleNotFound, ScheduleStateError, What, When
from core.models import utcnow
from core.topics import TOPICS

# An admin who walks away: the draft is dropped after this long.
SCHEDULE_TIMEOUT_S = 600


class Step(IntEnum):
    WHAT = auto()
    LESSON = auto()
    SERIES = auto()
    TEXT = auto()
    AUDIENCE = auto()
    WHEN = auto()
    WHEN_INPUT = auto()
    CONFIRM = auto()


@dataclass
class Draft:
    """The schedule being built, kept in chat_data for the length of the conversation only."""

    kind: str = ""
    lesson_id: str | None = None
    series: str | None = None
    text: str | None = None
    photo: bytes | None = None
    topics: list[str] = field(default_factory=list)
    trigger: str = ""
    when: When | None = None
    now: bool = False


async def _refuse_non_admin(update: Update, context: AnkangContext) -> bool:
    """Reply NOT_ADMIN and return True when the sender is not an admin."""
    user = update.effective_user
    if await user_is_admin(context, user.id if user else None):
        return False
    if update.callback_query:
        await update.callback_query.answer(messages.NOT_ADMIN, show_alert=True)
    else:
        await update.effective_message.reply_html(messages.NOT_ADMIN)
    return True


def _draft(context: AnkangContext) -> Draft:
    draft = context.chat_data.get("schedule_draft")
    if not isinstance(draft, Draft):
        draft = context.chat_data["schedule_draft"] = Draft()
    return draft


def _rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


async def schedule_start(update: Update, context: AnkangContext) -> int:
    if await _refuse_non_admin(update, context):
        return ConversationHandler.END
    context.chat_data["schedule_draft"] = Draft()
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton(msg.WHAT_LESSON, callback_data=cb.wizard("k", "lesson")),
         InlineKeyboardButton(msg.WHAT_SERIES, callback_data=cb.wizard("k", "series"))],
        [InlineKeyboardButton(msg.WHAT_TEXT, callback_data=cb.wizard("k", "text"))],
    ])
    await update.effective_message.reply_html(msg.ASK_WHAT, reply_markup=keyboard)
    return Step.WHAT


async def pick_what(update: Update, context: AnkangContext) -> int:
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    library = context.services.broadcasts.library
    draft = _draft(context)
    if data is None or data.verb != "k" or data.arg not in schedules.KINDS:
        return Step.WHAT
    draft.kind = data.arg
    if data.arg == "lesson":
        buttons = [InlineKeyboardButton(l.title[:40], callback_data=d) for l in library if (d := cb.wizard("l", l.id))]
        await query.edit_message_text(msg.ASK_LESSON, reply_markup=InlineKeyboardMarkup(_rows(buttons, 1)))
        return Step.LESSON
    if data.arg == "series":
        names = library.series_names()
        buttons = [InlineKeyboardButton(n, callback_data=cb.wizard("s", str(i))) for i, n in enumerate(names)]
        await query.edit_message_text(msg.ASK_SERIES, reply_markup=InlineKeyboardMarkup(_rows(buttons, 1)))
        return Step.SERIES
    await query.edit_message_text(msg.ASK_TEXT)
    return Step.TEXT


async def pick_lesson(update: Update, context: AnkangContext) -> int:
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    library = context.services.broadcasts.library
    if data is None or data.verb != "l" or data.arg not in library:
        return Step.LESSON
    _draft(context).lesson_id = data.arg
    return await _ask_audience(update, context)


async def pick_series(update: Update, context: AnkangContext) -> int:
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    names = context.services.broadcasts.library.series_names()
    if data is None or data.verb != "s" or int(data.arg) >= len(names):
        return Step.SERIES
    _draft(context).series = names[int(data.arg)]
    return await _ask_audience(update, context)


async def got_text(update: Update, context: AnkangContext) -> int:
    draft = _draft(context)
    message = update.effective_message
    if message.photo:
        photo = await (await message.photo[-1].get_file()).download_as_bytearray()
        draft.photo, draft.text = bytes(photo), (message.caption or "").strip() or None
    else:
        draft.text, draft.photo = (message.text or "").strip(), None
    try:
        schedules._check_what(context.services.broadcasts.library, What("text", text=draft.text, photo=draft.photo))
    except ScheduleInvalid as exc:
        await message.reply_html(msg.TEXT_INVALID.format(detail=exc.detail))
        return Step.TEXT
    return await _ask_audience(update, context)


def _audience_keyboard(selected: list[str]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(("✅ " if t.code in selected else "") + t.label, callback_data=cb.wizard("a", t.code))
               for t in TOPICS]
    rows = [[InlineKeyboardButton(msg.AUDIENCE_ALL, callback_data=cb.wizard("a", "all"))]] + _rows(buttons, 3)
    rows.append([InlineKeyboardButton(msg.DONE_BUTTON, callback_data=cb.wizard("ad"))])
    return InlineKeyboardMarkup(rows)


async def _ask_audience(update: Update, context: AnkangContext) -> int:
    keyboard = _audience_keyboard(_draft(context).topics)
    if update.callback_query:
        await update.callback_query.edit_message_text(msg.ASK_AUDIENCE, reply_markup=keyboard)
    else:
        await update.effective_message.reply_html(msg.ASK_AUDIENCE, reply_markup=keyboard)
    return Step.AUDIENCE


async def pick_audience(update: Update, context: AnkangContext) -> int:
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    draft = _draft(context)
    if data is None or data.verb not in ("a", "ad"):
        return Step.AUDIENCE
    if data.verb == "a" and data.arg != "all":
        if data.arg in draft.topics:
            draft.topics.remove(data.arg)
        else:
            draft.topics.append(data.arg)
        await query.edit_message_reply_markup(reply_markup=_audience_keyboard(draft.topics))
        return Step.AUDIENCE
    if data.verb == "a":
        draft.topics = []
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton(msg.WHEN_NOW, callback_data=cb.wizard("w", "now")),
         InlineKeyboardButton(msg.WHEN_ONCE, callback_data=cb.wizard("w", "once"))],
        [InlineKeyboardButton(msg.WHEN_WEEKLY, callback_data=cb.wizard("w", "weekly")),
         InlineKeyboardButton(msg.WHEN_CRON, callback_data=cb.wizard("w", "cron"))],
    ])
    await query.edit_message_text(msg.ASK_WHEN, reply_markup=keyboard)
    return Step.WHEN


async def pick_when(update: Update, context: AnkangContext) -> int:
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    draft = _draft(context)
    tz = context.services.settings.timezone
    if data is None or data.verb != "w" or data.arg not in ("now", "once", "weekly", "cron"):
        return Step.WHEN
    if data.arg == "now":
        # "Now" is a one-off a moment from now, sent at once after confirmation.
        draft.now, draft.trigger = True, "once"
        return await _confirm(update, context)
    draft.trigger = data.arg
    prompt = {"once": msg.ASK_ONCE, "weekly": msg.ASK_WEEKLY, "cron": msg.ASK_CRON}[data.arg]
    await query.edit_message_text(prompt.format(tz=tz), parse_mode="HTML")
    return Step.WHEN_INPUT


def parse_when(trigger: str, text: str, tz_name: str) -> When:
    """Parse the admin's typed time for a trigger; raise ScheduleInvalid with the reason."""
    text = text.strip()
    if trigger == "once":
        try:
            local = datetime.strptime(re.sub(r"\s+", " ", text.replace("T", " ")), "%Y-%m-%d %H:%M")
        except ValueError:
            raise ScheduleInvalid("once", "格式应为 2026-12-01 09:00") from None
        return When("once", run_at=local.replace(tzinfo=ZoneInfo(tz_name)), timezone=tz_name)
    if trigger == "weekly":
        parts = text.rsplit(maxsplit=1)
        if len(parts) != 2:
            raise ScheduleInvalid("weekly", "格式应为 一,四 09:00")
        days_text = "".join(msg.CN_WEEKDAYS.get(ch, ch) + "," if ch in msg.CN_WEEKDAYS else ch for ch in parts[0])
        days = schedules.parse_weekdays(days_text)
        return When("weekly", weekdays=days, at_time=schedules.check_time(parts[1]), timezone=tz_name)
    return When("cron", cron=text, timezone=tz_name)


async def got_when(update: Update, context: AnkangContext) -> int:
    draft = _draft(context)
    try:
        when = parse_when(draft.trigger, update.effective_message.text or "", context.services.settings.timezone)
        if when.trigger == "once" and when.run_at <= utcnow():
            raise ScheduleInvalid("once", "这个时间已经过去了")
        if when.trigger == "cron":
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(when.cron)
            except ValueError:
                raise ScheduleInvalid("cron", "应为 5 段：分 时 日 月 星期") from None
    except ScheduleInvalid as exc:
        await update.effective_message.reply_html(msg.WHEN_INVALID.format(detail=exc.detail))
        return Step.WHEN_INPUT
    draft.when = when
    return await _confirm(update, context)


def _preview(context: AnkangContext, draft: Draft):
    """A transient Schedule row (not added to any session) to describe the draft."""
    from broadcasts.models import Schedule

    tz = context.services.settings.timezone
    when = draft.when or When("once", run_at=utcnow(), timezone=tz)
    return Schedule(kind=draft.kind, lesson_id=draft.lesson_id, series=draft.series, text=draft.text,
                    photo=draft.photo, topics=",".join(draft.topics), trigger=when.trigger, run_at=when.run_at,
                    weekdays=",".join(when.weekdays) or None, at_time=when.at_time, cron=when.cron,
                    timezone=when.timezone or tz)


async def _confirm(update: Update, context: AnkangContext) -> int:
    draft = _draft(context)
    library = context.services.broadcasts.library
    title = library.get(draft.lesson_id).title if draft.lesson_id in library else None
    summary = msg.schedule_summary(_preview(context, draft), title)
    if draft.now:
        summary = summary.rsplit("\n", 1)[0] + "\n时间：" + msg.WHEN_NOW
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(msg.CONFIRM_BUTTON, callback_data=cb.wizard("ok")),
                                      InlineKeyboardButton(msg.CANCEL_BUTTON, callback_data=cb.wizard("no"))]])
    text = msg.CONFIRM.format(summary=summary)
    if update.callback_query:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard, parse_mode="HTML")
    else:
        await update.effective_message.reply_html(text, reply_markup=keyboard)
    return Step.CONFIRM


async def confirm(update: Update, context: AnkangContext) -> int:
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    if data is None or data.verb not in ("ok", "no"):
        return Step.CONFIRM
    draft = context.chat_data.pop("schedule_draft", None)
    if data.verb == "no" or not isinstance(draft, Draft):
        await query.edit_message_text(msg.SCHEDULE_CANCELLED)
        return ConversationHandler.END
    services = context.services
    engine = services.broadcasts
    admin_id = update.effective_user.id
    when = draft.when
    if draft.now:
        # A one-off due a second from now; sent immediately below rather than waiting for the timer.
        from datetime import timedelta

        when = When("once", run_at=services.clock.now() + timedelta(seconds=1), timezone=services.settings.timezone)
    try:
        async with context.session() as session, session.begin():
            schedule = await schedules.create_schedule(
                session, engine.library, What(draft.kind, draft.lesson_id, draft.series, draft.text, draft.photo),
                when, topics=tuple(draft.topics), created_by=admin_id,
                default_timezone=services.settings.timezone, now=services.clock.now(),
            )
            if draft.now:
                schedule.status = "finished"  # the one firing is the send-now below
    except ScheduleInvalid as exc:
        await query.edit_message_text(msg.WHEN_INVALID.format(detail=exc.detail))
        return ConversationHandler.END
    if not draft.now:
        await engine.sync()  # the timer exists before the admin reads "created"
    summary = msg.schedule_summary(schedule, engine.library.get(schedule.lesson_id).title if schedule.lesson_id else None)
    await query.edit_message_text(msg.SCHEDULE_CREATED.format(id=schedule.id, summary=summary), parse_mode="HTML")
    if draft.now:
        await _send_now(update, context, schedule.id, admin_id)
    return ConversationHandler.END


async def cancel(update: Update, context: AnkangContext) -> int:
    context.chat_data.pop("schedule_draft", None)
    await update.effective_message.reply_html(msg.SCHEDULE_CANCELLED)
    return ConversationHandler.END


async def timed_out(update: Update, context: AnkangContext) -> None:
    context.chat_data.pop("schedule_draft", None)
    if update and update.effective_chat:
        await context.bot.send_message(update.effective_chat.id, msg.SCHEDULE_TIMEOUT)


def schedule_conversation() -> ConversationHandler:
    """/schedule: what → (lesson | series | text) → audience → when → (typed time) → confirm."""
    wizard = cb.SCHEDULE_PATTERN
    return chat_conversation(
        entry_points=[CommandHandler("schedule", schedule_start)],
        states={
            Step.WHAT: [CallbackQueryHandler(pick_what, pattern=wizard)],
            Step.LESSON: [CallbackQueryHandler(pick_lesson, pattern=wizard)],
            Step.SERIES: [CallbackQueryHandler(pick_series, pattern=wizard)],
            Step.TEXT: [MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO, got_text)],
            Step.AUDIENCE: [CallbackQueryHandler(pick_audience, pattern=wizard)],
            Step.WHEN: [CallbackQueryHandler(pick_when, pattern=wizard)],
            Step.WHEN_INPUT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_when)],
            Step.CONFIRM: [CallbackQueryHandler(confirm, pattern=wizard)],
            ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out),
                                          CallbackQueryHandler(timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        conversation_timeout=SCHEDULE_TIMEOUT_S,
        name="schedule",
    )


# --- /broadcasts -------------------------------------------------------------------------------------


def _schedule_keyboard(schedule) -> list[InlineKeyboardButton]:
    buttons = []
    if schedule.status == "active":
        buttons.append(InlineKeyboardButton(msg.PAUSE, callback_data=cb.schedule_action("p", schedule.id)))
    if schedule.status == "paused":
        buttons.append(InlineKeyboardButton(msg.RESUME, callback_data=cb.schedule_action("r", schedule.id)))
    buttons.append(InlineKeyboardButton(msg.SEND_NOW, callback_data=cb.schedule_action("n", schedule.id)))
    buttons.append(InlineKeyboardButton(msg.CANCEL, callback_data=cb.schedule_action("x", schedule.id)))
    return buttons


async def broadcasts_command(update: Update, context: AnkangContext) -> None:
    """/broadcasts: one message per schedule with its buttons."""
    if await _refuse_non_admin(update, context):
        return
    services = context.services
    async with context.session() as session:
        rows = await schedules.list_schedules(session)
    if not rows:
        await update.effective_message.reply_html(msg.BROADCASTS_EMPTY)
        return
    await update.effective_message.reply_html(msg.BROADCASTS_HEADER)
    now = services.clock.now()
    for schedule in rows:
        nxt = schedules.next_fire_time(schedule, now)
        next_text = nxt.astimezone(ZoneInfo(schedule.timezone)).strftime("%Y-%m-%d %H:%M") if nxt else None
        await update.effective_message.reply_html(
            msg.schedule_line(schedule, next_text), reply_markup=InlineKeyboardMarkup([_schedule_keyboard(schedule)])
        )


async def broadcast_button(update: Update, context: AnkangContext) -> None:
    query = update.callback_query
    data = cb.parse(query.data)
    if data is None or data.area != "bc":
        await query.answer(messages.STALE_BUTTON)
        return
    if await _refuse_non_admin(update, context):
        return
    admin_id = update.effective_user.id
    target = int(data.arg)
    if data.verb == "s":
        async with context.session() as session:
            try:
                p = await occurrences.progress(session, target)
            except LookupError:
                await query.answer(msg.SCHEDULE_MISSING)
                return
        await query.answer()
        keyboard = None if p.status == "done" else InlineKeyboardMarkup(
            [[InlineKeyboardButton(msg.REFRESH, callback_data=cb.occurrence_status(target))]])
        await query.edit_message_text(msg.progress_text(p), reply_markup=keyboard)
        return
    if data.verb == "n":
        await query.answer()
        await _send_now(update, context, target, admin_id)
        return
    action = {"p": "pause", "r": "resume", "x": "cancel"}[data.verb]
    try:
        async with context.session() as session, session.begin():
            schedule = await schedules.change_status(session, target, action, admin_id, now=context.services.clock.now())
    except ScheduleNotFound:
        await query.answer(msg.SCHEDULE_MISSING)
        return
    except ScheduleStateError as exc:
        await query.answer(msg.ACTION_INVALID.format(id=target, status=msg.STATUS_LABELS.get(exc.status, exc.status)))
        return
    await context.services.broadcasts.sync()
    await query.answer(msg.ACTION_DONE[action].format(id=target))
    keyboard = _schedule_keyboard(schedule) if schedule.status != "cancelled" else []
    await query.edit_message_text(msg.schedule_line(schedule, None), parse_mode="HTML",
                                  reply_markup=InlineKeyboardMarkup([keyboard]) if keyboard else None)


async def _send_now(update: Update, context: AnkangContext, schedule_id: int, admin_id: int) -> None:
    engine = context.services.broadcasts
    try:
        occurrence_id = await engine.send_now(schedule_id, admin_id)
    except (ScheduleNotFound, ScheduleStateError):
        await update.effective_message.reply_html(msg.SCHEDULE_MISSING)
        return
    async with context.session() as session:
        p = await occurrences.progress(session, occurrence_id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(msg.REFRESH, callback_data=cb.occurrence_status(occurrence_id))]])
    await context.bot.send_message(update.effective_chat.id, msg.SENDING_NOW.format(
        occurrence=occurrence_id, recipients=p.recipients), reply_markup=keyboard)
