"""What every console page uses: the signed-in admin, rendering with flash messages,
post/redirect/get, error pages, paging and auditing.

A module of its own so that web/console.py (the routing table) can import the console_* page
modules and they can import these helpers without importing each other round a circle.
"""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from core.admins import audit
from web import auth, messages
from web.render import render_template
from web.typedefs import SERVICES

MAX_PAGE = 10_000  # page numbers beyond this would only produce offsets the database refuses


def admin_of(request: web.Request) -> auth.AdminUser:
    return request[auth.ADMIN]


def unit_of(request: web.Request) -> int | None:
    """The unit this console request concerns (checked by ``web.permissions``), None for none in particular."""
    return request.get(auth.UNIT)


def render(request: web.Request, template: str, context: dict | None = None, *, status: int = 200) -> web.Response:
    """Render a console page; ``?done=<code>`` shows the matching flash message from web.messages."""
    context = dict(context or {})
    done = request.query.get("done")
    flashes = list(context.pop("flashes", []))
    if done in messages.FLASH:
        flashes.append({"kind": "ok", "text": messages.FLASH[done]})
    context["flashes"] = flashes
    return render_template(template, request, context, status=status)


def redirect(location: str, done: str | None = None) -> web.HTTPSeeOther:
    """Post/redirect/get: the caller raises the returned exception."""
    if done:
        location += ("&" if "?" in location else "?") + urlencode({"done": done})
    return web.HTTPSeeOther(location)


def error_page(request: web.Request, title: str, message: str, status: int) -> web.Response:
    return render(request, "console/error.html", {"title": title, "message": message}, status=status)


def page_number(request: web.Request) -> int:
    """``?page=`` as 1…MAX_PAGE whatever was typed."""
    try:
        return min(MAX_PAGE, max(1, int(request.query.get("page", "1"))))
    except ValueError:
        return 1


async def audited(request: web.Request, action: str, target: str = "", detail: str = "") -> None:
    """Audit a console action in its own transaction (for actions whose domain call audits nothing)."""
    services = request.app[SERVICES]
    async with services.sessions() as session, session.begin():
        await audit(session, admin_of(request).user_id, action, target, detail, unit_id=unit_of(request))
