"""Public tip pages: /tip (the report form) and /tip/status (receipt → status, thread, follow-up).

Plain HTML forms, no JavaScript. CSRF: a random cookie plus a hidden field holding an HMAC of it
under the server secret (never bound to the client's address). These handlers never read or log
``request.remote``, headers or the user agent, and the runner disables the access log.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from core.admins import duty_recipients
from core.topics import TOPICS
from tips import receipts
from tips.alerts import urgent_alert_html
from tips.models import PLACE_TYPES, STATUS_LABELS, Author, EventKind
from tips.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_TIP, CleanPhoto, PhotoRejected, sanitize
from tips.runtime import tips_runtime
from tips.service import (
    DESCRIPTION_MAX_CHARS, DESCRIPTION_MIN_CHARS, LOCATION_MAX_CHARS, ReceiptInvalid, TipDraft, TipInvalid,
    add_followup, find_by_receipt, get_tip, place_label, submit_tip, topic_label,
)

log = logging.getLogger(__name__)

CSRF_COOKIE = "tip_csrf"
CSRF_FIELD = "csrf"

ERRORS = {
    "csrf": "页面已过期，请刷新后重新提交（内容未保存）。",
    "category": "请选择隐患类别。",
    "place_type": "请选择场所类型。",
    "location_long": f"地点请控制在 {LOCATION_MAX_CHARS} 字以内。",
    "description_short": f"请描述隐患，至少 {DESCRIPTION_MIN_CHARS} 个字。",
    "description_long": f"描述请控制在 {DESCRIPTION_MAX_CHARS} 字以内。",
    "urgent": "请选择是否存在直接危及人身安全的紧急情况。",
    "photos": f"最多上传 {MAX_PHOTOS_PER_TIP} 张照片。",
    "too_large": "有照片超过 10 MB，请压缩后再上传。",
    "not_image": "有文件不是可识别的照片（支持 JPG、PNG、WebP）。",
    "too_many_pixels": "有照片尺寸过大，请缩小后再上传。",
    "busy": "提交的人太多了，请几分钟后再试。紧急情况请直接拨打 119 / 120，或拨打 12350 举报。",
    "receipt": "回执码不正确，请检查后重试。",
    "text": "请填写要补充的内容或选择照片。",
    "failed": "抱歉，提交失败了，举报没有保存，请稍后再试。",
}

# Pages that show a receipt or a thread must never be cached or leak through a referrer.
NO_STORE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


def setup_routes(app: web.Application) -> None:
    """Add the public tip pages (call from web.app.setup_routes)."""
    app.router.add_get("/tip", tip_form, name="tip_form")
    app.router.add_post("/tip", tip_submit)
    app.router.add_get("/tip/status", status_form, name="tip_status")
    app.router.add_post("/tip/status", status_show)
    app.router.add_post("/tip/status/add", status_add)


# ---------------------------------------------------------------- CSRF


def _services(request: web.Request):
    from web.app import SERVICES

    return request.app[SERVICES]


def _csrf_token(secret: str, cookie: str) -> str:
    return hmac.new(secret.encode(), b"tip-csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


@dataclass
class Csrf:
    cookie: str
    token: str
    new: bool


def _csrf(request: web.Request) -> Csrf:
    secret = _services(request).settings.effective_secret_key
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if len(cookie) < 32:
        cookie = secrets.token_urlsafe(32)
        return Csrf(cookie, _csrf_token(secret, cookie), True)
    return Csrf(cookie, _csrf_token(secret, cookie), False)


def _csrf_valid(request: web.Request, form: MultiDictProxy) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = form.get(CSRF_FIELD)
    if len(cookie) < 32 or not isinstance(given, str):
        return False
    expected = _csrf_token(_services(request).settings.effective_secret_key, cookie)
    return hmac.compare_digest(expected, given)


def _render(request: web.Request, template: str, context: dict, *, status: int = 200) -> web.Response:
    csrf = _csrf(request)
    context = {"csrf": csrf.token, "csrf_field": CSRF_FIELD, **context}
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    for name, value in NO_STORE.items():
        response.headers[name] = value
    if csrf.new:
        settings = _services(request).settings
        response.set_cookie(CSRF_COOKIE, csrf.cookie, path="/tip", httponly=True, samesite="Strict",
                            secure=request.secure or settings.public_url.startswith("https://"))
    return response


# ---------------------------------------------------------------- the report form


@dataclass
class FormValues:
    category: str = ""
    place_type: str = ""
    location: str = ""
    description: str = ""
    urgent: str = ""
    errors: list[str] = field(default_factory=list)


def _form_context(values: FormValues) -> dict:
    return {
        "title": "匿名举报事故隐患",
        "topics": TOPICS,
        "places": PLACE_TYPES,
        "values": values,
        "errors": [ERRORS.get(e, e) for e in values.errors],
        "min_chars": DESCRIPTION_MIN_CHARS,
        "max_chars": DESCRIPTION_MAX_CHARS,
        "max_photos": MAX_PHOTOS_PER_TIP,
    }


async def tip_form(request: web.Request) -> web.Response:
    return _render(request, "tips/form.html", _form_context(FormValues()))


async def _read_photos(form: MultiDictProxy, name: str = "photos") -> list[bytes]:
    """The uploaded files of field ``name`` (an empty file input sends one empty part: skipped)."""
    found = []
    for item in form.getall(name, []):
        if isinstance(item, web.FileField) and item.filename:
            data = item.file.read(MAX_PHOTO_BYTES + 1)
            if data:
                found.append(data)
    return found


async def _clean_photos(raw: list[bytes]) -> list[CleanPhoto]:
    """Sanitise every upload off the event loop; raise PhotoRejected for the first bad one."""
    return [await asyncio.to_thread(sanitize, data) for data in raw]


async def tip_submit(request: web.Request) -> web.Response:
    form = await request.post()
    values = FormValues(
        category=str(form.get("category", "")), place_type=str(form.get("place_type", "")),
        location=str(form.get("location", "")), description=str(form.get("description", "")),
        urgent=str(form.get("urgent", "")),
    )
    if not _csrf_valid(request, form):
        values.errors.append("csrf")
        return _render(request, "tips/form.html", _form_context(values), status=403)
    runtime = tips_runtime(_services(request))
    raw_photos = await _read_photos(form)
    draft = TipDraft(values.category, values.place_type, values.location, values.description,
                     {"yes": True, "no": False}.get(values.urgent), [])
    if len(raw_photos) > MAX_PHOTOS_PER_TIP:
        values.errors.append("photos")
    else:
        try:
            draft.photos = await _clean_photos(raw_photos)
        except PhotoRejected as err:
            values.errors.append(err.reason)
    if not values.errors:
        from tips.service import validate

        try:
            validate(draft)
        except TipInvalid as err:
            values.errors.append(err.field)
    if values.errors:
        return _render(request, "tips/form.html", _form_context(values), status=400)
    if not runtime.limits.web_tips.take():
        values.errors.append("busy")
        return _render(request, "tips/form.html", _form_context(values), status=429)
    services = _services(request)
    try:
        async with services.sessions() as session, session.begin():
            submitted = await submit_tip(session, draft, now=services.clock.now())
    except Exception:
        log.exception("web tip submission failed before commit")
        values.errors.append("failed")
        return _render(request, "tips/form.html", _form_context(values), status=500)
    # Committed: from here on the receipt is shown, whatever else happens.
    log.info("tip %s submitted via web%s", submitted.tip_id, " (urgent)" if draft.urgent else "")
    if draft.urgent:
        # In the background, so the receipt page never waits on Telegram.
        runtime.spawn(_alert_admins(request.app, submitted.tip_id))
    return _render(request, "tips/receipt.html", {
        "title": "举报已提交", "code": submitted.receipt_code, "urgent": bool(draft.urgent),
    })


async def _alert_admins(app: web.Application, tip_id: int) -> None:
    """Tell the on-duty admins through the bot, when the bot is running beside the web server."""
    from web.app import BOT_SENDER, SERVICES

    sender = app.get(BOT_SENDER)
    if sender is None:
        log.warning("tip %s is urgent but no bot is attached to alert admins", tip_id)
        return
    services = app[SERVICES]
    async with services.sessions() as session:
        recipients = await duty_recipients(session, services.settings)
        text = urgent_alert_html(await get_tip(session, tip_id))
    delivered = 0
    for admin_id in recipients:
        try:
            await sender.send_text(admin_id, text)
            delivered += 1
        except Exception:
            pass  # one unreachable admin must not stop the others
    log.info("tip %s urgent alert delivered to %d of %d admins", tip_id, delivered, len(recipients))


# ---------------------------------------------------------------- status and follow-up


async def status_form(request: web.Request) -> web.Response:
    return _render(request, "tips/status_form.html", {"title": "查询举报进展", "errors": []})


async def _tip_for_code(request: web.Request, form: MultiDictProxy):
    """The tip for the posted receipt, or an error key; guessing is limited by a global bucket."""
    if not _csrf_valid(request, form):
        return None, "csrf"
    if not tips_runtime(_services(request)).limits.web_receipt_checks.take():
        return None, "busy"
    async with _services(request).sessions() as session:
        try:
            return await find_by_receipt(session, str(form.get("code", ""))), None
        except ReceiptInvalid:
            return None, "receipt"


def _thread_context(tip, code: str, notice: str = "", errors: list[str] | None = None) -> dict:
    return {
        "title": "举报进展",
        "tip": tip,
        "code": receipts.format_code(receipts.normalize(code)),
        "category": topic_label(tip.category),
        "place": place_label(tip.place_type),
        "status_labels": STATUS_LABELS,
        "tipper": Author.TIPPER,
        "kinds": EventKind,
        "notice": notice,
        "errors": [ERRORS.get(e, e) for e in errors or []],
        "max_photos": MAX_PHOTOS_PER_TIP,
    }


async def status_show(request: web.Request) -> web.Response:
    form = await request.post()
    tip, error = await _tip_for_code(request, form)
    if tip is None:
        status = {"csrf": 403, "busy": 429}.get(error, 400)
        return _render(request, "tips/status_form.html", {"title": "查询举报进展", "errors": [ERRORS[error]]},
                       status=status)
    return _render(request, "tips/status.html", _thread_context(tip, str(form.get("code", ""))))


async def status_add(request: web.Request) -> web.Response:
    form = await request.post()
    tip, error = await _tip_for_code(request, form)
    if tip is None:
        status = {"csrf": 403, "busy": 429}.get(error, 400)
        return _render(request, "tips/status_form.html", {"title": "查询举报进展", "errors": [ERRORS[error]]},
                       status=status)
    code = str(form.get("code", ""))
    raw = await _read_photos(form)
    errors: list[str] = []
    photos: list[CleanPhoto] = []
    if len(raw) > MAX_PHOTOS_PER_TIP:
        errors.append("photos")
    else:
        try:
            photos = await _clean_photos(raw)
        except PhotoRejected as err:
            errors.append(err.reason)
    services = _services(request)
    if not errors:
        try:
            async with services.sessions() as session, session.begin():
                await add_followup(session, tip.id, str(form.get("message", "")), photos, now=services.clock.now())
        except TipInvalid as err:
            errors.append(err.field)
    async with services.sessions() as session:
        tip = await get_tip(session, tip.id)
    notice = "" if errors else "已补充到您的举报中，工会处理人员可以看到。"
    return _render(request, "tips/status.html", _thread_context(tip, code, notice, errors),
                   status=400 if errors else 200)
