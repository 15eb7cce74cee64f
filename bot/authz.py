"""Role and scope of every admin command, button and conversation step (issue 12, point 3).

``requires(need, where)`` wraps a handler: before it runs, ``org.roles.can`` (or ``holds`` when the
handler concerns no particular unit) decides; a refusal is answered in words — an alert under a
button, a reply to a command or a typed step — and ends any conversation the handler belongs to, so
a role removed mid-action stops the next step. The need is kept on the wrapper (``NEED_ATTR``) for
the authorisation matrix test, which walks the application's handlers.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot import messages
from bot.context import AnkangContext
from core.admins import is_admin
from org import roles
from org.roles import Need

NEED_ATTR = "ankang_need"
ACTS_ATTR = "ankang_acts"
# Where a handler acts: the units (None: the whole tree) its update concerns, each of which must pass.
Where = Callable[[Update, AnkangContext], Awaitable[list[int | None]]]


async def whole_tree(update: Update, context: AnkangContext) -> list[int | None]:
    return [None]


async def permitted(update: Update, context: AnkangContext, need: Need, units: list[int | None] | None = None,
                    ) -> bool:
    """Whether the sender may do ``need`` (at every unit of ``units``; anywhere when None); refuse in words."""
    user = update.effective_user
    refused_at: int | None = None
    anywhere = units is None
    async with context.session() as session:
        settings = context.services.settings
        if user is None:
            allowed = False
        elif units is None:
            allowed = await roles.holds(session, settings, user.id, need)
        else:
            allowed = True
            for unit_id in units:
                if not await roles.can(session, settings, user.id, need, unit_id):
                    allowed, refused_at = False, unit_id
                    break
        where = "" if allowed or anywhere else await roles.unit_label(session, refused_at)
        # Someone who is no admin at all is told so plainly, not which role they lack.
        staff = allowed or (user is not None and await is_admin(session, settings, user.id))
    if allowed:
        return True
    text = messages.not_permitted(need.label, None if anywhere else where) if staff else messages.NOT_ADMIN
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)
    return False


def requires(need: Need, where: Where | None = None):
    """Run the handler only for an admin who may do ``need`` where ``where`` says (anywhere when None)."""
    def decorate(handler: Callable[..., Awaitable[Any]]):
        @functools.wraps(handler)
        async def checked(update: Update, context: AnkangContext) -> Any:
            units = await where(update, context) if where is not None else None
            if not await permitted(update, context, need, units):
                return ConversationHandler.END
            return await handler(update, context)

        setattr(checked, NEED_ATTR, need)
        return checked
    return decorate


def marks(need: Need | None, *, acts: Need | None = None):
    """Record the needs of a handler that checks them itself with ``permitted`` — ``need`` for all it does
    (None: workers' buttons too), ``acts`` for its admin actions — for the matrix test; no check of its own."""
    def decorate(handler: Callable[..., Awaitable[Any]]):
        setattr(handler, NEED_ATTR, need)
        setattr(handler, ACTS_ATTR, acts)
        return handler
    return decorate


def needs_of(callback: object) -> tuple[Need | None, Need | None] | None:
    """(need, acts) a handler was wrapped or marked with; None for a handler of workers only."""
    if not hasattr(callback, NEED_ATTR):
        return None
    return getattr(callback, NEED_ATTR), getattr(callback, ACTS_ATTR, None)


async def row_unit(context: AnkangContext, model: Any, row_id: int | None) -> list[int | None]:
    """The unit of a row (a tip, a schedule, a handoff) once its table keeps one (issue 12, points 4 and 5);
    until then, and for a missing row, the whole tree."""
    if row_id is None:
        return [None]
    async with context.session() as session:
        row = await session.get(model, row_id)
    return [getattr(row, "unit_id", None)]
