"""Process updates concurrently across chats but in order within one chat.

Concurrency keeps one slow update (a tip photo being re-encoded) from delaying anyone else;
per-chat order keeps a worker's replies in the order they wrote, and keeps a conversation's
steps from racing each other.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from campaigns.arrivals import Arrivals


class _ChatTurn:
    """One chat's lock and how many of its updates hold it or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """``arrivals``: the book of poll answers' receipt times; an answer leaves it once handled."""

    def __init__(self, max_concurrent_updates: int, arrivals: Arrivals | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _ChatTurn] = {}
        self._arrivals = arrivals

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        try:
            await self._in_turn(update, coroutine)
        finally:
            if self._arrivals is not None and isinstance(update, Update) and update.poll_answer is not None:
                self._arrivals.handled(update.update_id)

    async def _in_turn(self, update: object, coroutine: Awaitable) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _ChatTurn()
        # Counted, not judged by lock.locked(): a released lock looks free while the update it
        # woke has not yet run, and a new lock then would let the next update overtake that one.
        turn.users += 1
        try:
            async with turn.lock:
                await coroutine
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:  # inline queries, poll answers
        return update.effective_user.id
    return None
