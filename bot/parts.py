"""The parts of an update that a handler's registration guarantees, typed as present.

PTB types every part of an ``Update`` as optional, since an update carries one kind of event. A
handler knows more: a ``MessageHandler`` runs for updates with a message in a chat, a
``CallbackQueryHandler`` for a button press. These accessors state that to the type checker and
fail loudly (``UpdateMismatch``, logged by the error handler) if a handler is ever registered for
updates without the part it reads, where an attribute access on None would have failed anyway.
"""
from __future__ import annotations

from typing import Any, Protocol, TypeVar

from telegram import CallbackQuery, Chat, ChatMemberUpdated, InlineQuery, Message, PollAnswer, Update, User
from telegram.ext import CallbackContext

UD = TypeVar("UD")
CD = TypeVar("CD")
CD_co = TypeVar("CD_co", covariant=True)


class HasChatData(Protocol[CD_co]):
    """A context with a chat's data, as ``CallbackContext`` has (Optional, like PTB types it)."""

    @property
    def chat_data(self) -> CD_co | None: ...


class UpdateMismatch(RuntimeError):
    """A handler ran for an update without the part its registration promised."""


def message_of(update: Update) -> Message:
    """The message the update is about (a new, edited or button-carrying message)."""
    message = update.effective_message
    if message is None:
        raise UpdateMismatch("the update has no message")
    return message


def chat_of(update: Update) -> Chat:
    chat = update.effective_chat
    if chat is None:
        raise UpdateMismatch("the update has no chat")
    return chat


def user_of(update: Update) -> User:
    user = update.effective_user
    if user is None:
        raise UpdateMismatch("the update has no user")
    return user


def query_of(update: Update) -> CallbackQuery:
    """The button press of a ``CallbackQueryHandler``'s update."""
    query = update.callback_query
    if query is None:
        raise UpdateMismatch("the update is not a button press")
    return query


def inline_query_of(update: Update) -> InlineQuery:
    query = update.inline_query
    if query is None:
        raise UpdateMismatch("the update is not an inline query")
    return query


def poll_answer_of(update: Update) -> PollAnswer:
    answer = update.poll_answer
    if answer is None:
        raise UpdateMismatch("the update is not a poll answer")
    return answer


def chat_member_of(update: Update) -> ChatMemberUpdated:
    """The change of the bot's own membership in a chat (blocked, unblocked, added, removed)."""
    change = update.my_chat_member
    if change is None:
        raise UpdateMismatch("the update is not a change of the bot's membership")
    return change


def query_message(query: CallbackQuery) -> Message:
    """The message under the pressed button (Telegram omits it for inline-mode messages and
    reports one older than 48 hours as inaccessible)."""
    message = query.message
    if not isinstance(message, Message):
        raise UpdateMismatch("the pressed button's message is not accessible")
    return message


def user_data_of(context: CallbackContext[Any, UD, Any, Any]) -> UD:
    """The user's data: PTB has it for every update with a user."""
    data = context.user_data
    if data is None:
        raise UpdateMismatch("the update has no user")
    return data


def chat_data_of(context: HasChatData[CD]) -> CD:
    """The chat's typed data: PTB has it for every update in a chat."""
    data = context.chat_data
    if data is None:
        raise UpdateMismatch("the update has no chat")
    return data
