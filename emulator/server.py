"""HTTP routes: the Bot API (``/bot{token}/{method}``), file downloads and the control API.

Request paths contain the bot token, so aiohttp's access log is off and our own log lines name
only the method.
"""
from __future__ import annotations

import json

from aiohttp import web

from .botapi import dispatch
from .control import add_control_routes
from .params import read_params
from .typedefs import EMULATOR_KEY
from .validation import ApiError
from .world import World

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for files a bot uploads


def dumps(value: object) -> str:
    """Readable JSON (Chinese as is), escaped like Telegram's when a string holds a lone surrogate
    (a hostile client can send "\\ud800"; UTF-8 cannot carry it, the JSON escape can)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def _json_response(status: int, body: dict[str, object]) -> web.Response:
    return web.json_response(body, status=status, dumps=dumps)


async def bot_api(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    try:
        params = await read_params(request)
    except ApiError as err:
        return _json_response(err.status, err.to_json())
    status, body = await dispatch(emu, request.match_info["method"], params)
    return _json_response(status, body)


async def download_file(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    stored = emu.files.by_path(request.match_info["file_path"])
    if stored is None:
        return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


async def root(request: web.Request) -> web.Response:
    return _json_response(200, {
        "ok": True,
        "emulator": "ankang Telegram Bot API emulator",
        "bot_api": "/bot<token>/<method>",
        "files": "/file/bot<token>/<file_path>",
        "control": "/_emulator/",
    })


def create_app(emu: World) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
    app[EMULATOR_KEY] = emu
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{file_path:.+}", download_file)
    app.router.add_get("/", root)
    add_control_routes(app)
    return app
