"""The emulator's world: users, chats, stored messages, files, pending updates and the event log."""
from __future__ import annotations

import copy
import hashlib
import io
import itertools
import mimetypes
from dataclasses import dataclass, field
from typing import Any

from .validation import bad_request

BOT_USER: dict[str, Any] = {
    "id": 1000000001,
    "is_bot": True,
    "first_name": "安康助手",
    "username": "ankang_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}


@dataclass
class User:
    """A simulated Telegram user. Its private chat id equals its user id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"

    @property
    def chat_id(self) -> int:
        return self.id

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class StoredMessage:
    """A message in a chat, from either side. ``data`` is the live Telegram Message dict."""

    data: dict[str, Any]
    outgoing: bool  # sent by the bot
    sent_seq: int  # event sequence number at which it appeared
    deleted: bool = False
    version: int = 0  # bumped on every edit
    reply_keyboard: dict[str, Any] | None = None  # a non-inline reply_markup sent along

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)


@dataclass
class Chat:
    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    user: User | None = None  # the counterpart of a private chat
    known: bool = True  # the bot may talk here (the user wrote or a test registered it)
    blocked: bool = False  # the user blocked the bot
    history: list[StoredMessage] = field(default_factory=list)
    by_id: dict[int, StoredMessage] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None  # the reply keyboard the user currently sees
    _next_message_id: int = 1

    def next_message_id(self) -> int:
        mid = self._next_message_id
        self._next_message_id += 1
        return mid

    def add(self, message: StoredMessage) -> None:
        self.history.append(message)
        self.by_id[message.message_id] = message

    def to_json(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            data = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        return {"id": self.id, "type": self.type, "title": self.title or ""}

    def full_info(self) -> dict[str, Any]:
        """ChatFullInfo as getChat returns it."""
        return {
            **self.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def to_json(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": self.size, "file_path": self.file_path}


class FileStore:
    """Bytes by file_id and by download path; identical bytes share a file_unique_id."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(self, data: bytes, *, kind: str, file_name: str | None = None,
            mime_type: str | None = None) -> StoredFile:
        n = next(self._counter)
        digest = hashlib.sha256(data).hexdigest()
        ext = _extension(file_name, mime_type, kind)
        stored = StoredFile(
            file_id=f"{_KIND_PREFIX.get(kind, 'BQAC')}{kind[:3]}{n:06d}{digest[:16]}",
            file_unique_id=f"AQAD{digest[:12]}",
            data=data,
            file_path=f"{kind}s/file_{n}{ext}",
            mime_type=mime_type,
            file_name=file_name,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


_KIND_PREFIX = {"photo": "AgAC", "document": "BQAC", "sticker": "CAAC", "voice": "AwAC"}


def _extension(file_name: str | None, mime_type: str | None, kind: str) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1][:8]
    if mime_type:
        guessed = mimetypes.guess_extension(mime_type)
        if guessed:
            return guessed
    return {"photo": ".jpg", "voice": ".oga", "sticker": ".webp"}.get(kind, "")


def photo_sizes(files: FileStore, data: bytes) -> list[dict[str, Any]]:
    """Store a photo and describe it as Telegram does: a small thumbnail plus the original."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            thumb = image.convert("RGB")
            thumb.thumbnail((90, 90))
            buf = io.BytesIO()
            thumb.save(buf, format="JPEG")
            thumb_bytes, thumb_size = buf.getvalue(), thumb.size
    except Exception as exc:  # not an image Telegram could process
        raise bad_request("IMAGE_PROCESS_FAILED") from exc
    sizes = []
    if max(width, height) > 90:
        small = files.add(thumb_bytes, kind="photo", mime_type="image/jpeg")
        sizes.append({"file_id": small.file_id, "file_unique_id": small.file_unique_id,
                      "file_size": small.size, "width": thumb_size[0], "height": thumb_size[1]})
    big = files.add(data, kind="photo", mime_type="image/jpeg")
    sizes.append({"file_id": big.file_id, "file_unique_id": big.file_unique_id,
                  "file_size": big.size, "width": width, "height": height})
    return sizes


@dataclass(frozen=True)
class Event:
    """One observable state change; waiters wake on every new event."""

    seq: int
    kind: str  # sent | edited | deleted | incoming | update | callback_answer | inline_answer | call | webhook
    chat_id: int | None = None
    message_id: int | None = None
    at: float = 0.0


@dataclass
class CallRecord:
    """One Bot API call as the emulator saw it (files replaced by a size note)."""

    method: str
    chat_id: int | str | None
    at: float
    status: int = 0  # 0 while the call is in flight
    outcome: str = "pending"  # then "ok" or the error description
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "chat_id": self.chat_id, "at": self.at,
                "status": self.status, "outcome": self.outcome}


class UpdateQueue:
    """Pending updates with Telegram's offset-confirmation semantics."""

    def __init__(self) -> None:
        self._next_id = 1
        self.pending: list[dict[str, Any]] = []

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" not in update:
            update = {"update_id": self._next_id, **update}
        self._next_id = max(self._next_id, int(update["update_id"]) + 1)
        self.pending.append(update)
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last ``-offset``."""
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def clear(self) -> None:
        self.pending.clear()


def update_type(update: dict[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")
