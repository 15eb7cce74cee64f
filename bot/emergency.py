"""Emergencies first, in every state: one handler ahead of every flow, command and question.

Registered before everything else (bot/app.py), it reads every text message. One that reports an
emergency in progress ("有人触电了") gets the guidance at once — before any search, database write
or flow step — and goes no further, so no flow takes it for a place, a description or a receipt
code. Then the step the worker was at is asked again (``bot.conversation.Prompt``), and the flow
continues where it was. At a step that takes typed text, the same message sent again is that
step's answer: a hazard described in alarming words must still be reportable.
"""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import messages
from bot.context import AnkangContext
from bot.conversation import Prompt, current_prompt
from bot.parts import message_of
from bot.qa import render_reply
from bot.render import reply_long
from core.outgoing import Priority, sending_as
from knowledge import emergency_reply
from knowledge.models import record_question

log = logging.getLogger(__name__)


async def emergency_first(update: Update, context: AnkangContext) -> None:
    """Answer an emergency before anything else sees the message, then re-ask the flow's step."""
    message = message_of(update)
    text = (message.text or "").strip()
    reply = emergency_reply(text)
    if reply is None:
        return  # not an emergency: the flows and the question answering take it
    prompt = current_prompt(update, context)
    if prompt is not None and prompt.takes_text and prompt.emergency_text == text:
        return  # sent again as this step's answer, as the re-asked step offered
    try:
        with sending_as(Priority.EMERGENCY):  # never queued behind replies or broadcasts
            await message.reply_html(render_reply(reply))
        if prompt is not None:
            prompt.emergency_text = text
            await _ask_again(update, prompt)
        await _count(context)
    except Exception as err:  # reported like any handler's failure; the flow still must not take it
        await context.application.process_error(update, err)
    raise ApplicationHandlerStop


async def emergency_in_command(update: Update, context: AnkangContext) -> None:
    """A command whose words report an emergency ("/ask 有人触电了", "/settings 有人触电了"): the guidance
    first, then the command runs as asked (a handoff may still be wanted; nothing typed is lost)."""
    message = message_of(update)
    words = (message.text or "").split(maxsplit=1)
    reply = emergency_reply(words[1]) if len(words) == 2 else None
    if reply is None:
        return
    try:
        with sending_as(Priority.EMERGENCY):
            await message.reply_html(render_reply(reply))
        await _count(context)
    except Exception as err:  # reported like any handler's failure; the command still runs
        await context.application.process_error(update, err)


async def _ask_again(update: Update, prompt: Prompt) -> None:
    template = messages.FLOW_CONTINUES_TEXT if prompt.takes_text else messages.FLOW_CONTINUES
    await reply_long(message_of(update), template.format(flow=prompt.flow.label, prompt=prompt.text),
                     prompt.keyboard)


async def _count(context: AnkangContext) -> None:
    """Count the emergency for the dashboard, after the worker has the guidance."""
    services = context.services
    day = services.clock.now().astimezone(services.settings.tz).date()

    async def write(session) -> None:
        await record_question(session, day, "emergency", "")

    await services.writes.write("emergency statistic", write)  # queued while the database is away
