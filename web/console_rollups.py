"""Console: 单位汇总 — the figures of any subtree and of each unit below it, for a period; drill down by
clicking a unit; the same table as an Excel file. The figures are org.rollups'; this module parses the
query, checks the admin's reach (org.scope) and renders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from org import rollups, scope
from org.excel import rollup_xlsx, row_label
from org.models import Organisation
from org.service import search_units, unit_by_code
from web import messages
from web.console_pages import admin_of, audited, error_page, render
from web.typedefs import ROLLUP_CACHE, SERVICES

# Quick picks of the period: label, days back from today (today included).
QUICK_PERIODS = (("近 7 天", 7), ("近 30 天", 30), ("近 90 天", 90), ("近一年", 365))
WHOLE_TREE = "all"


def setup_routes(app: web.Application) -> None:
    app[ROLLUP_CACHE] = rollups.RollupCache()
    app.router.add_get("/admin/rollups", rollups_page)
    app.router.add_get("/admin/rollups.xlsx", rollups_export)


@dataclass
class Query:
    unit: str  # as typed or linked: a code, an exact name, "all", or empty (the default unit)
    first: str
    last: str


class Refused(Exception):
    """The query cannot be answered; the message says why in Chinese."""


def _period(request: web.Request, query: Query) -> rollups.Period:
    services = request.app[SERVICES]
    tz = services.settings.tz
    default = rollups.Period.last_days(rollups.DEFAULT_PERIOD_DAYS, services.clock.now(), tz)
    try:
        first = date.fromisoformat(query.first) if query.first else default.first
        last = date.fromisoformat(query.last) if query.last else default.last
    except ValueError:
        raise Refused(messages.ROLLUP_BAD_DATE) from None
    if first > last:
        raise Refused(messages.ROLLUP_PERIOD_REVERSED)
    if (last - first).days >= rollups.MAX_PERIOD_DAYS:
        raise Refused(messages.ROLLUP_PERIOD_TOO_LONG)
    return rollups.Period(first, last, tz)


async def _unit(session, request: web.Request, text: str) -> Organisation | None:
    """The unit asked for (None: the whole tree), within the admin's reach; Refused otherwise."""
    reach = await scope.units_in_reach(session, request.app[SERVICES].settings, admin_of(request).user_id, "view")
    if not text:
        unit = await rollups.default_unit(session)
        if reach is not None and not scope.within_reach(reach, unit.id if unit else None):
            tops = [u for u in (await session.scalars(select(Organisation).where(Organisation.id.in_(reach)))).all()
                    if u.parent_id not in reach]
            unit = tops[0] if tops else None
    elif text == WHOLE_TREE:
        unit = None
    else:
        unit = await unit_by_code(session, text, active_only=False)
        if unit is None:
            named = [u for u in await search_units(session, text) if u.name == text]
            unit = named[0] if len(named) == 1 else None
            if unit is None:
                raise Refused(messages.ROLLUP_NO_UNIT.format(unit=text[:40]))
    if not scope.within_reach(reach, unit.id if unit else None):
        raise Refused(messages.ROLLUP_OUT_OF_REACH)
    return unit


def _query(request: web.Request) -> Query:
    q = request.query
    return Query(q.get("unit", "").strip()[:64], q.get("from", "").strip()[:10], q.get("to", "").strip()[:10])


async def _rollup(request: web.Request, query: Query) -> tuple[rollups.Rollup, list[tuple[str, str]]]:
    """The rollup asked for, and the units the admin may pick (code, indented name)."""
    services = request.app[SERVICES]
    period = _period(request, query)
    async with services.sessions() as session:
        unit = await _unit(session, request, query.unit)
        rollup = await rollups.rollup(session, unit.id if unit else None, period, services.clock.now(),
                                      cache=request.app[ROLLUP_CACHE], sessions=services.sessions)
        reach = await scope.units_in_reach(session, request.app[SERVICES].settings, admin_of(request).user_id, "view")
    choices = [(u.code, "　" * depth + u.name) for u, depth in rollup.outline if scope.within_reach(reach, u.id)]
    return rollup, choices


def _link(unit: str, period: rollups.Period, path: str = "/admin/rollups") -> str:
    return path + "?" + urlencode({"unit": unit, "from": period.first.isoformat(), "to": period.last.isoformat()})


async def rollups_page(request: web.Request) -> web.Response:
    query = _query(request)
    try:
        rollup, choices = await _rollup(request, query)
    except Refused as exc:
        return error_page(request, "无法显示汇总", str(exc), 400)
    period = rollup.period
    today = request.app[SERVICES].clock.now().astimezone(period.tz).date()
    here = rollup.unit.code if rollup.unit else WHOLE_TREE
    rows = [{"row": row, "label": row_label(row),
             "href": None if row.direct else _link(row.unit.code, period)} for row in rollup.rows]
    return render(request, "console/rollups.html", {
        "title": "单位汇总", "r": rollup, "rows": rows, "units": choices,
        "query": query, "here": here,
        "crumbs": [(u.name, _link(u.code, period)) for u in rollup.path],
        "whole_tree": _link(WHOLE_TREE, period),
        "quick": [(label, _link(here, rollups.Period(today - timedelta(days=days - 1), today, period.tz)))
                  for label, days in QUICK_PERIODS],
        "export": _link(here, period, "/admin/rollups.xlsx"),
    })


async def rollups_export(request: web.Request) -> web.Response:
    try:
        rollup, _ = await _rollup(request, _query(request))
    except Refused as exc:
        return error_page(request, "无法导出汇总", str(exc), 400)
    body = rollup_xlsx(rollup, request.app[SERVICES].clock.now())
    here = rollup.unit.code if rollup.unit else WHOLE_TREE
    await audited(request, "rollup.export", here, f"{rollup.period.first} – {rollup.period.last}")
    name = f"rollup-{here}-{rollup.period.first}-{rollup.period.last}.xlsx"
    return web.Response(body=body, headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{name}"',
    })
