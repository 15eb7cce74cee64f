"""The public certificate check: ``/verify`` (a form) and ``/verify/<code>`` (the link printed on the PDF).

Anyone may check a code: the page says whether it is valid and what it certifies (whom — a person's
display name or a unit's name —, what, when), never more. Lookups are limited per client (``VerifyLimits``);
a code that cannot be one (empty, too long, outside the alphabet) is answered without a query.
"""
from __future__ import annotations

from aiohttp import hdrs, web

from study import certificates as certs
from web import messages
from web.render import render_template
from web.typedefs import SERVICES, VERIFY_LIMITS, VerifyLimits


def setup_routes(app: web.Application) -> None:
    app[VERIFY_LIMITS] = VerifyLimits()
    app.router.add_get("/verify", verify_page, name="verify")
    # Any path segment, so a garbled code gets the page's answer rather than a 404.
    app.router.add_get("/verify/{code}", verify_page)


def _client_key(request: web.Request) -> str:
    """A keyed hash of the client address (behind a trusted proxy, the address it forwarded); never stored."""
    settings = request.app[SERVICES].settings
    remote = request.remote or ""
    if remote in settings.trusted_proxies:
        remote = request.headers.get(hdrs.X_FORWARDED_FOR, "").rsplit(",", 1)[-1].strip() or remote
    return request.app[VERIFY_LIMITS].client_keys.key(remote)


async def verify_page(request: web.Request) -> web.Response:
    typed = request.match_info.get("code", request.query.get("code"))
    context: dict = {"title": messages.VERIFY_TITLE, "typed": (typed or "")[:certs.CODE_INPUT_MAX_CHARS],
                     "result": None, "error": None}
    if typed is None:
        return render_template("pages/verify.html", request, context)
    if not request.app[VERIFY_LIMITS].lookups_per_client.hit(_client_key(request)):
        context["error"] = messages.VERIFY_TOO_MANY
        response = render_template("pages/verify.html", request, context, status=429)
        response.headers["Retry-After"] = "600"
        return response
    if certs.normalise_code(typed) is None:
        context["error"] = messages.VERIFY_MALFORMED
        return render_template("pages/verify.html", request, context, status=400)
    async with request.app[SERVICES].sessions() as session:
        found = await certs.verify(session, typed)
    context["result"] = found
    context["code"] = certs.format_code(found.code)
    tz = request.app[SERVICES].settings.tz
    if found.certificate is not None:
        context["issued"] = f"{found.certificate.issued_at.astimezone(tz):%Y年%m月%d日}"
    response = render_template("pages/verify.html", request, context,
                               status=200 if found.valid else 404)
    return response
