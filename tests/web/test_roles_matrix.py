"""The console's authorisation matrix (issue 12, point 3): every route of the aiohttp router, for each role
held at a unit (s1) or at the tree's root (city), against a target at that unit, its parent, a sibling
and a child — allowed exactly where the role and its scope say.

The routes come from the running app's router, so a new console route without an entry in ``ROUTES``
fails ``test_every_console_route_is_in_the_matrix``. Requests are real HTTP through the real
middleware. Writes are sent without their CSRF token: the role check runs first, so a refusal shows
"没有…权限" and an allowed write stops at the token check ("表单校验失败") without changing anything.
"""
from __future__ import annotations

import pytest
from aiohttp import ClientSession

from core.admins import add_admin
from org import roles, service
from org.roles import Role
from study.certificates import issue_certificate
from web.auth import COOKIE_NAME, create_session

# Areas: the role that acts in each, and which routes belong to which.
AREA_ROLE = {"tips": Role.TIPS, "push": Role.PUSH, "kb": Role.KNOWLEDGE, "org": Role.ADMIN, "admins": Role.ADMIN,
             "any": None}
# kind: look (any holder of a role that sees the area, wherever), look_unit (… at the target unit),
#       act (an object of no unit: the role over the whole tree), act_unit (the role at the target),
#       act_above (the role above the target: its parent), signed_in (any admin).
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/admin/logout"): ("any", "signed_in"),
    ("GET", "/admin"): ("any", "look"),
    ("GET", "/admin/"): ("any", "look"),
    ("GET", "/admin/audit"): ("any", "look"),
    ("GET", "/admin/audit/export.csv"): ("any", "look"),
    ("GET", "/admin/rollups"): ("any", "look"),  # the admin's own units by default (org.scope.units_in_reach)
    ("GET", "/admin/rollups.xlsx"): ("any", "look"),
    ("GET", "/admin/tips"): ("tips", "look"),
    ("GET", "/admin/tips/export.zip"): ("tips", "look"),
    ("GET", "/admin/tips/retention"): ("tips", "look"),
    ("GET", "/admin/tips/photos/{photo_id}"): ("tips", "look"),
    ("GET", "/admin/tips/{tip_id}"): ("tips", "look"),
    ("POST", "/admin/tips/{tip_id}/status"): ("tips", "act"),
    ("POST", "/admin/tips/{tip_id}/reply"): ("tips", "act"),
    ("POST", "/admin/tips/{tip_id}/owner"): ("tips", "act"),
    ("POST", "/admin/tips/{tip_id}/notes"): ("tips", "act"),
    ("POST", "/admin/tips/{tip_id}/recognize"): ("tips", "act"),
    ("POST", "/admin/tips/{tip_id}/hold"): ("tips", "act"),
    ("GET", "/admin/broadcasts"): ("push", "look"),
    ("GET", "/admin/broadcasts/new"): ("push", "look"),
    ("POST", "/admin/broadcasts/new"): ("push", "act_anywhere"),  # the form's unit is checked by the page
    ("GET", "/admin/broadcasts/{sid}"): ("push", "look"),
    ("GET", "/admin/broadcasts/{sid}/edit"): ("push", "look"),
    ("POST", "/admin/broadcasts/{sid}/edit"): ("push", "act"),
    ("POST", "/admin/broadcasts/{sid}/{action}"): ("push", "act"),
    ("GET", "/admin/broadcasts/runs/{oid}"): ("push", "look"),
    ("GET", "/admin/broadcasts/runs/{oid}.json"): ("push", "look"),
    ("GET", "/admin/campaigns"): ("push", "look"),
    ("GET", "/admin/campaigns/new"): ("push", "look"),
    ("POST", "/admin/campaigns"): ("push", "act"),
    ("GET", "/admin/campaigns/{campaign_id}"): ("push", "look"),
    ("GET", "/admin/campaigns/{campaign_id}/report.xlsx"): ("push", "look"),
    ("GET", "/admin/campaigns/{campaign_id}/edit"): ("push", "look"),
    ("POST", "/admin/campaigns/{campaign_id}/edit"): ("push", "act"),
    ("POST", "/admin/campaigns/{campaign_id}/cancel"): ("push", "act"),
    ("GET", "/admin/lessons"): ("push", "look"),
    ("GET", "/admin/lessons/{lesson_id}"): ("push", "look"),
    ("POST", "/admin/lessons/{lesson_id}/test"): ("push", "act_anywhere"),
    ("GET", "/admin/knowledge"): ("kb", "look"),
    ("GET", "/admin/knowledge/article"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq/new"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq/export"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq/import"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq/nearest"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq/{faq_id}"): ("kb", "look"),
    ("GET", "/admin/knowledge/faq/{faq_id}/history"): ("kb", "look"),
    ("POST", "/admin/knowledge/faq"): ("kb", "act"),
    ("POST", "/admin/knowledge/faq/import"): ("kb", "act"),
    ("POST", "/admin/knowledge/faq/{faq_id}"): ("kb", "act"),
    **{("POST", f"/admin/knowledge/faq/{{faq_id}}/{verb}"): ("kb", "act")
       for verb in ("publish", "disable", "enable", "delete", "restore", "keep", "revision/publish",
                    "revision/reject")},
    ("POST", "/admin/knowledge/unanswered/{qid}/dismiss"): ("kb", "act"),
    ("POST", "/admin/knowledge/unanswered/merge"): ("kb", "act"),
    ("GET", "/admin/handoffs"): ("kb", "look"),
    ("GET", "/admin/handoffs/{handoff_id}"): ("kb", "look"),
    ("POST", "/admin/handoffs/{handoff_id}/answer"): ("kb", "act"),
    ("POST", "/admin/handoffs/{handoff_id}/claim"): ("kb", "act"),
    ("POST", "/admin/handoffs/{handoff_id}/close"): ("kb", "act"),
    ("GET", "/admin/org"): ("any", "look"),
    ("POST", "/admin/org"): ("org", "act_unit"),  # a new unit under the target
    ("GET", "/admin/org/{unit_id}"): ("any", "look_unit"),
    ("POST", "/admin/org/{unit_id}/rename"): ("org", "act_unit"),
    ("POST", "/admin/org/{unit_id}/move"): ("org", "act_above"),  # to below the admin's own unit
    ("POST", "/admin/org/{unit_id}/merge"): ("org", "act_above"),  # into the admin's own unit
    ("POST", "/admin/org/{unit_id}/retire"): ("org", "act_above"),
    ("GET", "/admin/org/{unit_id}/qr.png"): ("any", "look_unit"),
    ("GET", "/admin/org/{unit_id}/poster.png"): ("any", "look_unit"),
    ("GET", "/admin/org/{unit_id}/poster.pdf"): ("any", "look_unit"),
    # 学时证书: hours of the unit asked for (?unit=); a unit's certificate by 管理员 of the unit.
    ("GET", "/admin/study"): ("any", "look_unit"),
    ("GET", "/admin/study/export.xlsx"): ("any", "look_unit"),
    ("POST", "/admin/study/certificates"): ("org", "act_unit"),
    ("GET", "/admin/study/certificates/{cert_id}.pdf"): ("any", "look_unit"),
    ("GET", "/admin/admins"): ("any", "look"),
    ("POST", "/admin/admins"): ("admins", "act"),
    ("POST", "/admin/admins/{user_id}/remove"): ("admins", "act"),
    ("POST", "/admin/admins/invite"): ("admins", "act_unit"),
    ("POST", "/admin/admins/grants/{grant_id}/remove"): ("admins", "act_unit"),
}
PUBLIC = {"/", "/healthz", "/tip", "/tip/receipt/{key}", "/tip/status", "/tip/thread/{view}",
          "/tip/thread/{view}/add", "/tip/thread/{view}/review", "/admin/login", "/chat", "/chat/api/users",
          "/chat/api/{role}/events", "/chat/api/{role}/text", "/chat/api/{role}/press", "/chat/api/{role}/photo",
          "/chat/api/{role}/poll_answer", "/chat/files/{file_id}", "/verify", "/verify/{code}"}
LOOKS = {"tips": Role.TIPS, "push": Role.PUSH, "kb": Role.KNOWLEDGE}
POSITIONS = {"unit": "s1", "parent": "d1", "sibling": "s2", "child": "f1"}
# What the tree looks like from s1: whose subtree holds whom.
BELOW = {"city": {"city", "d1", "s1", "f1", "d2", "s2"}, "s1": {"s1", "f1"}}
PARENT = {"s1": "d1", "d1": "city", "s2": "d2", "f1": "s1", "city": None}
OTHER_ADMIN = 990001


def router_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None or route.resource.canonical.startswith("/static"):
            continue
        found.add((route.method, route.resource.canonical))
    return found


def expected(route: tuple[str, str], role: Role, held_at: str, target: str) -> bool:
    """The rule in words: looking needs a role that sees the area; acting needs the area's role (or 管理员)
    over the object's unit — the whole tree for an object of no unit."""
    area, kind = ROUTES[route]
    if kind == "signed_in":
        return True
    if kind.startswith("look"):
        sees = area == "any" or role in (Role.ADMIN, Role.READONLY, LOOKS[area])
        return sees and (kind == "look" or target in BELOW[held_at])
    acts = role is Role.ADMIN or role is AREA_ROLE[area]
    where = {"act": "city", "act_anywhere": held_at, "act_unit": target, "act_above": PARENT[target]}[kind]
    return acts and where is not None and where in BELOW[held_at]


def test_every_console_route_is_in_the_matrix(web_server):
    routes = router_routes(web_server.app)
    console = {r for r in routes if r[1] not in PUBLIC}
    assert console == set(ROUTES), "a console route needs a row in ROUTES (and a rule in web/permissions.py)"
    assert {path for _, path in routes} - {path for _, path in console} == PUBLIC


def sample_path(path: str, units: dict[str, int], target: str, grants: dict[str, int],
                certificates: dict[str, int]) -> str:
    if path in ("/admin/study", "/admin/study/export.xlsx"):
        return f"{path}?unit={units[target]}"
    values = {"cert_id": certificates[target],
              "tip_id": 1, "photo_id": 1, "sid": 1, "action": "pause", "oid": 1, "lesson_id": "x", "faq_id": "x",
              "qid": 1, "handoff_id": 1, "campaign_id": 1, "unit_id": units[target], "user_id": OTHER_ADMIN,
              "grant_id": grants[target]}
    return path.format(**values)


def sample_form(path: str, units: dict[str, int], target: str, held_at: str) -> dict[str, str]:
    if path == "/admin/org":
        return {"parent": target, "code": "new", "name": "新单位"}
    if path.endswith("/move"):
        return {"parent": held_at}
    if path.endswith("/merge"):
        return {"into": held_at}
    if path == "/admin/admins/invite":
        return {"unit_id": str(units[target]), "role": "readonly"}
    if path == "/admin/study/certificates":
        return {"kind": "unit", "unit": str(units[target]), "title": "优胜单位"}
    return {}


@pytest.fixture
async def matrix(services):
    """The tree, one admin per (role, where held), a grant at each position to remove, and their sessions."""
    async with services.sessions() as s, s.begin():
        units = {}
        for code, parent in (("city", None), ("d1", "city"), ("s1", "d1"), ("f1", "s1"), ("d2", "city"),
                             ("s2", "d2")):
            units[code] = (await service.add_unit(s, code, f"{code} 工会", "", parent)).id
        await add_admin(s, OTHER_ADMIN, "他人")
        for code in POSITIONS.values():
            await roles.grant(s, OTHER_ADMIN, "他人", Role.READONLY, units[code], by=0)
        grants = {line.unit_name.split()[0]: line.grant_id for line in await roles.list_grants(s)
                  if line.user_id == OTHER_ADMIN and line.unit_id is not None}
        cookies = {}
        for i, role in enumerate(Role):
            for held_at in ("s1", "city"):
                user_id = 980000 + 10 * i + (held_at == "city")
                await roles.grant(s, user_id, f"{role.label}@{held_at}", role, units[held_at], by=0)
                cookie, _ = await create_session(s, user_id, services.clock.now())
                cookies[role, held_at] = cookie
        certificates = {code: (await issue_certificate(s, f"{code} 工会", units[code], "优胜单位")).id
                        for code in POSITIONS.values()}
    return units, grants, cookies, certificates


async def test_every_route_for_every_role_at_a_unit_its_parent_a_sibling_and_a_child(web_server, web_url, matrix):
    units, grants, cookies, certificates = matrix
    mismatches = []
    checked = 0
    async with ClientSession() as http:
        for route in sorted(ROUTES):
            method, path = route
            unit_bound = ROUTES[route][1] in ("look_unit", "act_unit", "act_above")
            for (role, held_at), cookie in cookies.items():
                for position, target in POSITIONS.items() if unit_bound else [("-", "s1")]:
                    url = web_url + sample_path(path, units, target, grants, certificates)
                    headers = {"Cookie": f"{COOKIE_NAME}={cookie}"}
                    if method == "GET":
                        response = await http.get(url, headers=headers, allow_redirects=False)
                    else:  # no CSRF token: the role check answers first, an allowed write changes nothing
                        response = await http.post(url, data=sample_form(path, units, target, held_at),
                                                   headers=headers, allow_redirects=False)
                    body = (await response.read()).decode("utf-8", "replace")
                    refused = response.status == 403 and "没有「" in body
                    if method == "POST" and not refused:
                        assert response.status == 403 and "表单校验失败" in body, (route, response.status)
                    if refused is expected(route, role, held_at, target):
                        mismatches.append((method, path, role.value, held_at, position, response.status))
                    checked += 1
    assert mismatches == []
    assert checked > 500


async def test_a_refusal_names_the_role_and_the_unit(web_server, web_url, matrix):
    units, _grants, cookies, _certificates = matrix
    async with ClientSession() as http:
        response = await http.post(f"{web_url}/admin/org/{units['d1']}/rename", data={"name": "x"},
                                   headers={"Cookie": f"{COOKIE_NAME}={cookies[Role.ADMIN, 's1']}"})
        assert response.status == 403
        assert "你在「d1 工会」没有「管理员」权限" in await response.text()
        response = await http.get(f"{web_url}/admin/tips",
                                  headers={"Cookie": f"{COOKIE_NAME}={cookies[Role.KNOWLEDGE, 'city']}"})
        assert response.status == 403 and "你没有「查看举报」权限" in await response.text()
