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
    r.add_post("/admin/tips/{tip_id:\\d{1,9}}/owner", set_owner)
    r.add_post("/admin/tips/{tip_id:\\d{1,9}}/notes", add_private_note)
    r.add_post("/admin/tips/{tip_id:\\d{1,9}}/recognize", recognize_tip)
    r.add_post("/admin/tips/{tip_id:\\d{1,9}}/hold", hold)
    r.add_get("/admin/tips/retention", retention)
    r.add_get("/admin/tips/photos/{photo_id:\\d{1,9}}", photo)


def _labels() -> dict:
    from tips.models import ALL_STATUSES, PLACES_BY_CODE, REJECT_REASONS

    return {
        "statuses": ALL_STATUSES,
        "reject_reasons": REJECT_REASONS,
        "place_labels": {code: p.label for code, p in PLACES_BY_CODE.items()},
        "topic_labels": {code: t.label for code, t in BY_CODE.items()},
    }


async def inbox(request: web.Request) -> web.Response:
    from tips.cases import deadline
    from tips.models import parse_status
    from tips.service import list_tips

    q = request.query
    status, category, urgent = parse_status(q.get("status")), q.get("category", ""), q.get("urgent", "")
    show, unread, mine = q.get("show", "open"), q.get("unread", ""), q.get("mine", "")
    page = page_number(request)
    services = request.app[SERVICES]
    now = services.clock.now()
    async with services.sessions() as session:
        found = await list_tips(
            session, status=status, category=category or None,
            urgent={"1": True, "0": False}.get(urgent), open_only=show == "open",
            unread=True if unread == "1" else None, owner_id=admin_of(request).user_id if mine == "1" else None,
            now=now, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
            unit_ids=await _visible_units(request, session),
        )
        routing = await _routing(session, services.settings, [t.unit_id for t in found.tips])
    query = {k: v for k, v in {"status": status or "", "category": category, "urgent": urgent, "show": show,
                               "unread": unread, "mine": mine}.items() if v}
    return render(request, "console/tips.html", {
        "title": "隐患举报", "page_data": found, "page": page, "filters": query, "status": status,
        "query_string": urlencode(query), "deadlines": {t.id: deadline(t, now) for t in found.tips}, **_labels(),
        **routing,
    })


async def _visible_units(request: web.Request, session) -> frozenset[int] | None:
    """The units whose tips this admin may see (None: every tip). A tip routed to a unit is for that
    subtree's staff: a tipper who sent it above their own unit ("我不想让本单位知道") must not find it
    in their unit's inbox (issue 12, point 4)."""
    from org.roles import Action, scope_of

    scope = await scope_of(session, request.app[SERVICES].settings, admin_of(request).user_id, Action.VIEW_TIPS)
    return None if scope.everything else scope.unit_ids


async def _routing(session, settings, unit_ids: list[int | None]) -> dict:
    """Where tips of these units go (issue 12, point 4): each unit's route and the names to show, and the
    units with no tip handler up their whole chain, flagged loudly on the page."""
    from org.service import unit_names
    from tips.routing import route_of, unhandled_unit_ids

    routes = {unit_id: await route_of(session, settings, unit_id) for unit_id in set(unit_ids) if unit_id is not None}
    unhandled = await unhandled_unit_ids(session, settings)
    names = await unit_names(session, {*routes, *(r.handled_by for r in routes.values()), *unhandled})
    return {"routes": routes, "unit_names": names, "unhandled": sorted(unhandled, key=lambda i: names.get(i, ""))}


async def tip_page(request: web.Request) -> web.Response:
    return await _show_tip(request)


async def _show_tip(request: web.Request, errors: list[str] | None = None, status: int = 200,
                    form: dict | None = None) -> web.Response:
    """The tip with its thread; after a refused action, with the reasons and what was typed.

    Opening it clears the "new from the tipper" flag: a handler has now seen what was added.
    """
    from core.admins import audit
    from tips.cases import CasePolicy, channel_for, deadline, mark_read, notes_of
    from tips.models import EventKind, TipStatus
    from tips.service import TipNotFound, allowed_transitions, get_tip

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    async with services.sessions() as session, session.begin():
        try:
            tip = await get_tip(session, tip_id)
        except TipNotFound:
            return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
        visible = await _visible_units(request, session)
        if visible is not None and tip.unit_id not in visible:  # outside the admin's units: as if absent
            return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
        notes = await notes_of(session, tip_id)
        routing = await _routing(session, services.settings, [tip.unit_id])
        unread = tip.tipper_unread
        if unread:
            await mark_read(session, tip_id)
            await audit(session, admin_of(request).user_id, "tip.view", f"tip:{tip_id}", unit_id=tip.unit_id)
        admins = await _admins(session, services.settings, tip.unit_id)
    policy = CasePolicy.from_settings(services.settings)
    now = services.clock.now()
    return render(request, "console/tip.html", {
        "title": f"举报 #{tip.id}", "tip": tip, "transitions": allowed_transitions(tip.status),
        "can_reject": TipStatus.REJECTED in allowed_transitions(tip.status),
        "submitted_photos": [p for p in tip.photos if p.event_id is None], "errors": errors or [],
        "form": form or {}, "note_max": NOTE_MAX_CHARS, "notes": notes, "kinds": EventKind, "was_unread": unread,
        "admins": admins, "me": admin_of(request).user_id, "deadline": deadline(tip, now),
        "channel": channel_for(tip),
        "final_question": messages.TIP_CONFIRM_FINAL_JS.format(tip_id=tip.id, days=services.settings.tip_review_days),
        "purge_at": policy.purge_at(tip), "review_until": policy.review_until(tip),
        **_labels(), **routing,
    }, status=status)


async def _admins(session, settings, unit_id: int | None) -> list[tuple[int, str]]:
    """The admins a tip of ``unit_id`` may be assigned to (举报处理 or 管理员 over its unit, super-admins
    included: ``org.roles.tip_owners``), as (id, name) for the owner picker."""
    from core.admins import admin_names
    from org.roles import tip_owners

    owners = await tip_owners(session, settings, unit_id)
    names = await admin_names(session, owners)
    return [(user_id, names.get(user_id, "")) for user_id in owners]


async def change_status(request: web.Request) -> web.Response:
    from tips.service import TipNotFound, TransitionNotAllowed
    from tips.service import change_status as change

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    form = await request.post()
    from tips.models import REJECT_REASONS_BY_CODE, TipStatus, parse_status
    from tips.service import TipInvalid

    new_status, note = str(form.get("status", "")), str(form.get("note", "")).strip()
    reason = str(form.get("reason", "")) or None
    target = parse_status(new_status)
    typed = {"status": target, "note": note, "reason": reason}
    if len(note) > NOTE_MAX_CHARS:
        return await _show_tip(request, [messages.TIP_NOTE_TOO_LONG.format(limit=NOTE_MAX_CHARS, given=len(note))],
                               400, typed)
    if target is TipStatus.CLOSED and not note:
        return await _show_tip(request, [messages.TIP_CLOSE_NOTE_NEEDED], 400, typed)
    if target is TipStatus.REJECTED and reason not in REJECT_REASONS_BY_CODE:
        return await _show_tip(request, [messages.TIP_REJECT_REASON_NEEDED], 400, typed)
    if target is not None and target.is_final and form.get("confirmed") != "1":
        # Closing and rejecting end the case: a confirm page first (without JavaScript), which
        # posts the same fields back with confirmed=1.
        details = [("新状态", target.label), ("说明（举报人可见）", note)]
        if reason is not None:
            details.append(("原因", REJECT_REASONS_BY_CODE[reason].label))
        return render(request, "console/confirm.html", {
            "title": f"确认{target.label}", "question": messages.TIP_CONFIRM_FINAL.format(
                tip_id=tip_id, status=target.label, days=services.settings.tip_review_days),
            "details": details, "action": f"/admin/tips/{tip_id}/status",
            "fields": [("status", target.value), ("note", note), ("reason", reason or "")],
            "confirm_label": f"确认{target.label}", "cancel_href": f"/admin/tips/{tip_id}",
        })
    try:
        async with services.sessions() as session, session.begin():
            await change(session, tip_id, new_status, note, admin_id=admin_of(request).user_id,
                         now=services.clock.now(), reason=reason)
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except TransitionNotAllowed:
        return await _show_tip(request, [messages.TIP_TRANSITION_REFUSED], 409, typed)
    except TipInvalid:
        return await _show_tip(request, [messages.TIP_CLOSE_NOTE_NEEDED], 400, typed)
    raise redirect(f"/admin/tips/{tip_id}", "status_changed")


async def set_owner(request: web.Request) -> web.Response:
    """Assign the tip to an admin (``owner`` = an admin id or "" to release it; ``take=1``: to oneself)."""
    from tips.cases import OwnerNotAdmin, assign_owner
    from tips.service import TipNotFound

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    me = admin_of(request).user_id
    form = await request.post()
    chosen = str(form.get("owner", "")).strip()
    if form.get("take") == "1":  # 由我负责
        owner: int | None = me
    elif chosen == "":
        owner = None
    elif chosen.isdigit() and len(chosen) <= 15:
        owner = int(chosen)
    else:
        return await _show_tip(request, [messages.TIP_OWNER_NOT_ADMIN], 400)
    try:
        async with services.sessions() as session, session.begin():
            await assign_owner(session, services.settings, tip_id, owner, admin_id=me)
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except OwnerNotAdmin as exc:
        return await _show_tip(request, [messages.TIP_OWNER_NOT_HANDLER if exc.reason == "not_handler"
                                         else messages.TIP_OWNER_NOT_ADMIN], 400)
    raise redirect(f"/admin/tips/{tip_id}", "owner_set")


async def add_private_note(request: web.Request) -> web.Response:
    """A private note (tip_notes): union staff only, never in the tipper's thread."""
    from tips.cases import add_note

    return await _post_text(request, "note_text", add_note, too_long=messages.TIP_NOTE_TOO_LONG,
                            empty=messages.TIP_NOTE_EMPTY, done="note_added")


async def reply(request: web.Request) -> web.Response:
    """A reply in the tipper's thread (they read it with their receipt code)."""
    from tips.service import reply as post_reply

    return await _post_text(request, "text", post_reply, too_long=messages.TIP_REPLY_TOO_LONG,
                            empty=messages.TIP_REPLY_EMPTY, done="replied")


async def _post_text(request: web.Request, field: str, write, *, too_long: str, empty: str, done: str) -> web.Response:
    """A text posted on a tip's page, written by ``write(session, tip_id, text, admin_id=, now=)`` in one
    transaction; over NOTE_MAX_CHARS or empty, the page comes back with the text kept and the reason."""
    from tips.service import TipInvalid, TipNotFound

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    text = str((await request.post()).get(field, "")).strip()
    if len(text) > NOTE_MAX_CHARS:
        return await _show_tip(request, [too_long.format(limit=NOTE_MAX_CHARS, given=len(text))], 400, {field: text})
    try:
        async with services.sessions() as session, session.begin():
            await write(session, tip_id, text, admin_id=admin_of(request).user_id, now=services.clock.now())
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except TipInvalid:
        return await _show_tip(request, [empty], 400, {field: text})
    raise redirect(f"/admin/tips/{tip_id}", done)


async def photo(request: web.Request) -> web.Response:
    from tips.models import Tip, TipPhoto

    # A plain primary-key read: tips.service has no photo accessor (photos also arrive with get_tip).
    async with request.app[SERVICES].sessions() as session:
        row = await session.get(TipPhoto, int(request.match_info["photo_id"]))
        visible = await _visible_units(request, session)
        if row is not None and visible is not None:
            tip = await session.get(Tip, row.tip_id)
            row = row if tip is not None and tip.unit_id in visible else None
    if row is None:
        raise web.HTTPNotFound()
    # Served from the console's origin, so never as anything a browser would run (HTML, SVG, JS).
    content_type = row.content_type if row.content_type in IMAGE_TYPES else "application/octet-stream"
    return web.Response(body=row.data, content_type=content_type,
                        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"})


async def export(request: web.Request) -> web.StreamResponse:
    """tips.xlsx + tips.csv + thread.csv + photos/ as one ZIP download (export_tips audits it)."""
    from tips.models import parse_status
    from tips.service import export_tips

    services = request.app[SERVICES]
    status = parse_status(request.query.get("status"))
    open_only = request.query.get("show", "open") == "open"
    tmp = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="ankang-tips-"))
    try:
        async with services.sessions() as session, session.begin():
            await export_tips(session, tmp, status=status, open_only=open_only, admin_id=admin_of(request).user_id,
                              tz=services.settings.tz, unit_ids=await _visible_units(request, session))
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


async def recognize_tip(request: web.Request) -> web.Response:
    """有效举报: the tipper's status page then says so, with how a real-name reward claim works."""
    from tips.cases import RECOGNITION_MAX_CHARS, recognize
    from tips.service import TipInvalid, TipNotFound

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    note = str((await request.post()).get("recognition_note", "")).strip()
    try:
        async with services.sessions() as session, session.begin():
            await recognize(session, tip_id, note, admin_id=admin_of(request).user_id)
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except TipInvalid:
        return await _show_tip(request, [messages.TIP_NOTE_TOO_LONG.format(limit=RECOGNITION_MAX_CHARS,
                                                                          given=len(note))], 400)
    raise redirect(f"/admin/tips/{tip_id}", "recognized")


async def hold(request: web.Request) -> web.Response:
    """Place a legal hold with a reason, or release it (after a confirmation: the purge may then delete it)."""
    from tips.cases import HoldRefused, set_hold
    from tips.service import TipNotFound

    services = request.app[SERVICES]
    tip_id = int(request.match_info["tip_id"])
    form = await request.post()
    release = form.get("release") == "1"
    if release and form.get("confirmed") != "1":
        return render(request, "console/confirm.html", {
            "title": "确认解除法律保全", "question": messages.CONFIRM_HOLD_RELEASE.format(tip_id=tip_id),
            "details": [], "action": f"/admin/tips/{tip_id}/hold", "fields": [("release", "1")],
            "confirm_label": "确认解除", "cancel_href": f"/admin/tips/{tip_id}",
        })
    try:
        async with services.sessions() as session, session.begin():
            await set_hold(session, tip_id, None if release else str(form.get("hold_reason", "")),
                           admin_id=admin_of(request).user_id)
    except TipNotFound:
        return error_page(request, "找不到举报", messages.NOT_FOUND, 404)
    except HoldRefused as refused:
        return await _show_tip(request, [messages.TIP_HOLD_REFUSED[refused.reason]], 409)
    raise redirect(f"/admin/tips/{tip_id}", "hold_released" if release else "hold_set")


async def retention(request: web.Request) -> web.Response:
    """What the retention purge deletes in the next 30 days, what legal holds keep, and what it left."""
    from sqlalchemy import func, select

    from tips.cases import CasePolicy
    from tips.jobs import PURGE_PREVIEW_DAYS, preview_purge
    from tips.models import TipPurgeCount

    services = request.app[SERVICES]
    policy = CasePolicy.from_settings(services.settings)
    async with services.sessions() as session:
        preview = await preview_purge(session, services.clock.now(), policy)
        purged = (await session.execute(select(func.coalesce(func.sum(TipPurgeCount.count), 0)))).scalar_one()
    return render(request, "console/tips_retention.html", {
        "title": "举报保存期限", "preview": preview, "days": PURGE_PREVIEW_DAYS,
        "retention_days": policy.retention_days, "purged": purged, **_labels(),
    })
