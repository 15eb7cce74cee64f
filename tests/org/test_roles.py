"""Admins' roles scoped to a subtree: ``can`` for each role at a unit, its parent, a sibling and a child;
scopes for lists; who handles a unit's tips, walking up, and whom an overdue one escalates to; the units
without a handler; whom a tip may be assigned to; grants and
invitations (used once, expired, invited twice, withdrawn), on the real database (issue 12, point 3)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.admins import add_admin, is_admin
from core.models import Admin
from org import roles, service
from org.roles import Action, InviteError, Role, RoleError
from tests.conftest import ADMIN_ID

SUPER = ADMIN_ID  # the settings fixture's ANKANG_ADMIN_IDS


async def seed(s) -> dict[str, int]:
    """city → d1 → s1 → f1, city → d2 → s2."""
    units = {}
    for code, parent in (("city", None), ("d1", "city"), ("s1", "d1"), ("f1", "s1"), ("d2", "city"),
                         ("s2", "d2")):
        units[code] = (await service.add_unit(s, code, f"{code} 工会", "", parent)).id
    return units


@pytest.fixture
async def tree(services):
    async with services.sessions() as s, s.begin():
        return await seed(s)


async def _grant(services, user_id, role, unit_id):
    async with services.sessions() as s, s.begin():
        await roles.grant(s, user_id, f"用户{user_id}", role, unit_id, by=SUPER)


# Where a grant at s1 reaches: itself and f1 below; never d1 above, nor s2 beside.
POSITIONS = {"unit": "s1", "parent": "d1", "sibling": "s2", "child": "f1"}
ACTS = [Role.ADMIN, Role.TIPS, Role.PUSH, Role.KNOWLEDGE]
VIEWS = {Role.TIPS: Action.VIEW_TIPS, Role.PUSH: Action.VIEW_PUSH, Role.KNOWLEDGE: Action.VIEW_KNOWLEDGE}


@pytest.mark.parametrize("held", list(Role))
async def test_a_role_at_a_unit_reaches_its_subtree_and_only_what_it_names(services, tree, held):
    await _grant(services, 7001, held, tree["s1"])
    async with services.sessions() as s:
        for position, code in POSITIONS.items():
            in_scope = position in ("unit", "child")
            for need in ACTS:
                expected = in_scope and (held is Role.ADMIN or held is need)
                assert await roles.can(s, services.settings, 7001, need, tree[code]) is expected, (need, position)
            for area, view in VIEWS.items():
                expected = in_scope and held in (Role.ADMIN, Role.READONLY, area)
                assert await roles.can(s, services.settings, 7001, view, tree[code]) is expected, (view, position)
            assert await roles.can(s, services.settings, 7001, Action.VIEW, tree[code]) is in_scope
        # Objects of no unit belong to the whole tree: a unit's role does not reach them.
        assert not await roles.can(s, services.settings, 7001, Action.VIEW, None)
        assert await roles.holds(s, services.settings, 7001, Action.VIEW)
        scope = await roles.scope_of(s, services.settings, 7001, Action.VIEW)
        assert set(scope.unit_ids) == {tree["s1"], tree["f1"]} and not scope.everything
        assert await is_admin(s, services.settings, 7001)


async def test_super_admins_and_admins_from_before_roles_may_do_everything_everywhere(services, tree):
    async with services.sessions() as s, s.begin():
        await add_admin(s, 7002, "老管理员")  # a row without grants, as every admin had before roles
    async with services.sessions() as s:
        for user in (SUPER, 7002):
            for need in [*Role, *Action]:
                assert await roles.can(s, services.settings, user, need, tree["f1"])
                assert await roles.can(s, services.settings, user, need, None)
            assert await roles.unit_ids_for(s, services.settings, user, Role.TIPS) == set(tree.values())
        assert not await roles.can(s, services.settings, 999, Action.VIEW, None)
        assert not await roles.holds(s, services.settings, 999, Action.VIEW)


async def test_several_units_and_the_last_grant_removed_ends_the_admin(services, tree):
    await _grant(services, 7003, Role.PUSH, tree["s1"])
    await _grant(services, 7003, Role.TIPS, tree["d2"])
    async with services.sessions() as s:
        assert await roles.unit_ids_for(s, services.settings, 7003, Role.PUSH) == {tree["s1"], tree["f1"]}
        assert await roles.unit_ids_for(s, services.settings, 7003, Role.TIPS) == {tree["d2"], tree["s2"]}
        lines = await roles.list_grants(s)
    assert sorted((line.role, line.unit_name) for line in lines) == [(Role.PUSH, "s1 工会"), (Role.TIPS, "d2 工会")]
    async with services.sessions() as s, s.begin():
        assert (await roles.revoke(s, services.settings, lines[0].grant_id))[1] is False
    async with services.sessions() as s, s.begin():
        assert (await roles.revoke(s, services.settings, lines[1].grant_id))[1] is True
    async with services.sessions() as s:
        # Not a 管理员 of everything by an orphaned row: no admin at all.
        assert await s.get(Admin, 7003) is None
        assert not await is_admin(s, services.settings, 7003)
        assert not await roles.can(s, services.settings, 7003, Action.VIEW, tree["s1"])


async def test_an_admin_from_before_roles_keeps_everything_when_given_a_narrower_role(services, tree):
    async with services.sessions() as s, s.begin():
        await add_admin(s, 7004, "老管理员")
        await roles.grant(s, 7004, "x", Role.READONLY, tree["f1"], by=SUPER)
    async with services.sessions() as s:
        assert await roles.can(s, services.settings, 7004, Role.ADMIN, tree["city"])
        assert (await s.get(Admin, 7004)).name == "老管理员"


async def test_tips_go_to_the_nearest_handler_up_the_tree_and_never_to_nobody(services, tree):
    async with services.sessions() as s:
        assert await roles.tip_handlers(s, services.settings, tree["f1"]) == (None, [SUPER])
        assert [u.code for u in await roles.units_without_handler(s, services.settings)] == \
            ["city", "d1", "d2", "f1", "s1", "s2"]
    await _grant(services, 7005, Role.TIPS, tree["d1"])
    await _grant(services, 7006, Role.ADMIN, tree["s1"])
    await _grant(services, 7007, Role.PUSH, tree["f1"])  # not a handler
    await _grant(services, 7008, Role.READONLY, tree["d2"])  # nor this
    async with services.sessions() as s:
        assert await roles.tip_handlers(s, services.settings, tree["f1"]) == (tree["s1"], [7006])
        assert await roles.tip_handlers(s, services.settings, tree["s1"]) == (tree["s1"], [7006])
        assert await roles.tip_handlers(s, services.settings, tree["d1"]) == (tree["d1"], [7005])
        assert await roles.tip_handlers(s, services.settings, tree["s2"]) == (None, [SUPER])
        assert await roles.tip_handlers(s, services.settings, None) == (None, [SUPER])
        assert [u.code for u in await roles.units_without_handler(s, services.settings)] == ["city", "d2", "s2"]
    async with services.sessions() as s, s.begin():
        await service.retire(s, tree["s1"])  # its handler's grant no longer counts; f1 moved under d1
    async with services.sessions() as s:
        assert await roles.tip_handlers(s, services.settings, tree["f1"]) == (tree["d1"], [7005])
        assert await roles.tip_handlers(s, services.settings, tree["s1"]) == (tree["d1"], [7005])


async def test_an_overdue_case_escalates_one_step_up_the_tree_and_the_super_admins_last(services, tree):
    await _grant(services, 7011, Role.TIPS, tree["s1"])
    await _grant(services, 7012, Role.PUSH, tree["d1"])  # no 举报处理: skipped on the way up
    await _grant(services, 7013, Role.KNOWLEDGE, tree["d1"])
    await _grant(services, 7014, Role.ADMIN, tree["d2"])
    settings = services.settings
    async with services.sessions() as s:
        escalate = roles.escalation_recipients
        # Handled at s1 (for f1 and s1): up to the nearest unit above with a holder — none until the top.
        assert await escalate(s, settings, Role.TIPS, tree["f1"]) == (None, [SUPER])
        assert await escalate(s, settings, Role.TIPS, tree["s1"]) == (None, [SUPER])
    await _grant(services, 7015, Role.TIPS, tree["d1"])
    await _grant(services, 7016, Role.ADMIN, tree["city"])
    async with services.sessions() as s:
        assert await escalate(s, settings, Role.TIPS, tree["f1"]) == (tree["d1"], [7015])
        assert await escalate(s, settings, Role.TIPS, tree["d1"]) == (tree["city"], [7016])
        assert await escalate(s, settings, Role.TIPS, tree["s2"]) == (tree["city"], [7016])  # d2's 管理员 handles
        # Handled at the root: the admins over the whole tree, the super-admins last.
        assert await escalate(s, settings, Role.TIPS, tree["city"]) == (None, sorted([SUPER, 7016]))
        assert await escalate(s, settings, Role.TIPS, None) == (None, sorted([SUPER, 7016]))
        # Another role walks its own holders: 知识库 at d1 handles, the root's 管理员 is above it.
        assert await escalate(s, settings, Role.KNOWLEDGE, tree["f1"]) == (tree["city"], [7016])
    async with services.sessions() as s, s.begin():
        await service.retire(s, tree["d1"])  # a retired unit's holders no longer count
    async with services.sessions() as s:
        assert await escalate(s, settings, Role.TIPS, tree["f1"]) == (tree["city"], [7016])


async def test_a_tip_may_be_assigned_only_to_admins_who_handle_tips_over_its_unit(services, tree):
    await _grant(services, 7021, Role.TIPS, tree["s1"])
    await _grant(services, 7022, Role.ADMIN, tree["d1"])
    await _grant(services, 7023, Role.TIPS, tree["d2"])  # a sibling's handler
    await _grant(services, 7024, Role.PUSH, tree["s1"])  # no 举报处理
    await _grant(services, 7025, Role.READONLY, tree["city"])
    await _grant(services, 7026, Role.TIPS, tree["f1"])  # below the unit
    async with services.sessions() as s, s.begin():
        await add_admin(s, 7027, "老管理员")  # an admin from before roles: the whole tree
    settings = services.settings
    async with services.sessions() as s:
        assert await roles.tip_owners(s, settings, tree["s1"]) == sorted([SUPER, 7021, 7022, 7027])
        assert await roles.tip_owners(s, settings, tree["f1"]) == sorted([SUPER, 7021, 7022, 7026, 7027])
        assert await roles.tip_owners(s, settings, tree["s2"]) == sorted([SUPER, 7023, 7027])
        assert await roles.tip_owners(s, settings, None) == sorted([SUPER, 7027])
        for unit in ("s1", "f1", "s2", "d2", "city"):  # the same rule as ``can``
            for user in (SUPER, *range(7021, 7028)):
                allowed = await roles.can(s, settings, user, Role.TIPS, tree[unit])
                assert allowed is (user in await roles.tip_owners(s, settings, tree[unit])), (unit, user)


async def test_without_settings_admins_tips_reach_whole_tree_admins_or_else_every_admin(make_settings, tree, services):
    settings = make_settings(admin_ids=frozenset())
    await _grant(services, 7009, Role.PUSH, tree["s2"])
    async with services.sessions() as s:
        assert await roles.tip_handlers(s, settings, tree["s2"]) == (None, [7009])
    await _grant(services, 7010, Role.TIPS, None)
    async with services.sessions() as s:
        assert await roles.tip_handlers(s, settings, tree["s2"]) == (None, [7010])


async def test_an_invitation_is_used_once_expires_and_is_refused_twice(services, tree):
    now = services.clock.now()
    async with services.sessions() as s, s.begin():
        token = await roles.create_invite(s, services.settings, SUPER, Role.TIPS, tree["d1"], now)
        again = await roles.create_invite(s, services.settings, SUPER, Role.TIPS, tree["d1"], now)
        stale = await roles.create_invite(s, services.settings, SUPER, Role.PUSH, tree["d1"], now)
    assert roles.invite_token(f"inv_{token}") == token and len(f"inv_{token}") <= 64
    async with services.sessions() as s, s.begin():
        accepted = await roles.accept_invite(s, services.settings, token, 8001, "李 安全员", now)
    assert accepted.new and accepted.role is Role.TIPS and accepted.unit_name == "d1 工会"
    async with services.sessions() as s:
        assert await roles.can(s, services.settings, 8001, Role.TIPS, tree["f1"])
        assert (await s.get(Admin, 8001)).name == "李 安全员"
    for user, expected in ((8001, "已经用这个链接"), (8002, "已经被使用过")):
        async with services.sessions() as s, s.begin():
            with pytest.raises(InviteError, match=expected):
                await roles.accept_invite(s, services.settings, token, user, "某人", now)
    async with services.sessions() as s, s.begin():  # the same role there by a second link
        assert not (await roles.accept_invite(s, services.settings, again, 8001, "李", now)).new
    async with services.sessions() as s, s.begin():
        with pytest.raises(InviteError, match="过期"):
            await roles.accept_invite(s, services.settings, stale, 8003, "某人",
                                      now + timedelta(seconds=roles.INVITE_TTL_S))
        with pytest.raises(InviteError, match="无效"):
            await roles.accept_invite(s, services.settings, "nonsense", 8003, "某人", now)


async def test_only_an_admin_of_the_unit_or_above_may_invite_and_a_lost_right_withdraws_the_link(services, tree):
    await _grant(services, 7011, Role.ADMIN, tree["d1"])
    await _grant(services, 7012, Role.TIPS, tree["d1"])
    now = services.clock.now()
    async with services.sessions() as s, s.begin():
        token = await roles.create_invite(s, services.settings, 7011, Role.READONLY, tree["s1"], now)
        for user, unit in ((7011, tree["city"]), (7011, tree["s2"]), (7011, None), (7012, tree["s1"])):
            with pytest.raises(RoleError):
                await roles.create_invite(s, services.settings, user, Role.READONLY, unit, now)
    async with services.sessions() as s, s.begin():
        grant_id = next(line.grant_id for line in await roles.list_grants(s) if line.user_id == 7011)
        await roles.revoke(s, services.settings, grant_id)
    async with services.sessions() as s, s.begin():
        with pytest.raises(InviteError, match="作废"):
            await roles.accept_invite(s, services.settings, token, 8004, "某人", now)


async def test_a_role_at_the_only_root_covers_objects_of_no_unit_and_several_roots_need_a_grant_of_none(
        services, tree):
    await _grant(services, 7013, Role.KNOWLEDGE, tree["city"])
    async with services.sessions() as s:
        assert await roles.can(s, services.settings, 7013, Role.KNOWLEDGE, None)
        assert (await roles.scope_of(s, services.settings, 7013, Role.KNOWLEDGE)).everything
    async with services.sessions() as s, s.begin():
        await service.add_unit(s, "prov2", "另一个总工会")  # a second root
    async with services.sessions() as s:
        assert not await roles.can(s, services.settings, 7013, Role.KNOWLEDGE, None)
        assert await roles.can(s, services.settings, 7013, Role.KNOWLEDGE, tree["f1"])
