"""Console: the organisation tree (组织架构) — the tree, add, rename, move, retire, and each unit's QR poster."""
from __future__ import annotations

import asyncio

from aiohttp import web
from multidict import MultiDictProxy

from org import poster, service
from org.models import LEVELS
from tips.routing import route_of, unhandled_unit_ids
from web import messages
from web.console_pages import audited, error_page, redirect, render
from web.typedefs import SERVICES, SITE

UNIT = r"{unit_id:\d{1,9}}"


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/org", tree_page)
    r.add_post("/admin/org", add_unit)
    r.add_get(f"/admin/org/{UNIT}", unit_page)
    r.add_post(f"/admin/org/{UNIT}/rename", rename_unit)
    r.add_post(f"/admin/org/{UNIT}/move", move_unit)
    r.add_post(f"/admin/org/{UNIT}/merge", merge_unit)
    r.add_post(f"/admin/org/{UNIT}/retire", retire_unit)
    r.add_get(f"/admin/org/{UNIT}/qr.png", qr_png)
    r.add_get(f"/admin/org/{UNIT}/poster.png", poster_png)
    r.add_get(f"/admin/org/{UNIT}/poster.pdf", poster_pdf)


def _field(form: MultiDictProxy, name: str, limit: int = 200) -> str:
    return str(form.get(name, ""))[:limit]


async def _tree_context(request: web.Request) -> dict:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        lines = await service.list_tree(session)
        counts = await service.member_counts(session)
        # Units nobody up their chain handles tips for: flagged loudly (issue 12, point 4).
        unhandled = await unhandled_unit_ids(session, services.settings)
    names = {line.unit.id: line.unit.name for line in lines}
    return {"title": "组织架构", "lines": lines, "counts": counts, "levels": LEVELS,
            "unhandled": sorted(unhandled, key=lambda i: names.get(i, "")), "unhandled_set": unhandled,
            "unit_names": names, "min_unit_size": services.settings.tip_min_unit_size}


async def tree_page(request: web.Request) -> web.Response:
    return render(request, "console/org.html", await _tree_context(request))


async def add_unit(request: web.Request) -> web.Response:
    form = await request.post()
    values = {k: _field(form, k) for k in ("code", "name", "level", "parent")}
    try:
        async with request.app[SERVICES].sessions() as session, session.begin():
            unit = await service.add_unit(session, values["code"], values["name"], values["level"],
                                          values["parent"] or None)
    except service.OrgError as exc:
        context = await _tree_context(request)
        return render(request, "console/org.html", {**context, "errors": [str(exc)], "form": values}, status=400)
    await audited(request, "org.add", unit.code, unit.name)
    raise redirect("/admin/org", "org_added")


async def _unit_or_404(request: web.Request):
    async with request.app[SERVICES].sessions() as session:
        unit = await service.unit_by_id(session, int(request.match_info["unit_id"]), active_only=False)
    if unit is None:
        raise web.HTTPNotFound()
    return unit


async def unit_page(request: web.Request, *, errors: list[str] | None = None, status: int = 200) -> web.Response:
    unit = await _unit_or_404(request)
    services = request.app[SERVICES]
    async with services.sessions() as session:
        lines = await service.list_tree(session)
        members = await service.member_count(session, unit.id)
        below = await service.subtree_ids(session, unit.id)
        route = await route_of(session, services.settings, unit.id) if not unit.retired else None
        handler_name = (await service.unit_names(session, [route.handled_by])).get(route.handled_by or 0, "") \
            if route is not None else ""
    parent = next((line.unit for line in lines if line.unit.id == unit.parent_id), None)
    username = request.app[SITE].bot_username
    return render(request, "console/org_unit.html", {
        "title": unit.name, "unit": unit, "parent": parent, "members": members, "levels": LEVELS,
        # A unit cannot move below itself: its own subtree is not offered as a parent.
        "parents": [line for line in lines if line.unit.id not in below],
        "link": poster.join_link(username, unit.code) if username else None,
        "errors": errors or [], "route": route, "handler_name": handler_name,
        "min_unit_size": services.settings.tip_min_unit_size,
    }, status=status)


async def _change(request: web.Request, action: str, change) -> web.Response:
    """Apply ``change(session, unit)``; an OrgError shows the unit page with the reason."""
    unit = await _unit_or_404(request)
    form = await request.post()
    try:
        async with request.app[SERVICES].sessions() as session, session.begin():
            detail = await change(session, unit, form)
    except service.OrgError as exc:
        return await unit_page(request, errors=[str(exc)], status=400)
    await audited(request, action, unit.code, detail)
    raise redirect(f"/admin/org/{unit.id}", action.replace(".", "_"))


async def rename_unit(request: web.Request) -> web.Response:
    async def change(session, unit, form) -> str:
        renamed = await service.rename(session, unit.id, _field(form, "name"), _field(form, "level"))
        return f"{renamed.name}（{renamed.level}）"

    return await _change(request, "org.rename", change)


async def move_unit(request: web.Request) -> web.Response:
    async def change(session, unit, form) -> str:
        parent = _field(form, "parent")
        await service.move(session, unit.id, parent or None)
        return parent or "（顶级）"

    return await _change(request, "org.move", change)


async def retire_unit(request: web.Request) -> web.Response:
    unit = await _unit_or_404(request)
    form = await request.post()
    if form.get("confirmed") != "1":
        async with request.app[SERVICES].sessions() as session:
            members = await service.member_count(session, unit.id)
        return render(request, "console/confirm.html", {
            "title": "撤销单位", "question": messages.org_retire_question(unit.name, members),
            "details": [("单位", unit.name), ("代码", unit.code)], "fields": [],
            "action": f"/admin/org/{unit.id}/retire", "confirm_label": "确认撤销",
            "cancel_href": f"/admin/org/{unit.id}", "warning": None,
        })

    async def change(session, unit, form) -> str:
        await service.retire(session, unit.id)
        return ""

    return await _change(request, "org.retire", change)


async def merge_unit(request: web.Request) -> web.Response:
    unit = await _unit_or_404(request)
    form = await request.post()
    into = _field(form, "into", 40)
    if form.get("confirmed") != "1":
        async with request.app[SERVICES].sessions() as session:
            members = await service.member_count(session, unit.id)
            target = await service.unit_by_code(session, into) if into else None
        if target is None:
            return await unit_page(request, errors=[messages.ORG_MERGE_PICK], status=400)
        return render(request, "console/confirm.html", {
            "title": "合并单位", "question": messages.org_merge_question(unit.name, target.name, members),
            "details": [("单位", unit.name), ("并入", target.name)], "fields": [("into", target.code)],
            "action": f"/admin/org/{unit.id}/merge", "confirm_label": "确认合并",
            "cancel_href": f"/admin/org/{unit.id}", "warning": None,
        })

    async def change(session, unit, form) -> str:
        target = await service.merge(session, unit.id, into)
        return target.code

    return await _change(request, "org.merge", change)


async def _link_or_error(request: web.Request):
    unit = await _unit_or_404(request)
    username = request.app[SITE].bot_username
    if not username:
        return unit, None
    return unit, poster.join_link(username, unit.code)


def _file(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(body=body, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


async def qr_png(request: web.Request) -> web.Response:
    unit, link = await _link_or_error(request)
    if link is None:
        return error_page(request, "无法生成二维码", messages.ORG_NO_BOT, 503)
    return _file(await asyncio.to_thread(poster.qr_png, link), "image/png", f"qr-{unit.code}.png")


async def poster_png(request: web.Request) -> web.Response:
    unit, link = await _link_or_error(request)
    if link is None:
        return error_page(request, "无法生成海报", messages.ORG_NO_BOT, 503)
    body = await asyncio.to_thread(poster.poster_png, unit.name, unit.level, link, unit.code)
    return _file(body, "image/png", f"poster-{unit.code}.png")


async def poster_pdf(request: web.Request) -> web.Response:
    unit, link = await _link_or_error(request)
    if link is None:
        return error_page(request, "无法生成海报", messages.ORG_NO_BOT, 503)
    body = await asyncio.to_thread(poster.poster_pdf, unit.name, unit.level, link, unit.code)
    return _file(body, "application/pdf", f"poster-{unit.code}.pdf")
