"""Console: 管理员 — every admin with the source of their rights and their roles; inviting one by a
one-time link for a role at a unit, taking a role away, adding one by id and removing one.

Sources, as in ``core.admins``: ids in ANKANG_ADMIN_IDS (changed only in the settings) and admins
added here or with ``ankang admin add``; roles at units come from invitations (``org.roles``).
Removing goes through ``web.auth.revoke_admin``, the same function as ``ankang admin remove``: the
removed admin's console sessions end at once; so does taking away an admin's last role. Who may do
what here is in ``web.permissions`` (管理员 of the unit concerned, or of the whole tree).
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
from org import roles, service
from org.roles import Action, Role
from web import auth, messages
from web.console_pages import admin_of, redirect, render
from web.typedefs import SERVICES, SITE

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
    r.add_post("/admin/admins/invite", invite)
    r.add_post(r"/admin/admins/grants/{grant_id:\d{1,9}}/remove", remove_grant)


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
                      form: dict[str, str] | None = None, status: int = 200, invite_link: str | None = None,
                      invited: str = "") -> web.Response:
    services = request.app[SERVICES]
    me = admin_of(request).user_id
    async with services.sessions() as session:
        seen = await roles.scope_of(session, services.settings, me, Action.VIEW)
        manages = await roles.scope_of(session, services.settings, me, Role.ADMIN)
        grants = await roles.list_grants(session, seen)
        units = [line for line in await service.list_tree(session) if line.unit.id in manages]
    by_user: dict[int, list[roles.GrantLine]] = {}
    for line in grants:
        by_user.setdefault(line.user_id, []).append(line)
    entries = [e for e in await _entries(request) if seen.everything or e.user_id in by_user]
    return render(request, "console/admins.html", {
        "title": "管理员", "entries": entries, "Source": AdminSource, "grants": by_user,
        "errors": errors or [], "form": form or {}, "name_max": NAME_MAX_CHARS,
        "whole_tree": seen.everything, "manages": manages, "manages_all": manages.everything,
        "invite_units": units, "roles": list(Role), "invite_link": invite_link, "invited": invited,
        "ttl_days": roles.INVITE_TTL_S // 86400,
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


async def invite(request: web.Request) -> web.Response:
    """A one-time link inviting whoever opens it in Telegram to a role at a unit; shown once, on this page."""
    services = request.app[SERVICES]
    form = await request.post()
    raw_role, raw_unit = _field(form, "role")[:20], _field(form, "unit_id")[:12]
    role = next((r for r in Role if r.value == raw_role), None)
    unit_id = int(raw_unit) if raw_unit.isdigit() else None
    username = request.app[SITE].bot_username
    if role is None:
        return await admins_page(request, errors=[messages.INVITE_PICK_ROLE], status=400)
    if not username:
        return await admins_page(request, errors=[messages.ORG_NO_BOT], status=503)
    me = admin_of(request).user_id
    try:
        async with services.sessions() as session, session.begin():
            token = await roles.create_invite(session, services.settings, me, role, unit_id, services.clock.now())
            where = await roles.unit_label(session, unit_id)
            await audit(session, me, "admin.invite", where, role.label, unit_id=unit_id)
    except roles.RoleError as exc:
        return await admins_page(request, errors=[str(exc)], status=400)
    link = f"https://t.me/{username.lstrip('@')}?start={roles.INVITE_PREFIX}{token}"
    return await admins_page(request, invite_link=link, invited=f"{where} · {role.label}")


async def remove_grant(request: web.Request) -> web.Response:
    """Take one role away after a confirmation; an admin's last role ends them as an admin (and their sessions)."""
    services = request.app[SERVICES]
    grant_id = int(request.match_info["grant_id"])
    form = await request.post()
    me = admin_of(request).user_id
    async with services.sessions() as session:
        row = await roles.get_grant(session, grant_id)
        person = await session.get(Admin, row.user_id) if row is not None else None
        where = await roles.unit_label(session, row.unit_id) if row is not None else ""
    if row is None:
        return await admins_page(request, errors=[messages.GRANT_GONE], status=404)
    name = person.name if person is not None else ""
    if row.user_id == me:
        return await admins_page(request, errors=[messages.ADMIN_REMOVE_SELF], status=400)
    if form.get("confirmed") != "1":
        return render(request, "console/confirm.html", {
            "title": "移除角色", "question": messages.GRANT_REMOVE_QUESTION.format(
                who=who(row.user_id, name), role=row.role.label, unit=where),
            "details": [("姓名", name or "—"), ("角色", row.role.label), ("单位", where)], "fields": [],
            "action": f"/admin/admins/grants/{grant_id}/remove", "confirm_label": "确认移除",
            "cancel_href": "/admin/admins", "warning": None,
        })
    async with services.sessions() as session, session.begin():
        removed = await roles.revoke(session, services.settings, grant_id)
        if removed is not None:
            if removed[1]:
                await auth.end_sessions_of(session, row.user_id)
            await audit(session, me, "admin.role_remove", str(row.user_id), f"{row.role.label}@{where}",
                        unit_id=row.unit_id)
    if removed is None:
        return await admins_page(request, errors=[messages.GRANT_GONE], status=404)
    raise redirect("/admin/admins", "grant_removed")
