"""Tips as cases (issue 16): owners, private notes, the "new from tipper" flag, closing, 复查, deadlines."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import tip_messages as msg
from core.admins import add_admin, set_on_duty
from core.models import AuditEntry
from tests.conftest import ADMIN_ID
from tests.tips.helpers import plain
from tests.tips.test_bot_flow import CODE_RE, all_table_text
from tips import messages as case_text
from tips.alerts import DutyAlert, followup_recipients, notify_followup
from tips.cases import (
    CasePolicy,
    OwnerNotAdmin,
    ReviewRefused,
    add_note,
    assign_owner,
    channel_for,
    deadline,
    mark_read,
    request_review,
)
from tips.models import TipNote, TipStatus
from tips.service import (
    TipDraft,
    TipInvalid,
    add_followup,
    change_status,
    find_by_receipt,
    get_tip,
    list_tips,
    submit_tip,
)

NOW = datetime(2026, 3, 2, 7, 25, tzinfo=UTC)  # Monday 15:25 in Shanghai
POLICY = CasePolicy(ZoneInfo("Asia/Shanghai"), ack_days=3, feedback_days=30, review_days=30)
DESCRIPTION = "车间配电箱柜门坏了，电线裸露在外面，下雨天还漏水"
SECRET_NOTE = "内部：企业负责人是区领导亲戚，需谨慎"


async def _tip(services, *, urgent: bool = False, now: datetime = NOW) -> tuple[int, str]:
    draft = TipDraft("electricity", "workshop", "开发区某厂二车间", DESCRIPTION, urgent, [])
    async with services.sessions() as s, s.begin():
        submitted = await submit_tip(s, draft, now=now, cost=services.tips.receipt_cost, policy=POLICY)
    return submitted.tip_id, submitted.receipt_code


class Recorder:
    """A DutyAlertSender that records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, DutyAlert]] = []

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
        self.sent.append((admin_id, alert))


async def test_owner_must_be_an_admin_and_every_assignment_is_audited(services):
    tip_id, _ = await _tip(services)
    async with services.sessions() as s, s.begin():
        await add_admin(s, 555)
        await assign_owner(s, services.settings, tip_id, 555, admin_id=ADMIN_ID)
    async with services.sessions() as s, s.begin():
        with pytest.raises(OwnerNotAdmin):
            await assign_owner(s, services.settings, tip_id, 777, admin_id=ADMIN_ID)  # never an admin
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
        audits = (await s.execute(select(AuditEntry).where(AuditEntry.action == "tip.owner"))).scalars().all()
    assert tip.owner_id == 555
    assert [(a.admin_id, a.target, a.detail) for a in audits] == [(ADMIN_ID, f"tip:{tip_id}", "555")]


async def test_the_owner_of_a_units_tip_must_handle_tips_over_that_unit(services):
    from org import roles, service
    from org.roles import Role

    async with services.sessions() as s, s.begin():
        city = await service.add_unit(s, "city", "某市总工会", "市")
        east = await service.add_unit(s, "east", "东区总工会", "区县", "city")
        west = await service.add_unit(s, "west", "西区总工会", "区县", "city")
        await roles.grant(s, 601, "东区举报员", Role.TIPS, east.id, by=ADMIN_ID)
        await roles.grant(s, 602, "西区举报员", Role.TIPS, west.id, by=ADMIN_ID)
        await roles.grant(s, 603, "东区推送员", Role.PUSH, east.id, by=ADMIN_ID)
        await roles.grant(s, 604, "市管理员", Role.ADMIN, city.id, by=ADMIN_ID)
        tip = await submit_tip(s, TipDraft("fire", "mall", "东区商场", DESCRIPTION, False, unit_id=east.id),
                               now=services.clock.now(), cost=services.tips.receipt_cost)
    for refused in (602, 603):
        async with services.sessions() as s, s.begin():
            with pytest.raises(OwnerNotAdmin) as caught:
                await assign_owner(s, services.settings, tip.tip_id, refused, admin_id=ADMIN_ID)
        assert caught.value.reason == "not_handler"
    for allowed in (601, 604):
        async with services.sessions() as s, s.begin():
            assigned = await assign_owner(s, services.settings, tip.tip_id, allowed, admin_id=ADMIN_ID)
        assert assigned.owner_id == allowed
    async with services.sessions() as s:
        audits = (await s.execute(select(AuditEntry).where(AuditEntry.action == "tip.owner"))).scalars().all()
    assert [(a.detail, a.unit_id) for a in audits] == [("601", east.id), ("604", east.id)]  # with the tip's unit


async def test_private_notes_never_reach_the_tippers_thread(services):
    tip_id, code = await _tip(services)
    async with services.sessions() as s, s.begin():
        await add_note(s, tip_id, SECRET_NOTE, admin_id=ADMIN_ID, now=NOW)
        with pytest.raises(TipInvalid):
            await add_note(s, tip_id, "   ", admin_id=ADMIN_ID, now=NOW)
    async with services.sessions() as s:
        tip = await find_by_receipt(s, code, cost=services.tips.receipt_cost)
        notes = (await s.execute(select(TipNote))).scalars().all()
    assert [n.text for n in notes] == [SECRET_NOTE]
    tipper_view = msg.status_view(tip, POLICY.tz, NOW, POLICY)
    assert SECRET_NOTE not in tipper_view and all(SECRET_NOTE not in e.text for e in tip.events)


async def test_a_follow_up_flags_the_tip_and_notifies_the_owner_else_the_duty_staff(services):
    tip_id, _ = await _tip(services)
    async with services.sessions() as s, s.begin():
        await add_admin(s, 900002)
        await set_on_duty(s, services.settings, 900002, True)
        await add_followup(s, tip_id, "补充：漏电保护器也是坏的", now=NOW)
    sender = Recorder()
    await notify_followup(services.sessions, services.settings, sender, tip_id)
    assert [admin for admin, _ in sender.sent] == [900002]  # nobody owns it yet: the duty staff
    assert "有新补充" in sender.sent[0][1].html and "漏电" not in sender.sent[0][1].html

    async with services.sessions() as s, s.begin():
        assert (await list_tips(s, unread=True)).total == 1
        await assign_owner(s, services.settings, tip_id, ADMIN_ID, admin_id=ADMIN_ID)
        assert await followup_recipients(s, services.settings, await get_tip(s, tip_id)) == (ADMIN_ID,)
        await mark_read(s, tip_id)
    async with services.sessions() as s:
        assert (await list_tips(s, unread=True)).total == 0


async def test_closing_needs_a_note_and_rejecting_a_reason_from_the_list(services):
    tip_id, _ = await _tip(services)
    async with services.sessions() as s, s.begin():
        with pytest.raises(TipInvalid, match="close_note"):
            await change_status(s, tip_id, TipStatus.CLOSED, "  ", admin_id=ADMIN_ID, now=NOW)
        with pytest.raises(TipInvalid, match="reject_reason"):
            await change_status(s, tip_id, TipStatus.REJECTED, "不归我们管", admin_id=ADMIN_ID, now=NOW,
                                reason="made_up")
        await change_status(s, tip_id, TipStatus.REJECTED, "工资问题请向人社部门反映", admin_id=ADMIN_ID, now=NOW,
                            reason="not_safety")
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
    assert tip.closed_at == NOW and tip.reject_reason == "not_safety"
    view = plain(msg.status_view(tip, POLICY.tz, NOW, POLICY))
    assert "12333" in view and tip.reject_reason_label in view


@pytest.mark.parametrize(("category", "reason", "number"), [
    ("construction", "insufficient", "12350"),
    ("rights", "insufficient", "12333"),
    ("fire", "emergency", "119 / 120 / 110"),
    ("fire", "outside_area", "12351"),
])
async def test_a_rejected_tip_shows_the_official_channel_that_fits(services, category, reason, number):
    draft = TipDraft(category, "workshop", "", DESCRIPTION, False, [])
    async with services.sessions() as s, s.begin():
        tip_id = (await submit_tip(s, draft, now=NOW, cost=services.tips.receipt_cost, policy=POLICY)).tip_id
        await change_status(s, tip_id, TipStatus.REJECTED, "说明", admin_id=ADMIN_ID, now=NOW, reason=reason)
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
    assert case_text.channel_line(channel_for(tip)).startswith(f"您也可以拨打 {number}")


async def test_review_reopens_a_closed_tip_once_and_only_within_the_window(services):
    tip_id, _ = await _tip(services)
    later = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    async with services.sessions() as s, s.begin():
        with pytest.raises(ReviewRefused, match="open"):
            await request_review(s, tip_id, "隐患还在", now=later, policy=POLICY)
        await change_status(s, tip_id, TipStatus.ACCEPTED, "已受理", admin_id=ADMIN_ID, now=NOW)
        await change_status(s, tip_id, TipStatus.CLOSED, "已督促整改完毕", admin_id=ADMIN_ID, now=NOW)
    async with services.sessions() as s, s.begin():
        with pytest.raises(ReviewRefused, match="reason"):
            await request_review(s, tip_id, "", now=later, policy=POLICY)
        await request_review(s, tip_id, "配电箱还是没有修好，照旧漏水", now=later, policy=POLICY)
    async with services.sessions() as s, s.begin():
        tip = await get_tip(s, tip_id)
        assert tip.status is TipStatus.REVIEWING and tip.review_requested and tip.tipper_unread
        assert tip.events[-1].at == datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # the tipper's hour, no finer
        assert deadline(tip, later).kind == "feedback"
        await change_status(s, tip_id, TipStatus.CLOSED, "复查：已更换配电箱", admin_id=ADMIN_ID, now=later)
        with pytest.raises(ReviewRefused, match="again"):
            await request_review(s, tip_id, "还是不满意", now=later, policy=POLICY)

    other, _ = await _tip(services)
    async with services.sessions() as s, s.begin():
        await change_status(s, other, TipStatus.CLOSED, "已办结", admin_id=ADMIN_ID, now=NOW)
    too_late = datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # 2 April 00:00 in Shanghai: day 31 after closing
    async with services.sessions() as s, s.begin():
        with pytest.raises(ReviewRefused, match="expired"):
            await request_review(s, other, "隐患还在", now=too_late, policy=POLICY)
    assert case_text.review_refused("expired", 30).startswith("已超过复查申请期限（办结后 30 天内）")


async def test_deadlines_count_calendar_days_in_the_configured_time_zone(services):
    # 23:30 on Monday 2 March in Shanghai is 15:30 UTC: the tip belongs to Monday (hour 23).
    tip_id, _ = await _tip(services, now=datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
    # Acknowledge by the end of Thursday 5 March, Shanghai time; feedback by the end of 1 April.
    assert tip.ack_due_at == datetime(2026, 3, 5, 16, 0, tzinfo=UTC)
    assert tip.feedback_due_at == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)
    due = deadline(tip, datetime(2026, 3, 5, 13, 0, tzinfo=UTC))
    assert (due.label, due.overdue, due.left_text) == ("受理时限", False, "剩 3 小时")
    due = deadline(tip, datetime(2026, 3, 6, 18, 0, tzinfo=UTC))
    assert (due.overdue, due.left_text) == (True, "已超期 1 天 2 小时")


async def test_the_inbox_lists_overdue_tips_first(services):
    old, _ = await _tip(services, now=datetime(2026, 2, 20, 3, 0, tzinfo=UTC))
    urgent_new, _ = await _tip(services, urgent=True)
    fresh, _ = await _tip(services)
    async with services.sessions() as s:
        page = await list_tips(s, now=NOW)
    assert [t.id for t in page.tips] == [old, urgent_new, fresh]


async def test_a_case_through_telegram_stays_anonymous(ankang, emulator, make_tipper, caplog):
    """Follow-up and 复查 from Telegram: the owner hears of both; nothing names the tipper anywhere."""
    caplog.set_level(logging.DEBUG)
    services = ankang.services
    owner = emulator.user("负责人", id=ADMIN_ID)
    tipper = make_tipper("王小二", username="wang_xiaoer_77")
    await tipper.report(description=DESCRIPTION)
    code = CODE_RE.search((await tipper.confirm())["text"]).group(0)
    async with services.sessions() as s, s.begin():
        tip_id = (await list_tips(s)).tips[0].id
        await assign_owner(s, services.settings, tip_id, ADMIN_ID, admin_id=ADMIN_ID)
        await add_note(s, tip_id, SECRET_NOTE, admin_id=ADMIN_ID, now=services.clock.now())

    await tipper.say(f"/status {code}")
    await tipper.press(msg.ADD_INFO_BUTTON)
    mark = emulator.mark()  # the notice may arrive before the wait begins
    await tipper.say("补充：配电箱旁边堆着纸箱")
    notice = await emulator.wait_for_message(owner, lambda m: "有新补充" in m.get("text", ""), since=mark)
    assert f"#{tip_id}" in notice["text"]
    await tipper.press(msg.END_BUTTON)

    async with services.sessions() as s, s.begin():
        await change_status(s, tip_id, TipStatus.CLOSED, "已督促企业更换配电箱", admin_id=ADMIN_ID,
                            now=services.clock.now())
    view = await tipper.say(f"/status {code}")
    assert "已办结" in view["text"] and "申请复查" in view["text"] and SECRET_NOTE not in view["text"]
    await tipper.press(msg.REVIEW_BUTTON)
    mark = emulator.mark()
    done = await tipper.say("配电箱换了，可是漏水的问题没有解决")
    assert done["text"] == case_text.REVIEW_DONE
    review = await emulator.wait_for_message(owner, lambda m: "申请复查" in m.get("text", ""), since=mark)
    assert f"#{tip_id}" in review["text"]
    async with services.sessions() as s:
        assert (await get_tip(s, tip_id)).status is TipStatus.REVIEWING

    everything = await all_table_text(services)
    logs = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("emulator"))
    for trace in (str(tipper.user.id), tipper.user.username, tipper.user.first_name):
        assert trace not in everything and trace not in logs, trace
    assert not re.search(re.escape(code), everything)


async def test_excel_export_has_chinese_headers_local_times_and_labels_and_audits_no_path(services, tmp_path):
    from openpyxl import load_workbook

    from core.models import AuditEntry as Audit
    from tips.service import export_tips

    draft = TipDraft("electricity", "workshop", "二车间", "=HYPERLINK(\"http://evil\") 配电箱漏电", False, [])
    async with services.sessions() as s, s.begin():
        tip_id = (await submit_tip(s, draft, now=NOW, cost=services.tips.receipt_cost, policy=POLICY)).tip_id
        await change_status(s, tip_id, TipStatus.REJECTED, "请拨打 12333", admin_id=ADMIN_ID, now=NOW,
                            reason="not_safety")
    out = tmp_path / "secret-server-dir"
    async with services.sessions() as s, s.begin():
        await export_tips(s, out, admin_id=ADMIN_ID, tz=POLICY.tz)
    book = load_workbook(out / "tips.xlsx")
    tips_sheet, thread = book["举报"], book["处理记录"]
    header = [c.value for c in tips_sheet[1]]
    row = dict(zip(header, [c.value for c in tips_sheet[2]], strict=True))
    assert row["编号"] == tip_id and row["类别"] == "用电安全" and row["场所类型"] == "工厂车间"
    assert row["提交时间（精确到小时）"] == "2026-03-02 15:00"  # 07:25 UTC is 15:25 in Shanghai
    assert row["状态"] == "不予受理" and row["不予受理原因"].startswith("不属于安全生产隐患")
    assert tips_sheet.cell(2, header.index("描述") + 1).data_type == "s"  # text, not a formula
    assert [c.value for c in thread[1]][:3] == ["举报编号", "时间", "来自"]
    assert {r[3] for r in thread.iter_rows(min_row=2, values_only=True)} == {"提交举报", "状态变更"}
    async with services.sessions() as s:
        entry = (await s.execute(select(Audit).where(Audit.action == "tip.export"))).scalar_one()
    assert "secret-server-dir" not in entry.target + entry.detail and str(tmp_path) not in entry.target


async def test_rejecting_in_telegram_takes_a_reason_a_note_and_a_confirmation(ankang, emulator, make_tipper):
    services = ankang.services
    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION)
    code = CODE_RE.search((await tipper.confirm())["text"]).group(0)
    admin = emulator.user("管理员", id=ADMIN_ID)
    listing = await emulator.ask(admin, "/tips")
    mark = emulator.mark()
    button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"].startswith("#"))
    await emulator.press(admin, listing, button)
    opened = await emulator.wait_for_message(admin, lambda m: msg.TAKE_BUTTON in str(m.get("reply_markup")),
                                             since=mark)
    assert "受理时限" in opened["text"] and "负责人：未指定" in opened["text"]

    async def press(message: dict, label: str) -> dict:
        mark = emulator.mark()
        await emulator.press(admin, message, label)
        return await emulator.wait_for_message(admin, since=mark)

    reasons = await press(opened, TipStatus.REJECTED.label)
    assert reasons["text"] == msg.ASK_REJECT_REASON
    prompt = await press(reasons, "不属于安全生产隐患（如工资、合同、社保问题）")
    assert "不予受理" in prompt["text"]
    question = await emulator.ask(admin, "工资拖欠请向人社部门反映")
    assert "确认将举报" in question["text"] and "复查" in question["text"]
    async with services.sessions() as s:
        assert (await list_tips(s)).tips[0].status is TipStatus.NEW  # nothing until confirmed
    done = await press(question, msg.CONFIRM_ACTION_BUTTON)
    assert "不予受理" in done["text"]
    view = await tipper.say(f"/status {code}")
    assert "不予受理" in view["text"] and "12333" in view["text"] and "工资拖欠请向人社部门反映" in view["text"]
