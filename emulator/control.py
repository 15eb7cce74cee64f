"""The HTTP control API under ``/_emulator/``: the Python API as JSON, for people and browsers.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}`` with a
4xx status. CORS is open because the browser chat page is served from another port.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .limits import FAULT_KINDS, RateLimits
from .params import Params, read_params
from .typedefs import EMULATOR_KEY
from .validation import ApiError
from .world import World

PREFIX = "/_emulator"
LONG_POLL_MAX_S = 60.0
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result}, headers=CORS_HEADERS,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _fail(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status, headers=CORS_HEADERS,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _guard(handler: Handler) -> Handler:
    """Translate emulator exceptions into JSON errors."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as err:
            return _fail(err.status, err.description)
        except LookupError as err:
            return _fail(404, str(err.args[0]) if err.args else "not found")
        except (ValueError, TypeError) as err:
            return _fail(400, str(err))

    return wrapped


def _emu(request: web.Request) -> World:
    return request.app[EMULATOR_KEY]


def _user_json(emu: World, uid: int) -> dict[str, Any]:
    user = emu.users[uid]
    chat = emu.chats[uid]
    return {**user.to_json(), "chat_id": chat.id, "blocked": chat.blocked, "known": chat.known}


def _uid(request: web.Request) -> int:
    uid = int(request.match_info["user_id"])
    if uid not in _emu(request).users:
        raise LookupError(f"no user {uid}")
    return uid


def _bytes_param(p: Params, field: str) -> tuple[bytes, str | None, str | None]:
    """File bytes from a multipart upload ``field`` or from ``data_base64`` in JSON."""
    if field in p.files:
        upload = p.files[field]
        return upload.data, upload.filename, upload.content_type
    encoded = p.str("data_base64")
    if not encoded:
        raise ValueError(f"send the file as multipart field {field!r} or as data_base64")
    try:
        return base64.b64decode(encoded, validate=True), p.str("filename"), p.str("mime_type")
    except binascii.Error:
        raise ValueError("data_base64 is not valid base64") from None


# ------------------------------------------------------------------------------ handlers

async def index(request: web.Request) -> web.Response:
    return _ok({"endpoints": sorted({f"{r.method} {r.resource.canonical}" for r in request.app.router.routes()
                                     if r.resource is not None and r.resource.canonical.startswith(PREFIX)
                                     and r.method != "OPTIONS"})})


async def state(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _ok({
        "bot": emu.bot_user,
        "url": emu.url,
        "seq": emu.mark(),
        "users": [_user_json(emu, uid) for uid in emu.users],
        "webhook": emu.webhook,
        "pending_updates": len(emu.updates.pending),
        "commands": emu.commands,
        "rate_limits": emu.rate_limits.__dict__,
        "faults": emu.faults.to_json(),
        "stats": emu.stats.to_json(),
    })


async def stats(request: web.Request) -> web.Response:
    return _ok(_emu(request).stats.to_json())


async def list_users(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _ok([_user_json(emu, uid) for uid in emu.users])


async def create_user(request: web.Request) -> web.Response:
    emu = _emu(request)
    p = await read_params(request)
    user = emu.user(p.str("first_name", "测试用户") or "测试用户", username=p.str("username"),
                    last_name=p.str("last_name"), language_code=p.str("language_code", "zh-hans"),
                    id=p.int("id"), known=p.bool("known", True))
    return _ok(_user_json(emu, user.id))


async def send_text(request: web.Request) -> web.Response:
    p = await read_params(request)
    return _ok(await _emu(request).send_text(_uid(request), p.required_str("text"),
                                             reply_to=p.int("reply_to_message_id")))


async def press(request: web.Request) -> web.Response:
    p = await read_params(request)
    qid = await _emu(request).press(_uid(request), p.required_int("message_id"), p.str("button"), data=p.str("data"))
    return _ok({"callback_query_id": qid})


async def send_photo(request: web.Request) -> web.Response:
    p = await read_params(request)
    data, _, _ = _bytes_param(p, "photo")
    return _ok(await _emu(request).send_photo(_uid(request), data, caption=p.str("caption")))


async def send_document(request: web.Request) -> web.Response:
    p = await read_params(request)
    data, filename, mime = _bytes_param(p, "document")
    return _ok(await _emu(request).send_document(
        _uid(request), data, filename or "file.bin", mime or "application/octet-stream", caption=p.str("caption")))


async def send_sticker(request: web.Request) -> web.Response:
    p = await read_params(request)
    return _ok(await _emu(request).send_sticker(_uid(request), p.str("emoji", "👍") or "👍"))


async def send_voice(request: web.Request) -> web.Response:
    p = await read_params(request)
    return _ok(await _emu(request).send_voice(_uid(request), duration=p.int("duration", 2) or 2))


async def send_location(request: web.Request) -> web.Response:
    p = await read_params(request)
    lat, lon = p.float("latitude"), p.float("longitude")
    if lat is None or lon is None:
        raise ValueError("latitude and longitude are required")
    return _ok(await _emu(request).send_location(_uid(request), lat, lon))


async def answer_poll(request: web.Request) -> web.Response:
    p = await read_params(request)
    options = p.json("option_ids")
    if not isinstance(options, list):
        raise ValueError("option_ids must be a list of integers")
    await _emu(request).answer_poll(_uid(request), p.required_str("poll_id"), [int(o) for o in options])
    return _ok(True)


async def expire_poll(request: web.Request) -> web.Response:
    """Let the poll's open period run out now: closed, with a ``poll`` update."""
    _emu(request).expire_poll(request.match_info["poll_id"])
    return _ok(True)


async def inline_query(request: web.Request) -> web.Response:
    p = await read_params(request)
    qid = await _emu(request).inline_query(_uid(request), p.str("query", "") or "", offset=p.str("offset", "") or "")
    return _ok({"inline_query_id": qid})


async def block(request: web.Request) -> web.Response:
    await _emu(request).block(_uid(request))
    return _ok(True)


async def unblock(request: web.Request) -> web.Response:
    await _emu(request).unblock(_uid(request))
    return _ok(True)


def _chat_id(request: web.Request) -> int:
    chat_id = int(request.match_info["chat_id"])
    if chat_id not in _emu(request).chats:
        raise LookupError(f"no chat {chat_id}")
    return chat_id


async def chat_messages(request: web.Request) -> web.Response:
    """Bot messages of a chat; ``after`` (message id), ``include_user=1``; ``timeout`` long-polls."""
    emu = _emu(request)
    chat_id = _chat_id(request)
    after = int(request.query.get("after", "0"))
    include_user = request.query.get("include_user", "0") in ("1", "true")
    timeout = min(float(request.query.get("timeout", "0")), LONG_POLL_MAX_S)

    def found() -> list[dict[str, Any]]:
        return [m for m in emu.messages(chat_id, include_user=include_user) if m["message_id"] > after]

    if timeout > 0:
        await emu._wait_until(lambda: found() or emu._closing, timeout)
    return _ok(found())


async def chat_events(request: web.Request) -> web.Response:
    """Long-poll what changed in a chat since ``since`` (a seq from a previous answer).

    Returns every message of the chat created, edited, voted on or deleted since then, in its
    current state, plus answers to callback queries pressed in this chat and the reply keyboard.
    """
    emu = _emu(request)
    chat_id = _chat_id(request)
    since = int(request.query.get("since", "0"))
    timeout = min(float(request.query.get("timeout", "0")), LONG_POLL_MAX_S)
    relevant = {"sent", "incoming", "edited", "deleted", "poll", "callback_answer"}

    def changed() -> bool:
        return any(e.kind in relevant and e.chat_id == chat_id for e in emu._events_since(since))

    if timeout > 0:
        await emu._wait_until(lambda: changed() or emu._closing, timeout)
    chat = emu.chats[chat_id]
    ids: list[int] = []
    for event in emu._events_since(since):
        if event.chat_id == chat_id and event.message_id is not None and event.message_id not in ids:
            ids.append(event.message_id)
    if since == 0:
        ids = [m.message_id for m in chat.history]
    items = []
    for mid in sorted(ids):
        stored = chat.by_id[mid]
        items.append({"message": stored.snapshot(), "outgoing": stored.outgoing,
                      "deleted": stored.deleted, "version": stored.version})
    answers = [{"callback_query_id": qid, **emu.callback_answers[qid]}
               for qid, seq in emu._answer_seqs.items()
               if seq > since and emu._callback_chats.get(qid) == chat_id]
    return _ok({"seq": emu.mark(), "messages": items, "callback_answers": answers,
                "reply_keyboard": chat.reply_keyboard, "blocked": chat.blocked})


async def callback_answer(request: web.Request) -> web.Response:
    return await _answer(request, _emu(request).callback_answers, "callback query")


async def inline_answer(request: web.Request) -> web.Response:
    return await _answer(request, _emu(request).inline_answers, "inline query")


async def _answer(request: web.Request, answers: dict[str, Any], what: str) -> web.Response:
    """The bot's answer to a query, long-polling up to ``timeout`` seconds for it."""
    emu = _emu(request)
    qid = request.match_info["query_id"]
    timeout = min(float(request.query.get("timeout", "0")), LONG_POLL_MAX_S)
    if timeout > 0:
        await emu._wait_until(lambda: qid in answers or emu._closing, timeout)
    if qid not in answers:
        raise LookupError(f"{what} {qid} has not been answered")
    return _ok(answers[qid])


async def file_bytes(request: web.Request) -> web.Response:
    """A stored file by file_id, without the bot token (for the browser chat page)."""
    stored = _emu(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise LookupError("no such file")
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream",
                        headers=CORS_HEADERS)


async def add_fault(request: web.Request) -> web.Response:
    emu = _emu(request)
    p = await read_params(request)
    fault = emu.faults.fail_next(
        p.int("count", 1) or 1, p.str("kind", "retry_after"),  # type: ignore[arg-type]
        method=p.str("method"), chat_id=p.int("chat_id"), retry_after=p.int("retry_after", 1) or 1,
        status=p.int("status", 500) or 500, description=p.str("description"),
        delay_s=max(p.float("delay_s", 10.0) or 0.0, 0.0),
    )
    if fault.kind not in FAULT_KINDS:
        emu.faults.scripted.remove(fault)
        raise ValueError("kind must be one of " + ", ".join(FAULT_KINDS))
    return _ok(emu.faults.to_json())


async def clear_faults(request: web.Request) -> web.Response:
    emu = _emu(request)
    emu.faults.clear()
    return _ok(emu.faults.to_json())


async def random_faults(request: web.Request) -> web.Response:
    emu = _emu(request)
    p = await read_params(request)
    rate = p.float("rate", 0.0) or 0.0
    if rate <= 0:
        emu.faults.random = None
    elif p.str("kind", "retry_after") not in FAULT_KINDS:
        raise ValueError("kind must be one of " + ", ".join(FAULT_KINDS))
    else:
        methods = p.json("methods")
        emu.faults.set_random(rate, p.str("kind", "retry_after"), seed=p.int("seed"),  # type: ignore[arg-type]
                              methods=set(methods) if isinstance(methods, list) else None,
                              retry_after=p.int("retry_after", 1) or 1, status=p.int("status", 500) or 500,
                              delay_s=max(p.float("delay_s", 10.0) or 0.0, 0.0))
    return _ok(emu.faults.to_json())


async def latency(request: web.Request) -> web.Response:
    emu = _emu(request)
    p = await read_params(request)
    emu.faults.latency_s = max(p.float("seconds", 0.0) or 0.0, 0.0)
    return _ok(emu.faults.to_json())


async def get_limits(request: web.Request) -> web.Response:
    return _ok(_emu(request).rate_limits.__dict__)


async def set_limits(request: web.Request) -> web.Response:
    """Switch profile (``{"profile": "telegram"|"counting"|"off"}``) and/or override fields."""
    emu = _emu(request)
    p = await read_params(request)
    profiles = {"telegram": RateLimits.telegram(), "counting": RateLimits.counting(), "off": RateLimits.off()}
    profile = p.str("profile")
    if profile is not None and profile not in profiles:
        raise ValueError(f"profile must be one of {sorted(profiles)}")
    limits = profiles[profile] if profile else emu.rate_limits
    changes: dict[str, object] = {}
    for name in ("global_per_s", "private_per_s", "group_per_min"):
        if p.has(name):
            changes[name] = p.float(name)
    for name in ("global_burst", "private_burst", "group_burst"):
        if p.has(name):
            changes[name] = p.int(name)
    if p.has("enabled"):
        changes["enabled"] = p.bool("enabled")
    if p.has("mode"):
        if p.str("mode") not in ("reject", "count"):
            raise ValueError("mode must be reject or count")
        changes["mode"] = p.str("mode")
    emu.set_rate_limits(limits.with_(**changes))
    return _ok(emu.rate_limits.__dict__)


async def calls(request: web.Request) -> web.Response:
    emu = _emu(request)
    limit = int(request.query.get("limit", "100"))
    return _ok([c.to_json() for c in emu.calls[-limit:]])


async def push_update(request: web.Request) -> web.Response:
    emu = _emu(request)
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("an update is a JSON object")
    return _ok(await emu.send_update(body))


async def preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=CORS_HEADERS)


def add_control_routes(app: web.Application) -> None:
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/", index),
        ("GET", "/state", state),
        ("GET", "/stats", stats),
        ("GET", "/users", list_users),
        ("POST", "/users", create_user),
        ("POST", "/users/{user_id}/text", send_text),
        ("POST", "/users/{user_id}/press", press),
        ("POST", "/users/{user_id}/photo", send_photo),
        ("POST", "/users/{user_id}/document", send_document),
        ("POST", "/users/{user_id}/sticker", send_sticker),
        ("POST", "/users/{user_id}/voice", send_voice),
        ("POST", "/users/{user_id}/location", send_location),
        ("POST", "/users/{user_id}/poll_answer", answer_poll),
        ("POST", "/polls/{poll_id}/expire", expire_poll),
        ("POST", "/users/{user_id}/inline_query", inline_query),
        ("POST", "/users/{user_id}/block", block),
        ("POST", "/users/{user_id}/unblock", unblock),
        ("GET", "/chats/{chat_id}/messages", chat_messages),
        ("GET", "/chats/{chat_id}/events", chat_events),
        ("GET", "/callback_answers/{query_id}", callback_answer),
        ("GET", "/inline_answers/{query_id}", inline_answer),
        ("GET", "/files/{file_id}", file_bytes),
        ("POST", "/faults", add_fault),
        ("DELETE", "/faults", clear_faults),
        ("POST", "/faults/random", random_faults),
        ("POST", "/latency", latency),
        ("GET", "/limits", get_limits),
        ("POST", "/limits", set_limits),
        ("GET", "/calls", calls),
        ("POST", "/updates", push_update),
    ]
    for http_method, path, handler in routes:
        app.router.add_route(http_method, PREFIX + path, _guard(handler))
    app.router.add_route("OPTIONS", PREFIX + "/{tail:.*}", preflight)
