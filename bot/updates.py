"""Process updates concurrently across chats but in order within one chat, presses and messages first.

Concurrency keeps one slow update (a tip photo being re-encoded) from delaying anyone else;
per-chat order keeps a worker's replies in the order they wrote, and keeps a conversation's
steps from racing each other.

A busy bot has more updates than turns (``max_concurrent_updates``). A free turn goes to a press, a
message or a command before a poll answer: an attempt's start (a press of 开始答题) must not queue behind a
burst of answers, and an answer loses nothing by waiting, since it is judged by when it arrived
(``campaigns.arrivals``), not by when its turn came. Within a chat the order stays the arrival order: an
update first waits for its chat's earlier updates and only then for a turn, so a turn is never held by an
update blocked behind its own chat; and a chat whose queue holds a press asks for its turns at the press's
priority and passes a turn on to its next update, so the press never waits behind the chat's own answers at
the low one.
"""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from campaigns.arrivals import Arrivals
from core.turns import Turns


class _ChatTurn:
    """One chat's lock, how many of its updates hold it or wait for it, how many of those are urgent, the turn
    its holder waits for (if it does), and whether a turn is kept for its next update."""

    __slots__ = ("kept", "lock", "urgent", "users", "waiter")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0
        self.urgent = 0
        self.waiter: asyncio.Future[None] | None = None
        self.kept = False  # a turn passed on to the chat's next update


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """``arrivals``: the book of poll answers' receipt times; an answer leaves it once handled."""

    def __init__(self, max_concurrent_updates: int, arrivals: Arrivals | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _ChatTurn] = {}
        self._arrivals = arrivals
        # Updates waiting for a turn: urgent ones (presses, messages), then the rest (poll answers).
        self._slots = Turns(max_concurrent_updates)

    @property
    def current_concurrent_updates(self) -> int:
        return self.max_concurrent_updates - self._slots.free

    @property
    def waiting_updates(self) -> int:
        """How many updates wait for a turn (not counting those waiting for their chat's earlier ones)."""
        return self._slots.waiting

    # PTB's process_update takes a turn of its semaphore, which knows no priority; this one replaces it (the
    # Application calls it for every update, as it calls PTB's).
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        try:
            await self._in_turn(update, coroutine)
        finally:
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # cancelled before its turn (at stop): never to run
            if self._arrivals is not None and isinstance(update, Update) and update.poll_answer is not None:
                self._arrivals.handled(update.update_id)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.process_update(update, coroutine)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        urgent = _urgent(update)
        key = _chat_key(update)
        if key is None:
            await self._take(None, urgent)
            try:
                await coroutine
            finally:
                self._release()
            return
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _ChatTurn()
        # Counted, not judged by lock.locked(): a released lock looks free while the update it
        # woke has not yet run, and a new lock then would let the next update overtake that one.
        turn.users += 1
        if urgent:
            turn.urgent += 1
            if turn.waiter is not None:
                self._slots.promote(turn.waiter)  # the chat's update ahead of this press waits: move it up
        try:
            async with turn.lock:
                if turn.kept:
                    turn.kept = False
                else:
                    await self._take(turn, urgent or turn.urgent > 0)
                try:
                    await coroutine
                finally:
                    if turn.urgent > int(urgent):
                        turn.kept = True  # a press of this chat waits behind: the turn passes to the chat's next
                    else:
                        self._release()
        finally:
            turn.users -= 1
            if urgent:
                turn.urgent -= 1
            if turn.users == 0:
                del self._turns[key]
                if turn.kept:  # the chat's next update was cancelled while it waited
                    self._release()

    async def _take(self, turn: _ChatTurn | None, urgent: bool) -> None:
        """Wait for a turn; while it waits, the chat's ``turn`` knows its waiter (a press behind it moves it up)."""
        if turn is None:
            await self._slots.take(urgent)
            return

        def queued(waiter: asyncio.Future[None]) -> None:
            turn.waiter = waiter

        try:
            await self._slots.take(urgent, queued)
        finally:
            turn.waiter = None

    def _release(self) -> None:
        self._slots.release()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _urgent(update: object) -> bool:
    """Everything but a poll answer: a press, a message, a command, a member change."""
    return not (isinstance(update, Update) and update.poll_answer is not None)


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:  # inline queries, poll answers
        return update.effective_user.id
    return None
