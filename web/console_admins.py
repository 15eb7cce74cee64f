"""Console: 管理员 — every admin with the source of their rights, adding one, and removing one.

Two sources, as in ``core.admins``: ids in ANKANG_ADMIN_IDS (changed only in the settings) and
admins added here or with ``ankang admin add``. Removing goes through ``web.auth.revoke_admin``, the
same function as ``ankang admin remove``: the removed admin's console sessions end at once.
"""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.exc import IntegrityError

from core.admins import AdminEntry, AdminSource, add_admin, audit, list_admins
from core.cleantext import without_unstorable
from core.models import Admin
from web import auth, messages
from web.console_pages import admin_of, redirect, render
from web.typedefs import SERVICES

# Telegram user ids have at most 52 significant bits: 16 decimal digits. Longer is never an id.
USER_ID_PATTERN = r"[0-9]{1,16}"
USER_ID = r"{user_id:[0-9]{1,16}}"
NAME_MAX_CHARS = 64  # the admins.name column
_USER_ID = re.compile(USER_ID_PATTERN, re.ASCII)


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/admins", admins_page)
    r.add_post("/admin/admins", add)
    r.add_post(f"/admin/admins/{USER_ID}/remove", remove)


def who(user_id: int, name: str) -> str:
    """An admin in words: the name they were given and their id, or just the id."""
    return f"{name}（{user_id}）" if name else messages.AUDIT_ADMIN_UNNAMED.format(id=user_id)


def parse_user_id(raw: str) -> int | None:
    """A Telegram user id typed into the form: ASCII digits only (no ``²``, ``①`` or full-width digits)."""
    text = raw.strip()
    if not _USER_ID.fullmatch(text) or int(text) == 0:
        return None
    return int(text)


def clean_name(raw: str) -> str:
    """The display name as kept: unstorable and control characters dropped, runs of spaces made one."""
    printable = "".join(ch if ch.isprintable() else " " for ch in without_unstorable(raw))
    return " ".join(printable.split())


async def _entries(request: web.Request) -> list[AdminEntry]:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        return await list_admins(session, services.settings)


async def admins_page(request: web.Request, *, errors: list[str] | None = None,
                      form: dict[str, str] | None = None, status: int = 200) -> web.Response:
    return render(request, "console/admins.html", {
        "title": "管理员", "entries": await _entries(request), "Source": AdminSource,
        "errors": errors or [], "form": form or {}, "name_max": NAME_MAX_CHARS,
    }, status=status)


def _field(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""  # a file sent in a text field counts as empty


async def add(request: web.Request) -> web.Response:
    """Add an admin by Telegram id and name; refuse bad ids, empty or long names and existing admins."""
    form = await request.post()
    raw_id, raw_name = _field(form, "user_id")[:100], _field(form, "name")
    typed = {"user_id": without_unstorable(raw_id), "name": without_unstorable(raw_name)[:NAME_MAX_CHARS * 4]}
    user_id, name = parse_user_id(raw_id), clean_name(raw_name)
    if user_id is None:
        return await admins_page(request, errors=[messages.ADMIN_ID_INVALID], form=typed, status=400)
    if not name:
        return await admins_page(request, errors=[messages.ADMIN_NAME_EMPTY], form=typed, status=400)
    if len(name) > NAME_MAX_CHARS:
        error = messages.ADMIN_NAME_TOO_LONG.format(limit=NAME_MAX_CHARS, given=len(name))
        return await admins_page(request, errors=[error], form=typed, status=400)
    services = request.app[SERVICES]
    try:
        async with services.sessions() as session, session.begin():
            existing = next((e for e in await list_admins(session, services.settings) if e.user_id == user_id), None)
            if existing is None:
                await add_admin(session, user_id, name)
                # No detail: the audit log names the admin from their row (a removal keeps the name).
                await audit(session, admin_of(request).user_id, "admin.add", str(user_id))
    except IntegrityError:  # another admin added the same id at the same moment
        existing = AdminEntry(user_id, "", (AdminSource.ADDED,), False)
    if existing is not None:
        sources = "；".join(source.label for source in existing.sources)
        error = messages.ADMIN_ALREADY.format(who=who(existing.user_id, existing.name), source=sources)
        return await admins_page(request, errors=[error], form=typed, status=409)
    raise redirect("/admin/admins", "admin_added")


async def remove(request: web.Request) -> web.Response:
    """Remove an admin added at run time, after a confirmation; refuse oneself and the settings' admins."""
    services = request.app[SERVICES]
    user_id = int(request.match_info["user_id"])
    form = await request.post()
    me = admin_of(request).user_id
    async with services.sessions() as session:
        row = await session.get(Admin, user_id)
    name = row.name if row is not None else ""
    if user_id == me:
        return await admins_page(request, errors=[messages.ADMIN_REMOVE_SELF], status=400)
    if user_id in services.settings.admin_ids:
        return await admins_page(request, errors=[messages.ADMIN_REMOVE_SETTINGS.format(who=who(user_id, name))],
                                 status=400)
    if row is None:
        return await admins_page(request, errors=[messages.ADMIN_NOT_FOUND.format(who=who(user_id, name))],
                                 status=404)
    if form.get("confirmed") != "1":
        return render(request, "console/confirm.html", {
            "title": "移除管理员", "question": messages.ADMIN_REMOVE_QUESTION.format(who=who(user_id, name)),
            "details": [("姓名", name or "—"), ("Telegram ID", str(user_id))], "fields": [],
            "action": f"/admin/admins/{user_id}/remove", "confirm_label": "确认移除",
            "cancel_href": "/admin/admins", "warning": None,
        })
    async with services.sessions() as session, session.begin():
        removed = await session.get(Admin, user_id) is not None  # not meanwhile by another admin
        if removed:
            await auth.revoke_admin(session, services.settings, user_id, me, name)
    if not removed:
        return await admins_page(request, errors=[messages.ADMIN_NOT_FOUND.format(who=who(user_id, name))],
                                 status=404)
    raise redirect("/admin/admins", "admin_removed")
