"""The emulated Telegram: users, chats, messages, files, pending updates, and the Python API.

A ``World`` holds what Telegram knows and the event log that waiters wake on; tests, the demo and
the HTTP handlers (``botapi``, ``control``) act on it. It does no networking: ``Emulator`` (in
``emulator.py``) serves it over HTTP and delivers webhooks. Everything runs on the caller's event
loop; nothing sleeps to synchronise.
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .limits import Clock, FaultInjector, RateLimiter, RateLimits, Stats
from .state import (
    BOT_USER,
    CallRecord,
    Chat,
    Event,
    FileStore,
    StoredMessage,
    UpdateQueue,
    User,
    photo_sizes,
    update_type,
)
from .validation import bad_request, blocked, utf16_len

T = TypeVar("T")
ChatRef = User | Chat | int
MessageRef = dict[str, Any] | int
Predicate = Callable[[dict[str, Any]], bool]

CALLBACK_TTL_S = 15.0
# How long a test waits for the bot by default. Waits end as soon as what they wait for arrives, so
# a generous bound costs passing tests nothing; 5 s was seen to run out on a machine loaded by
# benchmarks beside the suite.
WAIT_TIMEOUT_S = 15.0
WEBHOOK_RETRY_DELAYS_S = (0.05, 0.2, 0.5, 1.0, 2.0, 5.0)
EVENT_LOG_MAX = 5000
CALL_LOG_MAX = 20000
# Update kinds Telegram only sends when listed explicitly in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"(?:(?<=\s)|^)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_URL_RE = re.compile(r"https?://[^\s<>\"']+")


class EmulatorTimeout(TimeoutError, AssertionError):
    """A wait ran out; the message shows what the bot did recently to help debugging."""


@dataclass
class WebhookState:
    url: str | None = None
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    generation: int = 0  # bumped on every change so the delivery loop notices


@dataclass
class PollState:
    chat_id: int
    message_id: int
    poll: dict[str, Any]  # the live dict inside the bot's message
    votes: dict[int, list[int]] = field(default_factory=dict)
    # When it closes by itself (open_period, close_date), on the world's clock; None: only stopPoll closes it.
    closes_at: float | None = None


def buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline keyboard of a message as rows of button dicts (empty when none)."""
    markup = message.get("reply_markup") or {}
    return [list(row) for row in markup.get("inline_keyboard", [])]


def button_texts(message: dict[str, Any]) -> list[list[str]]:
    return [[b["text"] for b in row] for row in buttons(message)]


class Expectation:
    """Collects what the bot does in one chat after a mark; see :meth:`World.expect`."""

    def __init__(self, emu: World, chat_id: int, count: int, edits: int,
                 predicate: Predicate | None, timeout: float) -> None:
        self._emu = emu
        self.chat_id = chat_id
        self.count = count
        self.edits = edits
        self.predicate = predicate
        self.timeout = timeout
        self.since = emu.mark()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """New bot messages in the chat since the mark (current content, deleted ones left out)."""
        found = self._emu.new_messages(self.chat_id, self.since)
        return [m for m in found if self.predicate is None or self.predicate(m)]

    @property
    def message(self) -> dict[str, Any]:
        found = self.messages
        if not found:
            raise AssertionError(f"the bot sent nothing to chat {self.chat_id}")
        return found[0]

    @property
    def edited(self) -> list[dict[str, Any]]:
        """Messages (of any age) edited since the mark, in their current state."""
        return [m.snapshot() for m in self._edited()]

    def _edited(self) -> list[StoredMessage]:
        ids: list[int] = []
        for event in self._emu._events_since(self.since):
            if event.kind == "edited" and event.chat_id == self.chat_id and event.message_id not in ids:
                ids.append(event.message_id)  # type: ignore[arg-type]
        chat = self._emu.chats[self.chat_id]
        return [chat.by_id[i] for i in ids if not chat.by_id[i].deleted]

    def _arrived(self, want_msgs: int, want_edits: int) -> bool:
        """``wait``'s condition, re-checked on every emulator event: counted on the stored messages, not copies."""
        found = self._emu._new_stored(self.chat_id, self.since)
        return (sum(1 for m in found if self.predicate is None or self.predicate(m.data)) >= want_msgs
                and (want_edits <= 0 or len(self._edited()) >= want_edits))

    async def wait(self, count: int | None = None, edits: int | None = None,
                   timeout: float | None = None) -> Expectation:
        want_msgs = self.count if count is None else count
        want_edits = self.edits if edits is None else edits
        await self._emu.wait_for(
            lambda: self._arrived(want_msgs, want_edits),
            self.timeout if timeout is None else timeout,
            what=f"{want_msgs} new message(s) and {want_edits} edit(s) in chat {self.chat_id}",
            chat_id=self.chat_id,
        )
        return self

    async def __aenter__(self) -> Expectation:
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            await self.wait()


class World:
    """Telegram as the bot and its users see it, and the Python API to play the users.

    ``Emulator`` is the one to use: this world served over HTTP. See emulator/README.md.
    """

    def __init__(
        self,
        *,
        rate_limits: RateLimits | None = None,
        clock: Clock = time.monotonic,
        callback_ttl_s: float = CALLBACK_TTL_S,
        webhook_retry_delays_s: Sequence[float] = WEBHOOK_RETRY_DELAYS_S,
        allow_http_webhook: bool = True,
    ) -> None:
        self.clock = clock
        self.callback_ttl_s = callback_ttl_s
        self.webhook_retry_delays_s = tuple(webhook_retry_delays_s)
        self.allow_http_webhook = allow_http_webhook
        self.bot_user: dict[str, Any] = dict(BOT_USER)
        self.stats = Stats()
        self.limiter = RateLimiter(rate_limits or RateLimits.telegram(), self.stats, clock)
        self.faults = FaultInjector(self.stats)
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.allowed_updates: list[str] = []
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.calls: list[CallRecord] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, PollState] = {}
        self.command_sets: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_settings: dict[tuple[str, str], str] = {}
        self.chat_actions: list[tuple[int, str, float]] = []
        self.url = ""  # where the world is served (set by Emulator.start)
        self._webhook = WebhookState()
        self._callback_queries: dict[str, float] = {}  # query id -> creation time
        self._callback_chats: dict[str, int] = {}  # query id -> chat of the pressed message
        self._answer_seqs: dict[str, int] = {}  # query id -> event seq of its answer
        self._inline_queries: dict[str, float] = {}
        self._events: list[Event] = []
        self._seq = 0
        self._changed = asyncio.Event()
        self._closing = False  # long polls and waits without a timeout end when set
        self._user_ids = itertools.count(100000001)
        self._group_ids = itertools.count(1)
        self._ids = itertools.count(5000000000000000001)

    # ------------------------------------------------------------------ configuration

    def set_rate_limits(self, limits: RateLimits) -> None:
        self.limiter.configure(limits)

    @property
    def rate_limits(self) -> RateLimits:
        return self.limiter.limits

    def fail_next(self, count: int = 1, kind: str = "retry_after", **kwargs: Any) -> None:
        """Make the next ``count`` matching calls fail; see ``FaultInjector.fail_next``."""
        self.faults.fail_next(count, kind, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ users and chats

    def user(self, first_name: str = "测试用户", *, username: str | None = None,
             last_name: str | None = None, language_code: str | None = "zh-hans",
             id: int | None = None, known: bool = True) -> User:
        """Create a user and its private chat; ``known=False`` means the bot may not write yet."""
        uid = id if id is not None else next(self._user_ids)
        user = User(uid, first_name, last_name, username, language_code)
        self.users[uid] = user
        self.chats[uid] = Chat(uid, "private", user=user, known=known)
        self._emit("user", uid)
        return user

    def group(self, title: str = "班组群", *, supergroup: bool = False) -> Chat:
        gid = -next(self._group_ids) - (1000000000000 if supergroup else 0)
        chat = Chat(gid, "supergroup" if supergroup else "group", title=title)
        self.chats[gid] = chat
        return chat

    def chat(self, ref: ChatRef) -> Chat:
        chat_id = self._chat_id(ref)
        try:
            return self.chats[chat_id]
        except KeyError:
            raise LookupError(f"no chat {chat_id} in the emulator") from None

    @staticmethod
    def _chat_id(ref: ChatRef) -> int:
        if isinstance(ref, (User, Chat)):
            return ref.id
        return int(ref)

    def _user(self, ref: User | int) -> User:
        return ref if isinstance(ref, User) else self.users[int(ref)]

    # ------------------------------------------------------------------ injecting user actions

    async def send_text(self, user: User | int, text: str, *, chat: ChatRef | None = None,
                        reply_to: MessageRef | None = None,
                        entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The user sends text; commands and URLs get entities. Return the user's message."""
        content: dict[str, Any] = {"text": text}
        found = entities if entities is not None else _auto_entities(text)
        if found:
            content["entities"] = found
        return self._incoming(self._user(user), content, chat, reply_to)

    async def ask(self, user: User | int, text: str, *, timeout: float = WAIT_TIMEOUT_S) -> dict[str, Any]:
        """Send text and return the bot's first message in reply to it."""
        sent = await self.send_text(user, text)
        return await self.wait_for_message(sent["chat"]["id"], after=sent, timeout=timeout)

    async def send_photo(self, user: User | int, data: bytes, caption: str | None = None, *,
                         chat: ChatRef | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"photo": photo_sizes(self.files, data)}
        if caption:
            content["caption"] = caption
        return self._incoming(self._user(user), content, chat)

    async def send_document(self, user: User | int, data: bytes, filename: str = "file.bin",
                            mime_type: str = "application/octet-stream", caption: str | None = None,
                            *, chat: ChatRef | None = None) -> dict[str, Any]:
        stored = self.files.add(data, kind="document", file_name=filename, mime_type=mime_type)
        content: dict[str, Any] = {"document": {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_name": filename, "mime_type": mime_type, "file_size": stored.size,
        }}
        if caption:
            content["caption"] = caption
        return self._incoming(self._user(user), content, chat)

    async def send_sticker(self, user: User | int, emoji: str = "👍", *,
                           chat: ChatRef | None = None) -> dict[str, Any]:
        stored = self.files.add(b"RIFF\x00\x00\x00\x00WEBPVP8 ", kind="sticker", mime_type="image/webp")
        content = {"sticker": {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
            "file_size": stored.size,
        }}
        return self._incoming(self._user(user), content, chat)

    async def send_voice(self, user: User | int, data: bytes = b"OggS\x00fake-voice", duration: int = 2,
                         *, chat: ChatRef | None = None) -> dict[str, Any]:
        stored = self.files.add(data, kind="voice", mime_type="audio/ogg")
        content = {"voice": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                             "duration": duration, "mime_type": "audio/ogg", "file_size": stored.size}}
        return self._incoming(self._user(user), content, chat)

    async def send_location(self, user: User | int, latitude: float, longitude: float, *,
                            chat: ChatRef | None = None) -> dict[str, Any]:
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._incoming(self._user(user), content, chat)

    async def press(self, user: User | int, message: MessageRef, button: str | None = None, *,
                    data: str | None = None, chat: ChatRef | None = None) -> str:
        """Press an inline button (by text or callback_data) of a bot message; return the query id.

        With ``data=`` the callback data is forged and the keyboard is not consulted, which is how
        tests send stale or malicious callback data.
        """
        who = self._user(user)
        target_chat = self.chat(chat if chat is not None else who)
        mid = message if isinstance(message, int) else int(message["message_id"])
        stored = target_chat.by_id.get(mid)
        if stored is None or stored.deleted:
            raise LookupError(f"message {mid} does not exist (or was deleted) in chat {target_chat.id}")
        if data is None:
            if button is None:
                raise ValueError("press() needs a button text/callback_data or data=")
            data = self._find_callback(stored, button)
        qid = str(self._next_id())
        self._callback_queries[qid] = self.clock()
        self._callback_chats[qid] = target_chat.id
        query = {
            "id": qid,
            "from": who.to_json(),
            "message": stored.snapshot(),
            "chat_instance": f"ci{abs(target_chat.id)}",
            "data": data,
        }
        self._push_update("callback_query", query)
        return qid

    async def press_inline(self, user: User | int, data: str, *, inline_message_id: str = "AAAAinline") -> str:
        """The user presses a button under a message sent through inline mode (into another chat):
        the callback query carries ``inline_message_id`` and no ``message``. Return the query id."""
        who = self._user(user)
        qid = str(self._next_id())
        self._callback_queries[qid] = self.clock()
        self._push_update("callback_query", {
            "id": qid, "from": who.to_json(), "inline_message_id": inline_message_id,
            "chat_instance": f"ci-inline{who.id}", "data": data,
        })
        return qid

    @staticmethod
    def _find_callback(stored: StoredMessage, button: str) -> str:
        rows = buttons(stored.data)
        for row in rows:
            for b in row:
                if b.get("text") == button or b.get("callback_data") == button:
                    if "callback_data" not in b:
                        raise ValueError(f"button {button!r} sends no callback query: {b}")
                    return str(b["callback_data"])
        raise LookupError(f"no button {button!r} on message {stored.message_id}; "
                          f"buttons: {button_texts(stored.data)}")

    async def answer_poll(self, user: User | int, poll_id: str, option_ids: Iterable[int]) -> None:
        """The user votes. Telegram sends ``poll`` (new counts) and, if not anonymous, ``poll_answer``."""
        who = self._user(user)
        state = self.polls.get(str(poll_id))
        if state is None:
            raise LookupError(f"no poll {poll_id}")
        poll = state.poll
        options = list(option_ids)
        if state.closes_at is not None and self.clock() >= state.closes_at:
            self._close_poll(state)  # its open period is over: Telegram takes no more votes
        if poll["is_closed"]:
            raise ValueError("the poll is closed")
        if len(options) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("the poll allows only one answer")
        if any(not 0 <= o < len(poll["options"]) for o in options):
            raise ValueError(f"option ids out of range: {options}")
        if poll["type"] == "quiz" and who.id in state.votes:
            raise ValueError("quiz answers cannot be changed")
        if options:
            state.votes[who.id] = options
        else:
            state.votes.pop(who.id, None)  # retracting a vote
        for i, option in enumerate(poll["options"]):
            option["voter_count"] = sum(i in v for v in state.votes.values())
        poll["total_voter_count"] = len(state.votes)
        self._emit("poll", state.chat_id, state.message_id)
        self._push_update("poll", copy.deepcopy(poll))
        if not poll["is_anonymous"]:
            self._push_update("poll_answer", {
                "poll_id": poll["id"], "user": who.to_json(), "option_ids": options,
                "option_persistent_ids": [poll["options"][o]["persistent_id"] for o in options],
            })

    async def inline_query(self, user: User | int, query: str, *, offset: str = "",
                           chat_type: str = "sender") -> str:
        """The user types ``@ankang_bot query``; return the inline query id."""
        qid = str(self._next_id())
        self._inline_queries[qid] = self.clock()
        self._push_update("inline_query", {"id": qid, "from": self._user(user).to_json(),
                                           "query": query, "offset": offset, "chat_type": chat_type})
        return qid

    async def block(self, user: User | int) -> None:
        """The user blocks the bot: a ``my_chat_member`` update, then every send gets 403."""
        self._set_blocked(self.chat(self._user(user)), True)

    async def unblock(self, user: User | int) -> None:
        self._set_blocked(self.chat(self._user(user)), False)

    async def send_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an arbitrary update (``update_id`` is assigned when missing)."""
        return self._push_update(None, update) or {}

    # ------------------------------------------------------------------ observing

    def messages(self, chat: ChatRef, *, include_deleted: bool = False,
                 include_user: bool = False) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, in order, with their current content."""
        found = self._chat_or_none(chat)
        if found is None:
            return []
        return [m.snapshot() for m in found.history
                if (include_user or m.outgoing) and (include_deleted or not m.deleted)]

    def last_message(self, chat: ChatRef) -> dict[str, Any] | None:
        sent = self.messages(chat)
        return sent[-1] if sent else None

    def message(self, chat: ChatRef, message_id: int) -> StoredMessage:
        """The stored message with its bookkeeping (``deleted``, ``version``)."""
        return self.chat(chat).by_id[message_id]

    def reply_keyboard(self, chat: ChatRef) -> dict[str, Any] | None:
        """The reply keyboard (not inline) the user currently sees, if any."""
        return self.chat(chat).reply_keyboard

    def mark(self) -> int:
        """A point in the event log; pass it to ``new_messages``/``wait_for_message(after=...)``."""
        return self._seq

    def new_messages(self, chat: ChatRef, since: int) -> list[dict[str, Any]]:
        return [m.snapshot() for m in self._new_stored(chat, since)]

    def has_new_messages(self, chat: ChatRef, since: int) -> bool:
        """Whether ``new_messages`` would find one (no copies: a ``wait_for`` condition runs on every event)."""
        return bool(self._new_stored(chat, since))

    def _new_stored(self, chat: ChatRef, since: int) -> list[StoredMessage]:
        """The chat's bot messages (deleted ones left out) after the mark ``since``, oldest first.

        A chat's history is in the order its messages appeared, so their ``sent_seq`` never decreases
        along it: read from the end, up to the mark, not the whole history on every event (a long
        conversation waited on by many lanes, as the fuzz does, made that quadratic)."""
        found = self._chat_or_none(chat)
        if found is None:
            return []
        new: list[StoredMessage] = []
        for m in reversed(found.history):
            if m.sent_seq <= since:
                break
            if m.outgoing and not m.deleted:
                new.append(m)
        new.reverse()
        return new

    async def wait_for_message(self, chat: ChatRef, predicate: Predicate | None = None, *,
                               timeout: float = WAIT_TIMEOUT_S, after: MessageRef | None = None,
                               since: int | None = None) -> dict[str, Any]:
        """Wait for a bot message in ``chat`` and return it.

        By default only messages sent after this call count. ``after=`` a message (or message id)
        counts every later bot message, even one already sent, which makes "the reply to what I
        just sent" race-free; ``since=`` takes a :meth:`mark`.
        """
        chat_id = self._chat_id(chat)
        mark = self.mark() if since is None else since
        after_id = None if after is None else (after if isinstance(after, int) else int(after["message_id"]))

        def found() -> dict[str, Any] | None:
            target = self.chats.get(chat_id)
            if target is None:
                return None
            for m in target.history:
                if not m.outgoing or m.deleted:
                    continue
                newer = (m.message_id > after_id) if after_id is not None else (m.sent_seq > mark)
                if newer and (predicate is None or predicate(m.data)):
                    return m.snapshot()
            return None

        message = await self.wait_for(found, timeout, what=f"a bot message in chat {chat_id}", chat_id=chat_id)
        assert message is not None  # wait_for returns only once found() is truthy
        return message

    def expect(self, chat: ChatRef, count: int = 1, *, edits: int = 0, timeout: float = WAIT_TIMEOUT_S,
               predicate: Predicate | None = None) -> Expectation:
        """``async with emu.expect(alice) as got: ...`` waits on exit for the bot's reaction.

        On leaving the block it waits until ``count`` new messages (and ``edits`` edited ones)
        appeared in the chat since entering; then ``got.message``/``got.messages``/``got.edited``.
        """
        return Expectation(self, self._chat_id(chat), count, edits, predicate, timeout)

    async def wait_for(self, condition: Callable[[], T], timeout: float = WAIT_TIMEOUT_S, *, what: str | None = None,
                       chat_id: int | None = None) -> T:
        """Wait until ``condition()`` is truthy (re-checked on every emulator event); return it."""
        if await self._wait_until(condition, timeout):
            return condition()
        raise EmulatorTimeout(self._timeout_report(what or "condition", timeout, chat_id))

    @property
    def commands(self) -> list[dict[str, str]]:
        """Commands set with setMyCommands for the default scope and no language."""
        return self.commands_for()

    def commands_for(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return list(self.command_sets.get((key, language_code), []))

    @property
    def webhook(self) -> dict[str, Any]:
        """WebhookInfo as getWebhookInfo returns it."""
        info: dict[str, Any] = {
            "url": self._webhook.url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }
        if self._webhook.url:
            info["max_connections"] = self._webhook.max_connections
            if self._webhook.allowed_updates is not None:
                info["allowed_updates"] = list(self._webhook.allowed_updates)
        if self._webhook.last_error_date is not None:
            info["last_error_date"] = self._webhook.last_error_date
            info["last_error_message"] = self._webhook.last_error_message
        return info

    @property
    def errors(self) -> list[CallRecord]:
        """Calls that got an error response."""
        return [c for c in self.calls if c.status not in (0, 200)]

    def calls_to(self, method: str) -> list[CallRecord]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    # ------------------------------------------------------------------ internals used by botapi

    def _chat_or_none(self, ref: ChatRef) -> Chat | None:
        return self.chats.get(self._chat_id(ref))

    def _chat_for_call(self, p: Any, *, sending: bool = True) -> Chat:
        """Resolve ``chat_id``: 400 chat not found, 403 when the user blocked the bot."""
        chat_id = p.chat_id()
        if chat_id is None:
            raise bad_request("chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.known:
            raise bad_request("chat not found")
        if sending and chat.blocked:
            raise blocked()
        return chat

    def _store_bot_message(self, chat: Chat, content: dict[str, Any],
                           reply_keyboard: dict[str, Any] | None) -> StoredMessage:
        data = {"message_id": chat.next_message_id(), "from": self._bot_as_sender(),
                "chat": chat.to_json(), "date": int(time.time()), **content}
        stored = StoredMessage(data, outgoing=True, sent_seq=self._seq + 1, reply_keyboard=reply_keyboard)
        if reply_keyboard is not None:
            chat.reply_keyboard = None if reply_keyboard.get("remove_keyboard") else (
                reply_keyboard if "keyboard" in reply_keyboard else chat.reply_keyboard)
        chat.add(stored)
        self._emit("sent", chat.id, stored.message_id)
        return stored

    def _bot_as_sender(self) -> dict[str, Any]:
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    def _register_poll(self, chat: Chat, message_id: int) -> None:
        poll = chat.by_id[message_id].data["poll"]
        closes_at = None
        if poll.get("open_period") is not None:
            closes_at = self.clock() + poll["open_period"]
        elif poll.get("close_date") is not None:
            closes_at = self.clock() + max(0, poll["close_date"] - time.time())
        self.polls[poll["id"]] = PollState(chat.id, message_id, poll, closes_at=closes_at)

    def _close_poll(self, state: PollState) -> None:
        """Telegram closes a poll whose time is up: it is marked closed and a ``poll`` update says so."""
        if state.poll["is_closed"]:
            return
        state.poll["is_closed"] = True
        self._emit("poll", state.chat_id, state.message_id)
        self._push_update("poll", copy.deepcopy(state.poll))

    def close_due_polls(self) -> list[str]:
        """Close every poll whose ``open_period`` or ``close_date`` has passed on the world's clock; their ids.
        Telegram does this by itself; here it happens on this call or on the next vote."""
        closed = []
        for poll_id, state in self.polls.items():
            if state.closes_at is not None and not state.poll["is_closed"] and self.clock() >= state.closes_at:
                self._close_poll(state)
                closed.append(poll_id)
        return closed

    def expire_poll(self, poll_id: str) -> None:
        """Let a poll's open period run out now (tests whose bot runs on a virtual clock)."""
        state = self.polls.get(str(poll_id))
        if state is None:
            raise LookupError(f"no poll {poll_id}")
        state.closes_at = self.clock()
        self._close_poll(state)

    def _incoming(self, user: User, content: dict[str, Any], chat_ref: ChatRef | None,
                  reply_to: MessageRef | None = None) -> dict[str, Any]:
        chat = self.chat(chat_ref if chat_ref is not None else user)
        if chat.type == "private" and chat.blocked:
            self._set_blocked(chat, False)  # writing to a blocked bot means pressing "Restart"
        chat.known = True
        data: dict[str, Any] = {"message_id": chat.next_message_id(), "from": user.to_json(),
                                "chat": chat.to_json(), "date": int(time.time()), **content}
        if reply_to is not None:
            rid = reply_to if isinstance(reply_to, int) else int(reply_to["message_id"])
            quoted = chat.by_id[rid].snapshot()
            quoted.pop("reply_to_message", None)
            data["reply_to_message"] = quoted
        stored = StoredMessage(data, outgoing=False, sent_seq=self._seq + 1)
        chat.add(stored)
        self._emit("incoming", chat.id, stored.message_id)
        self._push_update("message", stored.snapshot())
        return stored.snapshot()

    def _set_blocked(self, chat: Chat, value: bool) -> None:
        if chat.blocked == value or chat.user is None:
            return
        chat.blocked = value
        bot = self._bot_as_sender()
        old: dict[str, Any] = {"status": "member", "user": bot}
        new: dict[str, Any] = {"status": "kicked", "user": bot, "until_date": 0}
        if not value:
            old, new = new, old
        self._push_update("my_chat_member", {
            "chat": chat.to_json(), "from": chat.user.to_json(), "date": int(time.time()),
            "old_chat_member": old, "new_chat_member": new,
        })

    def _push_update(self, kind: str | None, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update unless allowed_updates filters its kind out."""
        update = {kind: payload} if kind is not None else dict(payload)
        kind = update_type(update)
        allowed = self._webhook.allowed_updates if self._webhook.url and self._webhook.allowed_updates \
            else self.allowed_updates
        if allowed and kind not in allowed:
            return None
        if not allowed and kind in OPT_IN_UPDATES:
            return None
        pushed = self.updates.push(update)
        self.stats.updates_created += 1
        self._emit("update")
        return pushed

    def _set_webhook(self, url: str | None, secret: str | None, drop_pending: bool,
                     allowed: list[str] | None, max_connections: int) -> None:
        if drop_pending:
            self.updates.clear()
        self._webhook = WebhookState(url, secret, allowed, max_connections,
                                     generation=self._webhook.generation + 1)
        self._emit("webhook")

    def _record_call(self, record: CallRecord) -> None:
        self.calls.append(record)
        self.stats.calls[record.method] += 1
        if len(self.calls) > CALL_LOG_MAX:
            del self.calls[: len(self.calls) - CALL_LOG_MAX]
        self._emit("call", record.chat_id if isinstance(record.chat_id, int) else None)

    def _next_id(self) -> int:
        return next(self._ids)

    def _emit(self, kind: str, chat_id: int | None = None, message_id: int | None = None) -> None:
        self._seq += 1
        self._events.append(Event(self._seq, kind, chat_id, message_id, self.clock()))
        if len(self._events) > EVENT_LOG_MAX:
            del self._events[: len(self._events) - EVENT_LOG_MAX]
        self._wake()

    def _wake(self) -> None:
        # Swap in a fresh Event so every current waiter wakes exactly once.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def events_since(self, seq: int) -> list[Event]:
        """Every observable change after the :meth:`mark` ``seq`` (the demo prints from these)."""
        return self._events_since(seq)

    def _events_since(self, seq: int) -> list[Event]:
        return [e for e in self._events if e.seq > seq]

    async def _wait_until(self, condition: Callable[[], object], timeout: float | None) -> bool:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not condition():
            if self._closing and timeout is None:
                return False
            changed = self._changed
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return bool(condition())
        return True

    def _timeout_report(self, what: str, timeout: float, chat_id: int | None) -> str:
        lines = [f"timed out after {timeout}s waiting for {what}"]
        if chat_id is not None and chat_id in self.chats:
            recent = self.chats[chat_id].history[-5:]
            lines.append("last messages in the chat (>> bot, << user):")
            for m in recent:
                body = m.data.get("text") or m.data.get("caption") or next(
                    (k for k in ("photo", "document", "poll", "sticker", "voice", "location") if k in m.data), "?")
                arrow, deleted = (">>" if m.outgoing else "<<"), (" (deleted)" if m.deleted else "")
                lines.append(f"  {arrow} #{m.message_id}{deleted}: {body!r}"[:300])
        failed = self.errors[-5:]
        if failed:
            lines.append("recent failed Bot API calls:")
            lines.extend(f"  {c.method} chat={c.chat_id}: {c.status} {c.outcome}" for c in failed)
        if self.updates.pending:
            lines.append(f"{len(self.updates.pending)} update(s) still pending (is the bot polling?)")
        return "\n".join(lines)


def _auto_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram's client adds to a user's text: bot commands and URLs."""
    entities: list[dict[str, Any]] = []
    for match, kind in [(m, "bot_command") for m in _COMMAND_RE.finditer(text)] + \
                       [(m, "url") for m in _URL_RE.finditer(text)]:
        entities.append({"type": kind, "offset": utf16_len(text[: match.start()]),
                         "length": utf16_len(match.group(0))})
    entities.sort(key=lambda e: e["offset"])
    return entities


__all__ = ["EmulatorTimeout", "Expectation", "World", "buttons", "button_texts"]
