"""Console: the hazard-tip inbox — filters, a tip with photos and thread, status changes, replies, export.

Everything goes through ``tips.service`` (which audits status changes, replies and exports itself).
Nothing here can reveal a tipper: the tables hold no sender identifiers to begin with.
"""
from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from core.topics import BY_CODE
from tips.service import NOTE_MAX_CHARS  # the service would cut longer text silently: refuse it here
from web import messages
from web.console_pages import admin_of, error_page, page_number, redirect, render
from web.typedefs import SERVICES

PAGE_SIZE = 20
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/tips", inbox)
    r.add_get("/admin/tips/export.zip", export)
    r.add_get("/admin/tips/{tip_id:\\d{1,9}}", tip_page)
    r.add_post("/admin/tips/{tip_id:\\d{1,9}}/status", change_status)
    r.add_post("/admin/tips/{tip_id:\\d{1,9}}/reply", reply)
    r.add_get("/admin/tips/photos/{photo_id:\\d{1,9}}", photo)


def _labels() -> dict:
    from tips.models import ALL_STATUSES, PLACES_BY_CODE

    return {
        "statuses": ALL_STATUSES,
        "place_labels": {code: p.label for code, p in PLACES_BY_CODE.items()},
        "topic_labels": {code: t.label for code, t in BY_CODE.items()},
    }


async def inbox(request: web.Request) -> web.Response:
    from tips.models import parse_status
    from tips.service import list_tips

    q = request.query
    status, category, urgent = parse_status(q.get("status")), q.get("category", ""), q.get("urgent", "")
    show = q.get("show", "open")
    page = page_number(request)
    async with request.app[SERVICES].sessions() as session:
        found = await list_tips(
            session, status=status, category=category or None,
            urgent={"1": True, "0": False}.get(urgent), open_only=show == "open",
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        )
    query = {k: v for k, v in {"status": status or "", "category": category, "urgent": urgent, "show": show}.items()
             if v}
    return render(request, "console/tips.html", {
        "title": "隐患举报", "page_data": found, "page": page, "filters": query, "status": status,
        "query_string": urlencode(query), **_labels(),
    })


async def tip_page(request: web.Request) -> web.Response:
    return await _show_tip(request)


async def _show_tip(request: web.Request, errors: list[str] | None = None, status: int = 200,
                    form: dict | None = None) -> web.Response:
    """The tip with its thread; after a refused action, with the reasons and what was typed."""
    from tips.service import TipNotFound, allowed_transitions, get_tip

    async with request.app[SERVICES].sessions() as session:
        try:
            tip = await get_tip(session, int(request.match_info["tip_id"]))
        except TipNotFound:
            return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    return render(request, "console/tip.html", {
        "title": f"举报 #{tip.id}", "tip": tip, "transitions": allowed_transitions(tip.status),
        "submitted_photos": [p for p in tip.photos if p.event_id is None], "errors": errors or [],
        "form": form or {}, "note_max": NOTE_MAX_CHARS, **_labels(),
    }, status=status)


async def change_status(request: web.Request) -> web.Response:
    from tips.service import TipNotFound, TransitionNotAllowed
    from tips.service import change_status as change

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    form = await request.post()
    from tips.models import parse_status

    new_status, note = str(form.get("status", "")), str(form.get("note", "")).strip()
    typed = {"status": parse_status(new_status), "note": note}
    if len(note) > NOTE_MAX_CHARS:
        return await _show_tip(request, [messages.TIP_NOTE_TOO_LONG.format(limit=NOTE_MAX_CHARS, given=len(note))],
                               400, typed)
    try:
        async with services.sessions() as session, session.begin():
            await change(session, tip_id, new_status, note, admin_id=admin_of(request).user_id,
                         now=services.clock.now())
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except TransitionNotAllowed:
        return await _show_tip(request, [messages.TIP_TRANSITION_REFUSED], 409, typed)
    raise redirect(f"/admin/tips/{tip_id}", "status_changed")


async def reply(request: web.Request) -> web.Response:
    from tips.service import TipInvalid, TipNotFound
    from tips.service import reply as post_reply

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    form = await request.post()
    text = str(form.get("text", "")).strip()
    if len(text) > NOTE_MAX_CHARS:
        return await _show_tip(request, [messages.TIP_REPLY_TOO_LONG.format(limit=NOTE_MAX_CHARS, given=len(text))],
                               400, {"text": text})
    try:
        async with services.sessions() as session, session.begin():
            await post_reply(session, tip_id, text, admin_id=admin_of(request).user_id, now=services.clock.now())
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except TipInvalid:
        return await _show_tip(request, [messages.TIP_REPLY_EMPTY], 400, {"text": text})
    raise redirect(f"/admin/tips/{tip_id}", "replied")


async def photo(request: web.Request) -> web.Response:
    from tips.models import TipPhoto

    # A plain primary-key read: tips.service has no photo accessor (photos also arrive with get_tip).
    async with request.app[SERVICES].sessions() as session:
        row = await session.get(TipPhoto, int(request.match_info["photo_id"]))
    if row is None:
        raise web.HTTPNotFound()
    # Served from the console's origin, so never as anything a browser would run (HTML, SVG, JS).
    content_type = row.content_type if row.content_type in IMAGE_TYPES else "application/octet-stream"
    return web.Response(body=row.data, content_type=content_type,
                        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"})


async def export(request: web.Request) -> web.StreamResponse:
    """tips.csv + thread.csv + photos/ as one ZIP download (export_tips audits it)."""
    from tips.models import parse_status
    from tips.service import export_tips

    services = request.app[SERVICES]
    status = parse_status(request.query.get("status"))
    open_only = request.query.get("show", "open") == "open"
    tmp = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="ankang-tips-"))
    try:
        async with services.sessions() as session, session.begin():
            await export_tips(session, tmp, status=status, open_only=open_only, admin_id=admin_of(request).user_id)
        data = await asyncio.to_thread(_zip_dir, tmp)
    finally:
        await asyncio.to_thread(shutil.rmtree, tmp, True)
    stamp = services.clock.now().astimezone(services.settings.tz).strftime("%Y%m%d-%H%M")
    return web.Response(body=data, content_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="tips-{stamp}.zip"'})


def _zip_dir(root: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()
