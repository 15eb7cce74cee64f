"""The browser chat (/chat) for the demo: a messenger-like page that talks to the bot through the emulator.

Design: the page only talks to this server (same origin, strict CSP); these handlers proxy to the
emulator's HTTP control API (``{emulator_url}/_emulator/…``, see emulator/control.py). So the
emulator's port need not be reachable from the visitor's browser, and the chat is on only when the
app runs with the emulator: ``create_web_app(..., emulator_url=...)`` or later
``web_app[CHAT].emulator_url = emulator.url`` (the demo does this). Otherwise every /chat URL is 404.

Two demo identities chosen by a toggle: a worker and an admin (``ChatConfig.worker_id``/``admin_id``,
by default WORKER_ID and the smallest id in ANKANG_ADMIN_IDS). Setting them to the terminal demo's
users lets the browser and the terminal show the same conversations.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from web.render import render_template
from web.typedefs import CHAT, SERVICES

log = logging.getLogger(__name__)

WORKER_ID = 710000001
WORKER_NAME = "体验职工"
ADMIN_NAME = "工会管理员"
EVENTS_TIMEOUT_S = 25
MAX_PHOTO_BYTES = 10 * 1024 * 1024

class _Client:
    """Holds the chat's HTTP client: created with the app, opened and closed by its cleanup context."""

    session: aiohttp.ClientSession | None = None


HTTP = web.AppKey("chat_http", _Client)


def setup_routes(app: web.Application) -> None:
    app[HTTP] = _Client()
    app.cleanup_ctx.append(_http_client)
    app.on_shutdown.append(_end_long_polls)
    r = app.router
    # Writes check the page's CSRF token (``_checked``): a visitor's browser must not post for another site.
    r.add_get("/chat", chat_page)
    r.add_get("/chat/api/users", users)
    r.add_get("/chat/api/{role}/events", events)
    r.add_post("/chat/api/{role}/text", send_text)
    r.add_post("/chat/api/{role}/press", press)
    r.add_post("/chat/api/{role}/photo", send_photo)
    r.add_post("/chat/api/{role}/poll_answer", poll_answer)
    r.add_get("/chat/files/{file_id}", file_bytes)


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=EVENTS_TIMEOUT_S + 10)) as session:
        app[HTTP].session = session
        yield
        app[HTTP].session = None


async def _end_long_polls(app: web.Application) -> None:
    """Shutdown waits for running handlers: closing the client ends the browsers' long polls now."""
    session = app[HTTP].session
    if session is not None:
        await session.close()


def _http(request: web.Request) -> aiohttp.ClientSession:
    session = request.app[HTTP].session
    if session is None:
        raise web.HTTPServiceUnavailable(text="服务正在关闭。")
    return session


def _emulator(request: web.Request) -> str:
    url = request.app[CHAT].emulator_url
    if not url:
        raise web.HTTPNotFound(text="浏览器聊天仅在演示模式（模拟器）下可用。")
    return url.rstrip("/") + "/_emulator"


def _identities(request: web.Request) -> dict[str, tuple[int, str]]:
    config = request.app[CHAT]
    ids = {"worker": (config.worker_id or WORKER_ID, WORKER_NAME)}
    admins = request.app[SERVICES].settings.admin_ids
    admin_id = config.admin_id or (min(admins) if admins else None)
    if admin_id is not None:
        ids["admin"] = (admin_id, ADMIN_NAME)
    return ids


async def _call(request: web.Request, method: str, path: str, **kwargs) -> web.Response:
    """Forward to the emulator and hand its JSON answer back unchanged."""
    base = _emulator(request)
    try:
        async with _http(request).request(method, base + path, **kwargs) as response:
            body = await response.read()
            return web.Response(body=body, status=response.status, content_type="application/json")
    except (aiohttp.ClientError, RuntimeError):  # RuntimeError: client closed at shutdown
        log.warning("browser chat: emulator unreachable")
        return web.json_response({"ok": False, "description": "模拟器未响应"}, status=502)


async def _ensure_users(request: web.Request) -> None:
    """Create the demo identities in the emulator once (re-creating would wipe their history)."""
    base = _emulator(request)
    http = _http(request)
    async with http.get(base + "/users") as response:
        existing = {u["id"] for u in (await response.json())["result"]}
    for uid, name in _identities(request).values():
        if uid not in existing:
            async with http.post(base + "/users", json={"id": uid, "first_name": name}) as response:
                response.raise_for_status()


def csrf_token(request: web.Request) -> str:
    """The chat page's token: the same for every visitor (the chat has no sessions), unreadable cross-site."""
    secret = request.app[SERVICES].settings.effective_secret_key
    return hmac.new(secret.encode(), b"ankang-chat-csrf", hashlib.sha256).hexdigest()


def _check_write(request: web.Request) -> None:
    """A write needs the chat to be on, a known role and the page's token in X-CSRF-Token."""
    _emulator(request)
    _uid(request)
    given = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(given.encode(), csrf_token(request).encode()):
        raise web.HTTPForbidden(text=json.dumps({"ok": False, "description": "页面已过期，请刷新后重试。"}),
                                content_type="application/json")


async def _json_body(request: web.Request) -> dict[str, Any]:
    _check_write(request)
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise _bad_request()
    return body


def _bad_request() -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"ok": False, "description": "请求格式不正确。"}),
                              content_type="application/json")


def _uid(request: web.Request) -> int:
    found = _identities(request).get(request.match_info["role"])
    if found is None:
        raise web.HTTPNotFound()
    return found[0]


async def chat_page(request: web.Request) -> web.Response:
    _emulator(request)
    roles = _identities(request)
    return render_template("chat.html", request, {
        "title": "体验聊天", "roles": [(role, uid, name) for role, (uid, name) in roles.items()],
        "csrf_token": csrf_token(request),
    })


async def users(request: web.Request) -> web.Response:
    await _ensure_users(request)
    return web.json_response({role: {"id": uid, "name": name} for role, (uid, name) in _identities(request).items()})


async def events(request: web.Request) -> web.Response:
    _emulator(request)
    uid = _uid(request)
    try:
        since = str(max(0, int(request.query.get("since", "0"))))
        timeout = min(max(0.0, float(request.query.get("timeout", "0") or 0)), EVENTS_TIMEOUT_S)
    except ValueError:
        raise _bad_request() from None
    return await _call(request, "GET", f"/chats/{uid}/events", params={"since": since, "timeout": str(timeout)})


async def send_text(request: web.Request) -> web.Response:
    body = await _json_body(request)
    text = str(body.get("text", "")).strip()
    if not text:
        raise _bad_request()
    return await _call(request, "POST", f"/users/{_uid(request)}/text", json={"text": text[:4096]})


async def press(request: web.Request) -> web.Response:
    body = await _json_body(request)
    try:
        payload: dict[str, int | str] = {"message_id": int(body["message_id"])}
    except (KeyError, TypeError, ValueError):
        raise _bad_request() from None
    for key in ("data", "button"):
        if body.get(key) is not None:
            payload[key] = str(body[key])
    return await _call(request, "POST", f"/users/{_uid(request)}/press", json=payload)


async def send_photo(request: web.Request) -> web.Response:
    _check_write(request)
    form = await request.post()
    photo = form.get("photo")
    if not isinstance(photo, web.FileField):
        raise _bad_request()
    data = photo.file.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_PHOTO_BYTES, actual_size=len(data))
    upload = aiohttp.FormData()
    upload.add_field("photo", data, filename="photo.jpg", content_type=photo.content_type or "image/jpeg")
    caption = str(form.get("caption", "") or "")
    if caption:
        upload.add_field("caption", caption)
    return await _call(request, "POST", f"/users/{_uid(request)}/photo", data=upload)


async def poll_answer(request: web.Request) -> web.Response:
    body = await _json_body(request)
    try:
        options = [int(o) for o in body.get("option_ids", [])][:12]
        poll_id = str(body["poll_id"])
    except (KeyError, TypeError, ValueError):
        raise _bad_request() from None
    return await _call(request, "POST", f"/users/{_uid(request)}/poll_answer",
                       json={"poll_id": poll_id, "option_ids": options})


async def file_bytes(request: web.Request) -> web.Response:
    base = _emulator(request)
    file_id = request.match_info["file_id"]
    async with _http(request).get(f"{base}/files/{file_id}") as response:
        if response.status != 200:
            raise web.HTTPNotFound()
        return web.Response(body=await response.read(), content_type=response.content_type,
                            headers={"Cache-Control": "private, max-age=3600"})
