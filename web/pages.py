"""Public pages outside the console: the landing page at ``/`` and the site's own Chinese error pages.

The console keeps its own error pages (``web.console.friendly_errors``, inside its navigation); the
JSON endpoints (/healthz, the browser chat's API, the webhook) answer as they always did.
"""
from __future__ import annotations

import logging

from aiohttp import web

from web import messages
from web.render import render_template
from web.typedefs import CHAT, SITE

log = logging.getLogger(__name__)

# Paths whose clients are programs, not people: their errors stay as they are.
MACHINE_PATHS = ("/healthz", "/chat/api/", "/telegram/")
EMERGENCY_NUMBERS = (("119", "火警"), ("120", "急救"), ("110", "报警"), ("12350", "安全生产举报"))


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", landing, name="landing")


async def landing(request: web.Request) -> web.Response:
    """What Ankang is, and the ways in: the bot, the anonymous tip form, the console (and the demo chat)."""
    username = request.app[SITE].bot_username
    return render_template("pages/landing.html", request, {
        "title": messages.LANDING_TITLE,
        "bot_url": f"https://t.me/{username}" if username else None,
        "bot_username": username,
        "chat_on": request.app[CHAT].emulator_url is not None,
        "emergency_numbers": EMERGENCY_NUMBERS,
    })


def _for_people(request: web.Request) -> bool:
    if request.path == "/admin" or request.path.startswith(("/admin/", *MACHINE_PATHS)):
        return False
    return "application/json" not in request.headers.get("Accept", "")


def error_page(request: web.Request, title: str, message: str, status: int) -> web.Response:
    return render_template("pages/error.html", request, {
        "title": title, "message": message, "emergency_numbers": EMERGENCY_NUMBERS}, status=status)


@web.middleware
async def public_errors(request: web.Request, handler):
    """Unknown pages, wrong methods and failures outside the console as pages in Chinese."""
    if not _for_people(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_page(request, messages.PAGE_NOT_FOUND_TITLE, messages.PAGE_NOT_FOUND, 404)
    except web.HTTPMethodNotAllowed:
        return error_page(request, messages.PAGE_METHOD_TITLE, messages.PAGE_METHOD, 405)
    except web.HTTPException:
        raise  # redirects and deliberate answers
    except Exception:
        log.exception("request failed: %s %s", request.method, request.path)
        return error_page(request, messages.PAGE_ERROR_TITLE, messages.PAGE_ERROR, 500)
