"""Row 13 of issue 17, kept: kill -9 a real ``python -m ankang run`` mid-broadcast and start it
again; nothing is lost, and duplicates stay within the documented in-flight bound
(broadcasts/delivery.py: a message is sent twice only if its request was in flight at the kill).

The emulator runs in the test; the bot is a separate process on a SQLite file of the test's own (on
SQLite a restarted process takes back at once what the dead one held; on PostgreSQL it waits out the
lease, which tests/broadcasts/test_engine.py covers in-process)."""
from __future__ import annotations

from sqlalchemy import select

from ankang.services import open_services
from broadcasts.delivery import default_concurrency
from broadcasts.library import load_library
from broadcasts.models import Occurrence, OccurrenceStatus
from broadcasts.occurrences import send_now
from broadcasts.schedules import What, create_to_send_now
from broadcasts.subscriptions import set_topics
from tests.broadcasts.conftest import until
from tests.tips.test_bot_kill import kill, start_bot

RECIPIENTS = 60
SEND_RATE = 15.0


async def test_kill_9_mid_broadcast_loses_nothing_and_repeats_within_the_bound(
        emulator, make_settings, laws_dir, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'kill.sqlite3'}"
    process = await start_bot(emulator, url, laws_dir, send_rate=str(SEND_RATE))
    services = await open_services(make_settings(database_url=url, telegram_api_url=emulator.url))
    try:
        people = [emulator.user(f"工友{i}") for i in range(RECIPIENTS)]
        async with services.sessions() as session, session.begin():
            for person in people:
                await set_topics(session, person.id, {"all"})
            schedule = await create_to_send_now(session, load_library(), What("text", text="冬季用电安全提醒"))
        occurrence_id = await send_now(services.sessions, schedule.id, services.clock.now())

        def reached() -> int:
            return sum(1 for p in people if emulator.messages(p))

        await emulator.wait_for(lambda: reached() >= RECIPIENTS // 2, timeout=60, what="half of the broadcast")
        await kill(process)
        process = await start_bot(emulator, url, laws_dir, send_rate=str(SEND_RATE))

        async def finished() -> bool:
            async with services.sessions() as session:
                occurrence = await session.get(Occurrence, occurrence_id)
                return occurrence is not None and occurrence.status == OccurrenceStatus.DONE

        await until(finished, timeout=90, what="the broadcast to finish after the restarts")
        async with services.sessions() as session:
            status = (await session.execute(select(Occurrence.sent).where(Occurrence.id == occurrence_id))).scalar_one()
        counts = [len(emulator.messages(p)) for p in people]
        assert sum(1 for c in counts if c == 0) == 0  # nothing lost
        assert status == RECIPIENTS
        duplicates = sum(c - 1 for c in counts if c > 1)
        assert duplicates <= default_concurrency(SEND_RATE)
    finally:
        if process.returncode is None:
            await kill(process)
        await services.close()
