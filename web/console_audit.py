"""The console's audit log: every admin action in words — who by name, what, on which record — with
filters (admin, action, dates) and a CSV export of what the filters select."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from broadcasts.library import Library
from core.admins import AuditFilter, admin_names, audit, audit_admin_ids, audit_log
from core.models import AuditEntry
from knowledge import KnowledgeBase
from knowledge.faq_admin import ID_PREFIX as FAQ_ID_PREFIX
from org import roles
from org.models import Organisation
from org.roles import Action
from tips.models import TipStatus
from web import messages
from web.console_lessons import lesson_library
from web.console_pages import admin_of, page_number, render
from web.typedefs import SERVICES

AUDIT_PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
_REF = re.compile(r"(tip|schedule|occurrence|handoff):(\d+)")
_STATUS_CHANGE = re.compile(r"(\w+) -> (\w+)")
_EXPORT_COUNTS = re.compile(r"(\d+) tips, (\d+) photos")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/audit", audit_page)
    app.router.add_get("/admin/audit/export.csv", audit_export)


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One entry as people read it."""

    at: datetime
    who: str
    what: str
    target: str
    href: str | None
    detail: str
    unit: str = ""  # the unit the action concerned (issue 12, point 3), when it did one


def who(admin_id: int, names: dict[int, str]) -> str:
    if admin_id == 0:
        return messages.AUDIT_BY_CLI
    name = names.get(admin_id)
    return name if name else messages.AUDIT_ADMIN_UNNAMED.format(id=admin_id)


def _ref(kind: str, number: str) -> tuple[str, str | None]:
    if kind == "tip":
        return messages.AUDIT_TIP.format(n=number), f"/admin/tips/{number}"
    if kind == "schedule":
        return messages.AUDIT_SCHEDULE.format(n=number), f"/admin/broadcasts/{number}"
    if kind == "handoff":
        return messages.AUDIT_HANDOFF.format(n=number), f"/admin/handoffs/{number}"
    return messages.AUDIT_RUN.format(n=number), f"/admin/broadcasts/runs/{number}"


def _status_words(code: str) -> str:
    try:
        return TipStatus(code).label
    except ValueError:
        return code


def describe(entry: AuditEntry, names: dict[int, str], lessons: Library | None,
             kb: KnowledgeBase | None = None) -> AuditLine:
    """An audit entry in words: the action's label, the record it touched (with a link), the detail."""
    target, href, detail = entry.target, None, entry.detail
    if match := _REF.fullmatch(entry.target):
        target, href = _ref(*match.groups())
    if entry.action == "tip.status" and (change := _STATUS_CHANGE.fullmatch(detail)):
        detail = f"{_status_words(change.group(1))} → {_status_words(change.group(2))}"
    elif entry.action == "tip.export":
        target, href = messages.AUDIT_EXPORT_TARGET, None
        if counts := _EXPORT_COUNTS.fullmatch(detail):
            detail = messages.AUDIT_EXPORT_COUNTS.format(tips=counts.group(1), photos=counts.group(2))
    elif entry.action.startswith("kb.faq_") and entry.action not in ("kb.faq_import", "kb.faq_export"):
        found = kb.entry(entry.target) if kb is not None and not detail else None
        question = detail or (found.q if found is not None else entry.target)
        target, detail = messages.AUDIT_FAQ.format(question=question), ""
        href = f"/admin/knowledge/faq/{entry.target}" if entry.target.startswith(FAQ_ID_PREFIX) else None
    elif entry.action == "kb.unanswered_dismiss":
        target, detail = messages.AUDIT_UNANSWERED.format(question=detail), ""
    elif entry.action == "web.lesson_test":
        title = lessons.get(entry.target).title if lessons is not None and entry.target in lessons else entry.target
        target, href = messages.AUDIT_LESSON.format(title=title), f"/admin/lessons/{entry.target}"
    elif entry.action in ("admin.add", "admin.remove") and entry.target.isdigit():
        target = who(int(entry.target), names)
        detail = messages.AUDIT_VIA_CLI if detail == "via CLI" else detail
    elif entry.action in ("broadcast.send_now", "broadcast.edit") and (ref := _REF.search(detail)):
        words, _ = _ref(*ref.groups())
        detail = (messages.AUDIT_REPLACED_BY if detail.startswith("replaced by") else messages.AUDIT_SENT_AS).format(
            ref=words)
    return AuditLine(entry.at, who(entry.admin_id, names), messages.AUDIT_ACTIONS.get(entry.action, entry.action),
                     target, href, detail)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter(request: web.Request) -> tuple[AuditFilter, dict[str, str]]:
    """The filter the query string asks for, and the form's values as typed (bad ones dropped)."""
    tz = request.app[SERVICES].settings.tz
    q = request.query
    admin_id = int(q["admin"]) if q.get("admin", "").isdigit() and len(q["admin"]) < 16 else None
    action = q.get("action", "") if q.get("action", "") in messages.AUDIT_ACTIONS else ""
    since, until = _day(q.get("from")), _day(q.get("to"))
    where = AuditFilter(
        admin_id=admin_id, action=action,
        since=datetime.combine(since, time(), tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None,  # "to" includes that day
    )
    form = {"admin": str(admin_id) if admin_id is not None else "", "action": action,
            "from": since.isoformat() if since else "", "to": until.isoformat() if until else ""}
    return where, form


async def _lines(request: web.Request, where: AuditFilter, limit: int | None,
                 offset: int) -> tuple[list[AuditLine], list[int], dict[int, str]]:
    """The entries ``where`` selects among those the admin may see: all of them over the whole tree; scoped
    to subtrees, only the entries of their units (none of no unit: those concern the whole tree)."""
    services = request.app[SERVICES]
    async with services.sessions() as session:
        scope = await roles.scope_of(session, services.settings, admin_of(request).user_id, Action.VIEW)
        if not scope.everything:
            where = replace(where, unit_ids=scope.unit_ids)
        entries = await audit_log(session, limit=limit, offset=offset, where=where)
        admins = await audit_admin_ids(session, where.unit_ids)
        names = await admin_names(session, {e.admin_id for e in entries} | set(admins) |
                                  {int(e.target) for e in entries if e.action == "admin.add" and e.target.isdigit()})
        unit_ids = {e.unit_id for e in entries if e.unit_id is not None}
        units = dict((await session.execute(select(Organisation.id, Organisation.name)
                                            .where(Organisation.id.in_(unit_ids)))).all()) if unit_ids else {}
    lessons = await lesson_library(request.app)
    lines = [describe(e, names, lessons, services.kb) for e in entries]
    return [replace(line, unit=units.get(e.unit_id, "") if e.unit_id is not None else "")
            for line, e in zip(lines, entries, strict=True)], admins, names


async def audit_page(request: web.Request) -> web.Response:
    page = page_number(request)
    where, form = _filter(request)
    lines, admins, names = await _lines(request, where, AUDIT_PAGE_SIZE + 1, (page - 1) * AUDIT_PAGE_SIZE)
    query = {k: v for k, v in form.items() if v}
    return render(request, "console/audit.html", {
        "title": "审计日志", "entries": lines[:AUDIT_PAGE_SIZE], "page": page,
        "has_next": len(lines) > AUDIT_PAGE_SIZE, "form": form, "filtered": bool(query),
        "admins": [(admin_id, who(admin_id, names)) for admin_id in admins],
        "action_labels": messages.AUDIT_ACTIONS,
        "page_query": lambda n: urlencode({**query, "page": n}),
        "export_query": urlencode(query),
    })


async def audit_export(request: web.Request) -> web.Response:
    """The entries the filters select, as a CSV file in words (Excel opens it: UTF-8 with a BOM)."""
    where, _ = _filter(request)
    lines, _, _ = await _lines(request, where, EXPORT_MAX_ROWS, 0)
    tz = request.app[SERVICES].settings.tz
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(messages.AUDIT_EXPORT_HEADER)
    for line in lines:
        writer.writerow([line.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), line.who, line.what, line.target,
                         line.detail])
    services = request.app[SERVICES]
    async with services.sessions() as session, session.begin():
        await audit(session, admin_of(request).user_id, "web.audit_export", "", f"{len(lines)} entries")
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
