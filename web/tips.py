"""Public tip pages: /tip (the report form) and /tip/status (receipt → status, thread, follow-up).

Plain HTML forms, no JavaScript needed (the receipt's copy/save buttons and the flood-time proof of
work are enhancements). CSRF: a random cookie plus a hidden field holding an HMAC of it under the
server secret (never bound to the client's address). The client address is read in one place,
``_client_key``, and hashed at once under an hourly random key for in-memory limits; it is never
stored or logged, nor are headers or the user agent, and the runner disables the access log.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader as _BodyPart
from aiohttp import hdrs, web
from multidict import MultiDict

from core.cleantext import has_unstorable
from core.logging import quiet_identifying_loggers, redacted_traceback
from core.topics import TOPICS
from knowledge import EmergencyReply, emergency_reply
from org import service as org
from tips import messages as case_text
from tips.alerts import alert_urgent, notify_followup
from tips.cases import CasePolicy, ReviewRefused, channel_for, deadline, request_review
from tips.models import PLACE_TYPES, Author, EventKind, TipStatus
from tips.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_TIP, CleanPhoto, PhotoRejected, sanitize
from tips.ratelimit import POW_ATTEMPTS_THRESHOLD, POW_BITS, POW_WAIT_S, pow_valid
from tips.routing import route_unit, unit_choice
from tips.service import (
    DESCRIPTION_MAX_CHARS,
    DESCRIPTION_MIN_CHARS,
    LOCATION_MAX_CHARS,
    ReceiptInvalid,
    TipDraft,
    TipInvalid,
    add_followup,
    find_by_receipt,
    get_tip,
    place_label,
    submit_tip,
    topic_label,
    validate,
)
from web.render import render_template
from web.tip_pages import Outcome, TipPages
from web.typedefs import BOT_SENDER, SERVICES, WebServices

TIP_PAGES = web.AppKey("tip_pages", TipPages)

log = logging.getLogger(__name__)

CSRF_COOKIE = "tip_csrf"
CSRF_FIELD = "csrf"
FORM_TOKEN_FIELD = "form_token"
DAILY_KEY = "web"  # the one key of the daily storage guard
# Set in a form re-shown with the emergency guidance: the next submission stores the tip.
EMERGENCY_SEEN_FIELD = "emergency_seen"
# Routing to a unit (issue 12, point 4): the unit's code; the code of a small unit the tipper was warned
# about (the next submission keeps it); a button that switches to the unit above and submits.
UNIT_FIELD = "unit"
SMALL_SEEN_FIELD = "small_seen"
SWITCH_UNIT_FIELD = "switch_unit"
UNIT_QUERY_MAX_CHARS = 40
UNIT_UNKNOWN = ("二维码或链接里的单位「{code}」不存在或已撤销。举报照常提交：请在下面第 7 项选择单位，"
                "或不指定单位。")
UNIT_RETIRED = "您选的单位已撤销，举报改交给它的上级「{name}」。"
UNIT_SMALL_NOTE = "举报还没有提交。请选择交给哪个单位，再点“提交举报”。"

# Under the emergency guidance when it stopped a submission (the guidance itself comes from knowledge/).
EMERGENCY_FORM_NOTE = "举报还没有提交。您填写的内容都保留在下面，确认安全后请核对，再点“提交举报”。"
EMERGENCY_PHOTOS_NOTE = "照片需要重新选择。"

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
    "busy": "今天网上提交的举报已达上限，请明天再试，或在 Telegram 中举报。"
            "紧急情况请直接拨打 119 / 120，或拨打 12350 举报。",
    "busy_client": "您提交得太频繁了，请一小时后再试。紧急情况请直接拨打 119 / 120，或拨打 12350 举报。",
    "pow": f"为防止恶意刷屏，提交前需要一次安全校验：请稍等 {int(POW_WAIT_S)} 秒后再点“提交举报”（内容已保留）。",
    "receipt": "回执码不正确，请检查后重试。",
    "text": "请填写要补充的内容或选择照片。",
    "failed": "抱歉，提交失败了，举报没有保存，请稍后再试。",
    "encoding": "无法读取提交的内容（文字编码不是 UTF-8）。请用手机或电脑自带的浏览器重新打开本页填写。",
    "bad_form": "无法读取提交的内容，请刷新页面后重新填写。",
    "request_too_large": f"提交的内容太大了：最多 {MAX_PHOTOS_PER_TIP} 张照片，每张不超过 10 MB。"
                         "请删减照片后再试。",
    "text_too_large": f"填写的文字太长了：描述请控制在 {DESCRIPTION_MAX_CHARS} 字以内，"
                      f"地点 {LOCATION_MAX_CHARS} 字以内。",
    "guesses": "回执码尝试次数过多，请 15 分钟后再试。",
    "followups_daily": "这条举报今天已补充很多次了，请明天再补充。紧急情况请直接拨打 119 / 120，或拨打 12350 举报。",
    "unstorable": "内容里有无法保存的特殊字符（如空字符），请删掉后重新填写。",
    "error": "抱歉，服务器出了点问题，内容没有保存，请稍后再试。紧急情况请直接拨打 119 / 120，或拨打 12350 举报。",
    "form_expired": "这个页面已过期（或服务刚刚重启），内容还没有提交。请核对下面的内容后再提交一次。",
    "form_used": "这份表单已经提交过了，没有重复提交。",
    "lookup_expired": "这个页面已过期（或服务刚刚重启），还没有查询。回执码保留在下面，请核对后再点“查询”。",
    "thread_form_expired": "这个页面已过期（或服务刚刚重启），内容还没有发送。文字保留在下面，请核对后再发送一次"
                           "（照片需要重新选择）。",
    "view_expired": "查看页面已过期，请重新输入回执码。",
    "close_first": "举报已办结，不能再补充信息；如对结果有异议，可以申请复查。",
    "unit": "选择的单位不存在，请重新选择（也可以不指定单位）。",
}
NOTICES = {
    "added": "已补充到您的举报中，工会处理人员可以看到。",
    "review": case_text.REVIEW_DONE,
}

# Limits of what a form may carry, checked while the body streams in (nothing is buffered on disk).
FORM_TEXT_MAX_BYTES = 16 * 1024  # a 2000-character description is at most 8 000 bytes of UTF-8
FORM_MAX_FIELDS = 20
FORM_URLENCODED_MAX_BYTES = 64 * 1024

# Pages that show a receipt or a thread must never be cached or leak through a referrer. Scripts: only
# our own (the receipt's copy button, static/tips.js); every page works without them.
NO_STORE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


# The colour of a tip's status badge, on the tipper's status page and in the console alike.
STATUS_BADGES: dict[TipStatus, str] = {TipStatus.CLOSED: "green", TipStatus.REJECTED: "red"}


def status_badge(status: TipStatus) -> str:
    """The badge class of ``status`` (the ``tip_badge`` template filter)."""
    return STATUS_BADGES.get(status, "blue")


def setup_routes(app: web.Application) -> None:
    """Add the public tip pages (call from web.app.setup_routes)."""
    # aiohttp logs the client address with any unhandled error; tips must never leave one behind.
    quiet_identifying_loggers()
    # Every POST answers with a redirect (post/redirect/get) and consumes a one-time form token,
    # so reloading any page or pressing twice never files anything twice (web.tip_pages).
    app[TIP_PAGES] = TipPages()
    app.router.add_get("/tip", tip_form, name="tip_form")
    app.router.add_post("/tip", tip_submit)
    app.router.add_get("/tip/receipt/{key}", receipt_page)
    app.router.add_get("/tip/status", status_form, name="tip_status")
    app.router.add_post("/tip/status", status_show)
    app.router.add_get("/tip/thread/{view}", thread_page)
    app.router.add_post("/tip/thread/{view}/add", status_add)
    app.router.add_post("/tip/thread/{view}/review", review_submit)


class FormRejected(Exception):
    """The request body is not a form we can read; ``reason`` is a key of ERRORS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Form:
    """A posted form read with limits: text fields (UTF-8) and the raw bytes of the photos."""

    fields: MultiDict = field(default_factory=MultiDict)
    photos: list[bytes] = field(default_factory=list)
    too_many_photos: bool = False

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


async def read_form(request: web.Request, *, before_files: Callable[[Form], bool] | None = None) -> Form:
    """Read a urlencoded or multipart form, refusing oversized, garbled or non-UTF-8 input.

    Unlike ``request.post()``, photos are read part by part into memory with a cap each (an
    unsanitised upload, EXIF and all, never lands in a temporary file), reading stops at the
    first photo over the count, and undecodable text is a FormRejected, not a server error.
    ``before_files`` (the CSRF check) must accept the fields read so far before the first photo is
    read: a forged post is refused before its megabytes are (the token field comes first in our forms).
    """
    form = Form()
    if request.content_type == "application/x-www-form-urlencoded":
        body = await request.content.read(FORM_URLENCODED_MAX_BYTES + 1)
        if len(body) > FORM_URLENCODED_MAX_BYTES:
            raise FormRejected("text_too_large")
        try:
            pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise FormRejected("encoding") from None
        form.fields.extend(pairs[:FORM_MAX_FIELDS])
        _refuse_unstorable(form)
        return form
    if request.content_type != "multipart/form-data":
        raise FormRejected("bad_form")
    try:
        reader = await request.multipart()
        parts = 0
        while (part := await reader.next()) is not None:
            parts += 1
            if parts > FORM_MAX_FIELDS + MAX_PHOTOS_PER_TIP + 1:
                raise FormRejected("bad_form")
            if not isinstance(part, _BodyPart) or not part.name:
                raise FormRejected("bad_form")
            # Browsers never encode parts; an encoded one could be a compression bomb.
            transfer = part.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "binary").lower()
            if part.headers.get(hdrs.CONTENT_ENCODING, "identity").lower() != "identity" or \
                    transfer not in ("binary", "8bit", "7bit"):
                raise FormRejected("bad_form")
            if part.filename is not None:
                if part.name != "photos":
                    continue
                if not part.filename:  # an empty file input: no file chosen
                    await part.release()
                    continue
                if before_files is not None and not form.photos and not before_files(form):
                    raise FormRejected("csrf")
                if len(form.photos) >= MAX_PHOTOS_PER_TIP:
                    form.too_many_photos = True
                    break
                form.photos.append(await _read_capped(part, MAX_PHOTO_BYTES, "too_large"))
                continue
            raw = await _read_capped(part, FORM_TEXT_MAX_BYTES, "description_long")
            try:
                form.fields.add(part.name, raw.decode(part.get_charset("utf-8"), errors="strict"))
            except (UnicodeDecodeError, LookupError):
                raise FormRejected("encoding") from None
    except FormRejected:
        raise
    except (ValueError, AssertionError, KeyError, LookupError, web.HTTPException):
        raise FormRejected("bad_form") from None
    _refuse_unstorable(form)
    return form


def _refuse_unstorable(form: Form) -> None:
    """NUL (which PostgreSQL refuses) in any field: a clear message, not a failed submission."""
    if any(has_unstorable(value) for value in form.fields.values()):
        raise FormRejected("unstorable")


async def _read_capped(part, limit: int, reason: str) -> bytes:
    """The part's bytes, or FormRejected(reason) as soon as they exceed ``limit``."""
    chunks, size = [], 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise FormRejected(reason)
        chunks.append(chunk)
    return b"".join(chunks)


def safely(handler):
    """Any unexpected failure becomes a friendly page; the log gets a redacted traceback, no request data."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except FormRejected as rejected:
            status = {"request_too_large": 413, "text_too_large": 413, "csrf": 403}.get(rejected.reason, 400)
            return _render(request, "tips/status_form.html" if "/status" in request.path else "tips/form.html",
                           _error_context(request, rejected.reason), status=status)
        except Exception as err:
            log.error("tip page %s failed\n%s", request.path, redacted_traceback(err))
            return _render(request, "tips/status_form.html" if "/status" in request.path else "tips/form.html",
                           _error_context(request, "error"), status=500)

    return wrapper


def _error_context(request: web.Request, reason: str) -> dict:
    if "/status" in request.path:
        return {"title": "查询举报进展", "errors": [ERRORS[reason]]}
    values = FormValues(errors=[reason])
    return _form_context(values)


# ---------------------------------------------------------------- CSRF


def _services(request: web.Request) -> WebServices:
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


def _csrf_valid(request: web.Request, form: Form) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = form.get(CSRF_FIELD)
    if len(cookie) < 32 or not given:
        return False
    expected = _csrf_token(_services(request).settings.effective_secret_key, cookie)
    return hmac.compare_digest(expected, given)


def _render(request: web.Request, template: str, context: dict, *, status: int = 200) -> web.Response:
    csrf = _csrf(request)
    context = {"csrf": csrf.token, "csrf_field": CSRF_FIELD, "form_token": request.app[TIP_PAGES].issue(),
               "form_token_field": FORM_TOKEN_FIELD, **context}
    # Under a flood the report form asks for a small proof of work (tip-pow.js), or a short wait.
    pow_needed = template == "tips/form.html" and _pow_required(request)
    if pow_needed:
        context |= {"pow_bits": POW_BITS, "pow_wait_s": int(POW_WAIT_S)}
    response = render_template(template, request, context, status=status)
    for name, value in NO_STORE.items():
        response.headers[name] = value
    if csrf.new:
        settings = _services(request).settings
        response.set_cookie(CSRF_COOKIE, csrf.cookie, path="/tip", httponly=True, samesite="Strict",
                            secure=request.secure or settings.public_url.startswith("https://"))
    return response


def _pow_required(request: web.Request) -> bool:
    """The site is under a flood: more submission attempts in the last minutes than tippers make."""
    return _services(request).tips.limits.web_attempts.count() > POW_ATTEMPTS_THRESHOLD


def _client_key(request: web.Request) -> str | None:
    """The in-memory limit key of this client: a keyed hash of its address under an hourly random key.

    The one place the client address is read; it is hashed at once and never stored or logged.
    Behind a proxy listed in ANKANG_TRUSTED_PROXIES the address is the last one it appended to
    X-Forwarded-For. None (no per-client limit) when that header comes from anyone else: either a
    proxy nobody configured, which would make every tipper one client and lock them all out, or a
    client forging it, who is then left to the per-browser limit, the proof of work and the daily guard.
    """
    services = _services(request)
    remote = request.remote
    forwarded = request.headers.get(hdrs.X_FORWARDED_FOR, "")
    if remote in services.settings.trusted_proxies:
        remote = forwarded.rsplit(",", 1)[-1].strip() or remote
    elif forwarded:
        _warn_untrusted_forwarding()
        return None
    return services.tips.limits.client_keys.key(remote)


@functools.cache
def _warn_untrusted_forwarding() -> None:
    """Once per process: say how to fix it, never who sent it."""
    log.warning("tip form: X-Forwarded-For from an address not in ANKANG_TRUSTED_PROXIES; per-client limits "
                "are off for such requests (set ANKANG_TRUSTED_PROXIES to your reverse proxy)")


# ---------------------------------------------------------------- the report form


@dataclass
class FormValues:
    category: str = ""
    place_type: str = ""
    location: str = ""
    description: str = ""
    urgent: str = ""
    errors: list[str] = field(default_factory=list)
    emergency: EmergencyReply | None = None  # the guidance, when the description reports an emergency
    photos_dropped: bool = False  # photos were chosen but the form is shown again without them
    unit: str = ""  # the code of the chosen unit ("" for none)
    unit_notice: str = ""  # why a unit of the link was not taken, or where a retired one's tip goes
    small: SmallUnit | None = None  # the chosen unit narrows who sent the tip


@dataclass(frozen=True)
class SmallUnit:
    """The warning about a small unit, and the unit above it to suggest."""

    code: str
    text: str
    parent_code: str = ""
    parent_name: str = ""


@dataclass(frozen=True)
class UnitOption:
    code: str
    label: str


def _form_context(values: FormValues, units: list[UnitOption] | None = None, higher: str = "") -> dict:
    return {
        "units": units or [],
        "no_unit_label": case_text.NO_UNIT_LABEL,
        "higher_hint": higher,
        "unit_field": UNIT_FIELD, "small_seen_field": SMALL_SEEN_FIELD, "switch_unit_field": SWITCH_UNIT_FIELD,
        "small_note": UNIT_SMALL_NOTE,
        "title": "匿名举报事故隐患",
        "topics": TOPICS,
        "places": PLACE_TYPES,
        "values": values,
        "errors": [ERRORS.get(e, e) for e in values.errors],
        "min_chars": DESCRIPTION_MIN_CHARS,
        "max_chars": DESCRIPTION_MAX_CHARS,
        "max_photos": MAX_PHOTOS_PER_TIP,
        "emergency_seen_field": EMERGENCY_SEEN_FIELD,
        "emergency_note": EMERGENCY_FORM_NOTE,
        "photos_note": EMERGENCY_PHOTOS_NOTE,
    }


async def _unit_page(request: web.Request, values: FormValues) -> dict:
    """The form's context with the unit picker: every active unit in tree order, small ones marked."""
    services = _services(request)
    async with services.sessions() as session:
        lines = await org.list_tree(session)
        counts = await org.member_counts(session)
        chosen = await org.unit_by_code(session, values.unit) if values.unit else None
        above = await org.ancestors(session, chosen) if chosen is not None else []
    limit = services.settings.tip_min_unit_size
    units = [UnitOption(line.unit.code, "　" * line.depth + line.unit.name
                        + ("（人数较少，建议选上级）" if counts.get(line.unit.id, 0) < limit else ""))
             for line in lines]
    higher = f"{case_text.HIGHER_HINT}：{'、'.join(u.name for u in above)}。" if above else ""
    return _form_context(values, units, higher)


async def _check_unit(request: web.Request, values: FormValues, small_seen: str) -> int | None:
    """The unit id the tip goes to, from the chosen code: a retired unit's nearest active unit above it
    (with a notice); an unknown code an error. Sets the small-unit warning unless it was seen for this unit."""
    if not values.unit:
        return None
    services = _services(request)
    async with services.sessions() as session:
        unit = await org.unit_by_code(session, values.unit[:UNIT_QUERY_MAX_CHARS], active_only=False)
        if unit is None:
            values.errors.append("unit")
            values.unit = ""
            return None
        unit_id = await route_unit(session, unit.id)
        choice = await unit_choice(session, services.settings, unit_id) if unit_id is not None else None
    if choice is None:
        values.unit = ""
        return None
    if choice.unit.id != unit.id:
        values.unit_notice = UNIT_RETIRED.format(name=choice.unit.name)
    values.unit = choice.unit.code
    if choice.small and small_seen != choice.unit.code:
        values.small = _small(choice)
    return choice.unit.id


def _small(choice) -> SmallUnit:
    parent = choice.parent
    return SmallUnit(choice.unit.code, case_text.small_unit_warning(
        choice.unit.name, choice.members, choice.min_size, parent.name if parent else None),
        parent.code if parent else "", parent.name if parent else "")


@safely
async def tip_form(request: web.Request) -> web.Response:
    """The report form; ``?u=<code>`` (a unit's link or QR code) preselects that unit."""
    values = FormValues()
    code = request.query.get("u", "").strip()
    if code:
        services = _services(request)
        async with services.sessions() as session:
            unit = await org.unit_by_code(session, code[:UNIT_QUERY_MAX_CHARS])
            choice = await unit_choice(session, services.settings, unit.id) if unit is not None else None
        if choice is None:
            values.unit_notice = UNIT_UNKNOWN.format(code=code[:UNIT_QUERY_MAX_CHARS])
        else:
            values.unit = choice.unit.code
            if choice.small:
                values.small = _small(choice)
    return _render(request, "tips/form.html", await _unit_page(request, values))


def _browser_key(request: web.Request) -> str:
    """An in-memory rate-limit key for this browser: a digest of its random CSRF cookie.

    Not an identity (the cookie is random and we never look at addresses); it lets one browser be
    slowed down without a global limit that one attacker could drain to lock out every tipper.
    """
    return hashlib.sha256(request.cookies.get(CSRF_COOKIE, "").encode()).hexdigest()[:32]


async def _clean_photos(request: web.Request, raw: list[bytes]) -> list[CleanPhoto]:
    """Sanitise every upload off the event loop, a few at a time across the process (the tips
    runtime's photo slots, shared with the bot); raise PhotoRejected for the first bad one."""
    slots = _services(request).tips.photo_slots
    photos = []
    for data in raw:
        async with slots:
            photos.append(await asyncio.to_thread(sanitize, data))
    return photos


@safely
async def tip_submit(request: web.Request) -> web.Response:
    form = await read_form(request, before_files=lambda fields: _csrf_valid(request, fields))
    values = FormValues(
        category=form.get("category"), place_type=form.get("place_type"),
        location=form.get("location"), description=form.get("description"), urgent=form.get("urgent"),
        unit=(form.get(SWITCH_UNIT_FIELD) or form.get(UNIT_FIELD)).strip(),
    )
    # Safety before paperwork: whatever else the form holds, a description that reports an
    # emergency in progress brings the guidance to the top of the page.
    values.emergency = emergency_reply(values.description)
    values.photos_dropped = bool(form.photos)
    if not _csrf_valid(request, form):
        values.errors.append("csrf")
        return _render(request, "tips/form.html", await _unit_page(request, values), status=403)
    runtime = _services(request).tips
    raw_photos = form.photos
    draft = TipDraft(values.category, values.place_type, values.location, values.description,
                     {"yes": True, "no": False}.get(values.urgent), [])
    if form.too_many_photos:
        values.errors.append("photos")
    else:
        try:
            draft.photos = await _clean_photos(request, raw_photos)
        except PhotoRejected as err:
            values.errors.append(err.reason)
    if not values.errors:
        try:
            validate(draft)
        except TipInvalid as err:
            values.errors.append(err.field)
    if values.errors:
        return _render(request, "tips/form.html", await _unit_page(request, values), status=400)
    unit_id = await _check_unit(request, values, form.get(SMALL_SEEN_FIELD))
    draft.unit_id = unit_id
    if values.errors:
        return _render(request, "tips/form.html", await _unit_page(request, values), status=400)
    if values.emergency is not None and form.get(EMERGENCY_SEEN_FIELD) != "1":
        # The guidance first; nothing is stored yet, and the form (shown again with what was
        # typed and the guidance above it) submits the tip on the next press.
        return _render(request, "tips/form.html", await _unit_page(request, values))
    if values.small is not None:
        # A unit of few workers narrows who sent the tip: say so and offer the unit above; the
        # next press (the same unit, or the one above) submits.
        return _render(request, "tips/form.html", await _unit_page(request, values))
    browser, client = _browser_key(request), _client_key(request)
    limits = runtime.limits
    pow_needed = _pow_required(request)
    limits.web_attempts.hit()
    pages = request.app[TIP_PAGES]
    token = form.get(FORM_TOKEN_FIELD)
    if not limits.web_tips_per_browser.allowed(browser) or \
            (client is not None and not limits.web_tips_per_client.allowed(client)):
        values.errors.append("busy_client")
        return _render(request, "tips/form.html", await _unit_page(request, values), status=429)
    if not limits.web_tips_per_day.allowed(DAILY_KEY):
        values.errors.append("busy")
        return _render(request, "tips/form.html", await _unit_page(request, values), status=429)
    if pow_needed and not pow_valid(token, form.get("pow")) and (pages.age_s(token) or 0.0) < POW_WAIT_S:
        values.errors.append("pow")
        return _render(request, "tips/form.html", await _unit_page(request, values), status=429)
    services = _services(request)
    outcome, first = await pages.claim(token)
    if outcome is None:
        return await _token_refused(request, first, values)
    try:
        async with services.sessions() as session, session.begin():
            submitted = await submit_tip(session, draft, now=services.clock.now(), cost=runtime.receipt_cost,
                                         policy=CasePolicy.from_settings(services.settings))
    except Exception as err:
        pages.give_back(token, outcome, "failed")
        # The traceback is redacted: a database error quotes the row's values.
        log.error("web tip submission failed before commit\n%s", redacted_traceback(err))
        values.errors.append("failed")
        return _render(request, "tips/form.html", await _unit_page(request, values), status=500)
    # Committed: from here on the receipt is shown, whatever else happens.
    limits.web_tips_per_browser.hit(browser)
    if client is not None:
        limits.web_tips_per_client.hit(client)
    limits.web_tips_per_day.hit(DAILY_KEY)
    log.info("tip %s submitted via web%s", submitted.tip_id, " (urgent)" if draft.urgent else "")
    if draft.urgent:
        # In the background, so the receipt page never waits on Telegram.
        runtime.spawn(_alert_admins(request.app, submitted.tip_id))
    location = f"/tip/receipt/{pages.hold_receipt(submitted.receipt_code, bool(draft.urgent))}"
    pages.finish(outcome, location)
    raise web.HTTPSeeOther(location)


async def _token_refused(request: web.Request, first: Outcome | None, values: FormValues) -> web.Response:
    """A report form whose token was used (go where the first press went) or has expired (show it again)."""
    if first is not None and first.location:
        raise web.HTTPSeeOther(first.location)
    values.errors.append((first.error or "form_used") if first is not None else "form_expired")
    return _render(request, "tips/form.html", await _unit_page(request, values), status=409)


@safely
async def receipt_page(request: web.Request) -> web.Response:
    """The receipt, shown once: a reload (or anyone else later) finds it gone."""
    receipt = request.app[TIP_PAGES].take_receipt(request.match_info["key"])
    if receipt is None:
        return _render(request, "tips/receipt.html", {"title": "回执码已显示过", "code": None}, status=410)
    return _render(request, "tips/receipt.html", {
        "title": "举报已提交", "code": receipt.code, "urgent": receipt.urgent, "receipt_script": True,
    })


async def _alert_admins(app: web.Application, tip_id: int) -> None:
    """Tell the on-duty admins through the bot, when the bot is running beside the web server."""
    sender = app.get(BOT_SENDER)
    if sender is None:
        log.warning("tip %s is urgent but no bot is attached to alert admins", tip_id)
        return
    services = app[SERVICES]
    await alert_urgent(services.sessions, services.settings, sender, tip_id, services.tips.alerts,
                       services.tips.spawn, loops=services.loops)


async def _notify_followup(app: web.Application, tip_id: int, *, review: bool = False) -> None:
    """Tell the tip's owner (or the duty staff) through the bot that the tipper added to it."""
    sender = app.get(BOT_SENDER)
    if sender is None:
        log.warning("tip %s has news from its tipper but no bot is attached to tell admins", tip_id)
        return
    services = app[SERVICES]
    await notify_followup(services.sessions, services.settings, sender, tip_id, review=review)


# ---------------------------------------------------------------- status and follow-up


@safely
async def status_form(request: web.Request) -> web.Response:
    return _render(request, "tips/status_form.html", {"title": "查询举报进展", "errors": []})


async def _tip_for_code(request: web.Request, form: Form):
    """The tip for the posted receipt, or an error key.

    Wrong codes are limited per browser (see _browser_key), never globally: a global budget is a
    lever one attacker could pull to lock every tipper out. A swarm of fresh browsers is bounded
    by 80-bit codes (guessing stays hopeless) and by find_by_receipt, which spends argon2 work only
    on codes whose public lookup prefix matches a stored tip and answers every wrong code after
    the same fixed delay.
    """
    if not _csrf_valid(request, form):
        return None, "csrf"
    runtime = _services(request).tips
    guesses = runtime.limits.web_receipt_guesses_per_browser
    browser = _browser_key(request)
    # Reserve the guess before the (slow) check, so parallel requests cannot all slip through;
    # a right code gives the reservation back.
    if not guesses.hit(browser):
        return None, "guesses"
    try:
        async with _services(request).sessions() as session:
            tip = await find_by_receipt(session, form.get("code"), cost=runtime.receipt_cost)
    except ReceiptInvalid:
        return None, "receipt"
    except BaseException:
        guesses.release(browser)  # not checked (a database fault, or the request cancelled): no guess spent
        raise
    guesses.release(browser)
    return tip, None


def _thread_context(request: web.Request, tip, view: str, notice: str = "",
                    errors: list[str] | None = None, form: Form | None = None) -> dict:
    services = _services(request)
    policy = CasePolicy.from_settings(services.settings)
    now = services.clock.now()
    review_until = policy.review_until(tip)
    return {
        "title": "举报进展",
        "tip": tip,
        "view": view,
        "category": topic_label(tip.category),
        "place": place_label(tip.place_type),
        "tipper": Author.TIPPER,
        "kinds": EventKind,
        "notice": notice,
        "errors": [ERRORS.get(e, e) for e in errors or []],
        # What the tipper typed, kept when the form comes back (photos must be chosen again).
        "typed": {name: form.get(name) if form else "" for name in ("message", "reason")},
        "max_photos": MAX_PHOTOS_PER_TIP,
        "deadline": deadline(tip, now),
        "acknowledged": tip.status is not TipStatus.NEW,
        "channel_line": case_text.channel_line(channel_for(tip)) if tip.reject_reason else "",
        "recognized_text": case_text.RECOGNIZED, "recognition_claim": case_text.RECOGNITION_CLAIM,
        "review_until": review_until if review_until is not None and not tip.review_requested
        and now < review_until else None,
    }


def _code_refused(request: web.Request, error: str, code: str = "", *, status: int | None = None) -> web.Response:
    """The status form again (with the code typed, if any) and why it was refused (never whether a tip exists)."""
    status = status or {"csrf": 403, "guesses": 429}.get(error, 400)
    return _render(request, "tips/status_form.html",
                   {"title": "查询举报进展", "errors": [ERRORS[error]], "code": code}, status=status)


@safely
async def status_show(request: web.Request) -> web.Response:
    """A receipt code, checked: redirect to the thread's page (the code stays out of the URL).

    The lookup consumes its one-time token like every tip POST: a double click or a reload of a
    refused lookup waits for the first press and goes where it went (or is told why it was
    refused) without spending another guess; an unknown token gets the form back with the code.
    """
    form = await read_form(request)
    code = form.get("code")[:64]
    if not _csrf_valid(request, form):
        return _code_refused(request, "csrf")
    pages = request.app[TIP_PAGES]
    token = form.get(FORM_TOKEN_FIELD)
    outcome, first = await pages.claim(token)
    if outcome is None:
        if first is not None and first.location:
            raise web.HTTPSeeOther(first.location)
        if first is not None and first.error in ERRORS:
            return _code_refused(request, first.error, code)
        return _code_refused(request, "lookup_expired", code, status=409)
    try:
        tip, error = await _tip_for_code(request, form)
    except BaseException:
        pages.give_back(token, outcome)
        raise
    if tip is None:
        pages.refuse(outcome, error)
        return _code_refused(request, error, code)
    location = f"/tip/thread/{pages.open_view(tip.id, _browser_key(request))}"
    pages.finish(outcome, location)
    raise web.HTTPSeeOther(location)


def _view_or_expired(request: web.Request):
    view = request.app[TIP_PAGES].view(request.match_info["view"], _browser_key(request))
    if view is None:
        return None, _render(request, "tips/status_form.html",
                             {"title": "查询举报进展", "errors": [ERRORS["view_expired"]]}, status=410)
    return view, None


@safely
async def thread_page(request: web.Request) -> web.Response:
    view, expired = _view_or_expired(request)
    if view is None:
        return expired
    async with _services(request).sessions() as session:
        tip = await get_tip(session, view.tip_id)
    notice = NOTICES.get(request.query.get("done", ""), "")
    return _render(request, "tips/status.html", _thread_context(request, tip, request.match_info["view"], notice))


async def _consume_thread_token(request: web.Request, form: Form, view_key: str,
                                tip_id: int) -> Outcome | web.Response:
    """The thread form's token: fresh → an Outcome; used → where the first press went (or why it was
    refused); expired → the thread with what was typed, to send again."""
    pages = request.app[TIP_PAGES]
    token = form.get(FORM_TOKEN_FIELD)
    outcome, first = await pages.claim(token)
    if outcome is not None:
        return outcome
    if first is not None and first.location:
        raise web.HTTPSeeOther(first.location)
    error = first.error if first is not None and first.error else "thread_form_expired"
    async with _services(request).sessions() as session:
        tip = await get_tip(session, tip_id)
    return _render(request, "tips/status.html", _thread_context(request, tip, view_key, errors=[error], form=form),
                   status=409)


@safely
async def status_add(request: web.Request) -> web.Response:
    form = await read_form(request, before_files=lambda fields: _csrf_valid(request, fields))
    if not _csrf_valid(request, form):
        return _code_refused(request, "csrf")
    view, expired = _view_or_expired(request)
    if view is None:
        return expired
    view_key = request.match_info["view"]
    raw = form.photos
    errors: list[str] = []
    photos: list[CleanPhoto] = []
    if form.too_many_photos:
        errors.append("photos")
    else:
        try:
            photos = await _clean_photos(request, raw)
        except PhotoRejected as err:
            errors.append(err.reason)
    services = _services(request)
    async with services.sessions() as session:
        tip = await get_tip(session, view.tip_id)
    if not tip.is_open:
        errors.append("close_first")
    if not errors:
        outcome = await _consume_thread_token(request, form, view_key, view.tip_id)
        if not isinstance(outcome, Outcome):
            return outcome
        try:
            async with services.sessions() as session, session.begin():
                await add_followup(session, tip.id, form.get("message"), photos, now=services.clock.now())
        except TipInvalid as err:
            request.app[TIP_PAGES].give_back(form.get(FORM_TOKEN_FIELD), outcome, err.field)
            errors.append(err.field)
        else:
            services.tips.spawn(_notify_followup(request.app, tip.id))
            location = f"/tip/thread/{view_key}?done=added"
            request.app[TIP_PAGES].finish(outcome, location)
            raise web.HTTPSeeOther(location)
    return _render(request, "tips/status.html", _thread_context(request, tip, view_key, errors=errors, form=form),
                   status=400)


@safely
async def review_submit(request: web.Request) -> web.Response:
    """The tipper asks for a 复查 of a closed tip, with a reason."""
    form = await read_form(request)
    if not _csrf_valid(request, form):
        return _code_refused(request, "csrf")
    view, expired = _view_or_expired(request)
    if view is None:
        return expired
    view_key = request.match_info["view"]
    outcome = await _consume_thread_token(request, form, view_key, view.tip_id)
    if not isinstance(outcome, Outcome):
        return outcome
    services = _services(request)
    policy = CasePolicy.from_settings(services.settings)
    try:
        async with services.sessions() as session, session.begin():
            await request_review(session, view.tip_id, form.get("reason"), now=services.clock.now(), policy=policy)
    except ReviewRefused as refused:
        error = case_text.review_refused(refused.reason, policy.review_days)
        request.app[TIP_PAGES].give_back(form.get(FORM_TOKEN_FIELD), outcome, error)
        async with services.sessions() as session:
            tip = await get_tip(session, view.tip_id)
        return _render(request, "tips/status.html", _thread_context(request, tip, view_key, errors=[error], form=form),
                       status=400)
    services.tips.spawn(_notify_followup(request.app, view.tip_id, review=True))
    location = f"/tip/thread/{view_key}?done=review"
    request.app[TIP_PAGES].finish(outcome, location)
    raise web.HTTPSeeOther(location)
