"""Console: the 待回答 inbox of 问工会 — questions workers handed to a person, answered here.

Everything goes through ``knowledge.handoff`` (the same rules as the bot's 回答 button): the
answer is stored first (the first answer wins), then sent through the bot (``BOT_SENDER``, the
``HandoffSender`` port). Staff see the worker only as 职工 #N.
"""
from __future__ import annotations

from aiohttp import web

from knowledge import handoff as domain
from knowledge.models import HandoffStatus
from web import messages
from web.console_pages import admin_of, error_page, redirect, render
from web.typedefs import BOT_SENDER, SERVICES

HANDOFF_PATH = r"{handoff_id:\d{1,9}}"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/handoffs", inbox)
    app.router.add_get(f"/admin/handoffs/{HANDOFF_PATH}", handoff_page)
    app.router.add_post(f"/admin/handoffs/{HANDOFF_PATH}/answer", answer)
    app.router.add_post(f"/admin/handoffs/{HANDOFF_PATH}/claim", claim)
    app.router.add_post(f"/admin/handoffs/{HANDOFF_PATH}/close", close)


async def inbox(request: web.Request) -> web.Response:
    """Waiting questions first (longest waiting first), then answered ones; ``?all=1`` adds closed ones."""
    show_all = request.query.get("all") == "1"
    async with request.app[SERVICES].sessions() as session:
        handoffs = await domain.list_handoffs(session, open_only=not show_all)
        counts = await domain.counts(session)
    return render(request, "console/handoffs.html", {
        "title": "待回答", "handoffs": handoffs, "counts": counts, "show_all": show_all, "Status": HandoffStatus,
        "latest_question": domain.latest_question,
    })


async def handoff_page(request: web.Request, *, errors: list[str] | None = None, text: str = "",
                       status: int = 200) -> web.Response:
    handoff_id = int(request.match_info["handoff_id"])
    async with request.app[SERVICES].sessions() as session:
        try:
            handoff = await domain.get_handoff(session, handoff_id)
        except domain.HandoffNotFound:
            return error_page(request, "找不到问题", messages.NOT_FOUND, 404)
    return render(request, "console/handoff.html", {
        "title": f"职工 #{handoff.id} 的问题", "h": handoff, "errors": errors or [], "text": text,
        "max_answer": domain.MAX_ANSWER_CHARS, "can_send": BOT_SENDER in request.app, "Status": HandoffStatus,
    }, status=status)


async def answer(request: web.Request) -> web.Response:
    """Store the answer (first wins), then send it to the worker through the bot."""
    services = request.app[SERVICES]
    handoff_id = int(request.match_info["handoff_id"])
    text = str((await request.post()).get("text", ""))
    sender = request.app.get(BOT_SENDER)
    if sender is None:
        return await handoff_page(request, errors=[messages.HANDOFF_NO_BOT], text=text, status=503)
    try:
        delivery = await domain.answer_and_deliver(services.sessions, services.settings, sender, handoff_id,
                                                   admin_of(request).user_id, text, now=services.clock.now())
    except domain.QuestionEmpty:
        return await handoff_page(request, errors=[messages.HANDOFF_ANSWER_EMPTY], text=text, status=400)
    except domain.QuestionTooLong as err:
        problem = messages.HANDOFF_ANSWER_TOO_LONG.format(length=err.length, limit=domain.MAX_ANSWER_CHARS)
        return await handoff_page(request, errors=[problem], text=text, status=400)
    except domain.AlreadyAnswered:
        return await handoff_page(request, errors=[messages.HANDOFF_ALREADY_ANSWERED], text=text, status=409)
    except domain.HandoffClosed:
        return await handoff_page(request, errors=[messages.HANDOFF_CLOSED], text=text, status=409)
    except domain.HandoffNotFound:
        return error_page(request, "找不到问题", messages.NOT_FOUND, 404)
    except domain.NotAnAdminAnymore as exc:  # the guard let the request in a moment ago
        raise web.HTTPForbidden() from exc
    done = {domain.Delivery.DELIVERED: "handoff_answered", domain.Delivery.BLOCKED: "handoff_blocked",
            domain.Delivery.FAILED: "handoff_stored"}[delivery]
    raise redirect(f"/admin/handoffs/{handoff_id}", done)


async def claim(request: web.Request) -> web.Response:
    """我来回答: the worker sees 回答中; any staff member may still answer first."""
    services = request.app[SERVICES]
    handoff_id = int(request.match_info["handoff_id"])
    try:
        async with services.sessions() as session, session.begin():
            await domain.claim(session, services.settings, handoff_id, admin_of(request).user_id,
                               now=services.clock.now())
    except domain.HandoffNotFound:
        return error_page(request, "找不到问题", messages.NOT_FOUND, 404)
    except domain.HandoffClosed:
        return await handoff_page(request, errors=[messages.HANDOFF_CLOSED], status=409)
    except domain.NotAnAdminAnymore as exc:
        raise web.HTTPForbidden() from exc
    raise redirect(f"/admin/handoffs/{handoff_id}", "handoff_claimed")


async def close(request: web.Request) -> web.Response:
    """Close a handoff by hand: the worker's chat id is deleted, the text stays."""
    services = request.app[SERVICES]
    handoff_id = int(request.match_info["handoff_id"])
    try:
        async with services.sessions() as session, session.begin():
            await domain.close(session, handoff_id, now=services.clock.now(), reason="staff",
                               admin_id=admin_of(request).user_id)
    except domain.HandoffNotFound:
        return error_page(request, "找不到问题", messages.NOT_FOUND, 404)
    raise redirect(f"/admin/handoffs/{handoff_id}", "handoff_closed")
