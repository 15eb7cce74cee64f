"""Updates of one chat are handled one at a time, in arrival order.

The interleavings are forced with events, never timing: asyncio runs ready tasks in the order
they became ready, so each step below is deterministic.
"""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.updates import PerChatUpdateProcessor

WORKER = 100000001


def update_from(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat))


async def test_an_update_arriving_at_a_handover_waits_for_the_one_before_it():
    """A is handled while B waits; A ends and B is woken; C arrives while B is still handled. C waits for B."""
    processor = PerChatUpdateProcessor(max_concurrent_updates=256)
    handled: list[str] = []
    a_running, a_may_end, b_may_end = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def handle_a() -> None:
        a_running.set()
        await a_may_end.wait()
        handled.append("A")

    async def handle_b() -> None:
        await b_may_end.wait()
        handled.append("B")

    async def handle_c() -> None:
        handled.append("C")

    a = asyncio.create_task(processor.process_update(update_from(WORKER, 1), handle_a()))
    b = asyncio.create_task(processor.process_update(update_from(WORKER, 2), handle_b()))
    await a_running.wait()  # B's task ran right after A's first step: it is queued behind A
    a_may_end.set()
    await a  # A released the chat and B, woken, holds it now (B's wake-up was queued before ours)
    c = asyncio.create_task(processor.process_update(update_from(WORKER, 3), handle_c()))
    b_may_end.set()
    await asyncio.gather(b, c)
    assert handled == ["A", "B", "C"]

