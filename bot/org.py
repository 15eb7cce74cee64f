"""The worker's unit: joining through a unit's deep link (/start u_<code>) and choosing it in /settings."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import messages, org_callbacks
from bot import org_messages as msg
from bot.context import AnkangContext
from bot.parts import chat_of, message_of, query_of
from bot.render import edit_in_place
from core import users
from org import service

MAX_QUERY_CHARS = 64


async def join_by_code(context: AnkangContext, chat_id: int, code: str) -> str:
    """Join the worker to the unit of a deep link's code; the reply to show (an unknown or retired code is told so)."""
    async with context.session() as session, session.begin():
        unit = await service.unit_by_code(session, code)
        if unit is None:
            return msg.UNKNOWN_UNIT
        await users.record_user(session, chat_id)
        await service.join(session, chat_id, unit)
        return msg.joined(unit.name, unit.level)


async def settings(update: Update, context: AnkangContext) -> None:
    """/settings shows the worker's unit; /settings <name> searches units to join."""
    chat_id = chat_of(update).id
    query = " ".join(context.args or [])[:MAX_QUERY_CHARS].strip()
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        current = await service.unit_of(session, chat_id)
        found = await service.search_units(session, query) if query else []
    leave = [InlineKeyboardButton(msg.LEAVE_BUTTON, callback_data=org_callbacks.build(org_callbacks.LeaveUnit()))]
    if not query:
        text = msg.current_unit(current.name, current.level) if current else msg.NO_UNIT
        await message_of(update).reply_html(text, reply_markup=InlineKeyboardMarkup([leave]) if current else None)
        return
    if not found:
        await message_of(update).reply_html(msg.search_empty(query))
        return
    rows = [[InlineKeyboardButton(msg.unit_label(u.name, u.level),
                                  callback_data=org_callbacks.build(org_callbacks.JoinUnit(u.id)))] for u in found]
    if current:
        rows.append(leave)
    await message_of(update).reply_html(msg.SEARCH_RESULTS, reply_markup=InlineKeyboardMarkup(rows))


async def button(update: Update, context: AnkangContext) -> None:
    """A unit button under /settings: join it, or leave the unit."""
    query = query_of(update)
    cb = org_callbacks.parse(query.data if isinstance(query.data, str) else None)
    if cb is None:
        await query.answer(messages.STALE_BUTTON)
        return
    chat_id = chat_of(update).id
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        match cb:
            case org_callbacks.JoinUnit(unit_id):
                unit = await service.unit_by_id(session, unit_id)
                if unit is None:
                    text = msg.UNIT_GONE
                else:
                    await service.join(session, chat_id, unit)
                    text = msg.joined(unit.name, unit.level)
            case org_callbacks.LeaveUnit():
                await service.join(session, chat_id, None)
                text = msg.LEFT
    await query.answer()
    await edit_in_place(query, text)
