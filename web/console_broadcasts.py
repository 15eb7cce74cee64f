"""Console: 微课堂 broadcasts — schedules with a recurrence editor and the next firings, live progress, reports.

Schedules are previewed, created, paused, resumed and cancelled through ``broadcasts.schedules`` (which
validates and audits; the bot's /schedule and /broadcasts call the same functions). broadcasts/ has no edit
function: editing saves the new version as a new schedule and cancels the old one in the same transaction
(audited as ``broadcast.edit``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from sqlalchemy import select

from broadcasts.models import DeliveryStatus, Occurrence, OccurrenceStatus, ScheduleStatus
from broadcasts.occurrences import latest_occurrences, progress
from broadcasts.occurrences import send_now as enqueue_now
from broadcasts.schedules import (
    PREVIEW_FIRINGS,
    ScheduleInvalid,
    ScheduleNotFound,
    ScheduleStateError,
    What,
    When,
    audience_size,
    change_status,
    create_schedule,
    describe_what,
    get_schedule,
    list_schedules,
    next_fire_time,
    next_fire_times,
    preview_schedule,
)
from core.admins import audit
from core.topics import TOPICS
from org import scope
from org.models import Organisation
from org.service import search_units, tree_lines, unit_by_code
from web import messages
from web.console_lessons import lesson_library
from web.console_pages import admin_of, error_page, redirect, render
from web.typedefs import SERVICES

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TRIGGER_LABELS = {"once": "一次", "weekly": "每周", "cron": "Cron 表达式"}
# The badge colour of a schedule's status (its words are the domain's ScheduleStatus.label).
STATUS_BADGES = {ScheduleStatus.ACTIVE: "green", ScheduleStatus.PAUSED: "yellow"}
ERROR_TEXT = {
    "lesson": "请选择要推送的课程。", "series": "请选择系列课程。", "text": "通知内容为空或过长。",
    "photo": "图片不能超过 10 MB。", "topics": "主题无效。", "weekdays": "请至少选择一个星期几。",
    "at": "请填写时间，例如 09:00。", "once": "请填写一个将来的日期和时间。",
    "cron": "Cron 表达式无效（分 时 日 月 星期）。",
    "trigger": "请选择推送频率。", "kind": "请选择推送内容。", "timezone": "时区无效。",
    "unit": ("找不到该单位（或它已撤销、不在你的管理范围内），请从列表中选择；"
             "只有全部单位的推送管理员可以留空推送给全部单位。"),
}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/broadcasts", broadcasts_page)
    r.add_get("/admin/broadcasts/new", new_form)
    r.add_post("/admin/broadcasts/new", save)
    r.add_get("/admin/broadcasts/{sid:\\d{1,9}}", schedule_page)
    r.add_get("/admin/broadcasts/{sid:\\d{1,9}}/edit", edit_form)
    r.add_post("/admin/broadcasts/{sid:\\d{1,9}}/edit", save)
    r.add_post("/admin/broadcasts/{sid:\\d{1,9}}/{action:pause|resume|cancel|send}", schedule_action)
    r.add_get("/admin/broadcasts/runs/{oid:\\d{1,9}}", run_page)
    r.add_get("/admin/broadcasts/runs/{oid:\\d{1,9}}.json", run_json)


@dataclass
class ScheduleForm:
    kind: str = "lesson"
    lesson_id: str = ""
    series: str = ""
    text: str = ""
    topics: list[str] = field(default_factory=list)
    trigger: str = "weekly"
    run_at: str = ""  # datetime-local, in the console's time zone
    weekdays: list[str] = field(default_factory=lambda: ["mon"])
    at_time: str = "09:00"
    cron: str = ""
    unit: str = ""  # the scope: a unit's code (or its exact name); empty for the whole tree

    @classmethod
    def from_post(cls, data) -> ScheduleForm:
        return cls(
            kind=str(data.get("kind", "lesson")), lesson_id=str(data.get("lesson_id", "")),
            series=str(data.get("series", "")), text=str(data.get("text", "")).strip(),
            topics=[str(t) for t in data.getall("topics", [])], trigger=str(data.get("trigger", "weekly")),
            run_at=str(data.get("run_at", "")), weekdays=[str(d) for d in data.getall("weekdays", [])],
            at_time=str(data.get("at_time", "")).strip(), cron=str(data.get("cron", "")).strip(),
            unit=str(data.get("unit", "")).strip()[:64],
        )

    @classmethod
    def from_schedule(cls, s, tz) -> ScheduleForm:
        return cls(
            kind=s.kind, lesson_id=s.lesson_id or "", series=s.series or "", text=s.text or "",
            topics=list(s.topic_codes), trigger=s.trigger,
            run_at=s.run_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if s.run_at else "",
            weekdays=(s.weekdays or "").split(",") if s.weekdays else [], at_time=s.at_time or "09:00",
            cron=s.cron or "",
        )

    def what_when(self, tz) -> tuple[What, When]:
        what = What(kind=self.kind, lesson_id=self.lesson_id or None, series=self.series or None,
                    text=self.text or None)
        run_at = None
        if self.trigger == "once":
            try:
                run_at = datetime.fromisoformat(self.run_at).replace(tzinfo=tz)
            except ValueError:
                raise ScheduleInvalid("once", "bad date") from None
        when = When(trigger=self.trigger, run_at=run_at, weekdays=tuple(self.weekdays), at_time=self.at_time,
                    cron=self.cron, timezone=str(tz))
        return what, when


async def _resolve_unit(session, request: web.Request, text: str) -> int | None:
    """The unit a form names (its code, or a name only one unit within reach has); None for empty.
    ScheduleInvalid("unit") for anything else."""
    reach = await scope.units_in_reach(session, request.app[SERVICES].settings, admin_of(request).user_id, "push")
    if not text:
        if not scope.within_reach(reach, None):  # 推送 held at units only: one of them must be named
            raise ScheduleInvalid("unit", "the whole tree is out of reach")
        return None
    unit = await unit_by_code(session, text)
    if unit is None:
        named = [u for u in await search_units(session, text) if u.name == text]
        unit = named[0] if len(named) == 1 else None
    if unit is None or not scope.within_reach(reach, unit.id):
        raise ScheduleInvalid("unit", f"no unit {text!r} within reach")
    return unit.id


async def _unit_choices(request: web.Request) -> list[tuple[str, str]]:
    """(code, indented name) of every active unit the admin may push to, depth first, for the search list."""
    async with request.app[SERVICES].sessions() as session:
        reach = await scope.units_in_reach(session, request.app[SERVICES].settings, admin_of(request).user_id, "push")
        lines = tree_lines(list((await session.scalars(select(Organisation))).all()))
    return [(line.unit.code, "　" * line.depth + line.unit.name) for line in lines
            if scope.within_reach(reach, line.unit.id)]


async def _context(request: web.Request, form: ScheduleForm, **extra) -> dict:
    library = await lesson_library(request.app)
    return {
        "units": await _unit_choices(request),
        "title": "推送计划", "form": form, "lessons": list(library), "series_names": library.series_names(),
        "topics": TOPICS, "weekdays": list(zip(WEEKDAY_CODES, messages.WEEKDAYS, strict=True)),
        "trigger_labels": TRIGGER_LABELS, "status_badges": STATUS_BADGES, **extra,
    }


async def broadcasts_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    show_all = request.query.get("all") == "1"
    now = services.clock.now()
    async with services.sessions() as session:
        schedules = await list_schedules(session, include_closed=show_all)
        runs = await latest_occurrences(session, limit=20)
    titles = {lesson.id: lesson.title for lesson in await lesson_library(request.app)}
    rows = [{"s": s, "what": _what_label(s, describe_what(s), titles), "when": _when_label(s),
             "next": next_fire_time(s, now)}
            for s in schedules]
    return render(request, "console/broadcasts.html", {
        "title": "推送", "rows": rows, "runs": runs, "show_all": show_all, "status_badges": STATUS_BADGES,
    })


def _what_label(s, fallback: str, titles: dict[str, str] | None = None) -> str:
    if s.kind == "lesson":
        return f"课程《{(titles or {}).get(s.lesson_id, s.lesson_id)}》"
    if s.kind == "series":
        return f"系列《{s.series}》"
    return "通知：" + (s.text or "")[:30] if s.text else fallback


def _when_label(s) -> str:
    if s.trigger == "weekly":
        days = "、".join(messages.WEEKDAYS[WEEKDAY_CODES.index(d)] for d in (s.weekdays or "").split(",") if d)
        return f"每周 {days} {s.at_time}"
    if s.trigger == "cron":
        return f"cron: {s.cron}"
    return "一次"


async def new_form(request: web.Request) -> web.Response:
    return render(
        request, "console/broadcast_form.html", await _context(request, ScheduleForm(), action="/admin/broadcasts/new")
    )


async def edit_form(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    sid = int(request.match_info["sid"])
    async with services.sessions() as session:
        try:
            schedule = await get_schedule(session, sid)
        except ScheduleNotFound:
            return error_page(request, "找不到推送计划", messages.NOT_FOUND, 404)
        unit = await session.get(Organisation, schedule.unit_id) if schedule.unit_id is not None else None
    form = ScheduleForm.from_schedule(schedule, services.settings.tz)
    form.unit = unit.code if unit is not None else ""
    return render(request, "console/broadcast_form.html",
                  await _context(request, form, action=f"/admin/broadcasts/{sid}/edit", editing=sid))


async def save(request: web.Request) -> web.Response:
    """Preview (button ``preview``: the next firings and the audience, nothing written) or save a new or
    edited schedule."""
    services = request.app[SERVICES]
    tz = services.settings.tz
    now = services.clock.now()
    data = await request.post()
    form = ScheduleForm.from_post(data)
    editing = int(request.match_info["sid"]) if "sid" in request.match_info else None
    action = request.path
    library = await lesson_library(request.app)
    admin = admin_of(request)
    try:
        what, when = form.what_when(tz)
        if data.get("preview"):
            async with services.sessions() as session:
                unit_id = await _resolve_unit(session, request, form.unit)
                preview = await preview_schedule(session, library, what, when, topics=tuple(form.topics), now=now,
                                                 firings=PREVIEW_FIRINGS, unit_id=unit_id)
            return render(request, "console/broadcast_form.html", await _context(
                request, form, action=action, editing=editing, firings=preview.firings, audience=preview.audience))
        async with services.sessions() as session:
            unit_id = await _resolve_unit(session, request, form.unit)
            schedule = await create_schedule(session, library, what, when, topics=tuple(form.topics),
                                             created_by=admin.user_id, now=now, unit_id=unit_id)
            if editing is not None:
                await change_status(session, editing, "cancel", admin_id=None, now=now)
                await audit(session, admin.user_id, "broadcast.edit", f"schedule:{editing}",
                            f"replaced by schedule:{schedule.id}", unit_id=unit_id)
            new_id = schedule.id
            await session.commit()
    except ScheduleInvalid as exc:
        return render(request, "console/broadcast_form.html", await _context(
            request, form, action=action, editing=editing, errors=[ERROR_TEXT.get(exc.field, exc.detail)]), status=400)
    except ScheduleStateError:
        return error_page(request, "无法修改", "该推送计划已结束，不能再修改。", 409)
    await _sync_engine(services)
    raise redirect(f"/admin/broadcasts/{new_id}", "schedule_saved")


async def _sync_engine(services) -> None:
    """Let the running scheduler pick up the change now rather than at its next periodic sync."""
    engine = services.broadcasts
    if engine is not None and hasattr(engine, "sync"):
        await engine.sync()


async def schedule_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    sid = int(request.match_info["sid"])
    async with services.sessions() as session:
        try:
            schedule = await get_schedule(session, sid)
        except ScheduleNotFound:
            return error_page(request, "找不到推送计划", messages.NOT_FOUND, 404)
        runs = list((await session.execute(
            select(Occurrence).where(Occurrence.schedule_id == sid).order_by(Occurrence.id.desc()).limit(20)
        )).scalars())
        unit = await session.get(Organisation, schedule.unit_id) if schedule.unit_id is not None else None
    firings = next_fire_times(schedule, services.clock.now(), PREVIEW_FIRINGS)
    titles = {lesson.id: lesson.title for lesson in await lesson_library(request.app)}
    return render(request, "console/broadcast.html", {
        "title": f"推送计划 #{sid}", "s": schedule, "what": _what_label(schedule, describe_what(schedule), titles),
        "when": _when_label(schedule), "firings": firings, "runs": runs, "status_badges": STATUS_BADGES,
        "statuses": ScheduleStatus, "unit": unit,
        "topic_labels": {t.code: t.label for t in TOPICS},
        "confirm_questions": {"send": messages.CONFIRM_SEND_NOW_JS.format(sid=sid),
                              "cancel": messages.CONFIRM_CANCEL_SCHEDULE.format(sid=sid)},
    })


async def schedule_action(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    sid = int(request.match_info["sid"])
    action = request.match_info["action"]
    admin = admin_of(request)
    if action in CONFIRMED_ACTIONS and (await request.post()).get("confirmed") != "1":
        return await _confirm_action(request, sid, action)
    if action == "send":
        engine = services.broadcasts
        try:
            if engine is not None:
                oid = await engine.send_now(sid, admin_id=admin.user_id)
            else:
                # Not the leader (several processes): queued in the database, the leader's sender takes it.
                oid = await enqueue_now(services.sessions, sid, services.clock.now(), admin.user_id)
        except ScheduleNotFound:
            return error_page(request, "找不到推送计划", messages.NOT_FOUND, 404)
        except ScheduleStateError:
            return error_page(request, "无法操作", "推送计划的当前状态不允许此操作，请刷新页面。", 409)
        raise redirect(f"/admin/broadcasts/runs/{oid}")
    try:
        async with services.sessions() as session, session.begin():
            await change_status(session, sid, action, admin_id=admin.user_id, now=services.clock.now())
    except ScheduleNotFound:
        return error_page(request, "找不到推送计划", messages.NOT_FOUND, 404)
    except ScheduleStateError:
        return error_page(request, "无法操作", "推送计划的当前状态不允许此操作，请刷新页面。", 409)
    await _sync_engine(services)
    done = {"pause": "schedule_paused", "resume": "schedule_resumed", "cancel": "schedule_cancelled"}[action]
    raise redirect(f"/admin/broadcasts/{sid}", done)


# Mass or irreversible: a confirm page first (without JavaScript; console.js asks in a dialog instead).
CONFIRMED_ACTIONS = {"send": "立即推送一次", "cancel": "取消计划"}


async def _confirm_action(request: web.Request, sid: int, action: str) -> web.Response:
    """What the action will do, with its audience, and a button that posts it again confirmed."""
    services = request.app[SERVICES]
    async with services.sessions() as session:
        try:
            schedule = await get_schedule(session, sid)
        except ScheduleNotFound:
            return error_page(request, "找不到推送计划", messages.NOT_FOUND, 404)
        refused = schedule.status == ScheduleStatus.CANCELLED if action == "send" else not schedule.status.is_open
        if refused:
            return error_page(request, "无法操作", "推送计划的当前状态不允许此操作，请刷新页面。", 409)
        audience = await audience_size(session, schedule)
    label = CONFIRMED_ACTIONS[action]
    question = (messages.CONFIRM_SEND_NOW.format(sid=sid, audience=audience) if action == "send"
                else messages.CONFIRM_CANCEL_SCHEDULE.format(sid=sid))
    return render(request, "console/confirm.html", {
        "title": f"确认{label}", "question": question,
        "details": [("推送内容", describe_what(schedule)), ("时间", _when_label(schedule)),
                    ("对象人数", str(audience))],
        "action": f"/admin/broadcasts/{sid}/{action}", "fields": [],
        "confirm_label": f"确认{label}", "cancel_href": f"/admin/broadcasts/{sid}",
    })


async def _progress(request: web.Request):
    async with request.app[SERVICES].sessions() as session:
        try:
            return await progress(session, int(request.match_info["oid"]))
        except LookupError:
            raise web.HTTPNotFound() from None


async def run_page(request: web.Request) -> web.Response:
    from web.charts import progress_bar

    p = await _progress(request)
    return render(request, "console/broadcast_run.html", {
        "title": f"推送 #{p.occurrence_id}", "p": p, "bar": progress_bar(p.done, p.recipients),
        "status_label": p.status.label, "deliveries": DeliveryStatus,
    })


async def run_json(request: web.Request) -> web.Response:
    p = await _progress(request)
    return web.json_response({
        "status": p.status, "status_label": p.status.label, "running": p.status == OccurrenceStatus.RUNNING,
        "recipients": p.recipients, "pending": p.pending, "sent": p.sent, "blocked": p.blocked, "failed": p.failed,
        "skipped": p.skipped, "messages": p.messages,
    })
