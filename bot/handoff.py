"""问工会 over Telegram: a worker hands a question to a person; the staff answer it here or in the console.

The worker's side: 🙋 问工会 under a reply (or /ask) → confirm or edit the question → the handoff
queue; the answer arrives as a message from 工会 with 👍/👎 and 继续追问; /myquestions. The staff's
side: the notice with 回答 (a short conversation for the text) and 转为FAQ (a login link to the
console's prefilled FAQ form). The rules are ``knowledge.handoff``'s; ``TelegramHandoffs`` is its
sending port, used by the console too (through ``bot.weblogin.TelegramSender``). The states are
drawn in ``handoff.mmd`` beside this file.
"""
from __future__ import annotations

import contextlib
import logging
from urllib.parse import quote

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import authz
from bot import handoff_callbacks as cb
from bot import handoff_messages as msg
from bot import messages as common_messages
from bot.context import AnkangContext
from bot.conversation import Flow, chat_conversation, mark_closed, mark_open
from bot.parts import chat_data_of, chat_of, message_of, query_message, query_of, user_data_of, user_of
from bot.render import edit_in_place
from core.login_links import login_link
from knowledge import handoff as domain
from knowledge.handoff import HandoffAnswer, HandoffNotice, RecipientGone
from knowledge.models import Handoff
from org.roles import Role

log = logging.getLogger(__name__)

TYPING = "handoff_typing"  # the worker types (or retypes) the question
FOLLOWING = "handoff_following"  # the worker types a follow-up
ANSWERING = "handoff_answering"  # a staff member types the answer
HANDOFF = Flow("handoff", "问工会")
HANDOFF_ANSWER = Flow("handoff_answer", "回答问工会")
# Not a conversation: the question offered for confirmation waits in memory for 发送给工会 or 取消, so it
# is marked open like one (bot/restarted.py tells the worker if a restart loses it).
HANDOFF_CONFIRM = Flow("handoff_confirm", "问工会")

DRAFT_KEY = "handoff_draft"  # chat_data: the question awaiting the worker's confirmation
QUESTIONS_KEY = "handoff_questions"  # chat_data: reply message id → the question it answered
FOLLOW_UP_KEY = "handoff_follow_up"  # user_data: the handoff a follow-up is for
ANSWER_KEY = "handoff_answer"  # user_data: the handoff a staff member is answering
REMEMBERED_QUESTIONS = 20
TEXT = filters.TEXT & ~filters.COMMAND


def _button(text: str, data: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.build(data))


class TelegramHandoffs:
    """``knowledge.handoff.HandoffSender`` over Telegram."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_handoff_notice(self, admin_id: int, notice: HandoffNotice) -> None:
        markup = InlineKeyboardMarkup([[_button(msg.ANSWER_BUTTON, cb.Answer(notice.handoff_id)),
                                        _button(msg.TO_FAQ_BUTTON, cb.ToFaq(notice.handoff_id))]])
        await self._bot.send_message(admin_id, msg.notice(notice), parse_mode=ParseMode.HTML, reply_markup=markup)

    async def send_handoff_answer(self, chat_id: int, answer: HandoffAnswer) -> None:
        markup = InlineKeyboardMarkup([
            [_button(msg.HELPFUL, cb.Rate(answer.handoff_id, True)),
             _button(msg.NOT_HELPFUL, cb.Rate(answer.handoff_id, False))],
            [_button(msg.FOLLOW_UP_BUTTON, cb.FollowUp(answer.handoff_id))],
        ])
        try:
            await self._bot.send_message(chat_id, msg.answer_to_worker(answer), parse_mode=ParseMode.HTML,
                                         reply_markup=markup, disable_web_page_preview=True)
        except Forbidden as exc:
            raise RecipientGone() from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                raise RecipientGone() from exc
            raise


# --- remembering which question a reply answered ----------------------------------------------------

def remember_question(context: AnkangContext, message_id: int, question: str) -> None:
    """Keep (in memory, for this chat) the question a reply answered, for its 🙋 问工会 button."""
    questions: dict[int, str] = chat_data_of(context).setdefault(QUESTIONS_KEY, {})
    questions[message_id] = question
    while len(questions) > REMEMBERED_QUESTIONS:
        del questions[next(iter(questions))]


def remembered_question(context: AnkangContext, message_id: int) -> str | None:
    """The question the reply ``message_id`` answered, while this chat still remembers it."""
    return chat_data_of(context).get(QUESTIONS_KEY, {}).get(message_id)


# --- the worker: asking ----------------------------------------------------------------------------

def _private(update: Update) -> bool:
    """A handoff answers into the chat it came from: only a private chat keeps it between worker and union."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def ask_union(update: Update, context: AnkangContext) -> str | int:
    """🙋 问工会 under a reply: confirm the question it answered, or type one."""
    query = query_of(update)
    if not _private(update):
        await query.answer(msg.PRIVATE_ONLY, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    question = remembered_question(context, query.message.message_id) if query.message else None
    if question:
        return await _offer(update, context, question)
    await HANDOFF.ask(update, context, msg.TYPE_QUESTION, takes_text=True)
    return TYPING


async def ask_command(update: Update, context: AnkangContext) -> str | int:
    """/ask [问题]: hand a question to the union directly."""
    if not _private(update):
        await message_of(update).reply_text(msg.PRIVATE_ONLY)
        return ConversationHandler.END
    text = " ".join(context.args or []).strip()
    if not text:
        await HANDOFF.ask(update, context, msg.TYPE_QUESTION, takes_text=True)
        return TYPING
    return await _offer(update, context, text)


async def question_typed(update: Update, context: AnkangContext) -> str | int:
    return await _offer(update, context, message_of(update).text or "")


async def _offer(update: Update, context: AnkangContext, text: str) -> str | int:
    """Show the question for confirmation; a bad one is explained and the worker types again."""
    try:
        question = domain.check_question(text)
    except domain.QuestionEmpty:
        await HANDOFF.ask(update, context, msg.EMPTY + "\n" + msg.TYPE_QUESTION, takes_text=True)
        return TYPING
    except domain.QuestionTooLong as err:
        await HANDOFF.ask(update, context, msg.too_long(err.length), takes_text=True)
        return TYPING
    chat_data_of(context)[DRAFT_KEY] = question
    await mark_open(update, context, HANDOFF_CONFIRM)
    markup = InlineKeyboardMarkup([[_button(msg.SEND_BUTTON, cb.SendDraft()), _button(msg.EDIT_BUTTON, cb.EditDraft())],
                                   [_button(msg.DROP_BUTTON, cb.DropDraft())]])
    await message_of(update).reply_html(msg.confirm(question), reply_markup=markup)
    return ConversationHandler.END


async def edit_draft(update: Update, context: AnkangContext) -> str | int:
    await query_of(update).answer()
    await HANDOFF.ask(update, context, msg.TYPE_QUESTION, takes_text=True)
    return TYPING


async def follow_up_start(update: Update, context: AnkangContext) -> str | int:
    query = query_of(update)
    data = cb.parse(query.data)
    assert isinstance(data, cb.FollowUp)  # the handler's pattern
    async with context.session() as session:
        try:
            handoff = await domain.get_handoff(session, data.handoff_id)
        except domain.HandoffNotFound:
            handoff = None
    if handoff is None or handoff.chat_id != chat_of(update).id:
        await query.answer(msg.THREAD_CLOSED if handoff is not None else msg.NOT_YOURS, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    user_data_of(context)[FOLLOW_UP_KEY] = data.handoff_id
    await HANDOFF.ask(update, context, msg.TYPE_FOLLOW_UP.format(limit=domain.MAX_QUESTION_CHARS), takes_text=True)
    return FOLLOWING


async def follow_up_typed(update: Update, context: AnkangContext) -> str | int:
    handoff_id = user_data_of(context).get(FOLLOW_UP_KEY)
    if not isinstance(handoff_id, int):
        return ConversationHandler.END
    services = context.services
    try:
        await domain.submit_follow_up(services.sessions, services.settings, TelegramHandoffs(context.bot), handoff_id,
                                      chat_of(update).id, message_of(update).text or "",
                                      now=services.clock.now())
    except domain.QuestionEmpty:
        await HANDOFF.ask(update, context, msg.EMPTY, takes_text=True)
        return FOLLOWING
    except domain.QuestionTooLong as err:
        await HANDOFF.ask(update, context, msg.too_long(err.length), takes_text=True)
        return FOLLOWING
    except domain.HandoffClosed:
        text = msg.THREAD_CLOSED
    except domain.HandoffNotFound:
        text = msg.NOT_YOURS
    else:
        text = msg.FOLLOW_UP_SENT.format(number=handoff_id)
    user_data_of(context).pop(FOLLOW_UP_KEY, None)
    await message_of(update).reply_html(text)
    return ConversationHandler.END


async def worker_cancel(update: Update, context: AnkangContext) -> int:
    user_data_of(context).pop(FOLLOW_UP_KEY, None)
    await message_of(update).reply_text(msg.CANCELLED)
    return ConversationHandler.END


async def worker_timed_out(update: object, context: AnkangContext) -> None:
    user_data_of(context).pop(FOLLOW_UP_KEY, None)


# --- the worker: buttons outside the conversation ---------------------------------------------------

@authz.marks(None, acts=Role.KNOWLEDGE)  # workers' buttons, and the staff's 转为FAQ (checked there)
async def button(update: Update, context: AnkangContext) -> None:
    """Send or drop the draft, rate an answer; staff: 转为FAQ. Stale or forged data is answered kindly."""
    query = query_of(update)
    data = cb.parse(query.data)
    match data:
        case cb.SendDraft():
            await _send_draft(update, context)
        case cb.DropDraft():
            chat_data_of(context).pop(DRAFT_KEY, None)
            await mark_closed(update, context, HANDOFF_CONFIRM)
            await query.answer()
            await edit_in_place(query, msg.DROPPED)
        case cb.Rate(handoff_id, helpful):
            await _rate(update, context, handoff_id, helpful)
        case cb.ToFaq(handoff_id):
            await _to_faq(update, context, handoff_id)
        case _:
            await query.answer(common_messages.STALE_BUTTON)


async def _send_draft(update: Update, context: AnkangContext) -> None:
    query = query_of(update)
    question = chat_data_of(context).pop(DRAFT_KEY, None)
    await mark_closed(update, context, HANDOFF_CONFIRM)
    if not question:  # pressed twice (after a restart bot/restarted.py has told the worker first)
        await query.answer(msg.DRAFT_GONE, show_alert=True)
        return
    await query.answer()
    services = context.services
    try:
        submitted = await domain.submit(services.sessions, services.settings, TelegramHandoffs(context.bot),
                                        chat_of(update).id, question, now=services.clock.now())
    except (domain.QuestionEmpty, domain.QuestionTooLong):  # checked when offered; kept for a forged draft
        await query_message(query).reply_text(msg.EMPTY)
        return
    text = msg.SENT if submitted.created else msg.ALREADY_SENT
    await edit_in_place(query, text.format(number=submitted.handoff_id))


async def _rate(update: Update, context: AnkangContext, handoff_id: int, helpful: bool) -> None:
    query = query_of(update)
    try:
        async with context.session() as session, session.begin():
            await domain.rate(session, handoff_id, chat_of(update).id, helpful, now=context.services.clock.now())
    except domain.HandoffClosed:
        await query.answer(msg.THREAD_CLOSED, show_alert=True)
        return
    except domain.HandoffNotFound:
        await query.answer(msg.NOT_YOURS, show_alert=True)
        return
    await query.answer(msg.RATED_GOOD if helpful else msg.RATED_BAD, show_alert=True)
    with contextlib.suppress(BadRequest):  # already edited by an earlier tap
        await query.edit_message_reply_markup(None)


async def my_questions(update: Update, context: AnkangContext) -> None:
    """/myquestions: the worker's open and answered questions (closed ones no longer link to them)."""
    async with context.session() as session:
        handoffs = await domain.worker_handoffs(session, chat_of(update).id)
    await message_of(update).reply_html(msg.my_questions(handoffs) if handoffs else msg.MY_NONE)


# --- the staff --------------------------------------------------------------------------------------

async def _handoff_unit(update: Update, context: AnkangContext) -> list[int | None]:
    data = cb.parse(query_of(update).data) if update.callback_query else None
    handoff_id = user_data_of(context).get(ANSWER_KEY) if data is None else getattr(data, "handoff_id", None)
    return await authz.row_unit(context, Handoff, handoff_id if isinstance(handoff_id, int) else None)


@authz.requires(Role.KNOWLEDGE, _handoff_unit)
async def answer_start(update: Update, context: AnkangContext) -> str | int:
    """回答 under a notice: the handoff is taken (the worker sees 回答中) and the staff member types."""
    query = query_of(update)
    data = cb.parse(query.data)
    assert isinstance(data, cb.Answer)  # the handler's pattern
    services = context.services
    try:
        async with context.session() as session, session.begin():
            handoff = await domain.claim(session, services.settings, data.handoff_id, user_of(update).id,
                                         now=services.clock.now())
            waiting = handoff.status.is_waiting
            question = domain.latest_question(handoff)
    except domain.HandoffNotFound:
        await query.answer(msg.HANDOFF_MISSING, show_alert=True)
        return ConversationHandler.END
    except domain.HandoffClosed:
        await query.answer(msg.HANDOFF_CLOSED.format(number=data.handoff_id), show_alert=True)
        return ConversationHandler.END
    except domain.NotAnAdminAnymore:
        await query.answer(common_messages.NOT_ADMIN, show_alert=True)
        return ConversationHandler.END
    if not waiting:
        await query.answer(msg.ALREADY_ANSWERED.format(number=data.handoff_id), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    user_data_of(context)[ANSWER_KEY] = data.handoff_id
    await HANDOFF_ANSWER.ask(update, context, msg.type_answer(data.handoff_id, question), takes_text=True)
    return ANSWERING


@authz.requires(Role.KNOWLEDGE, _handoff_unit)
async def answer_typed(update: Update, context: AnkangContext) -> str | int:
    handoff_id = user_data_of(context).get(ANSWER_KEY)
    if not isinstance(handoff_id, int):
        return ConversationHandler.END
    services = context.services
    try:
        delivery = await domain.answer_and_deliver(
            services.sessions, services.settings, TelegramHandoffs(context.bot), handoff_id,
            user_of(update).id, message_of(update).text or "", now=services.clock.now())
    except domain.QuestionEmpty:
        await HANDOFF_ANSWER.ask(update, context, msg.ANSWER_EMPTY, takes_text=True)
        return ANSWERING
    except domain.QuestionTooLong as err:
        await HANDOFF_ANSWER.ask(update, context, msg.ANSWER_TOO_LONG.format(length=err.length), takes_text=True)
        return ANSWERING
    except domain.AlreadyAnswered:
        text = msg.ALREADY_ANSWERED
    except domain.HandoffClosed:
        text = msg.HANDOFF_CLOSED
    except domain.HandoffNotFound:
        text = msg.HANDOFF_MISSING
    except domain.NotAnAdminAnymore:
        text = common_messages.NOT_ADMIN
    else:
        text = {domain.Delivery.DELIVERED: msg.ANSWER_SENT, domain.Delivery.BLOCKED: msg.ANSWER_BLOCKED,
                domain.Delivery.FAILED: msg.ANSWER_STORED}[delivery]
    user_data_of(context).pop(ANSWER_KEY, None)
    await message_of(update).reply_html(text.format(number=handoff_id))
    return ConversationHandler.END


async def staff_cancel(update: Update, context: AnkangContext) -> int:
    user_data_of(context).pop(ANSWER_KEY, None)
    await message_of(update).reply_text(msg.ANSWER_CANCELLED)
    return ConversationHandler.END


async def staff_timed_out(update: object, context: AnkangContext) -> None:
    user_data_of(context).pop(ANSWER_KEY, None)


async def _to_faq(update: Update, context: AnkangContext, handoff_id: int) -> None:
    """转为FAQ: a one-time login link that opens the console's FAQ form prefilled from the handoff."""
    if not await authz.permitted(update, context, Role.KNOWLEDGE, [None]):  # the FAQ is the whole tree's
        return
    query = query_of(update)
    async with context.session() as session:
        try:
            await domain.get_handoff(session, handoff_id)
        except domain.HandoffNotFound:
            await query.answer(msg.HANDOFF_MISSING, show_alert=True)
            return
    await query.answer()
    services = context.services
    url = login_link(services.settings, user_of(update).id, services.clock.now(),
                     base_url=services.settings.public_url or services.web_url or None)
    url += "&next=" + quote(f"/admin/knowledge/faq/new?handoff={handoff_id}", safe="/")
    await context.bot.send_message(chat_of(update).id, msg.TO_FAQ_LINK.format(number=handoff_id, url=url),
                                   disable_web_page_preview=True)


# --- routing ----------------------------------------------------------------------------------------

def worker_conversation(ttl_s: float) -> ConversationHandler:
    return chat_conversation(
        flow=HANDOFF,
        entry_points=[
            CallbackQueryHandler(ask_union, pattern=r"^qa\|u$"),
            CommandHandler("ask", ask_command),
            CallbackQueryHandler(edit_draft, pattern=cb.matches(cb.EditDraft)),
            CallbackQueryHandler(follow_up_start, pattern=cb.matches(cb.FollowUp)),
        ],
        states={
            TYPING: [MessageHandler(TEXT, question_typed)],
            FOLLOWING: [MessageHandler(TEXT, follow_up_typed)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, worker_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", worker_cancel)],
        allow_reentry=True,
        conversation_timeout=ttl_s,
        persistent=False,
    )


def staff_conversation(ttl_s: float) -> ConversationHandler:
    return chat_conversation(
        flow=HANDOFF_ANSWER,
        entry_points=[CallbackQueryHandler(answer_start, pattern=cb.matches(cb.Answer))],
        states={
            ANSWERING: [MessageHandler(TEXT, answer_typed)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, staff_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", staff_cancel)],
        allow_reentry=True,
        conversation_timeout=ttl_s,
        persistent=False,
    )


def register(app: Application) -> None:
    """The two conversations (the worker's question, the staff's answer), /myquestions and the ho| buttons;
    in group 0 before the generic command, text and button handlers."""
    ttl_s = app.bot_data.services.settings.tip_draft_ttl_s
    app.add_handler(worker_conversation(ttl_s))
    app.add_handler(staff_conversation(ttl_s))
    app.add_handler(CommandHandler("myquestions", my_questions))
    app.add_handler(CallbackQueryHandler(button, pattern=cb.PATTERN))
