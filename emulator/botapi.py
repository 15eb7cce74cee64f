"""The Bot API methods the emulator implements, one small function each, plus the dispatcher.

Handlers take the emulator and the call's :class:`Params`, return the JSON ``result`` or raise
:class:`ApiError`. ``dispatch`` wraps every call with the call log, latency, injected faults and
the error envelope.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import validation as v
from .limits import Delay
from .params import Params, UploadedFile
from .state import CallRecord, Chat, StoredFile, StoredMessage, photo_sizes
from .validation import ApiError, bad_request

if TYPE_CHECKING:
    from .world import World

log = logging.getLogger("emulator")

Handler = Callable[["World", Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}  # lower-case name -> (canonical name, handler)

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def method(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name.lower()] = (name, fn)
        return fn

    return register


async def dispatch(emu: World, method_name: str, p: Params) -> tuple[int, dict[str, Any]]:
    """Run one Bot API call; return ``(http_status, json_body)``."""
    key = method_name.lower()
    canonical, handler = METHODS.get(key, (method_name, None))
    try:
        chat_id = p.chat_id()
    except ApiError:
        chat_id = p.str("chat_id")
    record = CallRecord(canonical, chat_id, emu.clock(), params=p.loggable())
    emu._record_call(record)
    try:
        if handler is None:
            raise ApiError(404, "Not Found")
        if emu.faults.latency_s > 0:
            await asyncio.sleep(emu.faults.latency_s)  # emulated network latency, not a sync wait
        fault = emu.faults.pick(key, chat_id if isinstance(chat_id, int) else None)
        if isinstance(fault, Delay):
            await asyncio.sleep(fault.seconds)  # an injected stall; the call then goes through
        elif fault is not None:
            raise fault
        result = await handler(emu, p)
        status, body = 200, {"ok": True, "result": result}
        record.outcome = "ok"
    except ApiError as err:
        status, body = err.status, err.to_json()
        record.outcome = err.description
    record.status = status
    log.debug("%s chat=%s -> %s", canonical, chat_id, status)
    emu._emit("call", chat_id if isinstance(chat_id, int) else None)
    return status, body


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _now() -> int:
    return int(time.time())


def _reply_to(emu: World, chat: Chat, p: Params) -> dict[str, Any] | None:
    """Resolve reply_parameters / reply_to_message_id to the quoted message."""
    params = p.json("reply_parameters") or {}
    mid = params.get("message_id") if isinstance(params, dict) else None
    allow = bool(params.get("allow_sending_without_reply")) if isinstance(params, dict) else False
    if mid is None:
        mid = p.int("reply_to_message_id")
        allow = p.bool("allow_sending_without_reply")
    if mid is None:
        return None
    target = chat.by_id.get(int(mid))
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    quoted = target.snapshot()
    quoted.pop("reply_to_message", None)
    return quoted


def _split_markup(markup: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Inline keyboards belong to the message; reply keyboards only change the user's keyboard."""
    if markup is None:
        return None, None
    if "inline_keyboard" in markup:
        return markup, None
    return None, markup


def _caption(p: Params) -> tuple[str | None, list[dict[str, Any]]]:
    caption = p.str("caption")
    if caption is None:
        return None, []
    return v.formatted_text(
        caption, p.str("parse_mode"), p.json("caption_entities"), max_chars=v.CAPTION_MAX_CHARS, caption=True
    )


def _with_text(content: dict[str, Any], key: str, text: str | None, entities: list[dict[str, Any]]) -> None:
    if text:
        content[key] = text
        if entities:
            content["caption_entities" if key == "caption" else "entities"] = entities


def _resolve_file(emu: World, p: Params, name: str) -> tuple[UploadedFile | None, StoredFile | None]:
    """A parameter naming a file: an upload, an attach:// reference or an existing file_id."""
    if name in p.files:
        return p.files[name], None
    value = p.str(name)
    return _resolve_file_ref(emu, p, value)


def _resolve_file_ref(emu: World, p: Params, value: str | None) -> tuple[UploadedFile | None, StoredFile | None]:
    if not value:
        raise bad_request("there is no file in the request")
    if value.startswith("attach://"):
        upload = p.files.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"file {value} not found in the request")
        return upload, None
    stored = emu.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return None, stored


def _photo(emu: World, upload: UploadedFile | None, stored: StoredFile | None) -> list[dict[str, Any]]:
    if upload is not None:
        return photo_sizes(emu.files, upload.data)
    assert stored is not None
    width = height = 0
    try:
        from PIL import Image

        with Image.open(io.BytesIO(stored.data)) as image:
            width, height = image.size
    except Exception:
        pass
    return [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
             "file_size": stored.size, "width": width, "height": height}]


def _document(emu: World, upload: UploadedFile | None, stored: StoredFile | None) -> dict[str, Any]:
    if upload is not None:
        stored = emu.files.add(upload.data, kind="document", file_name=upload.filename,
                               mime_type=upload.content_type or "application/octet-stream")
    assert stored is not None
    doc: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                           "file_size": stored.size}
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    return doc


def _send(emu: World, chat: Chat, method_key: str, content: dict[str, Any],
          markup: dict[str, Any] | None, reply: dict[str, Any] | None) -> dict[str, Any]:
    """Charge the flood limits, then store a bot message and return its JSON."""
    emu.limiter.check_send(method_key, chat.id, chat.type)
    inline, keyboard = _split_markup(markup)
    if reply is not None:
        content["reply_to_message"] = reply
    if inline is not None:
        content["reply_markup"] = inline
    return emu._store_bot_message(chat, content, keyboard).snapshot()


def _own_message(emu: World, chat: Chat, mid: int, missing: str) -> StoredMessage:
    stored = chat.by_id.get(mid)
    if stored is None or stored.deleted:
        raise bad_request(missing)
    if not stored.outgoing:
        raise bad_request("message can't be edited")
    return stored


def _edit_target(emu: World, p: Params) -> tuple[Chat, StoredMessage]:
    if p.has("inline_message_id") and not p.has("chat_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not emulated
    chat = emu._chat_for_call(p)
    return chat, _own_message(emu, chat, p.required_int("message_id"), "message to edit not found")


def _edit_markup(p: Params) -> dict[str, Any] | None:
    markup = v.reply_markup(p.json("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


def _apply_edit(emu: World, chat: Chat, stored: StoredMessage, changes: dict[str, Any],
                markup: dict[str, Any] | None) -> dict[str, Any]:
    data = stored.data
    current = {k: data.get(k) for k in changes}
    if current == changes and data.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value in (None, []):
            data.pop(key, None)
        else:
            data[key] = value
    if markup is None:
        data.pop("reply_markup", None)  # Telegram drops the keyboard when none is passed
    else:
        data["reply_markup"] = markup
    data["edit_date"] = _now()
    stored.version += 1
    emu._emit("edited", chat.id, stored.message_id)
    return stored.snapshot()


# --------------------------------------------------------------------------------------------
# bot identity, updates, webhook
# --------------------------------------------------------------------------------------------

@method("getMe")
async def get_me(emu: World, p: Params) -> Any:
    return dict(emu.bot_user)


@method("logOut")
async def log_out(emu: World, p: Params) -> Any:
    return True


@method("close")
async def close(emu: World, p: Params) -> Any:
    return True


@method("getUpdates")
async def get_updates(emu: World, p: Params) -> Any:
    if emu._webhook.url:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    offset = p.int("offset")
    limit = min(max(p.int("limit", 100) or 100, 1), 100)
    timeout = max(p.float("timeout", 0.0) or 0.0, 0.0)
    allowed = p.json("allowed_updates")
    if isinstance(allowed, list):
        emu.allowed_updates = [str(a) for a in allowed]
    if offset is not None:
        emu.updates.confirm(offset)
    if not emu.updates.pending and timeout > 0:
        await emu._wait_until(lambda: bool(emu.updates.pending) or emu._closing or bool(emu._webhook.url), timeout)
    return list(emu.updates.pending[:limit])


@method("setWebhook")
async def set_webhook(emu: World, p: Params) -> Any:
    url = p.str("url", "") or ""
    if not url:
        emu._set_webhook(None, None, p.bool("drop_pending_updates"), None, 40)
        return True
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme != "https" and not (scheme == "http" and emu.allow_http_webhook):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.str("secret_token")
    if secret is not None and not _SECRET_TOKEN_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = p.json("allowed_updates")
    max_connections = p.int("max_connections", 40) or 40
    emu._set_webhook(url, secret, p.bool("drop_pending_updates"),
                     [str(a) for a in allowed] if isinstance(allowed, list) else None, max_connections)
    return True


@method("deleteWebhook")
async def delete_webhook(emu: World, p: Params) -> Any:
    emu._set_webhook(None, None, p.bool("drop_pending_updates"), None, 40)
    return True


@method("getWebhookInfo")
async def get_webhook_info(emu: World, p: Params) -> Any:
    return emu.webhook


# --------------------------------------------------------------------------------------------
# sending
# --------------------------------------------------------------------------------------------

@method("sendMessage")
async def send_message(emu: World, p: Params) -> Any:
    chat = emu._chat_for_call(p)
    text, entities = v.formatted_text(p.str("text"), p.str("parse_mode"), p.json("entities"),
                                      max_chars=v.MESSAGE_TEXT_MAX_CHARS)
    markup = v.reply_markup(p.json("reply_markup"))
    reply = _reply_to(emu, chat, p)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return _send(emu, chat, "sendmessage", content, markup, reply)


@method("sendPhoto")
async def send_photo(emu: World, p: Params) -> Any:
    return _send_file(emu, p, "photo", "sendphoto", _photo)


@method("sendDocument")
async def send_document(emu: World, p: Params) -> Any:
    return _send_file(emu, p, "document", "senddocument", _document)


def _send_file(emu: World, p: Params, field: str, kind: str, build: Callable[..., Any]) -> Any:
    """sendPhoto / sendDocument: a stored file with an optional caption, keyboard and reply."""
    chat = emu._chat_for_call(p)
    caption, entities = _caption(p)
    markup = v.reply_markup(p.json("reply_markup"))
    reply = _reply_to(emu, chat, p)
    content: dict[str, Any] = {field: build(emu, *_resolve_file(emu, p, field))}
    _with_text(content, "caption", caption, entities)
    return _send(emu, chat, kind, content, markup, reply)


@method("sendMediaGroup")
async def send_media_group(emu: World, p: Params) -> Any:
    chat = emu._chat_for_call(p)
    media = p.json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the group: must be 2-10")
    kinds = {m.get("type") for m in media if isinstance(m, dict)}
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    if not kinds <= {"photo", "document"}:
        raise bad_request("only photo and document media groups are emulated")
    reply = _reply_to(emu, chat, p)
    contents = []
    for item in media:
        upload, stored = _resolve_file_ref(emu, p, item.get("media"))
        caption: str | None = None
        entities: list[dict[str, Any]] = []
        if item.get("caption") is not None:
            caption, entities = v.formatted_text(item["caption"], item.get("parse_mode"),
                                                 item.get("caption_entities"),
                                                 max_chars=v.CAPTION_MAX_CHARS, caption=True)
        if item["type"] == "photo":
            content: dict[str, Any] = {"photo": _photo(emu, upload, stored)}
        else:
            content = {"document": _document(emu, upload, stored)}
        _with_text(content, "caption", caption, entities)
        contents.append(content)
    group_id = str(emu._next_id())
    sent = []
    for content in contents:
        content["media_group_id"] = group_id
        sent.append(_send(emu, chat, "sendmediagroup", content, None, reply))
    return sent


@method("sendPoll")
async def send_poll(emu: World, p: Params) -> Any:
    chat = emu._chat_for_call(p)
    question = v.poll_question(p.str("question"))
    options = v.poll_options(p.json("options"))
    poll_type = p.str("type", "regular") or "regular"
    if poll_type not in ("regular", "quiz"):
        raise bad_request("wrong poll type specified")
    multiple = p.bool("allows_multiple_answers")
    poll: dict[str, Any] = {
        "id": str(emu._next_id()),
        "question": question,
        # Bot API 9.6: options carry a persistent_id, quizzes list correct_option_ids.
        "options": [{"text": o, "voter_count": 0, "persistent_id": str(i)} for i, o in enumerate(options)],
        "total_voter_count": 0,
        "is_closed": p.bool("is_closed"),
        "is_anonymous": p.bool("is_anonymous", True),
        "type": poll_type,
        "allows_multiple_answers": multiple,
        "allows_revoting": poll_type != "quiz",
        "members_only": False,
    }
    correct = p.json("correct_option_ids")
    if correct is None and p.has("correct_option_id"):
        correct = [p.int("correct_option_id")]
    if poll_type == "quiz":
        if (not isinstance(correct, list) or not correct
                or any(not isinstance(c, int) or not 0 <= c < len(options) for c in correct)
                or correct != sorted(set(correct))):
            raise bad_request("wrong correct option id specified")
        if len(correct) > 1 and not multiple:
            raise bad_request("quiz poll with several correct options must allow multiple answers")
        poll["correct_option_ids"] = correct
        if p.has("explanation"):
            explanation, entities = v.formatted_text(
                p.str("explanation"), p.str("explanation_parse_mode"), p.json("explanation_entities"),
                max_chars=10**6, caption=True,
            )
            if len(explanation) > v.POLL_EXPLANATION_MAX_CHARS:
                raise bad_request("explanation is too long")
            if explanation:
                poll["explanation"] = explanation
            if entities:
                poll["explanation_entities"] = entities
    elif correct is not None:
        raise bad_request("correct option ids can be specified only for quiz polls")
    for key in ("open_period", "close_date"):
        if p.int(key) is not None:
            poll[key] = p.int(key)
    markup = v.reply_markup(p.json("reply_markup"))
    reply = _reply_to(emu, chat, p)
    sent = _send(emu, chat, "sendpoll", {"poll": poll}, markup, reply)
    emu._register_poll(chat, sent["message_id"])
    return sent


@method("stopPoll")
async def stop_poll(emu: World, p: Params) -> Any:
    chat = emu._chat_for_call(p)
    stored = _own_message(emu, chat, p.required_int("message_id"), "message with poll to stop not found")
    poll = stored.data.get("poll")
    if poll is None:
        raise bad_request("message with poll to stop not found")
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    markup = _edit_markup(p)
    poll["is_closed"] = True
    if markup is not None:
        stored.data["reply_markup"] = markup
    stored.version += 1
    emu._emit("edited", chat.id, stored.message_id)
    emu._push_update("poll", dict(poll))
    return dict(poll)


@method("sendChatAction")
async def send_chat_action(emu: World, p: Params) -> Any:
    chat = emu._chat_for_call(p)
    action = p.str("action")
    if action not in v.CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    emu.chat_actions.append((chat.id, action, emu.clock()))
    return True


# --------------------------------------------------------------------------------------------
# editing and deleting
# --------------------------------------------------------------------------------------------

@method("editMessageText")
async def edit_message_text(emu: World, p: Params) -> Any:
    chat, stored = _edit_target(emu, p)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = v.formatted_text(p.str("text"), p.str("parse_mode"), p.json("entities"),
                                      max_chars=v.MESSAGE_TEXT_MAX_CHARS)
    markup = _edit_markup(p)
    return _apply_edit(emu, chat, stored, {"text": text, "entities": entities or None}, markup)


@method("editMessageCaption")
async def edit_message_caption(emu: World, p: Params) -> Any:
    chat, stored = _edit_target(emu, p)
    if "text" in stored.data or "poll" in stored.data:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _caption(p)
    markup = _edit_markup(p)
    return _apply_edit(emu, chat, stored, {"caption": caption or None, "caption_entities": entities or None}, markup)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: World, p: Params) -> Any:
    chat, stored = _edit_target(emu, p)
    return _apply_edit(emu, chat, stored, {}, _edit_markup(p))


@method("deleteMessage")
async def delete_message(emu: World, p: Params) -> Any:
    chat = emu._chat_for_call(p, sending=False)
    stored = chat.by_id.get(p.required_int("message_id"))
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    stored.deleted = True
    emu._emit("deleted", chat.id, stored.message_id)
    return True


# --------------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------------

@method("answerCallbackQuery")
async def answer_callback_query(emu: World, p: Params) -> Any:
    qid = p.required_str("callback_query_id")
    created = emu._callback_queries.get(qid)
    if created is None or qid in emu.callback_answers or emu.clock() - created > emu.callback_ttl_s:
        raise bad_request(QUERY_TOO_OLD)
    text = p.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    emu.callback_answers[qid] = {
        "text": text,
        "show_alert": p.bool("show_alert"),
        "url": p.str("url"),
        "cache_time": p.int("cache_time", 0),
    }
    emu._emit("callback_answer", emu._callback_chats.get(qid))
    emu._answer_seqs[qid] = emu.mark()
    return True


@method("answerInlineQuery")
async def answer_inline_query(emu: World, p: Params) -> Any:
    qid = p.required_str("inline_query_id")
    created = emu._inline_queries.get(qid)
    if created is None or qid in emu.inline_answers or emu.clock() - created > emu.callback_ttl_s:
        raise bad_request(QUERY_TOO_OLD)
    results = v.inline_results(p.json("results"))
    emu.inline_answers[qid] = {
        "results": results,
        "cache_time": p.int("cache_time", 300),
        "is_personal": p.bool("is_personal"),
        "next_offset": p.str("next_offset", ""),
        "button": p.json("button"),
    }
    emu._emit("inline_answer")
    return True


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------

@method("getFile")
async def get_file(emu: World, p: Params) -> Any:
    stored = emu.files.get(p.required_str("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.to_json()


# --------------------------------------------------------------------------------------------
# commands, menu button, bot profile, chats
# --------------------------------------------------------------------------------------------

def _scope_key(p: Params) -> tuple[str, str]:
    scope = p.json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.str("language_code", "") or ""


@method("setMyCommands")
async def set_my_commands(emu: World, p: Params) -> Any:
    emu.command_sets[_scope_key(p)] = v.bot_commands(p.json("commands"))
    emu._emit("commands")
    return True


@method("getMyCommands")
async def get_my_commands(emu: World, p: Params) -> Any:
    return list(emu.command_sets.get(_scope_key(p), []))


@method("deleteMyCommands")
async def delete_my_commands(emu: World, p: Params) -> Any:
    emu.command_sets.pop(_scope_key(p), None)
    emu._emit("commands")
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(emu: World, p: Params) -> Any:
    chat_id = p.chat_id()
    if chat_id is not None:
        emu._chat_for_call(p, sending=False)
    button = p.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    emu.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(emu: World, p: Params) -> Any:
    chat_id = p.chat_id()
    key = chat_id if isinstance(chat_id, int) else None
    return emu.menu_buttons.get(key) or emu.menu_buttons.get(None) or {"type": "default"}


def _profile_setter(field_name: str) -> Handler:
    async def setter(emu: World, p: Params) -> Any:
        emu.bot_settings[(field_name, p.str("language_code", "") or "")] = p.str(field_name, "") or ""
        return True

    return setter


def _profile_getter(field_name: str) -> Handler:
    async def getter(emu: World, p: Params) -> Any:
        return {field_name: emu.bot_settings.get((field_name, p.str("language_code", "") or ""), "")}

    return getter


for _field, _suffix in (("description", "Description"), ("short_description", "ShortDescription"), ("name", "Name")):
    method(f"setMy{_suffix}")(_profile_setter(_field))
    method(f"getMy{_suffix}")(_profile_getter(_field))


@method("getChat")
async def get_chat(emu: World, p: Params) -> Any:
    return emu._chat_for_call(p, sending=False).full_info()
