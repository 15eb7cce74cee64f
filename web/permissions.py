"""Who may use each console route: the role or action it needs, and at which unit (issue 12, point 3).

One table, ``RULES``, keyed by method and route, read by ``web.auth.admin_guard`` on every /admin
request after the session and before the CSRF token: a route missing from it is refused, and the
authorisation matrix test (tests/web/test_roles_matrix.py) fails for it. Lists not yet kept by unit
(tips, schedules, the FAQ, handoffs) show everything to the roles that may look at them; acting on an
object of no unit needs the role over the whole tree (``org.roles``).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from org import roles, service
from org.models import Organisation, RoleGrant
from org.roles import Action, Need, Role

# Where a rule is checked: a list of unit ids (None: the whole tree), each of which must pass.
Locate = Callable[[web.Request, AsyncSession], Awaitable[list[int | None]]]


@dataclass(frozen=True, slots=True)
class Rule:
    need: Need | None  # None: any signed-in admin (logging out)
    where: Locate | None = None  # None: anywhere the admin holds the need (lists, forms, pages of no unit)


def _path_int(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


async def whole_tree(request: web.Request, session: AsyncSession) -> list[int | None]:
    return [None]


async def path_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    return [_path_int(request, "unit_id")]


async def _parent(session: AsyncSession, unit_id: int) -> int | None:
    unit = await session.get(Organisation, unit_id)
    return unit.parent_id if unit is not None else unit_id


async def _code(session: AsyncSession, code: str) -> list[int | None]:
    """A unit named by code in a form: [] for an unknown one (the page itself says so)."""
    unit = await service.unit_by_code(session, code, active_only=False)
    return [unit.id] if unit is not None else []


async def _form(request: web.Request, name: str) -> str:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return ""
    value = (await request.post()).get(name, "")
    return value.strip()[:40] if isinstance(value, str) else ""


async def above_path_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    """Retiring: the unit's workers and child units go to its parent, so 管理员 of the parent (or above)."""
    return [await _parent(session, _path_int(request, "unit_id"))]


async def moving(request: web.Request, session: AsyncSession) -> list[int | None]:
    """Moving: 管理员 above the unit and at the new parent (none: a new root, the whole tree)."""
    parent = await _form(request, "parent")
    target = await _code(session, parent) if parent else [None]
    return [await _parent(session, _path_int(request, "unit_id")), *target]


async def merging(request: web.Request, session: AsyncSession) -> list[int | None]:
    """Merging: 管理员 above the unit and at the unit it goes into."""
    into = await _form(request, "into")
    return [await _parent(session, _path_int(request, "unit_id")), *(await _code(session, into) if into else [])]


async def form_parent(request: web.Request, session: AsyncSession) -> list[int | None]:
    """Adding a unit: 管理员 of its parent (none: a new root, the whole tree)."""
    parent = await _form(request, "parent")
    return await _code(session, parent) if parent else [None]


async def form_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    """Inviting: 管理员 of the unit the role is for (none chosen: the whole tree)."""
    raw = await _form(request, "unit_id")
    return [int(raw)] if raw.isdigit() and len(raw) <= 9 else [None]


async def grant_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    """Removing a role: 管理员 where it was held."""
    row = await session.get(RoleGrant, _path_int(request, "grant_id"))
    return [row.unit_id] if row is not None else []


def _unit_of_row(model: Any, key: str) -> Locate:
    """The unit of the row a path names — its ``unit_id`` once the table keeps one (tips with their
    routing, schedules by subtree: issue 12, points 4 and 5); until then, and for a missing row, the
    whole tree."""
    async def locate(request: web.Request, session: AsyncSession) -> list[int | None]:
        row = await session.get(model, _path_int(request, key))
        return [getattr(row, "unit_id", None)]
    return locate


def _tip_unit() -> Locate:
    from tips.models import Tip

    return _unit_of_row(Tip, "tip_id")


def _schedule_unit() -> Locate:
    from broadcasts.models import Schedule

    return _unit_of_row(Schedule, "sid")


def _handoff_unit() -> Locate:
    from knowledge.models import Handoff

    return _unit_of_row(Handoff, "handoff_id")


async def certificate_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    """A unit's certificate: that unit; a person's: the whole tree; an unknown one: [] (the page says 404)."""
    from study.models import Certificate

    row = await session.get(Certificate, _path_int(request, "cert_id"))
    return [] if row is None else [row.unit_id]


tip_unit, schedule_unit, handoff_unit = _tip_unit(), _schedule_unit(), _handoff_unit()


async def query_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    """学时 for ``?unit=`` (that unit and below); without one, everyone's: the whole tree."""
    raw = request.query.get("unit", "")
    return [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) <= 9 else [None]


async def form_certificate_unit(request: web.Request, session: AsyncSession) -> list[int | None]:
    """A certificate for a unit: 管理员 of that unit; for a person (no unit kept): the whole tree."""
    if await _form(request, "kind") != "unit":
        return [None]
    raw = await _form(request, "unit")
    return [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) <= 9 else [None]

SIGNED_IN = Rule(None)
VIEW = Rule(Action.VIEW)
VIEW_TIPS = Rule(Action.VIEW_TIPS)
VIEW_PUSH = Rule(Action.VIEW_PUSH)
VIEW_KNOWLEDGE = Rule(Action.VIEW_KNOWLEDGE)
TIP_ACTION = Rule(Role.TIPS, tip_unit)
SCHEDULE_ACTION = Rule(Role.PUSH, schedule_unit)
# The FAQ and the unanswered questions answer every worker: one knowledge base for the whole tree.
KB_ACTION = Rule(Role.KNOWLEDGE, whole_tree)
HANDOFF_ACTION = Rule(Role.KNOWLEDGE, handoff_unit)

RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/admin/logout"): SIGNED_IN,
    ("GET", "/admin"): VIEW,
    ("GET", "/admin/"): VIEW,
    # 审计日志
    ("GET", "/admin/audit"): VIEW,
    ("GET", "/admin/audit/export.csv"): VIEW,
    # 举报
    ("GET", "/admin/tips"): VIEW_TIPS,
    ("GET", "/admin/tips/export.zip"): VIEW_TIPS,
    ("GET", "/admin/tips/retention"): VIEW_TIPS,
    ("GET", "/admin/tips/photos/{photo_id}"): VIEW_TIPS,
    ("GET", "/admin/tips/{tip_id}"): VIEW_TIPS,
    **{("POST", f"/admin/tips/{{tip_id}}/{verb}"): TIP_ACTION
       for verb in ("status", "reply", "owner", "notes", "recognize", "hold")},
    # 推送
    ("GET", "/admin/broadcasts"): VIEW_PUSH,
    ("GET", "/admin/broadcasts/new"): VIEW_PUSH,
    # 推送 somewhere; the form's 推送范围 must lie within it (web.console_broadcasts._resolve_unit).
    ("POST", "/admin/broadcasts/new"): Rule(Role.PUSH),
    ("GET", "/admin/broadcasts/{sid}"): VIEW_PUSH,
    ("GET", "/admin/broadcasts/{sid}/edit"): VIEW_PUSH,
    ("POST", "/admin/broadcasts/{sid}/edit"): SCHEDULE_ACTION,
    ("POST", "/admin/broadcasts/{sid}/{action}"): SCHEDULE_ACTION,
    ("GET", "/admin/broadcasts/runs/{oid}"): VIEW_PUSH,
    ("GET", "/admin/broadcasts/runs/{oid}.json"): VIEW_PUSH,
    # 知识竞赛: a campaign's invitation is a broadcast; it reaches a unit's subtree at most, or everyone,
    # so creating, editing and cancelling one needs 推送 over the whole tree (like a broadcast of no unit).
    ("GET", "/admin/campaigns"): VIEW_PUSH,
    ("GET", "/admin/campaigns/new"): VIEW_PUSH,
    ("POST", "/admin/campaigns"): Rule(Role.PUSH, whole_tree),
    ("GET", "/admin/campaigns/{campaign_id}"): VIEW_PUSH,
    ("GET", "/admin/campaigns/{campaign_id}/report.xlsx"): VIEW_PUSH,
    ("GET", "/admin/campaigns/{campaign_id}/edit"): VIEW_PUSH,
    ("POST", "/admin/campaigns/{campaign_id}/edit"): Rule(Role.PUSH, whole_tree),
    ("POST", "/admin/campaigns/{campaign_id}/cancel"): Rule(Role.PUSH, whole_tree),
    ("GET", "/admin/lessons"): VIEW_PUSH,
    ("GET", "/admin/lessons/{lesson_id}"): VIEW_PUSH,
    ("POST", "/admin/lessons/{lesson_id}/test"): Rule(Role.PUSH),  # to the admin's own chat only
    # 知识库
    ("GET", "/admin/knowledge"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/article"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq/new"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq/export"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq/import"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq/nearest"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq/{faq_id}"): VIEW_KNOWLEDGE,
    ("GET", "/admin/knowledge/faq/{faq_id}/history"): VIEW_KNOWLEDGE,
    ("POST", "/admin/knowledge/faq"): KB_ACTION,
    ("POST", "/admin/knowledge/faq/import"): KB_ACTION,
    ("POST", "/admin/knowledge/faq/{faq_id}"): KB_ACTION,
    **{("POST", f"/admin/knowledge/faq/{{faq_id}}/{verb}"): KB_ACTION
       for verb in ("publish", "disable", "enable", "delete", "restore", "keep", "revision/publish",
                    "revision/reject")},
    ("POST", "/admin/knowledge/unanswered/{qid}/dismiss"): KB_ACTION,
    ("POST", "/admin/knowledge/unanswered/merge"): KB_ACTION,
    # 问工会
    ("GET", "/admin/handoffs"): VIEW_KNOWLEDGE,
    ("GET", "/admin/handoffs/{handoff_id}"): VIEW_KNOWLEDGE,
    **{("POST", f"/admin/handoffs/{{handoff_id}}/{verb}"): HANDOFF_ACTION for verb in ("answer", "claim", "close")},
    # 单位汇总: any role; the page keeps to the units the admin may see (org.scope.units_in_reach)
    ("GET", "/admin/rollups"): VIEW,
    ("GET", "/admin/rollups.xlsx"): VIEW,
    # 组织架构
    ("GET", "/admin/org"): VIEW,
    ("POST", "/admin/org"): Rule(Role.ADMIN, form_parent),
    ("GET", "/admin/org/{unit_id}"): Rule(Action.VIEW, path_unit),
    ("POST", "/admin/org/{unit_id}/rename"): Rule(Role.ADMIN, path_unit),
    ("POST", "/admin/org/{unit_id}/move"): Rule(Role.ADMIN, moving),
    ("POST", "/admin/org/{unit_id}/merge"): Rule(Role.ADMIN, merging),
    ("POST", "/admin/org/{unit_id}/retire"): Rule(Role.ADMIN, above_path_unit),
    ("GET", "/admin/org/{unit_id}/qr.png"): Rule(Action.VIEW, path_unit),
    ("GET", "/admin/org/{unit_id}/poster.png"): Rule(Action.VIEW, path_unit),
    ("GET", "/admin/org/{unit_id}/poster.pdf"): Rule(Action.VIEW, path_unit),
    # 学时证书: hours within the unit asked for; certificates by their unit (a person's: the whole tree)
    ("GET", "/admin/study"): Rule(Action.VIEW, query_unit),
    ("GET", "/admin/study/export.xlsx"): Rule(Action.VIEW, query_unit),
    ("POST", "/admin/study/certificates"): Rule(Role.ADMIN, form_certificate_unit),
    ("GET", "/admin/study/certificates/{cert_id}.pdf"): Rule(Action.VIEW, certificate_unit),
    # 管理员
    ("GET", "/admin/admins"): VIEW,
    ("POST", "/admin/admins"): Rule(Role.ADMIN, whole_tree),  # by Telegram id: a 管理员 of everything
    ("POST", "/admin/admins/{user_id}/remove"): Rule(Role.ADMIN, whole_tree),  # every role of theirs
    ("POST", "/admin/admins/invite"): Rule(Role.ADMIN, form_unit),
    ("POST", "/admin/admins/grants/{grant_id}/remove"): Rule(Role.ADMIN, grant_unit),
}


def rule_for(request: web.Request) -> Rule | None:
    route = request.match_info.route
    resource = route.resource
    if resource is None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    return RULES.get((method, resource.canonical))


@dataclass(frozen=True, slots=True)
class Refusal:
    need: Need
    unit_id: int | None
    anywhere: bool


async def check(request: web.Request, session: AsyncSession, settings, user_id: int) -> Refusal | int | None:
    """None or the unit the request concerns when allowed (for the audit log), a Refusal otherwise."""
    if request.match_info.http_exception is not None:
        return None  # no such page (404) or method (405): nothing to allow
    rule = rule_for(request)
    if rule is None:
        return Refusal(Role.ADMIN, None, False)  # a route nobody described: refused until it is
    if rule.need is None:
        return None
    if rule.where is None:
        if await roles.holds(session, settings, user_id, rule.need):
            return None
        return Refusal(rule.need, None, True)
    units = await rule.where(request, session)
    for unit_id in units:
        if not await roles.can(session, settings, user_id, rule.need, unit_id):
            return Refusal(rule.need, unit_id, False)
    return units[0] if units else None
