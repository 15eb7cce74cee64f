"""Hostile updates are contained (issue 17, rows 8 and 9), through the real stack against the emulator."""
from __future__ import annotations

import logging

import pytest

from bot import lesson_callbacks, qa_callbacks, schedule_callbacks, tip_callbacks
from bot import messages as common_messages
from tests.conftest import ADMIN_ID

# What an older Bot API server sent: a poll answer without the option_ids this library requires.
UNPARSABLE = {"poll_answer": {"poll_id": "5", "user": {"id": 777001, "is_bot": False, "first_name": "王秘密",
                                                          "username": "secret_wang"}}}


@pytest.fixture
def handler_failures(caplog):
    """Fail the test if any handler raised (the error handler logs every such failure)."""
    caplog.set_level(logging.INFO)
    yield caplog
    # At teardown ``caplog.records`` holds the teardown's records: read the test's own.
    failed = [r for r in caplog.get_records("call") if r.getMessage().startswith("handler failed")]
    assert not failed, f"a handler raised: {failed[0].getMessage()}"


async def test_an_update_the_library_cannot_parse_is_skipped_once_and_stops_nobody(ankang, emulator,
                                                                                 handler_failures):
    caplog = handler_failures
    alice, bob = emulator.user("阿丽"), emulator.user("阿波")
    await emulator.send_update(UNPARSABLE)
    for user in (alice, bob, alice):
        reply = await emulator.ask(user, "/help", timeout=10)
        assert "/start" in reply["text"]
    skipped = [r for r in caplog.records if "cannot parse" in r.getMessage()]
    assert len(skipped) == 1 and "poll_answer" in skipped[0].getMessage()
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                       if not r.name.startswith("emulator"))
    for trace in ("777001", "王秘密", "secret_wang"):
        assert trace not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and not r.name.startswith("emulator")]


FORGED = [
    "ta:o:²", "ta:o:①", "ta:s:١:accepted", "ta:l:-:-:0:²", "ta:r:12\n",
    "qa|a|①|1", "qa|l|²|0", "qa|c|1|²|0", "qa|f|abc\n",
    "bc:s:²", "bc:pg:①", "sc:lp:all.²", "ls:l:x\n", "ls:cn:²",
]


@pytest.mark.parametrize("data", FORGED)
def test_callback_parsers_accept_only_ascii_digits(data):
    for module in (tip_callbacks, qa_callbacks, schedule_callbacks, lesson_callbacks):
        assert module.parse(data) is None, (module.__name__, data)


async def test_forged_buttons_with_unicode_digits_are_answered_as_stale(ankang, emulator, handler_failures):
    admin = emulator.user("管理员", id=ADMIN_ID)
    anchor = await emulator.ask(admin, "/help")
    for data in FORGED:
        qid = await emulator.press(admin, anchor, data=data)
        await emulator.wait_for(lambda qid=qid: qid in emulator.callback_answers, what=f"answer to {data!r}")


@pytest.mark.parametrize("text", ["劳保\ud800用品", "有人\x00触电", "\udfff"])
async def test_lone_surrogates_and_nul_get_a_friendly_message(ankang, emulator, handler_failures, text):
    alice = emulator.user()
    reply = await emulator.ask(alice, text, timeout=10)
    assert reply["text"] == common_messages.UNSTORABLE_TEXT
    # … and nothing is stuck: the next message is served.
    assert "/start" in (await emulator.ask(alice, "/help"))["text"]


async def test_a_button_pressed_under_an_inline_message_is_answered(ankang, emulator, handler_failures):
    alice = emulator.user()
    for data in ("qa|L", "ta:o:1", "nonsense"):
        qid = await emulator.press_inline(alice, data)
        answer = await emulator.wait_for(lambda qid=qid: emulator.callback_answers.get(qid), what="answer")
        assert answer["text"] == common_messages.INLINE_BUTTON


async def test_an_edit_that_leaves_a_command_entity_on_blank_text_breaks_nothing(ankang, emulator, handler_failures):
    """Found by bench.faults' 20,000-update fuzz: the unknown-command reply split blank text."""
    alice = emulator.user()
    sent = await emulator.send_text(alice, "/nosuchcommand")
    await emulator.wait_for_message(alice, after=sent)
    await emulator.send_update({"edited_message": {**sent, "text": " \u3000", "edit_date": sent["date"] + 1}})
    asked = await emulator.send_text(alice, "/help")
    await emulator.wait_for_message(alice, lambda m: "/start" in m.get("text", ""), after=asked)


async def test_an_inline_query_answered_too_late_is_not_a_failure(ankang, emulator, handler_failures):
    """Found by the 20,000-update fuzz on a loaded machine: Telegram refuses inline answers after ~10 s."""
    alice = emulator.user()
    emulator.callback_ttl_s = -1.0  # every answer arrives too late
    await emulator.inline_query(alice, "劳保")
    await emulator.wait_for(lambda: emulator.calls_to("answerInlineQuery") and emulator.errors, what="late answer")
    emulator.callback_ttl_s = 15.0
    assert "/start" in (await emulator.ask(alice, "/help"))["text"]
