"""Admins' roles, each held at a unit and so over its subtree: who may do what where (issue 12, point 3).

The rules, once: ``can`` (may this admin do this at this unit?), ``scope_of`` / ``unit_ids_for`` (where
may they, for filtering lists), ``tip_handlers`` (who gets a unit's tips, walking up the tree),
``escalation_recipients`` (an overdue case goes one step further up), ``units_without_handler`` (the
console's warning), ``tip_owners`` (whom a tip may be assigned to), and grants made through one-time
invitations.

Where rights come from:
- the ids in ANKANG_ADMIN_IDS: 管理员 of the whole tree, always;
- an ``admins`` row without any grant (an admin from before roles, or ``ankang admin add``): 管理员 of
  the whole tree too — nothing changes for them, and a revoked last grant removes the row as well, so a
  row never falls back to full rights by losing its grants;
- grants (``admin_roles``): a role at a unit covers the unit and everything below it; a grant with
  no unit covers the whole tree. 管理员 implies every other role, and any role lets its holder look.
An object not yet attached to a unit (``unit_id`` None) belongs to the whole tree: acting on it needs
the role over the whole tree — a grant of no unit, or at the tree's only root unit.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Executable

from core.admins import add_admin, duty_recipients, remove_admin
from core.models import Admin, DutyShift
from core.settings import Settings
from org import messages as msg
from org.models import ROLE_LABELS, AdminInvite, Organisation, Role, RoleGrant

__all__ = ["ROLE_LABELS", "Role", "Action", "can", "scope_of", "unit_ids_for", "tip_handlers",
           "escalation_recipients", "units_without_handler", "tip_owners", "Scope"]

INVITE_TTL_S = 3 * 24 * 3600
INVITE_PREFIX = "inv_"  # /start inv_<token>: a Telegram deep link's payload (≤ 64 of A–Z a–z 0–9 _ -)
NAME_MAX = 64  # the admins.name column


class Action(StrEnum):
    """Looking, by area: granted by the area's role, 管理员 and 只读. Acting needs the ``Role`` itself."""

    VIEW = "view"  # the dashboard, the tree, the admins and the audit log: any role
    VIEW_TIPS = "view_tips"
    VIEW_PUSH = "view_push"
    VIEW_KNOWLEDGE = "view_knowledge"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.VIEW: "查看",
    Action.VIEW_TIPS: "查看举报",
    Action.VIEW_PUSH: "查看推送",
    Action.VIEW_KNOWLEDGE: "查看知识库",
}

Need = Role | Action

# Which held roles give each need.
GIVEN_BY: dict[Need, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.ADMIN}),
    Role.TIPS: frozenset({Role.ADMIN, Role.TIPS}),
    Role.PUSH: frozenset({Role.ADMIN, Role.PUSH}),
    Role.KNOWLEDGE: frozenset({Role.ADMIN, Role.KNOWLEDGE}),
    Role.READONLY: frozenset(Role),
    Action.VIEW: frozenset(Role),
    Action.VIEW_TIPS: frozenset({Role.ADMIN, Role.TIPS, Role.READONLY}),
    Action.VIEW_PUSH: frozenset({Role.ADMIN, Role.PUSH, Role.READONLY}),
    Action.VIEW_KNOWLEDGE: frozenset({Role.ADMIN, Role.KNOWLEDGE, Role.READONLY}),
}
HANDLES_TIPS = GIVEN_BY[Role.TIPS]


def need_label(need: Need) -> str:
    return need.label


class RoleError(PermissionError):
    """A grant or invitation refused; ``str(error)`` is the Chinese reason."""


class InviteError(ValueError):
    """An invitation link that cannot be used; ``str(error)`` is the Chinese reason."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an admin may do something: everywhere (the whole tree, unit-less objects too) or these units."""

    everything: bool
    unit_ids: frozenset[int] = frozenset()

    def __contains__(self, unit_id: object) -> bool:
        return self.everything or (isinstance(unit_id, int) and unit_id in self.unit_ids)

    def __bool__(self) -> bool:
        return self.everything or bool(self.unit_ids)


NOWHERE = Scope(False)
EVERYWHERE = Scope(True)


async def _grants(session: AsyncSession, user_id: int) -> list[tuple[int | None, Role]]:
    rows = await session.execute(select(RoleGrant.unit_id, RoleGrant.role).where(RoleGrant.user_id == user_id))
    return [(unit_id, role) for unit_id, role in rows.all()]


async def _holding(session: AsyncSession, settings: Settings, user_id: int, need: Need) -> set[int | None] | None:
    """The units at which ``user_id`` holds a role giving ``need`` (None in it: the whole tree);
    None for the whole tree by settings or an ``admins`` row without grants. One query."""
    if user_id in settings.admin_ids:
        return None
    rows = (await session.execute(
        select(Admin.user_id, RoleGrant.unit_id, RoleGrant.role)
        .outerjoin(RoleGrant, RoleGrant.user_id == Admin.user_id).where(Admin.user_id == user_id))).all()
    if not rows:
        return set()  # no admin
    if all(role is None for _, _, role in rows):
        return None
    return {unit_id for _, unit_id, role in rows if role in GIVEN_BY[need]}


MAX_DEPTH = 64  # a guard against a cycle the tree's rules refuse but a hand-edited database could hold


@functools.cache
def _chain_query() -> Select[Any]:
    """The unit ``:unit_id`` and its ancestors with their retired flag, nearest first: one recursive query,
    built once (building it costs more than running it)."""
    chain = (select(Organisation.id, Organisation.parent_id, Organisation.retired, literal(0).label("depth"))
             .where(Organisation.id == bindparam("unit_id")).cte("chain", recursive=True))
    up = aliased(Organisation)
    chain = chain.union_all(select(up.id, up.parent_id, up.retired, chain.c.depth + 1)
                            .where(up.id == chain.c.parent_id, chain.c.depth < MAX_DEPTH))
    return select(chain.c.id, chain.c.retired, chain.c.depth).order_by(chain.c.depth)


async def chain_of(session: AsyncSession, unit_id: int, *, active_only: bool = False) -> list[int]:
    """The unit and its ancestors, nearest first ([] for no such unit)."""
    rows = (await session.execute(_chain_query(), {"unit_id": unit_id})).all()
    seen: list[int] = []
    for u, retired, _depth in rows:
        if u in seen:
            break
        if not (active_only and retired):
            seen.append(u)
    return seen


async def sole_root(session: AsyncSession) -> int | None:
    """The one active unit at the top, when the tree has exactly one: a role there is a role over the whole
    tree (objects of no unit included); with several roots (or none) only a grant of no unit is."""
    roots = (await session.scalars(select(Organisation.id).where(
        Organisation.parent_id.is_(None), Organisation.retired.is_(False)).limit(2))).all()
    return roots[0] if len(roots) == 1 else None


@functools.cache
def _can_query(of_unit: bool) -> Executable:
    """The grants of ``:user_id`` (one row of Nones for an ``admins`` row without any; no row for no admin),
    each with whether its unit reaches ``:unit_id`` — is the unit or above it — or, without a unit (``of_unit``
    False), is the tree's sole root: everything ``can`` needs, in one round trip. Built once."""
    if of_unit:
        chain = _chain_query().subquery()
        reaches: ColumnElement[bool] = RoleGrant.unit_id.in_(select(chain.c.id))
    else:
        root = (select(func.min(Organisation.id))
                .where(Organisation.parent_id.is_(None), Organisation.retired.is_(False))
                .having(func.count() == 1).scalar_subquery())
        reaches = RoleGrant.unit_id == root
    return (select(RoleGrant.unit_id, RoleGrant.role, reaches.label("reaches")).select_from(Admin)
            .outerjoin(RoleGrant, RoleGrant.user_id == Admin.user_id)
            .where(Admin.user_id == bindparam("user_id")))


async def can(session: AsyncSession, settings: Settings, user_id: int, role_or_action: Need,
              unit_id: int | None) -> bool:
    """Whether ``user_id`` may do ``role_or_action`` at ``unit_id`` (None: the whole tree, or an object
    of no unit): a role held at the unit or above it, or over the whole tree. One query (none for a
    super-admin): it runs on every console request and bot button (``web.permissions``, ``bot.authz``)."""
    if user_id in settings.admin_ids:
        return True
    conn = await session.connection()
    params: dict[str, Any] = {"user_id": user_id} if unit_id is None else {"user_id": user_id, "unit_id": unit_id}
    rows = (await conn.execute(_can_query(unit_id is not None), params)).all()
    if not rows:
        return False  # no admin
    if all(role is None for _, role, _ in rows):
        return True  # an admin from before roles: the whole tree
    given = GIVEN_BY[role_or_action]
    return any(role in given and (unit is None or bool(reaches)) for unit, role, reaches in rows)


async def needs_held(session: AsyncSession, settings: Settings, user_id: int) -> frozenset[Need]:
    """Every role and action ``user_id`` may do somewhere (for showing only the menus they may use)."""
    if user_id in settings.admin_ids:
        return frozenset(GIVEN_BY)
    rows = (await session.execute(
        select(RoleGrant.role).select_from(Admin)
        .outerjoin(RoleGrant, RoleGrant.user_id == Admin.user_id).where(Admin.user_id == user_id))).all()
    if not rows:
        return frozenset()
    held = {role for (role,) in rows if role is not None}
    if not held:
        return frozenset(GIVEN_BY)
    return frozenset(need for need, given_by in GIVEN_BY.items() if given_by & held)


async def holds(session: AsyncSession, settings: Settings, user_id: int, role_or_action: Need) -> bool:
    """Whether ``user_id`` may do ``role_or_action`` anywhere at all (menus, and lists not yet by unit)."""
    holding = await _holding(session, settings, user_id, role_or_action)
    return holding is None or bool(holding)


async def scope_of(session: AsyncSession, settings: Settings, user_id: int, role_or_action: Need) -> Scope:
    """Everywhere ``user_id`` may do ``role_or_action``: the subtrees of the units they hold it at."""
    holding = await _holding(session, settings, user_id, role_or_action)
    if holding is None or None in holding:
        return EVERYWHERE
    if not holding:
        return NOWHERE
    if await sole_root(session) in holding:
        return EVERYWHERE
    below = select(Organisation.id).where(Organisation.id.in_([u for u in holding if u is not None])) \
        .cte("below", recursive=True)
    child = aliased(Organisation)
    below = below.union(select(child.id).where(child.parent_id == below.c.id))
    found = set((await session.scalars(select(below.c.id))).all())
    return Scope(False, frozenset(found))


async def unit_ids_for(session: AsyncSession, settings: Settings, user_id: int, role_or_action: Need) -> set[int]:
    """The ids of every unit ``user_id`` may do ``role_or_action`` at (all units for the whole tree)."""
    scope = await scope_of(session, settings, user_id, role_or_action)
    if scope.everything:
        return set((await session.scalars(select(Organisation.id))).all())
    return set(scope.unit_ids)


# --- who handles tips ---------------------------------------------------------------------------------

async def _unit_holders(session: AsyncSession, roles: frozenset[Role],
                        units: Sequence[int | None] | None = None) -> dict[int | None, set[int]]:
    """Admins (with an ``admins`` row) holding any of ``roles``, by the unit of the grant (at ``units`` only:
    None in it for the grants of no unit)."""
    query = (select(RoleGrant.unit_id, RoleGrant.user_id).join(Admin, Admin.user_id == RoleGrant.user_id)
             .where(RoleGrant.role.in_([r.value for r in roles])))
    if units is not None:
        ids = [u for u in units if u is not None]
        query = query.where(or_(RoleGrant.unit_id.in_(ids), RoleGrant.unit_id.is_(None)) if None in units
                            else RoleGrant.unit_id.in_(ids))
    rows = await session.execute(query)
    found: dict[int | None, set[int]] = {}
    for unit_id, user_id in rows.all():
        found.setdefault(unit_id, set()).add(user_id)
    return found


async def _whole_tree_admins(session: AsyncSession, settings: Settings) -> set[int]:
    """ANKANG_ADMIN_IDS and the ``admins`` rows without any grant: 管理员 of the whole tree."""
    granted = select(RoleGrant.user_id)
    rows = await session.scalars(select(Admin.user_id).where(Admin.user_id.not_in(granted)))
    return set(settings.admin_ids) | set(rows.all())


async def whole_tree_holders(session: AsyncSession, settings: Settings, role: Role) -> set[int]:
    """Admins who hold ``role`` (or 管理员) over the whole tree: what a tip or a question of no unit needs."""
    given = GIVEN_BY[role]
    holders = await _unit_holders(session, given, [None])
    found = await _whole_tree_admins(session, settings) | holders.get(None, set())
    root = await sole_root(session)
    if root is not None:
        found |= (await _unit_holders(session, given, [root])).get(root, set())
    return found


async def duty_recipients_for(session: AsyncSession, settings: Settings, role: Role) -> list[int]:
    """Whom to alert about something of no unit that needs ``role`` over the whole tree (a tip for the union
    as a whole: 举报处理; a 问工会 question: 知识库): those of them on duty (/duty), else all of them; with
    nobody holding it, the duty roster as before, so nothing goes to nobody. A 推送 or 知识库 admin on duty
    no longer receives tips they may not read."""
    eligible = await whole_tree_holders(session, settings, role)
    if not eligible:
        return await duty_recipients(session, settings)
    on_duty = set((await session.scalars(select(DutyShift.user_id))).all())
    chosen = sorted(eligible & on_duty)
    return chosen or sorted(eligible)


async def tip_handlers(session: AsyncSession, settings: Settings,
                       unit_id: int | None) -> tuple[int | None, list[int]]:
    """Who handles a tip of ``unit_id``: the nearest active unit, itself first then up the tree, where
    admins hold 举报处理 or 管理员 — (that unit's id, their user ids). With none in the chain (or no
    unit): (None, the admins over the whole tree); with none of those either, every admin, so a tip
    never goes to nobody while any admin exists."""
    if unit_id is not None:
        chain = await chain_of(session, unit_id, active_only=True)
        holders = await _unit_holders(session, HANDLES_TIPS, chain)
        for u in chain:
            if holders.get(u):
                return u, sorted(holders[u])
    holders = await _unit_holders(session, HANDLES_TIPS, [None])
    top = await _whole_tree_admins(session, settings) | holders.get(None, set())
    if not top:
        top = set(settings.admin_ids) | set((await session.scalars(select(Admin.user_id))).all())
    return None, sorted(top)


async def escalation_recipients(session: AsyncSession, settings: Settings, role: Role,
                                unit_id: int | None) -> tuple[int | None, list[int]]:
    """Whom an overdue case of ``unit_id`` needing ``role`` escalates to, one step up from whoever handles it.

    A case of a unit is handled by the nearest active unit of its chain with holders of ``role`` (or
    管理员; ``tip_handlers``); it escalates to the next unit above that with someone new holding it —
    (that unit, its holders). With none above, or for a case of no unit: (None, the admins over the whole
    tree) — the holders of the role by a grant of no unit or at the sole root, and the super-admins
    (ANKANG_ADMIN_IDS, ``admins`` rows without grants) last; with nobody at all, every admin."""
    given = GIVEN_BY[role]
    if unit_id is not None:
        chain = await chain_of(session, unit_id, active_only=True)
        holders = await _unit_holders(session, given, chain)
        handled: set[int] = set()
        for u in chain:
            found = holders.get(u, set())
            if not handled:
                handled = set(found)
            elif found - handled:
                return u, sorted(found)
    top = await whole_tree_holders(session, settings, role)
    if not top:
        top = set(settings.admin_ids) | set((await session.scalars(select(Admin.user_id))).all())
    return None, sorted(top)


async def tip_owners(session: AsyncSession, settings: Settings, unit_id: int | None) -> list[int]:
    """Whom a tip of ``unit_id`` may be assigned to: the admins who may handle it — 举报处理 or 管理员 at the
    unit or above it, or over the whole tree (the super-admins included) — by id. Exactly those for whom
    ``can(…, Role.TIPS, unit_id)`` holds, in two queries."""
    units: list[int | None] = [None]
    if unit_id is not None:
        units += await chain_of(session, unit_id)
    elif (root := await sole_root(session)) is not None:
        units.append(root)
    found = await _whole_tree_admins(session, settings)
    for users in (await _unit_holders(session, HANDLES_TIPS, units)).values():
        found |= users
    return sorted(found)


async def units_without_handler(session: AsyncSession, settings: Settings) -> list[Organisation]:
    """Active units with no 举报处理 or 管理员 at themselves or any unit above (their tips go to the
    admins over the whole tree): the console's warning. By code."""
    units = (await session.execute(select(Organisation.id, Organisation.parent_id, Organisation.retired))).all()
    parents = {u: parent for u, parent, _ in units}
    handled_here = {u for u, users in (await _unit_holders(session, HANDLES_TIPS)).items()
                    if u is not None and users}
    retired = {u for u, _, is_retired in units if is_retired}
    memo: dict[int, bool] = {}

    def covered(unit_id: int) -> bool:
        path: list[int] = []
        current: int | None = unit_id
        result = False
        while current is not None and current not in path:
            if current in memo:
                result = memo[current]
                break
            path.append(current)
            if current in handled_here and current not in retired:
                result = True
                break
            current = parents.get(current)
        for u in path:
            memo[u] = result
        return result

    flagged = [u for u, _, is_retired in units if not is_retired and not covered(u)]
    if not flagged:
        return []
    found = await session.scalars(select(Organisation).where(Organisation.id.in_(flagged)).order_by(Organisation.code))
    return list(found.all())


# --- grants -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GrantLine:
    """One grant for the console's list: who, which role, where."""

    grant_id: int
    user_id: int
    name: str
    role: Role
    unit_id: int | None
    unit_name: str


async def list_grants(session: AsyncSession, within: Scope | None = None) -> list[GrantLine]:
    """Every grant (or those at units ``within`` a scope), by admin name then unit."""
    rows = await session.execute(
        select(RoleGrant, Admin.name, Organisation.name)
        .join(Admin, Admin.user_id == RoleGrant.user_id)
        .outerjoin(Organisation, Organisation.id == RoleGrant.unit_id))
    lines = [GrantLine(g.id, g.user_id, name or "", g.role, g.unit_id, unit_name or msg.WHOLE_TREE)
             for g, name, unit_name in rows.all()
             if within is None or g.unit_id in within]
    return sorted(lines, key=lambda line: (line.name, line.user_id, line.unit_id or 0, line.role.value))


async def grant(session: AsyncSession, user_id: int, name: str, role: Role, unit_id: int | None,
                *, by: int) -> bool:
    """Give ``user_id`` ``role`` at ``unit_id`` (making them an admin); False when they already hold it.

    An admin over the whole tree by an ``admins`` row without grants first gets that as an explicit
    grant, so a narrower new one never takes their rights away."""
    existing = await session.get(Admin, user_id)
    held = await _grants(session, user_id)
    if existing is not None and not held:
        session.add(RoleGrant(user_id=user_id, unit_id=None, role=Role.ADMIN, granted_by=by))
        held = [(None, Role.ADMIN)]
    await add_admin(session, user_id, "" if existing is not None and existing.name else name[:NAME_MAX])
    if (unit_id, role) in held:
        return False
    session.add(RoleGrant(user_id=user_id, unit_id=unit_id, role=role, granted_by=by))
    await session.flush()
    return True


async def get_grant(session: AsyncSession, grant_id: int) -> RoleGrant | None:
    return await session.get(RoleGrant, grant_id)


async def find_grant(session: AsyncSession, user_id: int, role: Role, unit_id: int | None) -> RoleGrant | None:
    """The grant of ``role`` to ``user_id`` at ``unit_id`` (None: of no unit, the whole tree), if they hold it."""
    at = RoleGrant.unit_id.is_(None) if unit_id is None else RoleGrant.unit_id == unit_id
    return await session.scalar(select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role, at))


def parse_role(text: str) -> Role | None:
    """A role named by its code (``tips``) or its label (``举报处理``), or None."""
    cleaned = text.strip()
    for role in Role:
        if cleaned.lower() == role.value or cleaned == role.label:
            return role
    return None


async def grants_by_admin(session: AsyncSession) -> dict[int, list[GrantLine]]:
    """Every grant, by admin (``list_grants``), for listing admins with their roles."""
    found: dict[int, list[GrantLine]] = {}
    for line in await list_grants(session):
        found.setdefault(line.user_id, []).append(line)
    return found


async def revoke(session: AsyncSession, settings: Settings, grant_id: int) -> tuple[RoleGrant, bool] | None:
    """Take one grant away; (the grant, True) when it was their last, so they are no admin any more (their
    ``admins`` row and duty go too; the caller ends their console sessions). None if already gone."""
    row = await session.get(RoleGrant, grant_id)
    if row is None:
        return None
    await session.delete(row)
    await session.flush()
    if await _grants(session, row.user_id):
        return row, False
    await remove_admin(session, settings, row.user_id)
    return row, row.user_id not in settings.admin_ids


async def drop_grants(session: AsyncSession, user_id: int) -> None:
    """Every grant of an admin removed altogether (``web.auth.revoke_admin``)."""
    await session.execute(delete(RoleGrant).where(RoleGrant.user_id == user_id))


# --- invitations --------------------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(session: AsyncSession, settings: Settings, by: int, role: Role, unit_id: int | None,
                        now: datetime) -> str:
    """A new one-time token inviting whoever opens it to be ``role`` at ``unit_id``; only 管理员 there may."""
    if not await can(session, settings, by, Role.ADMIN, unit_id):
        raise RoleError(msg.INVITE_NOT_ALLOWED)
    if unit_id is not None:
        unit = await session.get(Organisation, unit_id)
        if unit is None or unit.retired:
            raise RoleError(msg.INVITE_UNIT_GONE)
    token = secrets.token_urlsafe(18)  # 24 characters of A–Z a–z 0–9 _ -
    session.add(AdminInvite(token_hash=_hash(token), unit_id=unit_id, role=role, created_by=by, created_at=now,
                            expires_at=now + timedelta(seconds=INVITE_TTL_S)))
    await session.execute(delete(AdminInvite).where(AdminInvite.expires_at < now - timedelta(days=30)))
    await session.flush()
    return token


@dataclass(frozen=True, slots=True)
class Accepted:
    role: Role
    unit_id: int | None
    unit_name: str
    created_by: int
    new: bool  # False: they held that role there already


async def accept_invite(session: AsyncSession, settings: Settings, token: str, user_id: int, name: str,
                        now: datetime) -> Accepted:
    """Use an invitation: ``user_id`` becomes ``role`` at its unit, named ``name`` (their Telegram name).

    Raise InviteError for an unknown, used, expired or withdrawn link, or a unit retired since."""
    row = await session.get(AdminInvite, _hash(token), with_for_update=True)
    if row is None:
        raise InviteError(msg.INVITE_UNKNOWN)
    if row.used_at is not None:
        raise InviteError(msg.INVITE_USED_BY_YOU if row.used_by == user_id else msg.INVITE_USED)
    if row.expires_at <= now:
        raise InviteError(msg.INVITE_EXPIRED)
    unit_name = msg.WHOLE_TREE
    if row.unit_id is not None:
        unit = await session.get(Organisation, row.unit_id)
        if unit is None or unit.retired:
            raise InviteError(msg.INVITE_UNIT_GONE)
        unit_name = unit.name
    # The inviter may have lost the right to invite since: the link then no longer works.
    if not await can(session, settings, row.created_by, Role.ADMIN, row.unit_id):
        raise InviteError(msg.INVITE_WITHDRAWN)
    row.used_at, row.used_by = now, user_id
    covered = user_id in settings.admin_ids
    new = False if covered else await grant(session, user_id, name, row.role, row.unit_id, by=row.created_by)
    return Accepted(row.role, row.unit_id, unit_name, row.created_by, new)


def invite_token(payload: str) -> str | None:
    """The token of a ``/start inv_<token>`` payload, or None for any other payload."""
    if not payload.startswith(INVITE_PREFIX):
        return None
    token = payload[len(INVITE_PREFIX):]
    return token if 0 < len(token) <= 60 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token) else None


async def unit_label(session: AsyncSession, unit_id: int | None) -> str:
    """A unit's name for messages; the whole tree for None."""
    if unit_id is None:
        return msg.WHOLE_TREE
    unit = await session.get(Organisation, unit_id)
    return unit.name if unit is not None else str(unit_id)
