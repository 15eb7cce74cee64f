"""An admin's invitation (/start inv_<token>, a one-time link made in the console's 管理员 page): the
person who opens it gets the role at the unit, named by their Telegram name (issue 12, point 3)."""
from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatType

from bot import messages
from bot.context import AnkangContext
from bot.parts import message_of, user_of
from core.admins import audit
from core.cleantext import without_unstorable
from org import messages as org_messages
from org import roles


def display_name(update: Update) -> str:
    """The Telegram name as kept: printable, single spaces, at most the column's length."""
    raw = without_unstorable(user_of(update).full_name or "")
    return " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())[:roles.NAME_MAX]


async def accept(update: Update, context: AnkangContext, token: str | None) -> None:
    """Use the invitation and say what it gave, or why it cannot be used."""
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await message_of(update).reply_text(messages.INVITE_PRIVATE_ONLY)
        return
    if token is None:
        await message_of(update).reply_text(org_messages.INVITE_UNKNOWN)
        return
    user_id = user_of(update).id
    services = context.services
    try:
        async with context.session() as session, session.begin():
            accepted = await roles.accept_invite(session, services.settings, token, user_id, display_name(update),
                                                 services.clock.now())
            await audit(session, user_id, "admin.invite_accept", str(user_id),
                        f"{accepted.role.label}@{accepted.unit_name}" + ("" if accepted.new else "（已有）"),
                        unit_id=accepted.unit_id)
    except roles.InviteError as exc:
        await message_of(update).reply_text(str(exc))
        return
    template = messages.INVITE_ACCEPTED if accepted.new else messages.INVITE_ALREADY
    await message_of(update).reply_html(template.format(role=accepted.role.label, unit=escape(accepted.unit_name)))
