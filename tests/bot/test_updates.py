"""Updates of one chat are handled one at a time, in arrival order.

The interleavings are forced with events, never timing: asyncio runs ready tasks in the order
they became ready, so each step below is deterministic.
"""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, PollAnswer, Update, User

from bot.updates import PerChatUpdateProcessor

WORKER = 100000001


def update_from(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat))


def answer_from(user_id: int, update_id: int) -> Update:
    return Update(update_id, poll_answer=PollAnswer(f"poll-{update_id}", [0], user=User(user_id, "工人", False),
                                                      option_persistent_ids=["0"]))


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



async def _started(processor: PerChatUpdateProcessor, update: Update, name: str, handled: list[str],
                   may_end: asyncio.Event | None = None) -> asyncio.Task[None]:
    """Hand the update to the processor; return once its task has run up to where it waits (for a turn)."""
    async def handle() -> None:
        handled.append(name)
        if may_end is not None:
            await may_end.wait()

    task = asyncio.create_task(processor.process_update(update, handle()))
    await asyncio.sleep(0)  # one step: the task takes a turn or queues for one
    return task


async def test_a_free_turn_goes_to_a_message_before_poll_answers_that_came_first():
    """One turn, held. Two poll answers queue, then a message: the message is handled next, then the answers in
    their order. (An answer is judged by when it arrived, so waiting costs it nothing; a press of 开始答题 must
    not queue behind a burst of answers.)"""
    processor = PerChatUpdateProcessor(max_concurrent_updates=1)
    handled: list[str] = []
    release = asyncio.Event()
    first = await _started(processor, update_from(1, 1), "busy", handled, release)
    tasks = [await _started(processor, answer_from(2, 2), "answer 2", handled),
             await _started(processor, answer_from(3, 3), "answer 3", handled),
             await _started(processor, update_from(4, 4), "press 4", handled)]
    assert processor.current_concurrent_updates == 1 and processor.waiting_updates == 3
    release.set()
    await asyncio.gather(first, *tasks)
    assert handled == ["busy", "press 4", "answer 2", "answer 3"]
    assert processor.current_concurrent_updates == 0 and processor.waiting_updates == 0


async def test_a_message_does_not_overtake_its_own_chats_answer_but_takes_it_along():
    """Within a chat the order stays: the chat's answer waiting for a turn is moved up with the message behind
    it, ahead of another chat's earlier answer."""
    processor = PerChatUpdateProcessor(max_concurrent_updates=1)
    handled: list[str] = []
    release = asyncio.Event()
    first = await _started(processor, update_from(1, 1), "busy", handled, release)
    tasks = [await _started(processor, answer_from(2, 2), "answer of 2", handled),
             await _started(processor, answer_from(WORKER, 3), "answer of worker", handled),
             await _started(processor, update_from(WORKER, 4), "press of worker", handled)]
    release.set()
    await asyncio.gather(first, *tasks)
    assert handled == ["busy", "answer of worker", "press of worker", "answer of 2"]


async def test_a_waiter_cancelled_gives_up_its_place_and_a_turn_is_never_lost():
    """A waiter cancelled in the queue leaves it; one cancelled just as it was handed the turn passes it on."""
    processor = PerChatUpdateProcessor(max_concurrent_updates=1)
    handled: list[str] = []
    release = asyncio.Event()
    first = await _started(processor, update_from(1, 1), "busy", handled, release)
    gone = await _started(processor, update_from(2, 2), "cancelled while queued", handled)
    handed = await _started(processor, update_from(3, 3), "cancelled when handed the turn", handled)
    last = await _started(processor, answer_from(4, 4), "answer 4", handled)
    gone.cancel()
    release.set()
    await asyncio.sleep(0)  # the busy update ends and hands its turn to the next waiter, which has not run yet
    handed.cancel()
    await first
    await last
    assert handled == ["busy", "answer 4"]
    assert gone.cancelled() and handed.cancelled()
    assert processor.current_concurrent_updates == 0 and processor.waiting_updates == 0


async def test_a_turn_kept_for_a_chats_press_is_passed_on_if_the_press_is_cancelled():
    """The chat's answer ends with its press waiting behind it, so it keeps the turn for the press; the press is
    cancelled (at stop) before it runs: the turn goes back, and the next waiter gets it."""
    processor = PerChatUpdateProcessor(max_concurrent_updates=1)
    handled: list[str] = []
    release = asyncio.Event()
    first = await _started(processor, answer_from(WORKER, 1), "answer of worker", handled, release)
    press = await _started(processor, update_from(WORKER, 2), "press of worker", handled)
    other = await _started(processor, answer_from(2, 3), "answer of 2", handled)
    release.set()
    await asyncio.sleep(0)  # the answer ends and keeps the turn for the press, which has not run yet
    press.cancel()
    await asyncio.gather(first, other)
    assert handled == ["answer of worker", "answer of 2"]
    assert processor.current_concurrent_updates == 0 and processor.waiting_updates == 0
