"""The 微课堂 buttons' callback data as a typed contract: everything built parses back to itself within
64 ASCII bytes; anything forged or stale parses to None and is answered as a stale button."""
from __future__ import annotations

import pytest

from bot import lesson_callbacks as ls
from bot import lesson_messages as msg
from bot import messages
from bot import schedule_callbacks as sc
from broadcasts.models import Schedule, ScheduleStatus
from broadcasts.schedules import What, When, create_schedule
from tests.broadcasts.test_bot_lesson_screens import answer_of, tap_edits
from tests.conftest import ADMIN_ID

LESSON_CALLBACKS = [
    ls.OpenPicker(), ls.ToggleTopic("gas"), ls.ToggleTopic("all"), ls.SavePicker(), ls.ClosePicker(),
    ls.BrowseMenu(), ls.BrowseTopic("occupational_health"), ls.ReadLesson("x" * 48), ls.NameConsent(True),
    ls.NameConsent(False),
]
SCHEDULE_CALLBACKS = [
    *(sc.ScheduleButton(act, 999_999_999) for act in sc.Act), sc.ShowProgress(7), sc.ListPage(0), sc.ListAround(12),
    sc.PickKind("lesson"), sc.PickKind("series"), sc.PickKind("text"), sc.LessonTopic("all"),
    sc.LessonPage("occupational_health", 9999), sc.PickLesson("height-work"), sc.PickLesson("x" * 48),
    sc.PickSeries(3), sc.Back("what"), sc.Back("topics"), sc.ToggleAudience("gas"), sc.ToggleAudience("all"),
    sc.AudienceDone(), sc.PickUnit(1), sc.PickUnit(999_999_999), sc.AllUnits(), sc.PickWhen("now"),
    sc.PickWhen("cron"), sc.Confirm(), sc.Cancel(),
]


@pytest.mark.parametrize("callback", LESSON_CALLBACKS, ids=repr)
def test_a_worker_button_round_trips(callback):
    data = ls.build(callback)
    assert data.isascii() and len(data.encode()) <= 64
    assert ls.parse(data) == callback and sc.parse(data) is None


@pytest.mark.parametrize("callback", SCHEDULE_CALLBACKS, ids=repr)
def test_an_admin_button_round_trips(callback):
    data = sc.build(callback)
    assert data.isascii() and len(data.encode()) <= 64
    assert sc.parse(data) == callback and ls.parse(data) is None


@pytest.mark.parametrize("forged", [
    # Digits that str.isdigit() accepts but are not ASCII: superscripts, Arabic-Indic, full-width.
    "bc:p:²", "bc:p:١", "bc:xy:١", "bc:pg:１", "bc:s:٣", "sc:s:²", "sc:s:١", "sc:lp:gas.²", "sc:lp:gas.١",
    # Out of range, signed, empty, extra fields.
    "bc:p:1234567890", "bc:p:-1", "bc:p:+1", "bc:p:", "bc:p:1:2", "sc:s:1.0", "sc:ok:1", "sc:no:x",
    # Values that do not exist.
    "bc:zz:1", "sc:k:poem", "sc:bk:start", "sc:w:hourly", "sc:a:nope", "sc:lt:nope", "sc:l:bad id",
    "sc:l:" + "x" * 49, "sc:u:0", "sc:u:", "sc:u:١", "sc:u:1234567890", "sc:ua:1",
    "ls:t:nope", "ls:cn:2", "ls:cn:١", "ls:l:", "ls:no:1", "qa|a|1|1", "", None,
])
def test_forged_data_parses_to_none(forged):
    assert sc.parse(forged) is None and ls.parse(forged) is None


def test_nothing_is_built_that_would_not_parse():
    for impossible in (sc.ScheduleButton(sc.Act.PAUSE, -1), sc.ListPage(10 ** 9), sc.PickKind("poem"),
                       sc.LessonTopic("nope"), sc.PickLesson("bad id")):
        with pytest.raises(ValueError):
            sc.build(impossible)
    assert not ls.lesson_id_fits("x" * 49)


async def test_forged_schedule_buttons_with_non_ascii_digits_are_answered_as_stale(start, emulator, clock):
    async with start() as bot:
        engine = bot.services.broadcasts
        async with bot.services.sessions() as session, session.begin():
            await create_schedule(session, engine.library, What("text", text="通知"),
                                  When("weekly", weekdays=("mon",), at_time="09:00"), now=clock.now())
        admin = emulator.user("管理员", id=ADMIN_ID)
        listing = await emulator.ask(admin, "/broadcasts")
        # "١" is Arabic-Indic one: int() reads it as 1, so it must not reach schedule #1.
        for forged in ("bc:p:١", "bc:xy:١", "bc:p:²", "bc:s:²", "bc:pg:１"):
            qid = await emulator.press(admin, listing, data=forged)
            assert (await answer_of(emulator, qid))["text"] == messages.STALE_BUTTON, forged
        async with bot.services.sessions() as session:
            assert (await session.get(Schedule, 1)).status == ScheduleStatus.ACTIVE


async def test_a_forged_wizard_button_is_answered_as_stale_and_the_step_goes_on(start, emulator, library):
    async with start():
        admin = emulator.user("管理员", id=ADMIN_ID)
        what = await emulator.ask(admin, "/schedule")
        series = await tap_edits(emulator, admin, what, msg.WHAT_SERIES)
        for forged in ("sc:s:²", "sc:s:١", "sc:s:999", sc.build(sc.Confirm())):
            qid = await emulator.press(admin, series, data=forged)
            assert (await answer_of(emulator, qid))["text"] == messages.STALE_BUTTON, forged
        name = library.series_names()[0]
        audience = await tap_edits(emulator, admin, series, name)
        assert "第 2 步" in audience["text"]
