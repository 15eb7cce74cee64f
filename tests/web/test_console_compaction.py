"""The console reports a broadcast the same after its delivery rows were compacted to counts
(issue 14, point 6)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from broadcasts.models import Delivery, DeliveryStatus, Occurrence, OccurrenceStatus, Schedule
from broadcasts.occurrences import compact_finished
from core.models import utcnow

# 5 sent (each a two-message lesson), 2 blocked, 1 failed, 1 skipped.
OUTCOMES = [(DeliveryStatus.SENT, 2)] * 5 + [(DeliveryStatus.BLOCKED, 0)] * 2 + [(DeliveryStatus.FAILED, 0),
                                                                                    (DeliveryStatus.SKIPPED, 0)]


async def report(admin_http, oid: int) -> tuple[dict, str]:
    async with await admin_http.get(f"/admin/broadcasts/runs/{oid}.json") as response:
        assert response.status == 200
        counts = await response.json()
    async with await admin_http.get(f"/admin/broadcasts/runs/{oid}") as response:
        assert response.status == 200
        page = await response.text()
    return counts, page


async def test_a_compacted_broadcast_shows_the_same_counts_in_the_console(services, admin_http):
    finished_at = utcnow() - timedelta(days=120)
    async with services.sessions() as session, session.begin():
        schedule = Schedule(kind="text", text="冬季用电安全提醒", trigger="once", run_at=finished_at)
        session.add(schedule)
        await session.flush()
        occurrence = Occurrence(schedule_id=schedule.id, fire_at=finished_at, status=OccurrenceStatus.DONE,
                                recipients=len(OUTCOMES), finished_at=finished_at)
        session.add(occurrence)
        await session.flush()
        oid = occurrence.id
        await session.execute(insert(Delivery), [
            {"occurrence_id": oid, "chat_id": 1000 + i, "status": status, "step": step}
            for i, (status, step) in enumerate(OUTCOMES)])

    before = await report(admin_http, oid)
    counts = {key: before[0][key] for key in ("recipients", "sent", "blocked", "failed", "skipped", "pending",
                                              "messages")}
    assert counts == {"recipients": 9, "sent": 5, "blocked": 2, "failed": 1, "skipped": 1, "pending": 0,
                      "messages": 10}
    assert '<b data-field="sent">5</b>' in before[1]

    assert await compact_finished(services.sessions, utcnow(), services.settings.delivery_retention_days) == 1
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Delivery))).scalar_one() == 0

    after = await report(admin_http, oid)
    assert after == before  # the JSON counts and the whole page
