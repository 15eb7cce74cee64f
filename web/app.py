"""The aiohttp web app: health check, public pages and the admin console share one server."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from broadcasts.library import Library, LibraryCache
from web import chat, console, pages, tips, verify
from web.auth import ADMIN, admin_guard, security_headers
from web.console import friendly_errors
from web.limits import SMALL_BODY_MAX_BYTES, body_limits
from web.messages import WEEKDAYS
from web.pages import public_errors
from web.render import TEMPLATES, Templates
from web.typedefs import BOT_SENDER, CHAT, LIBRARY, SERVICES, SITE, BotSender, ChatConfig, SiteConfig, WebServices

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def create_web_app(
    services: WebServices, *, bot_sender: BotSender | None = None, emulator_url: str | None = None,
    library: Library | None = None,
) -> web.Application:
    """Build the web application over ``services``; the caller owns the services' lifetime.

    ``library`` is the lesson library when the caller has loaded it (the runner's, the tests' one per
    session); otherwise the console reads the bundled files on first use, unless the broadcast engine runs."""
    # Order: headers wrap everything (error pages included); body limits refuse oversized requests
    # before any handler or the guard reads them (web/limits.py sets each route's size); public
    # pages' errors become Chinese pages; the guard runs before any /admin handler; console errors
    # become console pages inside the guard (so they show the admin's navigation).
    app = web.Application(client_max_size=SMALL_BODY_MAX_BYTES,
                          middlewares=[static_files, security_headers, body_limits, public_errors, admin_guard,
                                       friendly_errors])
    app[SERVICES] = services
    app[CHAT] = ChatConfig(emulator_url)
    app[SITE] = SiteConfig()
    app[LIBRARY] = LibraryCache(library)
    if bot_sender is not None:
        app[BOT_SENDER] = bot_sender
    tz = services.settings.tz
    app[TEMPLATES] = Templates(TEMPLATES_DIR, {
        "local": lambda when, fmt="%Y-%m-%d %H:%M": when.astimezone(tz).strftime(fmt) if when else "",
        "local_day": lambda when: _local_day(when, tz),
        "tip_badge": tips.status_badge,
    }, _template_globals)
    setup_routes(app)
    return app


def setup_routes(app: web.Application) -> None:
    """The web routing table."""
    app.router.add_get("/healthz", healthz)
    pages.setup_routes(app)  # the landing page at /
    app.router.add_static("/static/", STATIC_DIR, name="static", append_version=True)
    # Admin console: every /admin path except the login page needs a session (web.auth.admin_guard).
    console.setup_routes(app)
    # Browser chat for the demo (answers 404 unless the app runs with the emulator).
    chat.setup_routes(app)
    # Public anonymous tip form and receipt status pages (/tip, /tip/status): no login, own CSRF.
    tips.setup_routes(app)
    # Public certificate check (/verify, /verify/<code>): no login, limited per client.
    verify.setup_routes(app)


STATIC_PREFIX = "/static/"
COMPRESSIBLE = (".css", ".js", ".svg")
# Static URLs carry ?v=<hash of the file> (append_version), so a versioned one never changes: cache it for
# a year. Without the version (typed by hand) an hour.
STATIC_MAX_AGE_S = 365 * 24 * 3600
UNVERSIONED_MAX_AGE_S = 3600


@web.middleware
async def static_files(request: web.Request, handler):
    """Static files: cached by browsers and proxies, text ones gzip-compressed when the browser accepts it."""
    response = await handler(request)
    if request.path.startswith(STATIC_PREFIX) and isinstance(response, web.FileResponse):
        versioned = "v" in request.query
        max_age = STATIC_MAX_AGE_S if versioned else UNVERSIONED_MAX_AGE_S
        response.headers["Cache-Control"] = f"public, max-age={max_age}" + (", immutable" if versioned else "")
        if request.path.endswith(COMPRESSIBLE):
            response.enable_compression()
    return response


def _local_day(when, tz) -> str:
    """2026-11-23 周一 09:00, in the console's time zone."""
    local = when.astimezone(tz)
    return f"{local:%Y-%m-%d} {WEEKDAYS[local.weekday()]} {local:%H:%M}"


def _template_globals(request: web.Request) -> dict:
    return {"admin": request.get(ADMIN), "request_path": request.path}


DATABASE_PROBE = "database"  # the health check's own probe, beside the background loops
DATABASE_PROBE_TIMEOUT_S = 5.0


async def healthz(request: web.Request) -> web.Response:
    """The database, the statutes and each background loop (JSON). 503 once the database has been
    unreachable, or a loop failing or silent, for longer than a minute (``core.supervision``): a short
    outage that the bot rides out is reported in the body but does not get the process restarted."""
    services = request.app[SERVICES]
    loops = services.loops
    try:
        async with asyncio.timeout(DATABASE_PROBE_TIMEOUT_S), services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        loops.ok(DATABASE_PROBE)
        database = "ok"
    except Exception as exc:
        loops.failed(DATABASE_PROBE, exc)
        database = "unreachable"
    healthy, states = loops.report()
    body: dict[str, object] = {
        "status": "ok" if healthy and database == "ok" else "degraded" if healthy else "error",
        # leader: receives updates, broadcasts; standby: ready to lead; web: never leads.
        "role": services.role,
        "database": database,
        # Without statutes the bot still serves (FAQ answers), so 200, but the body says what is missing.
        "laws": services.laws.public(),
        "loops": {name: state for name, state in states.items() if name != DATABASE_PROBE},
    }
    body["writes"] = {"pending": services.writes.pending, "dropped": services.writes.dropped}
    return web.json_response(body, status=200 if healthy else 503)
