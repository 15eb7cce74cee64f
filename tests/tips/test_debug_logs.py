"""No identifying data in the logs at any level (issue 17, row 10): ``ankang run`` as a real process at
ANKANG_LOG_LEVEL=DEBUG, a tip, a follow-up with its receipt code and a question, then its whole log scanned."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sys

from tests.conftest import REPO, TEST_TOKEN
from tests.tips.helpers import photo_with_gps

CODE_RE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")
DESCRIPTION = "二号车间的配电箱门一直敞着，下雨天地面积水"
LOCATION = "南区七号仓库后门"
FOLLOW_UP = "今天又看到有人赤手去合闸"
QUESTION = "劳保用品要自己掏钱吗"


async def test_a_debug_log_holds_nothing_that_identifies_a_worker(emulator, make_tipper, database_url, laws_dir,
                                                                 tmp_path):
    log_path = tmp_path / "ankang.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update(
        ANKANG_BOT_TOKEN=TEST_TOKEN, ANKANG_TELEGRAM_API_URL=emulator.url, ANKANG_DATABASE_URL=database_url,
        ANKANG_WEB_HOST="127.0.0.1", ANKANG_WEB_PORT="0", ANKANG_LAWS_DIR=str(laws_dir),
        ANKANG_SECRET_KEY="debug-log-test-secret", ANKANG_LOG_LEVEL="DEBUG", PYTHONPATH=str(REPO),
    )
    seen = len(emulator.calls_to("setMyCommands"))
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ankang", "run", env=env, cwd=str(tmp_path),
            stdout=log_file, stderr=log_file,
        )
    try:
        await emulator.wait_for(lambda: len(emulator.calls_to("setMyCommands")) > seen, timeout=90, what="bot start")
        tipper = make_tipper("韩梅梅", username="hanmeimei_1988")
        await tipper.report(description=DESCRIPTION, location=LOCATION, photos=[photo_with_gps()])
        code = CODE_RE.search((await tipper.confirm())["text"]).group(0)
        await tipper.say("/status")
        await tipper.say(code)
        await tipper.say(QUESTION)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in log  # the level took effect: the scan below is of a DEBUG log
    user = tipper.user
    for trace in (str(user.id), user.username, user.first_name, DESCRIPTION[:8], LOCATION, code,
                  code.replace("-", ""), QUESTION, TEST_TOKEN):
        assert trace not in log, f"{trace!r} found in the DEBUG log"
