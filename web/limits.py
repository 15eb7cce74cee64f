"""Request bodies are bounded per route and refused before they are read.

aiohttp's ``client_max_size`` is one number for the whole app and only bounds ``read()``/``post()``;
a multipart form read as a stream (the tip form) is bounded by our own per-part caps. Here each
route gets its own ceiling: a declared ``Content-Length`` above it is answered 413 at once, without
reading a byte of the body (30 concurrent 50 MB posts once took the server from 1.6 to 2.9 GB), and
the request is handed on with ``client_max_size`` set to it, so a chunked body is cut off there too.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web

from tips.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_TIP
from web.console_knowledge import IMPORT_MAX_BYTES as FAQ_IMPORT_MAX_BYTES
from web.messages import BODY_TOO_LARGE, BODY_TOO_LARGE_TIP

KIB = 1024
FORM_OVERHEAD_BYTES = 256 * KIB  # text fields, multipart headers and boundaries
MIB = 1024 * KIB
# Everything without photos: console forms, login, receipt checks, the chat's text, the webhook.
# Room for an over-long text field to be refused with the form shown again (a 120,000-character
# answer is about 1 MB urlencoded), far from the 50 MB a tip form may carry.
SMALL_BODY_MAX_BYTES = 2 * MIB
ONE_PHOTO_MAX_BYTES = MAX_PHOTO_BYTES + FORM_OVERHEAD_BYTES
TIP_FORM_MAX_BYTES = MAX_PHOTOS_PER_TIP * MAX_PHOTO_BYTES + FORM_OVERHEAD_BYTES

# Routes (by their canonical path) that carry files, and what they may carry.
ROUTE_MAX_BYTES: dict[str, int] = {
    "/tip": TIP_FORM_MAX_BYTES,
    "/tip/status/add": TIP_FORM_MAX_BYTES,
    "/admin/broadcasts/new": ONE_PHOTO_MAX_BYTES,
    "/admin/broadcasts/{sid}/edit": ONE_PHOTO_MAX_BYTES,
    "/chat/api/{role}/photo": ONE_PHOTO_MAX_BYTES,
    # The FAQ import's file: a little over its own limit, so the page itself says "over 5 MB"; the
    # confirmation under self review posts the same file back in base64 (4 bytes for every 3).
    "/admin/knowledge/faq/import": FAQ_IMPORT_MAX_BYTES * 4 // 3 + FORM_OVERHEAD_BYTES,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def max_body_bytes(request: web.Request) -> int:
    """The most this request's route accepts."""
    route = request.match_info.route
    canonical = route.resource.canonical if route.resource is not None else ""
    return ROUTE_MAX_BYTES.get(canonical, SMALL_BODY_MAX_BYTES)


def too_large(request: web.Request) -> web.Response:
    """413 with a short Chinese page; the connection is closed rather than drained."""
    message = BODY_TOO_LARGE_TIP if request.path.startswith("/tip") else BODY_TOO_LARGE
    response = web.Response(
        status=413, content_type="text/html", charset="utf-8",
        text=f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>内容太大</title>'
             f"<body><h1>内容太大</h1><p>{message}</p></body></html>",
    )
    response.force_close()
    return response


@web.middleware
async def body_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return await handler(request)
    limit = max_body_bytes(request)
    declared = request.headers.get(hdrs.CONTENT_LENGTH, "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return too_large(request)
    try:
        return await handler(request.clone(client_max_size=limit))
    except web.HTTPRequestEntityTooLarge:
        return too_large(request)
