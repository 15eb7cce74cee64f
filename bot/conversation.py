"""Declared conversations (ConversationHandler) built one way across the bot, and the prompt each
one is waiting on, so that a flow interrupted by an emergency can be picked up where it was.

A step asks its question through ``Flow.ask``, which sends it and remembers it (text and keyboard)
in the chat's typed data. ``chat_conversation`` forgets it when the flow ends, however it ends
(a step returning END, or the timeout), so a remembered prompt always belongs to a flow in progress.

It also marks the flow open in the database while it runs (``core.conversations``): the flow lives
in this process's memory only, and if the process stops, the next one tells the worker on their next
message that it was lost (``bot.restarted``) instead of taking that message for something else.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, ConversationHandler, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.parts import HasChatData, chat_data_of, message_of
from bot.render import edit_in_place, reply_long, split_text
from core.conversations import ConversationMarks


class PromptSlot(Protocol):
    """A chat's data as flows use it: the prompt of the flow in progress (``bot.context.ChatData``)."""

    prompt: Prompt | None


# The context of a flow's steps: ``bot.context.AnkangContext`` is one. Typed by what this module
# uses, because bot.context imports Prompt from here.
FlowContext = HasChatData[PromptSlot]


@dataclass(frozen=True, slots=True)
class Flow:
    """A conversation as the worker knows it: ``name`` is the ConversationHandler's, ``label`` is
    what it is called in "刚才的{label}还在继续"."""

    name: str
    label: str

    async def ask(self, update: Update, context: FlowContext, text: str,
                  keyboard: InlineKeyboardMarkup | None = None, *, takes_text: bool = False,
                  edit: bool = False) -> None:
        """Send a step's question (HTML) and remember it as the prompt the flow is waiting on.

        ``takes_text``: the step's answer is typed text (a location, a description, a time), so a
        message read as an emergency may also be the answer; ``edit``: after a button press, show
        the question in place of the pressed message (typed input always gets a new message).
        """
        query = update.callback_query
        if edit and query is not None and len(split_text(text)) == 1:
            await edit_in_place(query, text, reply_markup=keyboard)
        else:  # typed input, or a question too long for one message (a tip's thread)
            await reply_long(message_of(update), text, keyboard)
        user = update.effective_user
        chat_data_of(context).prompt = Prompt(self, user.id if user else None, text, keyboard, takes_text)

    def forget(self, update: object, context: FlowContext) -> None:
        """The flow ended: drop its prompt (a prompt of another flow stays)."""
        prompt = chat_data_of(context).prompt
        if prompt is not None and prompt.flow == self and prompt.user_id == _user_id(update):
            chat_data_of(context).prompt = None


@dataclass(slots=True)
class Prompt:
    """The question a flow in progress is waiting on."""

    flow: Flow
    user_id: int | None
    text: str  # Telegram HTML
    keyboard: InlineKeyboardMarkup | None
    takes_text: bool
    # An emergency message answered at this step: sent again, it is the step's answer after all.
    emergency_text: str | None = None


def current_prompt(update: Update, context: FlowContext) -> Prompt | None:
    """The prompt of the flow this user is in, in this chat, or None outside any flow."""
    prompt = context.chat_data.prompt if context.chat_data is not None else None
    if prompt is None or prompt.user_id != _user_id(update):
        return None
    return prompt


def _user_id(update: object) -> int | None:
    user = update.effective_user if isinstance(update, Update) else None
    return user.id if user is not None else None


# A handler's callback, as PTB calls it (with the application's context type, AnkangContext).
Callback = Callable[[Update, Any], Coroutine[Any, Any, object]]


class _HasMarks(Protocol):
    marks: ConversationMarks


class MarksContext(Protocol):
    """A context whose services mark open conversations (``bot.context.AnkangContext`` is one)."""

    @property
    def services(self) -> _HasMarks: ...


def _who(update: object) -> tuple[int, int] | None:
    """The chat and user a conversation is keyed by (``chat_conversation``: per chat and per user)."""
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return None
    return update.effective_chat.id, update.effective_user.id


async def mark_open(update: object, context: MarksContext, flow: Flow) -> None:
    """Mark ``flow`` open for this chat and user: kept in memory only, it is told as lost after a restart."""
    who = _who(update)
    if who is not None:
        await context.services.marks.opened(*who, flow.name)


async def mark_closed(update: object, context: MarksContext, flow: Flow) -> None:
    who = _who(update)
    if who is not None:
        await context.services.marks.closed(*who, flow.name)


def _forgetting_at_end(callback: Callback, flow: Flow, *, entry: bool) -> Callback:
    @functools.wraps(callback)
    async def run(update: Update, context: Any) -> object:
        state = await callback(update, context)
        if state == ConversationHandler.END:
            flow.forget(update, context)
            await mark_closed(update, context, flow)
        elif entry and state is not None:  # a flow starts (or starts again: marked once)
            await mark_open(update, context, flow)
        return state

    return run


def chat_conversation(*, flow: Flow | None = None, **kwargs: Any) -> ConversationHandler:
    """A conversation keyed by chat and user, with its buttons tracked per chat.

    With ``flow``, the conversation is named after it and its prompt is forgotten when it ends.
    PTB warns that CallbackQueryHandlers are then not tracked per message: that is what we want —
    one flow per chat, and an old keyboard's press is answered by the stale-button handler.
    """
    kwargs.setdefault("per_chat", True)
    kwargs.setdefault("per_user", True)
    kwargs.setdefault("per_message", False)
    if flow is not None:
        kwargs["name"] = flow.name
        states: dict[object, list[BaseHandler]] = dict(kwargs.get("states", {}))
        for handler in kwargs.get("entry_points", []):
            handler.callback = _forgetting_at_end(handler.callback, flow, entry=True)
        for handlers in [kwargs.get("fallbacks", []), *states.values()]:
            for handler in handlers:
                handler.callback = _forgetting_at_end(handler.callback, flow, entry=False)
        # PTB runs every TIMEOUT handler that matches, so this one runs beside the flow's own.
        states[ConversationHandler.TIMEOUT] = [*states.get(ConversationHandler.TIMEOUT, []),
                                               TypeHandler(Update, _forget_on_timeout(flow))]
        kwargs["states"] = states
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(**kwargs)


def _forget_on_timeout(flow: Flow) -> Callback:
    async def forget(update: object, context: Any) -> None:
        flow.forget(update, context)
        await mark_closed(update, context, flow)

    return forget
