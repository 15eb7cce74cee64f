"""2,000 generated updates through the real stack against the emulator (issue 17, point 10): no
unhandled error, a reply wherever one is due, flat memory. ``bench.fuzz`` has the generator;
``python -m bench.faults --only fuzz`` runs 20,000. Reproduce a run with ANKANG_FUZZ_SEED=<seed>."""
from __future__ import annotations

import os

from bench.fuzz import Fuzzer
from tests.conftest import ADMIN_ID, QUICK_CHAT_PACE

UPDATES = int(os.environ.get("ANKANG_FUZZ_UPDATES", "2000"))
MEMORY_GROWTH_MAX_MB = 60


# Many workers side by side and a high overall rate. The fuzz is not about pacing, so replies to one
# chat go at the suite's quick pace (QUICK_CHAT_PACE), not Telegram's one a second, which made the
# run wait 78 s where its work takes 13 s of CPU (bench.faults fuzzes at Telegram's pace).
WORKERS = 40


async def test_generated_updates_get_answers_and_break_nothing(make_settings, emulator, shared_kb, library,
                                                                tips_runtime):
    from ankang.runner import running

    seed = os.environ.get("ANKANG_FUZZ_SEED")
    settings = make_settings(telegram_api_url=emulator.url, send_rate=500)
    async with running(settings, poll_timeout_s=1, kb=shared_kb, library=library, tips=tips_runtime,
                       chat_pace=QUICK_CHAT_PACE):
        fuzzer = Fuzzer(emulator, ADMIN_ID, workers=WORKERS)
        report = await fuzzer.run(UPDATES, seed_value=int(seed) if seed else None)
    print("\n".join(f"{name}: {value}" for name, value in report.rows()))  # shown with -s
    assert report.updates >= UPDATES
    assert not report.unhandled, f"seed {report.seed}: " + "\n".join(report.unhandled[:5])
    assert not report.missing_replies, f"seed {report.seed}: " + "\n".join(report.missing_replies[:5])
    assert report.rss_end_mb - report.rss_start_mb < MEMORY_GROWTH_MAX_MB, report.rows()
