"""The tips' scheduled work on a virtual clock: digests, reminders, escalation and the retention purge."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.admins import add_admin, set_on_duty
from core.clock import FakeClock
from tests.conftest import ADMIN_ID
from tests.tips.helpers import photo_with_gps
from tips.alerts import DutyAlert
from tips.cases import CasePolicy, add_note, assign_owner, set_hold
from tips.jobs import latest_digest_slot, preview_purge, run_due
from tips.models import Tip, TipEvent, TipNote, TipPhoto, TipPurgeCount, TipStatus
from tips.photos import sanitize
from tips.service import TipDraft, change_status, submit_tip

# Monday 2 March 2026, 08:10 in Shanghai (00:10 UTC).
START = datetime(2026, 3, 2, 0, 10, tzinfo=UTC)
DUTY = 900002
OTHER_ADMIN = 900003


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[int, DutyAlert]] = []

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
        self.sent.append((admin_id, alert))

    def take(self) -> list[tuple[int, str]]:
        sent, self.sent = self.sent, []
        return [(admin, alert.html.splitlines()[0]) for admin, alert in sent]


async def _tip(services, clock, *, urgent: bool = False, photos: int = 0) -> int:
    draft = TipDraft("fire", "warehouse", "物流园B仓", "消防通道被货物堵死，灭火器过期两年", urgent,
                     [sanitize(photo_with_gps()) for _ in range(photos)])
    async with services.sessions() as s, s.begin():
        return (await submit_tip(s, draft, now=clock.now(), cost=services.tips.receipt_cost,
                                 policy=CasePolicy.from_settings(services.settings))).tip_id


async def _staff(services) -> None:
    async with services.sessions() as s, s.begin():
        await add_admin(s, DUTY)
        await add_admin(s, OTHER_ADMIN)
        await set_on_duty(s, services.settings, DUTY, True)


async def test_new_tips_reach_the_duty_staff_in_the_digest_at_the_configured_times(services):
    clock, sender = FakeClock(START), Recorder()
    await _staff(services)
    quiet = await _tip(services, clock)
    await _tip(services, clock, urgent=True)  # alerted at once by the caller, never in a digest
    assert (await run_due(services.sessions, services.settings, sender, clock.now())).digested == 0
    assert sender.take() == []  # before 09:00 nothing goes out

    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 09:00 Shanghai
    report = await run_due(services.sessions, services.settings, sender, clock.now())
    assert report.digested == 1
    sent = sender.sent
    assert [admin for admin, _ in sent] == [DUTY] and f"#{quiet}" in sent[0][1].html and sent[0][1].opens_list
    sender.take()
    late = await _tip(services, clock)  # 09:00 hour: waits for 16:00
    clock.advance(hours=3)
    assert (await run_due(services.sessions, services.settings, sender, clock.now())).digested == 0
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # 16:00 Shanghai
    await run_due(services.sessions, services.settings, sender, clock.now())
    sent = sender.sent
    assert len(sent) == 1 and f"#{late}" in sent[0][1].html and f"#{quiet}" not in sent[0][1].html


async def test_a_digest_nobody_received_is_sent_again(services):
    class Down(Recorder):
        async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
            raise ConnectionError("telegram unreachable")

    clock = FakeClock(START)
    await _staff(services)
    await _tip(services, clock)
    clock.set(datetime(2026, 3, 2, 1, 5, tzinfo=UTC))
    assert (await run_due(services.sessions, services.settings, Down(), clock.now())).digested == 0
    sender = Recorder()
    assert (await run_due(services.sessions, services.settings, sender, clock.now())).digested == 1


async def test_overdue_tips_remind_the_owner_then_escalate_to_every_admin_once(services):
    clock, sender = FakeClock(START), Recorder()
    await _staff(services)
    tip_id = await _tip(services, clock)
    acked = await _tip(services, clock)
    async with services.sessions() as s, s.begin():
        await assign_owner(s, services.settings, tip_id, OTHER_ADMIN, admin_id=ADMIN_ID)
        await change_status(s, acked, TipStatus.ACCEPTED, "已受理", admin_id=ADMIN_ID, now=clock.now())
    # Acknowledgement due by the end of Thursday 5 March, Shanghai: nothing on Thursday evening.
    clock.set(datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    report = await run_due(services.sessions, services.settings, sender, clock.now())
    assert (report.reminders, report.escalations, report.digested) == (0, 0, 1)
    # The accepted tip is no longer new: only the other is in the digest.
    assert "新举报汇总</b>：1 条" in sender.take()[0][1]
    clock.set(datetime(2026, 3, 5, 16, 30, tzinfo=UTC))  # 00:30 Friday: overdue
    report = await run_due(services.sessions, services.settings, sender, clock.now())
    assert (report.reminders, report.escalations) == (1, 0)
    assert sender.take() == [(OTHER_ADMIN, f"⏰ <b>举报 #{tip_id} 已超过受理时限</b>")]
    clock.advance(hours=12)
    assert (await run_due(services.sessions, services.settings, sender, clock.now())).reminders == 0
    assert sender.take() == []  # reminded once only
    clock.advance(hours=12)  # a day after the deadline: up to every admin
    report = await run_due(services.sessions, services.settings, sender, clock.now())
    assert report.escalations == 1
    assert sorted(admin for admin, _ in sender.take()) == sorted({ADMIN_ID, DUTY, OTHER_ADMIN})
    clock.advance(days=3)
    await run_due(services.sessions, services.settings, sender, clock.now())
    assert sender.take() == []

    # The acknowledged tip is under its feedback deadline (end of 1 April) and reminds then.
    clock.set(datetime(2026, 4, 1, 16, 1, tzinfo=UTC))
    await run_due(services.sessions, services.settings, sender, clock.now())
    firsts = sender.take()
    assert (DUTY, f"⏰ <b>举报 #{acked} 已超过反馈时限</b>") in firsts


async def test_the_purge_deletes_closed_tips_after_retention_except_on_hold_and_keeps_counts(services):
    clock = FakeClock(START)
    purged = await _tip(services, clock, photos=1)
    held = await _tip(services, clock)
    kept = await _tip(services, clock)  # still open: never purged
    async with services.sessions() as s, s.begin():
        await add_note(s, purged, "内部备注", admin_id=ADMIN_ID, now=clock.now())
        for tip_id in (purged, held):
            await change_status(s, tip_id, TipStatus.CLOSED, "已整改", admin_id=ADMIN_ID, now=clock.now())
        await set_hold(s, held, "法院调取证据", admin_id=ADMIN_ID)
    policy = CasePolicy.from_settings(services.settings)

    clock.set(START + timedelta(days=340))
    async with services.sessions() as s:
        preview = await preview_purge(s, clock.now(), policy)
    assert [tip.id for tip, _ in preview.due] == [purged] and [t.id for t in preview.held] == [held]
    assert preview.due[0][1] == START + timedelta(days=365)

    clock.set(START + timedelta(days=365) - timedelta(minutes=1))
    assert (await run_due(services.sessions, services.settings, None, clock.now())).purged == 0
    clock.advance(minutes=1)
    assert (await run_due(services.sessions, services.settings, None, clock.now())).purged == 1
    async with services.sessions() as s:
        left = sorted((await s.execute(select(Tip.id))).scalars())
        assert left == sorted([held, kept])
        for table in (TipEvent, TipPhoto, TipNote):
            rows = (await s.execute(select(func.count()).select_from(table).where(table.tip_id == purged)))
            assert rows.scalar_one() == 0, table
        counts = (await s.execute(select(TipPurgeCount))).scalars().all()
    assert [(c.created_month, c.category, c.status, c.count) for c in counts] == [("2026-03", "fire",
                                                                                   TipStatus.CLOSED, 1)]
    assert (await run_due(services.sessions, services.settings, None, clock.now())).purged == 0


def test_the_latest_digest_slot_is_today_or_yesterday_in_local_time():
    policy = CasePolicy()
    assert latest_digest_slot(datetime(2026, 3, 2, 0, 59, tzinfo=UTC), policy).hour == 16  # 08:59: yesterday 16:00
    assert latest_digest_slot(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), policy).hour == 9
    assert latest_digest_slot(START, CasePolicy(digest_times=())) is None


async def test_the_digest_reaches_the_duty_admin_in_telegram_with_a_button_to_the_list(ankang, emulator):
    """Through the bot's DutyAlertSender (the same port as the urgent alert) and the emulator."""
    from bot import tip_messages as msg
    from bot.tips_triage import TelegramDutyAlerts

    services = ankang.services
    await services.tips.stop_jobs()  # the runner's own loop runs on the real clock: this test drives the jobs
    admin = emulator.user("值班员", id=ADMIN_ID)
    clock = FakeClock(START)
    tip_id = await _tip(services, clock)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # 16:00 Shanghai
    mark = emulator.mark()
    report = await run_due(services.sessions, services.settings, TelegramDutyAlerts(ankang.application.bot),
                           clock.now())
    assert report.digested == 1
    digest = await emulator.wait_for_message(admin, lambda m: "新举报汇总" in m.get("text", ""), since=mark)
    assert f"#{tip_id}" in digest["text"]
    async with emulator.expect(admin, count=0, edits=1) as got:
        await emulator.press(admin, digest, msg.OPEN_LIST_BUTTON)
    listing = got.edited[0]  # the list replaces the digest in place
    assert "隐患举报" in listing["text"]
    assert any(b["text"].startswith(f"#{tip_id} ") for row in listing["reply_markup"]["inline_keyboard"]
               for b in row)
