"""The bot's authorisation matrix (issue 12, point 3): every handler the application registers is either a
worker's or carries the role it needs (``bot.authz``), and every admin command and button, sent through
the emulator by each role held at a unit (s1) or at the tree's root (city) and by a worker, is allowed
exactly where the role and its scope say. Tips, schedules and handoffs keep no unit yet, so acting on
one needs the role over the whole tree (the root); looking needs the role anywhere.

Also the bad input of roles: a role removed in the middle of the /schedule wizard stops its next step
with a clear message; an invitation opened, opened again, by someone else, expired.
"""
from __future__ import annotations

from datetime import timedelta

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import authz
from bot import handoff_callbacks as ho
from bot import schedule_callbacks as bc
from bot import tip_callbacks as tc
from core.admins import audit_log
from org import roles, service
from org.roles import Action, Role
from tips.models import TipStatus

# Every handler of an admin, by qualified name, with the need it was given: (need, acts).
ADMIN_HANDLERS = {
    "bot.tips_triage.tips_command": (Action.VIEW_TIPS, None),
    "bot.tips_triage.tips_list_pressed": (Action.VIEW_TIPS, None),
    "bot.tips_triage.tip_opened": (Action.VIEW_TIPS, None),
    "bot.tips_triage.take_pressed": (Role.TIPS, None),
    "bot.tips_triage.admin_action_start": (Role.TIPS, None),
    "bot.tips_triage.admin_note_given": (Role.TIPS, None),
    "bot.tips_triage.admin_confirmed": (Role.TIPS, None),
    "bot.tips_triage.duty_command": (Role.TIPS, None),
    "bot.broadcasts_admin.broadcasts_command": (Action.VIEW_PUSH, None),
    "bot.broadcasts_admin.broadcast_button": (Action.VIEW_PUSH, Role.PUSH),
    **{f"bot.schedule_wizard.{name}": (Role.PUSH, None)
       for name in ("schedule_start", "pick_what", "pick_lesson", "pick_series", "text_step_button", "got_text",
                    "pick_audience", "got_unit_name", "pick_unit", "pick_when", "got_when", "confirm")},
    "bot.handoff.answer_start": (Role.KNOWLEDGE, None),
    "bot.handoff.answer_typed": (Role.KNOWLEDGE, None),
    "bot.handoff.button": (None, Role.KNOWLEDGE),  # workers' buttons, and the staff's 转为FAQ
    "bot.weblogin.weblogin": (Action.VIEW, None),
}
# Handlers that need no role: what workers use, and cancelling or timing out an admin's own flow.
WORKER_HANDLERS = {
    "bot.common.chat_member_changed", "bot.emergency.emergency_first", "bot.emergency.emergency_in_command",
    "bot.restarted.tell_lost", "bot.common.start", "bot.study.mystudy", "bot.study.study_button",
    "bot.common.help_command",
    "bot.qa.laws", "bot.org.settings", "bot.common.nothing_to_cancel", "bot.common.unknown_command", "bot.qa.ask",
    "bot.common.unsupported_message", "bot.qa.button", "bot.org.button", "bot.qa.inline_query",
    "bot.common.stale_button", "bot.handoff.my_questions",
    "bot.tips_triage.admin_cancel", "bot.tips_triage.admin_timed_out", "bot.tips_common.need_text",
    "bot.schedule_wizard.cancel", "bot.schedule_wizard.cancel_button", "bot.schedule_wizard.timed_out",
    "bot.handoff.staff_cancel", "bot.handoff.staff_timed_out",
    "bot.conversation._forget_on_timeout.<locals>.forget",  # the conversations' own clean-up
}


def handlers_of(handlers) -> list[BaseHandler]:
    found = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            found += handlers_of(handler.entry_points)
            for step in handler.states.values():
                found += handlers_of(step)
            found += handlers_of(handler.fallbacks)
        else:
            found.append(handler)
    return found


def qualname(callback) -> str:
    return f"{callback.__module__}.{callback.__qualname__}"


def test_every_handler_is_a_workers_or_says_what_it_needs(ankang):
    application = ankang.application
    registered = [h for group in application.handlers.values() for h in handlers_of(group)]
    needs = {}
    for handler in registered:
        name = qualname(handler.callback)
        if name.startswith(("bot.lessons.", "bot.campaign.", "bot.tips_report.", "bot.tips_thread.",
                            "bot.guards.")) or \
                (name.startswith("bot.handoff.") and authz.needs_of(handler.callback) is None
                 and name not in ("bot.handoff.answer_start", "bot.handoff.answer_typed")):
            continue  # the workers' own areas: lessons, campaigns, reporting a tip, a receipt's thread, 问工会
        needs[name] = authz.needs_of(handler.callback)
    unlisted = {name for name, need in needs.items() if need is None} - WORKER_HANDLERS
    assert unlisted == set(), "a handler without a need must be a worker's (WORKER_HANDLERS) or use bot.authz"
    assert {name: need for name, need in needs.items() if need is not None} == ADMIN_HANDLERS
    commands = {c for h in registered if isinstance(h, CommandHandler) and authz.needs_of(h.callback)
                for c in h.commands}
    assert commands == {"tips", "duty", "broadcasts", "schedule", "weblogin"}
    assert any(isinstance(h, CallbackQueryHandler) for h in registered)


# What each command and button needs, in words: (area's role, "look" | "act" | "act_anywhere" | "admin").
COMMANDS = {"/tips": (Role.TIPS, "look"), "/duty on": (Role.TIPS, "act_anywhere"),
            "/broadcasts": (Role.PUSH, "look"), "/weblogin": (None, "admin"),
            # 推送 at a unit schedules within its subtree: the wizard's unit step offers only those units, and
            # saving checks the chosen one (tests/broadcasts/test_unit_scope.py).
            "/schedule": (Role.PUSH, "act_anywhere")}
BUTTONS = {
    "tips list": (tc.ListTips().pack(), Role.TIPS, "look"),
    "tip open": (tc.OpenTip(1).pack(), Role.TIPS, "look_root"),  # a tip of no unit: the whole tree's
    "tip take": (tc.TakeTip(1).pack(), Role.TIPS, "act"),
    "tip status": (tc.SetStatus(1, TipStatus.VERIFYING).pack(), Role.TIPS, "act"),
    "tip reject": (tc.RejectWith(1, "not_safety").pack(), Role.TIPS, "act"),
    "tip note": (tc.AddNote(1).pack(), Role.TIPS, "act"),
    "tip reply": (tc.ReplyToTip(1).pack(), Role.TIPS, "act"),
    "schedules page": (bc.build(bc.ListPage(0)), Role.PUSH, "look"),
    "schedule progress": (bc.build(bc.ShowProgress(1)), Role.PUSH, "look"),
    "schedule pause": (bc.build(bc.ScheduleButton(bc.Act.PAUSE, 1)), Role.PUSH, "act"),
    "schedule delete": (bc.build(bc.ScheduleButton(bc.Act.ASK_DELETE, 1)), Role.PUSH, "act"),
    "handoff answer": (ho.build(ho.Answer(1)), Role.KNOWLEDGE, "act"),
    "handoff to faq": (ho.build(ho.ToFaq(1)), Role.KNOWLEDGE, "act"),
}


def expected(area: Role | None, kind: str, role: Role | None, held_at: str | None) -> bool:
    if role is None:
        return False  # a worker
    if kind == "admin":
        return True
    if kind.startswith("look"):
        return role in (Role.ADMIN, Role.READONLY, area) and (kind == "look" or held_at == "city")
    return role in (Role.ADMIN, area) and (kind == "act_anywhere" or held_at == "city")


def refused(text: str) -> bool:
    return "没有「" in text or "只对工会管理员开放" in text


async def _tree(services) -> dict[str, int]:
    async with services.sessions() as s, s.begin():
        units = {}
        for code, parent in (("city", None), ("d1", "city"), ("s1", "d1")):
            units[code] = (await service.add_unit(s, code, f"{code} 工会", "", parent)).id
    return units


async def test_every_admin_command_and_button_for_every_role_at_a_unit_and_at_the_root(ankang, emulator):
    units = await _tree(ankang.services)
    people: dict[tuple[Role | None, str | None], object] = {(None, None): emulator.user("职工")}
    async with ankang.services.sessions() as s, s.begin():
        for role in Role:
            for held_at in ("s1", "city"):
                person = emulator.user(f"{role.label}{held_at}")
                await roles.grant(s, person.id, person.first_name, role, units[held_at], by=0)
                people[role, held_at] = person
    mismatches = []
    for (role, held_at), person in people.items():
        for command, (area, kind) in COMMANDS.items():
            mark = emulator.mark()
            await emulator.send_text(person, command)
            reply = await emulator.wait_for_message(person, since=mark)
            if refused(reply.get("text", "")) is expected(area, kind, role, held_at):
                mismatches.append((command, role, held_at, reply.get("text", "")[:40]))
            if command == "/schedule" and not refused(reply.get("text", "")):
                mark = emulator.mark()
                await emulator.send_text(person, "/cancel")
                await emulator.wait_for_message(person, since=mark)
        anchor = await emulator.ask(person, "/help")
        for name, (data, area, kind) in BUTTONS.items():
            qid = await emulator.press(person, anchor, data=data)
            answer = await emulator.wait_for(lambda qid=qid: emulator.callback_answers.get(qid), what=name)
            if refused(answer.get("text") or "") is expected(area, kind, role, held_at):
                mismatches.append((name, role, held_at, answer.get("text")))
    assert mismatches == []


async def test_a_role_removed_mid_wizard_stops_the_next_step_in_words(ankang, emulator):
    units = await _tree(ankang.services)
    admin = emulator.user("推送员")
    async with ankang.services.sessions() as s, s.begin():
        await roles.grant(s, admin.id, "推送员", Role.PUSH, units["city"], by=0)
        await roles.grant(s, admin.id, "推送员", Role.READONLY, units["s1"], by=0)
    asked = await emulator.ask(admin, "/schedule")
    async with ankang.services.sessions() as s, s.begin():
        grant = next(g for g in await roles.list_grants(s) if g.user_id == admin.id and g.role is Role.PUSH)
        await roles.revoke(s, ankang.services.settings, grant.grant_id)
    qid = await emulator.press(admin, asked, data=bc.build(bc.PickKind("text")))
    answer = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "你没有「推送」权限" in answer["text"]
    # The wizard ended: its buttons are stale now, and typed text is a question again.
    qid = await emulator.press(admin, asked, data=bc.build(bc.PickKind("text")))
    answer = await emulator.wait_for(lambda: emulator.callback_answers.get(qid))
    assert "推送" not in (answer.get("text") or "")


async def test_an_invitation_makes_an_admin_once_and_says_why_not_otherwise(ankang, emulator):
    units = await _tree(ankang.services)
    services = ankang.services
    now = services.clock.now()
    async with services.sessions() as s, s.begin():
        token = await roles.create_invite(s, services.settings, next(iter(services.settings.admin_ids)), Role.TIPS,
                                          units["d1"], now)
        stale = await roles.create_invite(s, services.settings, next(iter(services.settings.admin_ids)), Role.PUSH,
                                          units["d1"], now - timedelta(seconds=roles.INVITE_TTL_S + 1))
    invitee = emulator.user("李", last_name="安全员")
    reply = await emulator.ask(invitee, f"/start inv_{token}")
    assert "你已成为「d1 工会」的举报处理管理员" in reply["text"]
    assert "你已经用这个链接接受过邀请了" in (await emulator.ask(invitee, f"/start inv_{token}"))["text"]
    other = emulator.user("王")
    assert "已经被使用过了" in (await emulator.ask(other, f"/start inv_{token}"))["text"]
    assert "已过期" in (await emulator.ask(other, f"/start inv_{stale}"))["text"]
    assert "邀请链接无效" in (await emulator.ask(other, "/start inv_nope"))["text"]
    async with services.sessions() as s:
        assert await roles.can(s, services.settings, invitee.id, Role.TIPS, units["s1"])
        assert not await roles.can(s, services.settings, other.id, Action.VIEW, units["s1"])
        lines = await roles.list_grants(s)
        entries = await audit_log(s)
    assert [(g.name, g.role, g.unit_name) for g in lines] == [("李 安全员", Role.TIPS, "d1 工会")]
    assert any(e.action == "admin.invite_accept" and e.unit_id == units["d1"] for e in entries)
    # The invitee's /tips works now; a tip action needs the role over the whole tree, which d1 is not.
    assert "没有「" not in (await emulator.ask(invitee, "/tips"))["text"]
