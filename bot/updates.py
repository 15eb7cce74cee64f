"""Process updates concurrently across chats but in order within one chat.

Concurrency keeps one slow update (a tip photo being re-encoded) from delaying anyone else;
per-chat order keeps a worker's replies in the order they wrote, and keeps a conversation's
steps from racing each other.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked():
                self._locks.pop(key, None)

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
