"""Console: 知识竞赛 — campaigns listed, created from a form or a bundled template, edited (a campaign
running today takes new rules from tomorrow) and cancelled. Creating one queues its invitation on the
broadcast engine: sent now when the campaign has begun, else at 09:00 of its first day."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from broadcasts.occurrences import send_now as enqueue_now
from broadcasts.quizbank import AUDIENCES
from campaigns import messages as cmsg
from campaigns import rankings
from campaigns.models import Campaign, CampaignStatus
from campaigns.report import campaign_report, report_xlsx
from campaigns.service import (
    PLACEHOLDERS,
    CampaignInvalid,
    CampaignNotFound,
    Draft,
    Rules,
    cancel_campaign,
    create_campaign,
    draft_from_template,
    edit_campaign,
    get_campaign,
    list_campaigns,
    local_day,
    queue_invitation,
    rules_of,
    rules_on,
    rules_timeline,
)
from core.cleantext import without_unstorable
from core.topics import TOPICS
from org.service import list_tree
from web import messages
from web.console_pages import admin_of, error_page, redirect, render
from web.typedefs import SERVICES

RANK_ROWS = 50  # people shown on the campaign page
REPORT_ROWS = 30  # questions shown on the campaign page (all of them in the Excel export)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CAMPAIGN_ID = r"{campaign_id:[1-9][0-9]{0,8}}"  # an integer column: 9 digits at most


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/campaigns", campaigns_page)
    r.add_get("/admin/campaigns/new", new_form)
    r.add_post("/admin/campaigns", create)
    r.add_get(f"/admin/campaigns/{CAMPAIGN_ID}", campaign_page)
    r.add_get(f"/admin/campaigns/{CAMPAIGN_ID}/edit", edit_form)
    r.add_post(f"/admin/campaigns/{CAMPAIGN_ID}/edit", edit)
    r.add_post(f"/admin/campaigns/{CAMPAIGN_ID}/cancel", cancel)
    r.add_get(f"/admin/campaigns/{CAMPAIGN_ID}/report.xlsx", report_export)


def _today(request: web.Request) -> date:
    services = request.app[SERVICES]
    return local_day(services.clock.now(), services.settings.tz)


def phase(campaign: Campaign, today: date) -> str:
    """The campaign's state in words, by the calendar."""
    if campaign.status != CampaignStatus.ACTIVE:
        return campaign.status.label
    if today < campaign.starts_on:
        return "未开始"
    if today > campaign.ends_on:
        return "已结束"
    return "进行中"


async def campaigns_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        found = await list_campaigns(session)
    today = _today(request)
    return render(request, "console/campaigns.html", {
        "title": "知识竞赛", "campaigns": [(c, phase(c, today)) for c in found],
        "templates": list(services.campaigns.templates.values()),
    })


async def _form_page(request: web.Request, draft: Draft, *, action: str, errors: list[str] | None = None,
                     status: int = 200, editing: Campaign | None = None) -> web.Response:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        units = await list_tree(session)
    return render(request, "console/campaign_form.html", {
        "title": "修改竞赛" if editing else "新建竞赛", "draft": draft, "action": action, "errors": errors or [],
        "topics": TOPICS, "units": units, "audiences": [("", cmsg.AUDIENCE_LABELS[""])]
        + [(a, cmsg.AUDIENCE_LABELS[a]) for a in AUDIENCES], "editing": editing,
        "started": editing is not None and _today(request) >= editing.starts_on, "placeholders": list(PLACEHOLDERS),
    }, status=status)


async def new_form(request: web.Request) -> web.Response:
    """The form, empty or filled from ``?template=`` (starting today)."""
    services = request.app[SERVICES]
    today = _today(request)
    template_id = request.query.get("template", "")
    if template_id:
        template = services.campaigns.templates.get(template_id)
        if template is None:
            return error_page(request, "找不到模板", cmsg.UNKNOWN_TEMPLATE, 404)
        draft = draft_from_template(template, today)
    else:
        draft = Draft(name="", starts_on=today, ends_on=today)
    return await _form_page(request, draft, action="/admin/campaigns")


def _field(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name, "")
    return without_unstorable(value).strip() if isinstance(value, str) else ""


def _number(form: MultiDictProxy[Any], name: str, default: int) -> int:
    text = _field(form, name)
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise CampaignInvalid(name, "请填写数字。")
    return int(text)


def _date(form: MultiDictProxy[Any], name: str) -> date:
    try:
        return date.fromisoformat(_field(form, name))
    except ValueError:
        raise CampaignInvalid(name, "请按 年-月-日 填写日期，例如 2026-06-01。") from None


def _draft(form: MultiDictProxy[Any]) -> Draft:
    unit = _field(form, "unit_id")
    rules = Rules(
        attempts_per_day=_number(form, "attempts_per_day", 1),
        questions_per_attempt=_number(form, "questions_per_attempt", 10),
        seconds_per_question=_number(form, "seconds_per_question", 30),
        tags=tuple(t for t in form.getall("tags", []) if isinstance(t, str)),
        audience=_field(form, "audience"), balanced=form.get("balanced") == "1",
        points_correct=_number(form, "points_correct", 10), points_finish=_number(form, "points_finish", 2),
        points_perfect=_number(form, "points_perfect", 0),
    )
    return Draft(
        name=_field(form, "name"), description=_field(form, "description"),
        starts_on=_date(form, "starts_on"), ends_on=_date(form, "ends_on"),
        topics=tuple(t for t in form.getall("topics", []) if isinstance(t, str)),
        unit_id=_number(form, "unit_id", 0) or None if unit else None,
        template=_field(form, "template"), invitation=_field(form, "invitation"), rules=rules,
    )


def _typed_draft(form: MultiDictProxy[Any], today: date) -> Draft:
    """What was typed, for showing the form again after a refusal (bad numbers and dates as defaults)."""
    try:
        return _draft(form)
    except CampaignInvalid:
        return Draft(name=_field(form, "name"), starts_on=today, ends_on=today, invitation=_field(form, "invitation"),
                     description=_field(form, "description"), template=_field(form, "template"))


async def create(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    form = await request.post()
    admin_id = admin_of(request).user_id
    now = services.clock.now()
    try:
        draft = _draft(form)
        async with services.sessions() as session, session.begin():
            campaign = await create_campaign(session, draft, services.campaigns.bank, now=now, created_by=admin_id)
            schedule, send_now = await queue_invitation(session, campaign, draft.invitation, now=now,
                                                        tz=services.settings.tz, created_by=admin_id)
    except CampaignInvalid as exc:
        return await _form_page(request, _typed_draft(form, _today(request)), action="/admin/campaigns",
                                errors=[exc.message], status=400)
    if send_now:
        engine = services.broadcasts
        if engine is not None:
            await engine.send_now(schedule.id, admin_id=admin_id)
        else:  # not the leader: queued in the database, the leader's sender takes it
            await enqueue_now(services.sessions, schedule.id, now, admin_id)
    raise redirect(f"/admin/campaigns/{campaign.id}", "campaign_created")


async def _campaign(request: web.Request) -> Campaign | None:
    services = request.app[SERVICES]
    async with services.sessions() as session:
        try:
            return await get_campaign(session, int(request.match_info["campaign_id"]))
        except CampaignNotFound:
            return None


async def campaign_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    campaign = await _campaign(request)
    if campaign is None:
        return error_page(request, "找不到竞赛", messages.NOT_FOUND, 404)
    async with services.sessions() as session, session.begin():
        timeline = await rules_timeline(session, campaign.id)
        # Live while it runs; after its last day, frozen (stored on first view).
        board = await rankings.standings(session, campaign, _today(request))
        summary = await campaign_report(session, campaign, services.campaigns.bank, today=_today(request))
    return render(request, "console/campaign.html", {
        "title": campaign.name, "campaign": campaign, "phase": phase(campaign, _today(request)),
        "timeline": timeline, "topic_labels": {t.code: t.label for t in TOPICS},
        "audience_labels": cmsg.AUDIENCE_LABELS, "board": board, "persons_shown": RANK_ROWS,
        "person_ties": rankings.PERSON_TIE_BREAKS, "unit_ties": rankings.UNIT_TIE_BREAKS,
        "report": summary, "report_rows": REPORT_ROWS,
    })


async def report_export(request: web.Request) -> web.Response:
    """The campaign report (每日参与, 各单位分期, 题目正确率, 前后正确率) as an Excel workbook."""
    services = request.app[SERVICES]
    campaign = await _campaign(request)
    if campaign is None:
        return error_page(request, "找不到竞赛", messages.NOT_FOUND, 404)
    async with services.sessions() as session:
        summary = await campaign_report(session, campaign, services.campaigns.bank, today=_today(request))
    body = await asyncio.to_thread(report_xlsx, summary)
    return web.Response(body=body, content_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="campaign-{campaign.id}-report.xlsx"',
        "Cache-Control": "private, no-store"})


async def edit_form(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    campaign = await _campaign(request)
    if campaign is None:
        return error_page(request, "找不到竞赛", messages.NOT_FOUND, 404)
    async with services.sessions() as session:
        current = await rules_on(session, campaign.id, max(_today(request), campaign.starts_on))
    draft = Draft(name=campaign.name, description=campaign.description, starts_on=campaign.starts_on,
                  ends_on=campaign.ends_on, topics=campaign.topic_codes, unit_id=campaign.unit_id,
                  template=campaign.template, rules=rules_of(current))
    return await _form_page(request, draft, action=f"/admin/campaigns/{campaign.id}/edit", editing=campaign)


async def edit(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    campaign = await _campaign(request)
    if campaign is None:
        return error_page(request, "找不到竞赛", messages.NOT_FOUND, 404)
    form = await request.post()
    try:
        draft = _draft(form)
        async with services.sessions() as session, session.begin():
            await edit_campaign(session, campaign.id, draft, services.campaigns.bank, now=services.clock.now(),
                                tz=services.settings.tz, admin_id=admin_of(request).user_id)
    except CampaignInvalid as exc:
        return await _form_page(request, _typed_draft(form, _today(request)),
                                action=f"/admin/campaigns/{campaign.id}/edit", errors=[exc.message], status=400,
                                editing=campaign)
    raise redirect(f"/admin/campaigns/{campaign.id}", "campaign_edited")


async def cancel(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    campaign = await _campaign(request)
    if campaign is None:
        return error_page(request, "找不到竞赛", messages.NOT_FOUND, 404)
    async with services.sessions() as session, session.begin():
        await cancel_campaign(session, campaign.id, now=services.clock.now(), admin_id=admin_of(request).user_id)
    raise redirect(f"/admin/campaigns/{campaign.id}", "campaign_cancelled")
