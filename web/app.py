"""The aiohttp web app: health check, public pages and the admin console share one server."""
from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from core.services import Services

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)


def create_web_app(services: Services) -> web.Application:
    """Build the web application over ``services``; the caller owns the services' lifetime."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[SERVICES] = services
    setup_routes(app)
    return app


def setup_routes(app: web.Application) -> None:
    """The web routing table."""
    app.router.add_get("/healthz", healthz)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        async with services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
