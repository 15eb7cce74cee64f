"""Admin login for the web console: redeeming one-time links, server-side sessions and CSRF tokens.

Links are issued by ``core.login_links`` (the bot's /weblogin and ``ankang admin login-link`` issue
them too). They are valid only once: redeeming one inserts its nonce into ``web_login_nonces``, whose
primary key refuses a second use even when two requests race. The session cookie holds a random
token; only its SHA-256 is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import AdminSource, NotAnAdmin, audit, is_admin, remove_admin
from core.login_links import (  # noqa: F401  (re-exported: the console's vocabulary of links)
    LOGIN_LINK_TTL_S,
    LOGIN_PATH,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    LoginClaim,
    LoginLinkError,
    login_base_url,
    login_link,
    make_login_token,
    read_login_token,
)
from core.models import Admin
from core.settings import Settings
from org import roles
from web import messages, permissions
from web.models import AdminSession, LoginNonce
from web.render import render_template
from web.typedefs import SERVICES

SESSION_TTL_S = 8 * 3600
COOKIE_NAME = "ankang_admin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
RETURN_FIELD = "return_to"  # the page a console form was sent from (added by console.js)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def redeem_login_token(session: AsyncSession, settings: Settings, token: str, now: datetime) -> int:
    """Use a token once and return the admin's user id; the caller commits.

    Raises LinkInvalid, LinkExpired, LinkUsed or core.admins.NotAnAdmin.
    """
    claim = read_login_token(settings.effective_secret_key, token, now)
    if not await is_admin(session, settings, claim.user_id):
        raise NotAnAdmin(claim.user_id)
    if await session.get(LoginNonce, claim.nonce) is not None:
        raise LinkUsed(claim.nonce)
    session.add(LoginNonce(nonce=claim.nonce, user_id=claim.user_id, used_at=now))
    try:
        await session.flush()
    except IntegrityError:  # a concurrent request redeemed it first; the caller rolls back
        raise LinkUsed(claim.nonce) from None
    # Used nonces only matter while their link could still be valid.
    await session.execute(delete(LoginNonce).where(LoginNonce.used_at < now - timedelta(seconds=2 * LOGIN_LINK_TTL_S)))
    return claim.user_id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_session(session: AsyncSession, user_id: int, now: datetime) -> tuple[str, AdminSession]:
    """Start a server-side session; return the cookie value and the row. The caller commits."""
    token = secrets.token_urlsafe(32)
    row = AdminSession(
        token_hash=_hash(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
        created_at=now, expires_at=now + timedelta(seconds=SESSION_TTL_S),
    )
    session.add(row)
    await session.execute(delete(AdminSession).where(AdminSession.expires_at < now))
    return token, row


async def load_session(
    session: AsyncSession, settings: Settings, token: str | None, now: datetime
) -> AdminSession | None:
    """Return the live session for a cookie value whose user is still an admin, else None."""
    found = await load_admin_session(session, settings, token, now)
    return found[0] if found is not None else None


async def load_admin_session(
    session: AsyncSession, settings: Settings, token: str | None, now: datetime
) -> tuple[AdminSession, str] | None:
    """``load_session`` and the admin's name (``ankang admin add --name``, "" if none) in one query.

    Every console request starts here (``admin_guard``): the session, whether its user is still an
    admin (``core.admins.is_admin``: ANKANG_ADMIN_IDS or an ``admins`` row) and the name the console
    shows were three queries."""
    if not token:
        return None
    found = (await session.execute(
        select(AdminSession, Admin.user_id, Admin.name).outerjoin(Admin, Admin.user_id == AdminSession.user_id)
        .where(AdminSession.token_hash == _hash(token)))).first()
    if found is None:
        return None
    row, added, name = found
    if row.expires_at <= now or (added is None and row.user_id not in settings.admin_ids):
        return None
    return row, name or ""


async def end_session(session: AsyncSession, token: str | None) -> None:
    if token:
        await session.execute(delete(AdminSession).where(AdminSession.token_hash == _hash(token)))


async def end_sessions_of(session: AsyncSession, user_id: int) -> int:
    """Log ``user_id`` out of every browser (an admin removed); return how many sessions ended. The caller commits."""
    result = await session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_admin(session: AsyncSession, settings: Settings, user_id: int, by: int,
                       detail: str = "") -> tuple[AdminSource, ...]:
    """Remove an added admin and, unless the settings still make them one, end their console sessions now.

    The one removal the CLI (``by`` 0) and the console (``by`` the admin acting) share: the row and
    the duty go, every browser of theirs is logged out, and the audit log says who did it. Returns
    the sources that still make ``user_id`` an admin (ANKANG_ADMIN_IDS). The caller commits."""
    remaining = await remove_admin(session, settings, user_id)
    await roles.drop_grants(session, user_id)
    if not remaining:
        await end_sessions_of(session, user_id)
    await audit(session, by, "admin.remove", str(user_id), detail)
    return remaining


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


# --- aiohttp glue ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdminUser:
    """The logged-in admin of this request (set by ``admin_guard``)."""

    user_id: int
    csrf_token: str
    name: str = ""  # given with `ankang admin add --name`; the console shows it instead of the id
    # What they may do somewhere (org.roles.needs_held, as values): the console shows only those menus.
    may: frozenset[str] = frozenset()


ADMIN = web.RequestKey("admin", AdminUser)
UNIT = web.RequestKey("admin_unit", int)  # the unit a console request concerns, if one (the audit log's)
PUBLIC_ADMIN_PATHS = frozenset({LOGIN_PATH})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def cookie_secure(request: web.Request, settings: Settings) -> bool:
    return request.secure or settings.public_url.startswith("https://")


@web.middleware
async def security_headers(request: web.Request, handler):
    """No referrer (login links carry a token), no framing, no sniffing; a strict CSP on console pages."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _add_headers(request, response)
        raise
    _add_headers(request, response)
    return response


def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/admin", "/chat")):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def admin_guard(request: web.Request, handler):
    """Every /admin page and action: a live session of a current admin, and a CSRF token on writes."""
    if not (request.path == "/admin" or request.path.startswith("/admin/")) or request.path in PUBLIC_ADMIN_PATHS:
        return await handler(request)
    services = request.app[SERVICES]
    async with services.sessions() as session:
        found = await load_admin_session(session, services.settings, request.cookies.get(COOKIE_NAME),
                                         services.clock.now())
        row, name = found if found is not None else (None, "")
        # Role and scope (web/permissions.py), before the CSRF token: a refusal changes nothing either way.
        decision = await permissions.check(request, session, services.settings, row.user_id) \
            if row is not None else None
        where = await roles.unit_label(session, decision.unit_id) \
            if isinstance(decision, permissions.Refusal) else ""
        may = frozenset(n.value for n in await roles.needs_held(session, services.settings, row.user_id)) \
            if row is not None and request.method in SAFE_METHODS else frozenset()
    if row is None:
        wants_json = "application/json" in request.headers.get("Accept", "")
        if request.method in SAFE_METHODS and not wants_json:
            raise web.HTTPSeeOther(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='')}")
        if not wants_json and request.content_type in FORM_TYPES:
            # A form sent after the session ran out: to the login page, then back to the form's page
            # (console.js names it in ``return_to`` and keeps what was typed until then).
            back = (await request.post()).get(RETURN_FIELD)
            back = back if isinstance(back, str) and back.startswith("/admin") else request.path
            raise web.HTTPSeeOther(f"{LOGIN_PATH}?next={quote(back, safe='')}&expired=1")
        return web.json_response({"error": "login required"}, status=401)
    if isinstance(decision, permissions.Refusal):
        text = messages.forbidden(decision.need.label, None if decision.anywhere else where)
        if "application/json" in request.headers.get("Accept", ""):
            return web.json_response({"error": text}, status=403)
        return render_template("console/error.html", request,
                               {"title": messages.FORBIDDEN_TITLE, "message": text}, status=403)
    if isinstance(decision, int):
        request[UNIT] = decision
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.content_type in FORM_TYPES:
            posted = (await request.post()).get(CSRF_FIELD)
            given = posted if isinstance(posted, str) else None
        if not csrf_ok(row.csrf_token, given):
            return render_template(
                "console/error.html", request,
                {"title": "请求已失效", "message": "表单校验失败（缺少或错误的安全令牌）。请返回上一页刷新后重试。"},
                status=403,
            )
    request[ADMIN] = AdminUser(row.user_id, row.csrf_token, name, may)
    return await handler(request)
