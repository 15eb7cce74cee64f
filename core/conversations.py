"""Conversations a restart or a takeover loses, told to the worker on their next message (issue 14, point 5).

A conversation (a tip draft, the /schedule wizard, 问工会 …) lives in the memory of the one process
that receives updates. ``ConversationMarks`` keeps a small row per open one — the flow's name and a
keyed digest of the chat and user, nothing that was typed — written when it opens and deleted when it
ends. The process that next receives updates (the same one restarted, or a standby taking over) takes
the rows an earlier run left (``take_over``): those conversations are gone with that run's memory. It
deletes the rows at once and keeps them in memory for ``window_s``, and ``lost`` tells the bot, for a
chat and user, which flows they had open, once.

The digest is an HMAC-SHA-256 under a key derived from the bot token, over a random salt of its own
and the chat and user ids, so the table names no chat: whoever reads the database (or a backup) sees
how many conversations of each flow are open, not whose, and cannot tell two rows of one chat apart.
Why that is acceptable for tip drafts is in docs/threat-model-tips.md, "Memory, logs and the web".
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from core.db import SessionMaker
from core.models import OpenConversation

log = logging.getLogger(__name__)

# How long after a takeover a lost conversation is still told: the longest a conversation waits for
# its next step (the tip drafts' default ANKANG_TIP_DRAFT_TTL_S); later its worker would not expect it.
LOST_WINDOW_S = 1800.0


@dataclass(frozen=True, slots=True)
class _Lost:
    flow: str
    salt: bytes
    digest: str


def marks_key(bot_token: str) -> bytes:
    """The digests' key: whoever holds the bot token can read every worker's messages anyway."""
    return hashlib.sha256(b"ankang open conversations\0" + bot_token.encode()).digest()


class ConversationMarks:
    """The open conversations of this run, marked in the database; those of earlier runs, once taken over."""

    def __init__(self, sessions: SessionMaker, bot_token: str, *, bot: str,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._sessions = sessions
        self._key = marks_key(bot_token)
        self.bot = bot
        self.run = secrets.token_hex(8)
        self._monotonic = monotonic
        self._open: dict[tuple[int, int, str], int] = {}  # (chat, user, flow) → row id
        self._lost: list[_Lost] = []
        self._lost_until = 0.0

    def _digest(self, salt: bytes, chat_id: int, user_id: int) -> str:
        return hmac.new(self._key, salt + f"{chat_id}:{user_id}".encode(), hashlib.sha256).hexdigest()

    async def opened(self, chat_id: int, user_id: int, flow: str) -> None:
        """Mark ``flow`` open for this chat and user (again is a no-op). A database fault is logged, not raised:
        the conversation goes on, only its restart notice is lost."""
        if (chat_id, user_id, flow) in self._open:
            return
        salt = secrets.token_bytes(16)
        try:
            async with self._sessions() as session, session.begin():
                row_id = (await session.execute(insert(OpenConversation).values(
                    bot=self.bot, run=self.run, flow=flow, salt=salt.hex(),
                    digest=self._digest(salt, chat_id, user_id)).returning(OpenConversation.id))).scalar_one()
        except Exception as err:  # the database's message could quote the row: types only
            log.warning("could not mark a %s conversation open (%s)", flow, type(err).__name__)
            return
        self._open[(chat_id, user_id, flow)] = row_id

    async def closed(self, chat_id: int, user_id: int, flow: str) -> None:
        """The conversation ended (done, cancelled, timed out): its row goes at once."""
        row_id = self._open.pop((chat_id, user_id, flow), None)
        if row_id is None:
            return
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(delete(OpenConversation).where(OpenConversation.id == row_id))
        except Exception as err:
            # Left behind, the row is taken (and deleted) by the next run; told then, it would be untrue
            # only for a conversation that had ended — rare, and said as "may".
            log.warning("could not unmark a %s conversation (%s)", flow, type(err).__name__)

    async def take_over(self, window_s: float = LOST_WINDOW_S) -> int:
        """Take the conversations earlier runs of this bot left open: delete their rows, remember them for
        ``window_s``. Called when this process starts receiving updates; returns how many."""
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(
                delete(OpenConversation).where(OpenConversation.bot == self.bot, OpenConversation.run != self.run)
                .returning(OpenConversation.flow, OpenConversation.salt, OpenConversation.digest))).all()
        self._lost = [_Lost(flow, bytes.fromhex(salt), digest) for flow, salt, digest in rows]
        self._lost_until = self._monotonic() + window_s
        if rows:
            log.info("%d conversations open in an earlier run are lost; their workers are told", len(rows))
        return len(rows)

    def lost(self, chat_id: int, user_id: int) -> list[str]:
        """The flows this chat and user had open in an earlier run, told once (then forgotten)."""
        if not self._lost:
            return []
        if self._monotonic() > self._lost_until:
            self._lost = []
            return []
        mine = [entry for entry in self._lost
                if hmac.compare_digest(self._digest(entry.salt, chat_id, user_id), entry.digest)]
        if mine:
            self._lost = [entry for entry in self._lost if entry not in mine]
        return [entry.flow for entry in mine]

    @property
    def open_count(self) -> int:
        return len(self._open)


async def open_rows(sessions: SessionMaker) -> list[tuple[str, str]]:
    """(run, flow) of every marked conversation: for tests and /healthz-like checks."""
    async with sessions() as session:
        return [(r, f) for r, f in (await session.execute(select(OpenConversation.run, OpenConversation.flow))).all()]
