"""安康杯 campaigns in Telegram: the invitation's buttons and /campaign (/contest) start an attempt or a
practice run; its questions go out as polls with ``open_period``, one at a time; poll answers are recorded
by ``campaigns.attempts`` (first answer in time) and the next question follows; the result comes at the end.

Single choice and true/false questions are native quiz polls (Telegram shows right or wrong at once);
multiple choice is a regular poll allowing several answers, scored by us (a quiz poll has one right
option in most clients). Every poll is non-anonymous, so its ``poll_answer`` updates reach the bot.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Poll, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import campaign_callbacks as cb
from bot import campaign_messages as msg
from bot.context import AnkangContext, BotServices
from bot.parts import chat_of, message_of, poll_answer_of, query_of
from bot.render import send_long
from bot.study import tell_certificate
from campaigns import attempts, rankings
from campaigns.attempts import AnswerKind, AskQuestion, AttemptRefused, AttemptResult
from campaigns.runtime import CampaignWatch
from campaigns.service import list_campaigns, local_day, open_campaigns
from core import users
from core.outgoing import Priority, sending_as
from org.service import unit_of
from study.models import Certificate

log = logging.getLogger(__name__)

# The poll's row is written right after Telegram returns its id; an answer can arrive first.
POLL_LOOKUP_RETRIES_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 2.0)


def campaign_keyboard(campaign_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(msg.START_BUTTON, callback_data=cb.build(cb.StartAttempt(campaign_id))),
        InlineKeyboardButton(msg.PRACTICE_BUTTON, callback_data=cb.build(cb.Practice(campaign_id))),
    ]])


async def send_invitation(bot: Bot, chat_id: int, text: str, campaign_id: int) -> None:
    """The broadcast engine's invitation message (``TelegramTransport.send_invitation``)."""
    await bot.send_message(chat_id, msg.invitation_html(text), parse_mode="HTML",
                           reply_markup=campaign_keyboard(campaign_id))


class TelegramAttempts:
    """``campaigns.runtime.Sender`` over the application's bot: an attempt's steps and, for the watch, the
    news of a certificate (``base_url``: the web's public address, for the verification link).

    ``priority`` in the outgoing queue: an attempt's first question answers the worker's press (a reply); the
    questions after an answer or a time-out and the result are follow-ups, which wait for replies when the
    sending budget is short."""

    def __init__(self, bot: Bot, base_url: str = "", priority: Priority = Priority.REPLY) -> None:
        self.bot = bot
        self.base_url = base_url
        self.priority = priority

    async def send_question(self, chat_id: int, ask: AskQuestion) -> str:
        with sending_as(self.priority):
            return await self._send_question(chat_id, ask)

    async def _send_question(self, chat_id: int, ask: AskQuestion) -> str:
        question = ask.question
        options = list(question.options)
        if question.type == "multiple":
            message = await self.bot.send_poll(
                chat_id, msg.poll_question(ask), options, is_anonymous=False, type=Poll.REGULAR,
                allows_multiple_answers=True, open_period=ask.seconds)
        else:
            message = await self.bot.send_poll(
                chat_id, msg.poll_question(ask), options, is_anonymous=False, type=Poll.QUIZ,
                correct_option_ids=cast(Any, list(question.answer)), explanation=question.explanation,
                open_period=ask.seconds)
        assert message.poll is not None
        return message.poll.id

    async def send_result(self, chat_id: int, result: AttemptResult) -> None:
        with sending_as(self.priority):
            await send_long(self.bot, chat_id, msg.result_html(result))

    async def send_timeout(self, chat_id: int, number: int) -> None:
        with sending_as(self.priority):
            await self.bot.send_message(chat_id, msg.TIMED_OUT.format(number=number))

    async def send_certificate(self, chat_id: int, cert: Certificate) -> None:
        await tell_certificate(self.bot, chat_id, cert, self.base_url)


async def campaign_command(update: Update, context: AnkangContext) -> None:
    """/campaign, /contest: the campaigns open today, each with its buttons."""
    services = context.services
    today = local_day(services.clock.now(), services.settings.tz)
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_of(update).id)
        found = await open_campaigns(session, today)
    message = message_of(update)
    if not found:
        await message.reply_html(msg.NO_CAMPAIGN)
        return
    for campaign in found:
        await message.reply_html(msg.campaign_list_html([(campaign.name, campaign.starts_on, campaign.ends_on)]),
                                 reply_markup=campaign_keyboard(campaign.id))


async def campaign_button(update: Update, context: AnkangContext) -> None:
    """The invitation's and /campaign's buttons: start an attempt, or practise."""
    query = query_of(update)
    data = cb.parse(query.data)
    if data is None:
        await query.answer(msg.STALE_BUTTON)
        return
    practice = isinstance(data, cb.Practice)
    chat_id = chat_of(update).id
    services = context.services
    try:
        step = await attempts.start_attempt(
            services.sessions, services.campaigns.bank, data.campaign_id, chat_id, now=services.clock.now(),
            tz=services.settings.tz, practice=practice, known=services.campaigns.rules)
    except AttemptRefused as refused:
        await _acknowledge(query)
        await context.bot.send_message(chat_id, refused.message)
        return
    if isinstance(step, AskQuestion):
        # The rules come as the button's notice, not as a message: an attempt costs one message fewer of Telegram's
        # 30 a second (a message only if the notice is too late, then after the first question). The notice and
        # the first question go out together: the question does not wait for the notice's round trip.
        text = (msg.PRACTICE_STARTING if practice else msg.STARTING).format(total=step.total, seconds=step.seconds)
        notice = asyncio.ensure_future(_acknowledge(query, text))
        try:
            await attempts.deliver(services.sessions, TelegramAttempts(context.bot), chat_id, step,
                                   clock=services.clock)
        finally:
            acknowledged = await notice
        if not acknowledged:
            await context.bot.send_message(chat_id, text)
        return
    await _acknowledge(query)
    await attempts.deliver(services.sessions, TelegramAttempts(context.bot), chat_id, step, clock=services.clock)


async def _acknowledge(query: CallbackQuery, text: str | None = None) -> bool:
    """Stop the button's spinner, with ``text`` as its notice; False when it could not be answered. A press
    handled late (a busy bot) is "too old" to answer: the attempt, already started and counted, goes on
    regardless instead of failing with no question sent."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        log.info("campaign button answered too late: %s", exc)
        return False
    return True


async def campaign_answer(update: Update, context: AnkangContext) -> bool:
    """An answer to a campaign poll: recorded once, then the next question; False for any other poll (the
    lessons' handler, ``bot.lessons.poll_answer``, asks here first and takes the rest)."""
    answer = poll_answer_of(update)
    if answer.user is None:
        return False
    services = context.services
    chat_id = answer.user.id
    # Judged by when the answer reached us (stamped on receipt, bot/incoming.py), not by when its turn came.
    received_at = services.campaigns.arrivals.received_at(update.update_id)

    async def record() -> attempts.AnswerOutcome:
        return await attempts.answer(services.sessions, services.campaigns.bank, answer.poll_id, chat_id,
                                     list(answer.option_ids), now=services.clock.now(), received_at=received_at)

    for delay in (*POLL_LOOKUP_RETRIES_S, None):
        outcome = await record()  # the common case: one transaction
        if outcome.kind is not AnswerKind.UNKNOWN:
            break
        # Not found by its poll id: a question of this worker still being sent (its poll id not recorded yet),
        # another worker's or a forged campaign poll, or a 微课堂 quiz. In this order: a question being sent is
        # seen either as pending or, once recorded, by its poll id.
        pending = await attempts.awaiting_poll(services.sessions, chat_id)
        if await attempts.is_campaign_poll(services.sessions, answer.poll_id):
            outcome = await record()  # recorded meanwhile; still unknown: someone else's, counts nothing
            if outcome.kind is AnswerKind.UNKNOWN:
                return True
            break
        if not pending or delay is None:
            return False  # not ours: a 微课堂 quiz
        await asyncio.sleep(delay)
    sender = TelegramAttempts(context.bot, priority=Priority.FOLLOW_UP)
    if outcome.kind is AnswerKind.LATE:
        await context.bot.send_message(chat_id, msg.LATE_ANSWER)
    await attempts.deliver(services.sessions, sender, chat_id, outcome.next, clock=services.clock)
    return True


async def rank_campaign(update: Update, context: AnkangContext) -> None:
    """/rank campaign: the rankings of each campaign open today (or of the latest one, frozen once ended)."""
    services = context.services
    today = local_day(services.clock.now(), services.settings.tz)
    chat_id = chat_of(update).id
    async with context.session() as session, session.begin():
        found = await open_campaigns(session, today)
        if not found:
            latest = await list_campaigns(session)
            found = latest[:1]
        unit = await unit_of(session, chat_id)
        texts = []
        for c in found:
            standing = await rankings.standings(session, c, today)
            chain = rankings.chain_rankings(standing.units, unit.code if unit is not None else None)
            texts.append(msg.rank_html(c.name, standing, chat_id, rankings.PERSON_TIE_BREAKS,
                                       rankings.UNIT_TIE_BREAKS, chain))
    message = message_of(update)
    for text in texts or [msg.RANK_NONE]:
        await message.reply_html(text)


def start_watch(application: Application, services: BotServices) -> CampaignWatch:
    """The leader's time-out watch: a question whose open period ended gets the next one sent."""
    sender = TelegramAttempts(application.bot, services.settings.public_url or services.web_url, Priority.FOLLOW_UP)
    watch = CampaignWatch(services.sessions, services.campaigns, sender, services.clock, services.settings.tz,
                          loops=services.loops)
    services.campaigns.watch = watch
    watch.start()
    return watch


async def stop_watch(services: BotServices) -> None:
    watch = services.campaigns.watch
    if watch is not None:
        await watch.stop()
        services.campaigns.watch = None


def register(app: Application) -> None:
    """/campaign (/contest) and the cp: buttons. Poll answers have one handler, the lessons' (one group takes
    an update once), which hands campaign polls to ``campaign_answer``."""
    app.add_handler(CommandHandler(["campaign", "contest"], campaign_command))
    app.add_handler(CallbackQueryHandler(campaign_button, pattern=cb.PATTERN))
