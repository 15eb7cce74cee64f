"""Console: 学时 (learning minutes by worker and by unit for a period, the training-file export) and
certificates (issue one to a person or a unit, download any as PDF)."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

from aiohttp import web

from org import service as org
from study import certificates as certs
from study import service as study
from study.excel import hours_xlsx
from study.models import Certificate
from web import messages
from web.console_pages import audited, error_page, redirect, render
from web.typedefs import SERVICES

CERT = r"{cert_id:\d{1,9}}"
RECENT_CERTIFICATES = 50


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/study", study_page)
    r.add_get("/admin/study/export.xlsx", export_xlsx)
    r.add_post("/admin/study/certificates", issue)
    r.add_get(f"/admin/study/certificates/{CERT}.pdf", certificate_pdf)


def _period(request: web.Request) -> tuple[date, date]:
    """``?start=&end=`` (inclusive days, local time); by default this month so far. Nonsense falls back."""
    today = request.app[SERVICES].clock.now().astimezone(request.app[SERVICES].settings.tz).date()

    def day(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.query.get(name, "")[:10])
        except ValueError:
            return default

    start, end = day("start", today.replace(day=1)), day("end", today)
    return (start, end) if start <= end else (end, start)


def _unit_id(request: web.Request) -> int | None:
    raw = request.query.get("unit", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


async def _report(request: web.Request) -> tuple[study.HoursReport, date, date, int | None]:
    services = request.app[SERVICES]
    start, end = _period(request)
    tz = services.settings.tz
    unit_id = _unit_id(request)
    async with services.sessions() as session:
        if unit_id is not None and await org.unit_by_id(session, unit_id, active_only=False) is None:
            unit_id = None
        report = await study.hours_report(session, datetime.combine(start, time(), tz),
                                          datetime.combine(end + timedelta(days=1), time(), tz), unit_id)
    return report, start, end, unit_id


async def _page(request: web.Request, *, errors: list[str] | None = None, form: dict | None = None,
                status: int = 200) -> web.Response:
    report, start, end, unit_id = await _report(request)
    async with request.app[SERVICES].sessions() as session:
        lines = await org.list_tree(session)
        recent = await certs.recent_certificates(session, RECENT_CERTIFICATES)
        if unit_id is not None:  # a unit's view (an admin of that unit): its own units' certificates only
            scope = await org.subtree_ids(session, unit_id)
            recent = [c for c in recent if c.unit_id in scope]
            lines = [line for line in lines if line.unit.id in scope]
    query = f"start={start.isoformat()}&end={end.isoformat()}" + (f"&unit={unit_id}" if unit_id else "")
    return render(request, "console/study.html", {
        "title": "学时与证书", "report": report, "start": start, "end": end, "unit_id": unit_id, "lines": lines,
        "export_href": f"/admin/study/export.xlsx?{query}", "certificates": recent,
        "format_code": certs.format_code, "errors": errors or [], "form": form or {},
    }, status=status)


async def study_page(request: web.Request) -> web.Response:
    return await _page(request)


async def export_xlsx(request: web.Request) -> web.Response:
    report, start, end, _ = await _report(request)
    body = await asyncio.to_thread(hours_xlsx, report, request.app[SERVICES].settings.tz)
    await audited(request, "study.export", report.scope, f"{start.isoformat()}–{end.isoformat()}")
    return web.Response(body=body, headers={
        "Content-Disposition": f'attachment; filename="study-{start.isoformat()}-{end.isoformat()}.xlsx"',
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Cache-Control": "private, no-store"})


async def issue(request: web.Request) -> web.Response:
    """Issue a certificate from the console: to a unit (picked from the tree) or a person (a name typed)."""
    form = await request.post()
    values = {k: str(form.get(k, ""))[:200] for k in ("kind", "unit", "name", "title")}
    services = request.app[SERVICES]
    try:
        async with services.sessions() as session, session.begin():
            if values["kind"] == "unit":
                unit_id = int(values["unit"]) if values["unit"].isdigit() and len(values["unit"]) <= 9 else 0
                unit = await org.unit_by_id(session, unit_id)
                if unit is None:
                    raise certs.CertificateError(messages.STUDY_PICK_UNIT)
                cert = await certs.issue_certificate(session, unit.name, unit.id, values["title"],
                                                     now=services.clock.now())
            else:
                cert = await certs.issue_certificate(session, values["name"], None, values["title"],
                                                     now=services.clock.now())
    except certs.CertificateError as exc:
        return await _page(request, errors=[str(exc)], form=values, status=400)
    await audited(request, "study.certificate", certs.format_code(cert.code), f"{cert.holder_name}：{cert.title}")
    raise redirect("/admin/study", "certificate_issued")


async def certificate_pdf(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        cert = await session.get(Certificate, int(request.match_info["cert_id"]))
    if cert is None:
        raise web.HTTPNotFound()
    base = services.settings.public_url or f"{request.scheme}://{request.host}"
    try:
        pdf = await asyncio.to_thread(certs.render_pdf, cert, verify_url=f"{base.rstrip('/')}/verify/"
                                      f"{certs.format_code(cert.code)}", tz=services.settings.tz)
    except certs.FontMissing as exc:
        return error_page(request, "无法生成证书", str(exc), 503)
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{certs.pdf_filename(cert)}"', "Cache-Control": "private, no-store"})
