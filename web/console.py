"""The admin console: its routing table, login/logout and dashboard.

Every /admin route except the login page runs behind ``web.auth.admin_guard`` (session of a current
admin + CSRF token on writes); every write also lands in the audit log via ``core.admins.audit``.
"""
from __future__ import annotations

import logging
import re

from aiohttp import web

from core.admins import NotAnAdmin, audit
from web import auth, messages, stats
from web.console_pages import admin_of, error_page, render
from web.typedefs import SERVICES

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    """Console routes, grouped by page; handlers live in web/console_*.py per area.

    Numeric ids in paths are ``\\d{1,9}``: a longer number cannot be a row id (and would overflow
    PostgreSQL's integer), so it is simply "not found" like any unknown id.
    """
    from web import (
        console_admins,
        console_audit,
        console_broadcasts,
        console_campaigns,
        console_handoffs,
        console_knowledge,
        console_lessons,
        console_org,
        console_rollups,
        console_study,
        console_tips,
    )

    r = app.router
    r.add_get("/admin/login", login_page)
    r.add_post("/admin/login", login_submit)
    r.add_post("/admin/logout", logout)
    r.add_get("/admin", dashboard)
    r.add_get("/admin/", dashboard)
    console_audit.setup_routes(app)
    console_tips.setup_routes(app)
    console_broadcasts.setup_routes(app)
    console_lessons.setup_routes(app)
    console_knowledge.setup_routes(app)
    console_handoffs.setup_routes(app)
    console_org.setup_routes(app)
    console_rollups.setup_routes(app)
    console_study.setup_routes(app)
    console_admins.setup_routes(app)
    console_campaigns.setup_routes(app)


@web.middleware
async def friendly_errors(request: web.Request, handler):
    """Console errors as console pages in Chinese: unknown pages, wrong methods, oversized forms, bugs."""
    if not (request.path == "/admin" or request.path.startswith("/admin/")):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_page(request, "找不到页面", messages.NOT_FOUND, 404)
    except web.HTTPMethodNotAllowed:
        return error_page(request, "操作无效", messages.METHOD_NOT_ALLOWED, 405)
    except web.HTTPRequestEntityTooLarge:
        return error_page(request, "内容太大", messages.TOO_LARGE, 413)
    except web.HTTPServiceUnavailable as exc:
        return error_page(request, "暂时不可用", exc.text or messages.UNAVAILABLE, 503)
    except web.HTTPException:
        raise  # redirects and deliberate answers
    except Exception:
        log.exception("console request failed: %s %s", request.method, request.path)
        return error_page(request, "出错了", messages.SERVER_ERROR, 500)


# --- login / logout ------------------------------------------------------------------------------

_SAFE_NEXT = re.compile(r"/admin(/[A-Za-z0-9_\-/.]*)?(\?[A-Za-z0-9_\-=&%.]*)?")


def _safe_next(value: str | None) -> str:
    """Only redirect to a console page (no open redirect, no header injection, no ``..``)."""
    if value and _SAFE_NEXT.fullmatch(value) and ".." not in value and "//" not in value:
        return value
    return "/admin/"


async def login_page(request: web.Request) -> web.Response:
    """Show the confirmation button for a link (a GET never uses it up: link previews would)."""
    token = request.query.get("t", "")
    context = {"token": token, "next": _safe_next(request.query.get("next")), "title": "登录",
               "expired": "expired" in request.query}
    if token:
        services = request.app[SERVICES]
        try:
            auth.read_login_token(services.settings.effective_secret_key, token, services.clock.now())
        except auth.LinkExpired:
            context.update(token="", error=messages.LOGIN_EXPIRED)
        except auth.LinkInvalid:
            context.update(token="", error=messages.LOGIN_INVALID)
    return render(request, "console/login.html", context)


async def login_submit(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    form = await request.post()
    token = str(form.get("t", ""))
    now = services.clock.now()
    error = None
    try:
        async with services.sessions() as session, session.begin():
            user_id = await auth.redeem_login_token(session, services.settings, token, now)
            cookie, row = await auth.create_session(session, user_id, now)
            await audit(session, user_id, "web.login")
    except auth.LinkExpired:
        error = messages.LOGIN_EXPIRED
    except auth.LinkUsed:
        error = messages.LOGIN_USED
    except auth.LinkInvalid:
        error = messages.LOGIN_INVALID
    except NotAnAdmin:
        error = messages.LOGIN_NOT_ADMIN
    if error:
        return render(request, "console/login.html", {"error": error, "token": "", "title": "登录"}, status=403)
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", ""))))
    response.set_cookie(
        auth.COOKIE_NAME, cookie, max_age=auth.SESSION_TTL_S, path="/", httponly=True, samesite="Strict",
        secure=auth.cookie_secure(request, services.settings),
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    async with services.sessions() as session, session.begin():
        await auth.end_session(session, request.cookies.get(auth.COOKIE_NAME))
        await audit(session, admin_of(request).user_id, "web.logout")
    response = web.HTTPSeeOther(auth.LOGIN_PATH)
    response.del_cookie(auth.COOKIE_NAME, path="/")
    raise response


# --- dashboard ----------------------------------------------------------------------

async def dashboard(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        data = await stats.dashboard(session, services)
    return render(request, "console/dashboard.html", {"title": "概览", "d": data})
