"""微课堂 for workers: subscribe, browse, /next, quizzes, /score and /rank; and the Telegram side of
the broadcast engine (the Transport, the admin report, start and stop)."""
from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Poll, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ExtBot
from telegram.request import BaseRequest

from bot import lesson_callbacks as cb
from bot import lesson_messages as msg
from bot import messages, qa_callbacks, study
from bot import study_messages as study_msg
from bot.campaign import campaign_answer, rank_campaign, send_invitation
from bot.context import AnkangContext, BotServices
from bot.http import bot_request
from bot.parts import chat_of, message_of, poll_answer_of, query_message, query_of
from bot.render import edit_in_place
from bot.retry import OutgoingLimiter, retry_after_seconds
from broadcasts import quiz, subscriptions
from broadcasts.delivery import (
    PermanentSendError,
    RateLimited,
    RecipientGone,
    TransientSendError,
    default_concurrency,
)
from broadcasts.engine import BroadcastEngine
from broadcasts.library import Citation, Lesson, LessonNotFound, Library, load_library
from broadcasts.models import ALL_TOPICS, QuizPoll
from broadcasts.occurrences import Report
from core import users
from core.outgoing import Priority, sending_as
from core.topics import TOPICS, UnknownTopic
from knowledge import KnowledgeBase
from knowledge.errors import ArticleNotFound

log = logging.getLogger(__name__)

PICKER_COLUMNS = 2


def library_of(context: AnkangContext) -> Library:
    return context.broadcasts.library


# --- subscriptions ----------------------------------------------------------------------------------


def picker_keyboard(selected: frozenset[str]) -> InlineKeyboardMarkup:
    def label(code: str) -> str:
        return ("✅ " if code in selected else "▫️ ") + msg.topic_label(code)

    rows = [[_button(label(ALL_TOPICS), cb.ToggleTopic(ALL_TOPICS))]]
    buttons = [_button(label(t.code), cb.ToggleTopic(t.code)) for t in TOPICS]
    rows += [buttons[i:i + PICKER_COLUMNS] for i in range(0, len(buttons), PICKER_COLUMNS)]
    rows.append([_button(msg.DONE_BUTTON, cb.SavePicker()), _button(msg.CANCEL_BUTTON, cb.ClosePicker())])
    return InlineKeyboardMarkup(rows)


def picker_ticks(markup: InlineKeyboardMarkup | None) -> frozenset[str]:
    """The topics ticked on a picker: the picker holds its own state until 完成 saves it."""
    ticked = set()
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = cb.parse(button.callback_data if isinstance(button.callback_data, str) else None)
            if isinstance(data, cb.ToggleTopic) and button.text.startswith("✅"):
                ticked.add(data.topic)
    return frozenset(ticked)


def toggled(selected: frozenset[str], code: str) -> frozenset[str]:
    """Tick or untick one topic; 全部 and single topics exclude each other (as in the subscriptions)."""
    if code in selected:
        return selected - {code}
    if code == ALL_TOPICS:
        return frozenset({ALL_TOPICS})
    return (selected - {ALL_TOPICS}) | {code}


async def subscribe(update: Update, context: AnkangContext) -> None:
    """/subscribe: the topic picker."""
    chat_id = chat_of(update).id
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        selected = await subscriptions.topics_of(session, chat_id)
    await message_of(update).reply_html(msg.PICKER_INTRO, reply_markup=picker_keyboard(selected))


async def unsubscribe(update: Update, context: AnkangContext) -> None:
    async with context.session() as session, session.begin():
        had = await subscriptions.unsubscribe(session, chat_of(update).id)
    await message_of(update).reply_html(msg.UNSUBSCRIBED if had else msg.NOT_SUBSCRIBED)


async def mytopics(update: Update, context: AnkangContext) -> None:
    async with context.session() as session:
        topics = await subscriptions.topics_of(session, chat_of(update).id)
    await message_of(update).reply_html(msg.my_topics(topics))


# --- lessons -----------------------------------------------------------------------------------------


def browse_keyboard(library: Library) -> InlineKeyboardMarkup:
    codes = library.topics_covered()
    buttons = [_button(msg.topic_label(c), cb.BrowseTopic(c)) for c in codes]
    return InlineKeyboardMarkup([buttons[i:i + PICKER_COLUMNS] for i in range(0, len(buttons), PICKER_COLUMNS)])


def topic_lessons_keyboard(lessons: list[Lesson], seen: set[str]) -> InlineKeyboardMarkup:
    rows = [[_button(("✔ " if lesson.id in seen else "") + lesson.title, cb.ReadLesson(lesson.id))]
            for lesson in lessons if cb.lesson_id_fits(lesson.id)]
    rows.append([_button(msg.BACK_BUTTON, cb.BrowseMenu())])
    return InlineKeyboardMarkup(rows)


def lesson_keyboard(kb: KnowledgeBase | None, lesson: Lesson) -> InlineKeyboardMarkup | None:
    """Under a lesson: its "📖 原文" buttons, then 读完了 (which credits its 学时)."""
    articles = article_keyboard(kb, lesson.citations)
    rows = [list(row) for row in articles.inline_keyboard] if articles else []
    if cb.lesson_id_fits(lesson.id):
        rows.append([_button(study_msg.FINISHED_BUTTON, cb.FinishedReading(lesson.id))])
    return InlineKeyboardMarkup(rows) if rows else None


def article_keyboard(kb: KnowledgeBase | None, citations: tuple[Citation, ...]) -> InlineKeyboardMarkup | None:
    """"📖 原文" buttons under a lesson, handled by the Q&A article button (law = its corpus position)."""
    if kb is None or not kb.corpus:
        return None
    positions = {law.short: i for i, law in enumerate(kb.corpus.laws)}
    rows = []
    for c in dict.fromkeys(citations):
        if c.law not in positions:
            continue
        try:
            kb.corpus.article(c.law, c.article)
        except ArticleNotFound:
            continue
        data = qa_callbacks.build(qa_callbacks.ShowArticle(positions[c.law], c.article))
        rows.append([InlineKeyboardButton(msg.SHOW_ARTICLE.format(label=msg.citation_text(c)), callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


async def lessons_command(update: Update, context: AnkangContext) -> None:
    """/lessons: browse the library by topic."""
    await message_of(update).reply_html(msg.BROWSE_INTRO, reply_markup=browse_keyboard(library_of(context)))


async def next_command(update: Update, context: AnkangContext) -> None:
    """/next: the next unseen lesson, now, with its quiz."""
    chat_id = chat_of(update).id
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        lesson = await quiz.next_lesson(session, library_of(context), chat_id)
    if lesson is None:
        await message_of(update).reply_html(msg.NO_MORE_LESSONS)
        return
    await send_lesson_with_quiz(context, chat_id, lesson)


async def send_lesson_with_quiz(context: AnkangContext, chat_id: int, lesson: Lesson) -> None:
    """An interactive lesson (the worker asked for it): sent through the application's own bot."""
    await _send_lesson(context.bot, chat_id, lesson, lesson_keyboard(context.services.kb, lesson))
    poll_id = await _send_quiz(context.bot, chat_id, lesson)
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)  # a worker may browse /lessons before ever sending /start
        await quiz.mark_seen(session, chat_id, lesson.id)
        await quiz.record_poll(session, poll_id, chat_id, lesson)


async def _send_lesson(bot, chat_id: int, lesson: Lesson, keyboard: InlineKeyboardMarkup | None) -> None:
    """The lesson in as many messages as it takes; the article buttons go under the last one."""
    parts = msg.split_message(msg.lesson_html(lesson))
    for i, part in enumerate(parts, start=1):
        await bot.send_message(chat_id, part, parse_mode="HTML", disable_web_page_preview=True,
                               reply_markup=keyboard if i == len(parts) else None)


async def _send_quiz(bot, chat_id: int, lesson: Lesson) -> str:
    message = await bot.send_poll(
        chat_id, lesson.quiz.question, list(lesson.quiz.options), type=Poll.QUIZ,
        correct_option_ids=[lesson.quiz.answer], explanation=lesson.quiz.explanation, is_anonymous=False,
    )
    return message.poll.id


async def lesson_button(update: Update, context: AnkangContext) -> None:
    """Every "ls:" button: topic toggles, browsing, reading a lesson, name consent."""
    query = query_of(update)
    data = cb.parse(query.data)
    chat_id = chat_of(update).id
    match data:
        case None:
            await query.answer(messages.STALE_BUTTON)
        case cb.OpenPicker():
            await query.answer()
            async with context.session() as session, session.begin():
                await users.record_user(session, chat_id)
                selected = await subscriptions.topics_of(session, chat_id)
            await query_message(query).reply_html(msg.PICKER_INTRO, reply_markup=picker_keyboard(selected))
        case cb.ToggleTopic(topic):
            await query.answer()
            selected = toggled(picker_ticks(query_message(query).reply_markup), topic)
            await _edit(query, reply_markup=picker_keyboard(selected))
        case cb.SavePicker():
            try:
                async with context.session() as session, session.begin():
                    selected = await subscriptions.set_topics(
                        session, chat_id, picker_ticks(query_message(query).reply_markup))
            except UnknownTopic:
                await query.answer(messages.STALE_BUTTON)
                return
            await query.answer()
            await _edit(query, msg.picker_saved(selected))
        case cb.ClosePicker():
            await query.answer()
            await _edit(query, msg.PICKER_CANCELLED)
        case cb.BrowseMenu():
            await query.answer()
            await _edit(query, msg.BROWSE_INTRO, reply_markup=browse_keyboard(library_of(context)))
        case cb.BrowseTopic(topic):
            await _browse_topic(update, context, topic)
        case cb.ReadLesson(lesson_id):
            try:
                lesson = library_of(context).get(lesson_id)
            except LessonNotFound:
                await query.answer(messages.STALE_BUTTON)
                return
            await query.answer()
            await send_lesson_with_quiz(context, chat_id, lesson)
        case cb.FinishedReading(lesson_id):
            try:
                lesson = library_of(context).get(lesson_id)
            except LessonNotFound:
                await query.answer(messages.STALE_BUTTON)
                return
            await study.finished_reading(update, context, lesson)
        case cb.NameConsent(show):
            await _name_consent(update, context, show)


async def _browse_topic(update: Update, context: AnkangContext, topic: str) -> None:
    query = query_of(update)
    library = library_of(context)
    try:
        lessons = library.by_topic(topic) if topic != ALL_TOPICS else list(library)
    except UnknownTopic:
        await query.answer(messages.STALE_BUTTON)
        return
    async with context.session() as session:
        seen = await quiz.seen_lessons(session, chat_of(update).id)
    await query.answer()
    if not lessons:
        await _edit(query, msg.BROWSE_EMPTY,
                    reply_markup=InlineKeyboardMarkup([[_button(msg.BACK_BUTTON, cb.BrowseMenu())]]))
        return
    await _edit(query, msg.browse_lessons(topic, lessons, seen), reply_markup=topic_lessons_keyboard(lessons, seen))


async def _name_consent(update: Update, context: AnkangContext, show: bool) -> None:
    query = query_of(update)
    chat_id = chat_of(update).id
    name = update.effective_user.full_name if show and update.effective_user else None
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        await quiz.set_name_consent(session, chat_id, name)
        board = await quiz.leaderboard(session, chat_id)
    await query.answer(msg.NAME_SHOWN if show else msg.NAME_HIDDEN)
    await _edit(query, msg.rank_text(board), reply_markup=rank_keyboard(board))


async def _edit(query, text: str | None = None, *, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Show a screen in place of the pressed one (lessons without link previews)."""
    await edit_in_place(query, text, reply_markup=reply_markup, disable_web_page_preview=True)


def _button(text: str, data: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.build(data))


# --- quizzes and the leaderboard ------------------------------------------------------------------


# Telegram sends the answer as soon as the worker taps, which can be before the sender has committed
# the poll's row (the row needs the poll id Telegram returns): look again for a few seconds.
POLL_LOOKUP_RETRIES_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.5)


async def poll_answer(update: Update, context: AnkangContext) -> None:
    """A worker answered a quiz poll: record it and award points. A campaign's poll goes to bot.campaign."""
    if await campaign_answer(update, context):
        return
    answer = poll_answer_of(update)
    if answer.user is None:
        return
    for delay in (*POLL_LOOKUP_RETRIES_S, None):
        async with context.session() as session, session.begin():
            if await session.get(QuizPoll, answer.poll_id) is not None:
                result = await quiz.record_answer(session, answer.poll_id, answer.user.id, list(answer.option_ids))
                break
        if delay is None:
            log.info("an answer to an unknown poll was ignored")
            return
        await asyncio.sleep(delay)
    if result is None:
        return
    try:
        lesson: Lesson | None = library_of(context).get(result.lesson_id)
    except LessonNotFound:  # the lesson left the library since the poll was sent
        lesson = None
    correct_option = lesson.quiz.correct_option if lesson is not None else None
    credited = await study.credit_quiz(context, answer.user.id, lesson) if lesson is not None else None
    await context.bot.send_message(answer.user.id, msg.quiz_feedback(result.correct, result.points, correct_option))
    if credited is not None:
        await study.offer_certificate(context, answer.user.id, credited)


async def score(update: Update, context: AnkangContext) -> None:
    async with context.session() as session:
        points, answered, correct = await quiz.score(session, chat_of(update).id)
    await message_of(update).reply_html(msg.score_text(points, answered, correct))


def rank_keyboard(board) -> InlineKeyboardMarkup:
    toggle = _button(msg.HIDE_NAME if board.named else msg.SHOW_NAME, cb.NameConsent(not board.named))
    return InlineKeyboardMarkup([[toggle]])


# /rank campaign (or 竞赛): the rankings of the 安康杯 campaigns instead of the 微课堂 points.
RANK_CAMPAIGN_ARGS = ("campaign", "contest", "竞赛")


async def rank(update: Update, context: AnkangContext) -> None:
    if context.args and context.args[0].lower() in RANK_CAMPAIGN_ARGS:
        await rank_campaign(update, context)
        return
    async with context.session() as session:
        board = await quiz.leaderboard(session, chat_of(update).id)
    await message_of(update).reply_html(msg.rank_text(board), reply_markup=rank_keyboard(board))


# --- the broadcast engine's Telegram side ----------------------------------------------------------


class TelegramTransport:
    """broadcasts.delivery.Transport over a Bot of its own (``broadcast_bot``): broadcast requests get
    their own connection pool, and go through the process's outgoing scheduler at BROADCAST priority."""

    def __init__(self, bot: Bot, kb: KnowledgeBase | None = None, *, priority: Priority = Priority.BROADCAST) -> None:
        if not isinstance(getattr(bot, "rate_limiter", None), OutgoingLimiter):
            raise TypeError("broadcasts must go through the outgoing scheduler: build the bot with broadcast_bot()")
        self.bot = bot
        self.kb = kb  # for the lessons' "📖 原文" buttons; none without it
        # BROADCAST for the sender; an admin's own test from the console is a reply to their action.
        self.priority = priority

    async def send_lesson(self, chat_id: int, lesson: Lesson) -> None:
        await self._call(_send_lesson, self.bot, chat_id, lesson, lesson_keyboard(self.kb, lesson))

    async def send_quiz(self, chat_id: int, lesson: Lesson) -> str:
        return await self._call(_send_quiz, self.bot, chat_id, lesson)

    async def send_text(self, chat_id: int, text: str) -> None:
        await self._call(self.bot.send_message, chat_id, msg.announcement_html(text), parse_mode="HTML")

    async def send_photo(self, chat_id: int, photo: bytes, caption: str | None) -> None:
        await self._call(self.bot.send_photo, chat_id, photo,
                         caption=msg.announcement_html(caption) if caption else None, parse_mode="HTML")

    async def send_invitation(self, chat_id: int, text: str, campaign_id: int) -> None:
        await self._call(send_invitation, self.bot, chat_id, text, campaign_id)

    async def _call(self, func, *args, **kwargs):
        """Send at the transport's priority; translate Telegram errors into the domain's."""
        try:
            with sending_as(self.priority):
                return await func(*args, **kwargs)
        except Forbidden as exc:
            raise RecipientGone(str(exc)) from None
        except RetryAfter as exc:
            raise RateLimited(retry_after_seconds(exc)) from None
        except BadRequest as exc:
            text = str(exc).lower()
            if "chat not found" in text or "user is deactivated" in text or "bot was blocked" in text:
                raise RecipientGone(str(exc)) from None
            raise PermanentSendError(str(exc)) from None
        except (TimedOut, NetworkError) as exc:  # includes 5xx answers
            raise TransientSendError(str(exc) or type(exc).__name__) from None


def broadcast_bot(token: str, base_url: str, base_file_url: str, limiter: OutgoingLimiter,
                  request: BaseRequest) -> ExtBot:
    """The broadcast sender's Bot: its own connection pool, the application's outgoing path."""
    # It never polls, but a Bot builds a getUpdates client anyway: that one shares the TLS context too.
    return ExtBot(token, base_url=base_url, base_file_url=base_file_url, request=request,
                  get_updates_request=bot_request(), rate_limiter=limiter)


async def start_broadcasts(
    application: Application, services: BotServices, *, library: Library | None = None, sole_sender: bool = False,
) -> BroadcastEngine:
    """Load the library, restore schedules into the scheduler and start the sender (after the bot started).
    ``sole_sender``: no other process sends broadcasts (the elected leader), so claims left are stale."""
    library = library or load_library()
    concurrency = default_concurrency(services.settings.send_rate)
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, OutgoingLimiter)  # build_application sets it
    # Its own connection pool, sized to the sender's concurrency.
    bot = broadcast_bot(application.bot.token, services.settings.bot_base_url, services.settings.bot_file_url,
                        limiter, bot_request(connection_pool_size=concurrency + 4, pool_timeout=30.0))
    await bot.initialize()

    async def report(r: Report) -> None:
        if r.created_by is None:
            return
        try:
            await application.bot.send_message(r.created_by, msg.report_text(r), parse_mode="HTML")
        except Exception:
            log.warning("could not send the broadcast report to its admin")

    engine = BroadcastEngine(services, library, TelegramTransport(bot, services.kb), on_finished=report,
                             concurrency=concurrency, on_close=bot.shutdown, sole_sender=sole_sender)
    services.broadcasts = engine
    await engine.start()
    return engine


async def stop_broadcasts(services: BotServices) -> None:
    engine: BroadcastEngine | None = services.broadcasts
    if engine is None:
        return
    await engine.stop()
    services.broadcasts = None


def register(app: Application) -> None:
    """Add the workers' 微课堂 handlers (called from bot.app.register_handlers)."""
    from telegram.ext import CallbackQueryHandler, CommandHandler, PollAnswerHandler

    app.add_handler(CommandHandler("subscribe", subscribe))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe))
    app.add_handler(CommandHandler("mytopics", mytopics))
    app.add_handler(CommandHandler("lessons", lessons_command))
    app.add_handler(CommandHandler("next", next_command))
    app.add_handler(CommandHandler("score", score))
    app.add_handler(CommandHandler("rank", rank))
    app.add_handler(CallbackQueryHandler(lesson_button, pattern=cb.PATTERN))
    app.add_handler(PollAnswerHandler(poll_answer))
