"""/weblogin: an admin gets a one-time link to the web console; and the web console's way back to Telegram."""
from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, Update
from telegram.constants import ChatType, ParseMode

from bot import authz, messages
from bot.context import AnkangContext, BotServices, user_is_admin
from bot.handoff import TelegramHandoffs
from bot.tips_triage import TelegramDutyAlerts
from broadcasts.library import Library, LibraryCache
from core.login_links import LOGIN_LINK_TTL_S, login_link
from knowledge.handoff import HandoffAnswer, HandoffNotice
from org.roles import Action
from tips.alerts import DutyAlert

log = logging.getLogger(__name__)


@authz.marks(Action.VIEW)  # any admin: the console checks each page and action itself
async def weblogin(update: Update, context: AnkangContext) -> None:
    """Reply with a login link to admins, in a private chat only (a link in a group could be used by anyone)."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or message is None:
        return
    if not await user_is_admin(context, user.id):
        await message.reply_text(messages.NOT_ADMIN)
        return
    if chat is not None and chat.type != ChatType.PRIVATE:
        await message.reply_text(messages.WEBLOGIN_PRIVATE_ONLY)
        return
    services = context.services
    now = services.clock.now()
    base_url = services.settings.public_url or services.web_url or None
    text = messages.WEBLOGIN_LINK.format(url=login_link(services.settings, user.id, now, base_url=base_url))
    expires = (now + timedelta(seconds=LOGIN_LINK_TTL_S)).astimezone(services.settings.tz)
    text += "\n" + messages.WEBLOGIN_EXPIRES.format(time=expires.strftime("%H:%M"))
    if not services.settings.public_url:
        text += "\n" + messages.WEBLOGIN_NO_PUBLIC_URL
    # No link preview: a preview fetch must never be what uses up or leaks the link.
    await message.reply_text(text, disable_web_page_preview=True)


class TelegramSender:
    """The web console's ``BotSender`` port (``web.typedefs``) over the running bot; wired by ``ankang.runner``.

    Lets the console send an admin a test lesson, the web tip form alert the admins on duty
    (exactly as the bot's own report flow does: ``bot.tips_triage.TelegramDutyAlerts``), and the
    待回答 inbox answer a worker's 问工会 question (``bot.handoff.TelegramHandoffs``).
    """

    def __init__(self, bot: Bot, services: BotServices, library: Library | None = None) -> None:
        self._bot = bot
        self._services = services
        self._library = LibraryCache(library)  # loaded on first use unless given

    async def send_text(self, chat_id: int, html: str) -> None:
        await self._bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, disable_web_page_preview=True)

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
        await TelegramDutyAlerts(self._bot).send_duty_alert(admin_id, alert)

    async def send_handoff_notice(self, admin_id: int, notice: HandoffNotice) -> None:
        await TelegramHandoffs(self._bot).send_handoff_notice(admin_id, notice)

    async def send_handoff_answer(self, chat_id: int, answer: HandoffAnswer) -> None:
        """An answer typed in the console reaches the worker as one typed in Telegram does."""
        await TelegramHandoffs(self._bot).send_handoff_answer(chat_id, answer)

    async def send_lesson(self, chat_id: int, lesson_id: str) -> None:
        """Send the lesson and its quiz exactly as subscribers receive them (no points: it is a test)."""
        from bot.lessons import TelegramTransport
        from core.outgoing import Priority

        engine = self._services.broadcasts
        lesson = (await self._library.get(engine.library if engine is not None else None)).get(lesson_id)
        await self.send_text(chat_id, messages.TEST_LESSON_NOTE)
        transport = TelegramTransport(self._bot, priority=Priority.REPLY)  # the admin's own action
        await transport.send_lesson(chat_id, lesson)
        await transport.send_quiz(chat_id, lesson)
