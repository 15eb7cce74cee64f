"""Emergencies first, in every state, through the real python-telegram-bot stack and the emulator:
in each state "有人触电了" gets the guidance before anything else, the step the worker was at is
asked again, and the next input is taken as that step's answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import handoff_messages as hmsg
from bot import lesson_messages as lesson_msg
from bot import tip_messages as msg
from bot.handoff import HANDOFF, HANDOFF_ANSWER
from bot.schedule_wizard import SCHEDULE
from bot.tips_report import REPORT
from bot.tips_thread import STATUS
from bot.tips_triage import TRIAGE
from emulator import button_texts
from knowledge.messages import EMERGENCY_BY_KIND, EMERGENCY_HEAD
from knowledge.models import Handoff, QuestionStat
from tests.conftest import ADMIN_ID
from tests.tips.conftest import Tipper
from tests.tips.helpers import photo_with_gps
from tests.tips.test_bot_thread import DESCRIPTION, submit
from tips.models import Tip, TipEvent

SHOCK = "有人触电了"
SHOCK_GUIDANCE = EMERGENCY_BY_KIND["electric"]


def is_guidance(message: dict) -> bool:
    text = message.get("text", "")
    return text.startswith(EMERGENCY_HEAD) and SHOCK_GUIDANCE in text


def flat(message: dict) -> list[str]:
    return [t for row in button_texts(message) for t in row]


async def emergency_mid_flow(emulator, user, flow_label: str, step: str, text: str = SHOCK) -> dict:
    """Send an emergency; the guidance must be the very next message, then the step asked again."""
    sent = await emulator.send_text(user, text)
    guidance = await emulator.wait_for_message(user, after=sent)
    assert guidance["text"].startswith(EMERGENCY_HEAD), guidance["text"]
    assert text != SHOCK or is_guidance(guidance), guidance["text"]
    again = await emulator.wait_for_message(user, after=guidance)
    assert again["text"].startswith(f"↩️ 刚才的{flow_label}还在继续"), again["text"]
    assert step in again["text"], again["text"]
    return again


@pytest.fixture
def tipper(emulator) -> Tipper:
    return Tipper(emulator, emulator.user("李雷", username="lilei_worker"))


# --- a fresh chat ------------------------------------------------------------------------------------


async def test_fresh_chat_emergency_is_answered_first_and_questions_go_on(ankang, emulator):
    worker = emulator.user("小王")
    sent = await emulator.send_text(worker, SHOCK)
    guidance = await emulator.wait_for_message(worker, after=sent)
    assert is_guidance(guidance) and "还在继续" not in guidance["text"]
    answer = await emulator.ask(worker, "劳保用品要自己掏钱吗")
    assert "劳动防护用品" in answer["text"]
    assert [m["message_id"] for m in emulator.messages(worker)] == [guidance["message_id"], answer["message_id"]]
    async with ankang.services.sessions() as session:
        stats = (await session.execute(select(QuestionStat.intent, QuestionStat.count))).all()
    assert ("emergency", 1) in stats

    # The guidance needs no knowledge base: while it is (re)loading, emergencies are still answered.
    ankang.services.kb = None
    sent = await emulator.send_text(worker, "仓库着火了，好大的烟")
    assert (await emulator.wait_for_message(worker, after=sent))["text"].startswith(EMERGENCY_HEAD)


# --- /report, at every step --------------------------------------------------------------------------

REPORT_STEPS = ["category", "place", "location", "description", "photos", "urgency", "confirm"]


async def walk_report_to(tipper: Tipper, step: str) -> None:
    """Walk /report until it waits on ``step``."""
    await tipper.say("/report")
    if step == "category":
        return
    for action, reached in [
        (lambda: tipper.press("建筑施工"), "place"),
        (lambda: tipper.press("建筑工地"), "location"),
        (lambda: tipper.say("城东3号工地"), "description"),
        (lambda: tipper.say(DESCRIPTION), "photos"),
        (lambda: tipper.press(msg.SKIP_BUTTON), "urgency"),
        (lambda: tipper.press(msg.NOT_URGENT_BUTTON), "confirm"),
    ]:
        await action()
        if reached == step:
            return


# (step, what the re-asked prompt says, the step's answer, what the flow says next)
REPORT_CASES = {
    "category": ("第 1 步", lambda t: t.press("建筑施工"), "第 2 步"),
    "place": ("第 2 步", lambda t: t.press("建筑工地"), "第 3 步"),
    "location": ("第 3 步", lambda t: t.say("城东3号工地"), "第 4 步"),
    "description": ("第 4 步", lambda t: t.say(DESCRIPTION), "第 5 步"),
    "photos": ("第 5 步", lambda t: t.photo(photo_with_gps()), "已收到第 1 张照片"),
    "urgency": ("第 6 步", lambda t: t.press(msg.NOT_URGENT_BUTTON), "第 7 步"),
    "confirm": ("第 7 步", lambda t: t.press(msg.CONFIRM_BUTTON), "回执码"),
}


@pytest.mark.parametrize("step", REPORT_STEPS)
async def test_report_emergency_at_each_step_is_answered_first_and_the_step_resumes(ankang, emulator, tipper, step):
    await walk_report_to(tipper, step)
    prompt, answer, after = REPORT_CASES[step]
    tipper.last = await emergency_mid_flow(emulator, tipper.user, REPORT.label, prompt)
    following = await answer(tipper)
    assert after in following["text"], following["text"]
    if step == "confirm":
        async with ankang.services.sessions() as session:
            tip = (await session.execute(select(Tip))).scalar_one()
        assert tip.description == DESCRIPTION and tip.location == "城东3号工地"
        # The report is over: an emergency now gets the guidance and nothing re-asked.
        sent = await emulator.send_text(tipper.user, SHOCK)
        guidance = await emulator.wait_for_message(tipper.user, after=sent)
        assert is_guidance(guidance)
        answer_ = await emulator.ask(tipper.user, "劳保用品要自己掏钱吗")
        assert emulator.messages(tipper.user)[-2]["message_id"] == guidance["message_id"]
        assert "劳动防护用品" in answer_["text"]


# Round 7 (bench/data/emergency): leaks told by smell and symptoms, a report word beside an accident
# happening now, pinyin typed word by word, Cantonese; each gets its own kind's guidance first.
WORKERS_WORDS = [
    ("厨房一股臭鸡蛋味，师傅头晕站不住了", "gas"),
    ("我要举报，刚才车间有人触电倒地了", "electric"),
    ("bei dian da le bu dong le", "electric"),
    ("佢只手夹咗喺部机度，拎唔出嚟", "machine"),
]


@pytest.mark.parametrize(("text", "kind"), WORKERS_WORDS)
async def test_report_emergency_in_workers_words_is_answered_first_and_the_step_resumes(
        ankang, emulator, tipper, text, kind):
    await walk_report_to(tipper, "place")
    tipper.last = await emergency_mid_flow(emulator, tipper.user, REPORT.label, "第 2 步", text)
    guidance = emulator.messages(tipper.user)[-2]
    assert EMERGENCY_BY_KIND[kind] in guidance["text"], guidance["text"]
    following = await tipper.press("建筑工地")
    assert "第 3 步" in following["text"], following["text"]


@pytest.mark.parametrize(("text", "kind"), [
    ("人没上来", "confined"), ("车间里烧着煤炉子，几个人都说头痛想吐", "poison"),
])
async def test_fresh_chat_emergency_in_workers_words_gets_its_kinds_guidance(ankang, emulator, text, kind):
    worker = emulator.user("小赵")
    sent = await emulator.send_text(worker, text)
    guidance = await emulator.wait_for_message(worker, after=sent)
    assert guidance["text"].startswith(EMERGENCY_HEAD) and EMERGENCY_BY_KIND[kind] in guidance["text"]


async def test_past_accident_question_typed_as_the_description_is_the_description(ankang, emulator, tipper):
    """An emergency at the description step, then a question about a past accident: that is no
    emergency, so it is the description."""
    await walk_report_to(tipper, "description")
    await emergency_mid_flow(emulator, tipper.user, REPORT.label, "第 4 步")
    past = "去年触电受伤了能认定工伤吗"
    photos = await tipper.say(past)
    assert "第 5 步" in photos["text"]
    await tipper.press(msg.SKIP_BUTTON)
    preview = await tipper.press(msg.NOT_URGENT_BUTTON)
    assert f"描述：{past}" in preview["text"]


async def test_alarming_text_sent_again_at_a_text_step_is_the_steps_answer(ankang, emulator, tipper):
    """A hazard told in alarming words stays reportable: the re-asked step says to send it again."""
    await walk_report_to(tipper, "description")
    alarming = "车间里一股煤气味，有人头晕，通风机坏了好几天没人修"
    again = await emergency_mid_flow(emulator, tipper.user, REPORT.label, "第 4 步", alarming)
    assert "请原样再发送一次" in again["text"]
    photos = await tipper.say(alarming)
    assert "第 5 步" in photos["text"]
    await tipper.press(msg.SKIP_BUTTON)
    preview = await tipper.press(msg.NOT_URGENT_BUTTON)
    assert f"描述：{alarming}" in preview["text"]


# --- the receipt thread (/status) --------------------------------------------------------------------


async def test_status_emergency_while_asked_for_the_code_then_the_code_opens_the_thread(ankang, emulator, tipper):
    code = await submit(tipper)
    await tipper.say("/status")
    await emergency_mid_flow(emulator, tipper.user, STATUS.label, "请发送您的回执码")
    shown = await tipper.say(code)
    assert "当前状态" in shown["text"]


async def test_status_emergency_while_viewing_the_thread_then_its_buttons_work(ankang, emulator, tipper):
    code = await submit(tipper)
    await tipper.say(f"/status {code}")
    again = await emergency_mid_flow(emulator, tipper.user, STATUS.label, "当前状态")
    assert flat(again) == [msg.ADD_INFO_BUTTON, msg.END_BUTTON]
    asked = await tipper.press(msg.ADD_INFO_BUTTON, again)
    assert asked["text"] == msg.ASK_FOLLOWUP


async def test_status_emergency_while_adding_information_then_the_next_text_is_added(ankang, emulator, tipper):
    code = await submit(tipper)
    view = await tipper.say(f"/status {code}")
    await tipper.press(msg.ADD_INFO_BUTTON, view)
    await emergency_mid_flow(emulator, tipper.user, STATUS.label, msg.ASK_FOLLOWUP)
    saved = await tipper.say("是三号楼东侧那片脚手架")
    assert saved["text"] == msg.FOLLOWUP_SAVED
    async with ankang.services.sessions() as session:
        texts = (await session.execute(select(TipEvent.text).order_by(TipEvent.id))).scalars().all()
    assert texts[-1] == "是三号楼东侧那片脚手架" and SHOCK not in texts


async def test_triage_emergency_while_writing_a_note_then_the_note_is_taken(ankang, emulator, tipper):
    await submit(tipper)
    admin = emulator.user("工会张主任", id=ADMIN_ID)
    listing = await emulator.ask(admin, "/tips")
    mark = emulator.mark()
    await emulator.press(admin, listing, next(t for t in flat(listing) if t.startswith("#")))
    opened = await emulator.wait_for_message(admin, lambda m: "处理记录" in m.get("text", ""), since=mark)
    mark = emulator.mark()
    await emulator.press(admin, opened, "核查中")
    await emulator.wait_for_message(admin, since=mark)
    await emergency_mid_flow(emulator, admin, TRIAGE.label, "请输入给举报人看的说明")
    done = await emulator.ask(admin, "已联系车间主任，明天上午到现场核查")
    assert "已改为 核查中" in done["text"]


# --- the /schedule wizard ----------------------------------------------------------------------------


async def tap(emulator, user, message: dict, button: str) -> dict:
    """Press a wizard button: it edits that message in place; return the edited message."""
    async with emulator.expect(user, count=0, edits=1) as got:
        await emulator.press(user, message, button)
    return got.edited[0]


async def walk_schedule_to(emulator, admin, step: str) -> None:
    what = await emulator.ask(admin, "/schedule")
    if step == "what":
        return
    if step in ("lesson", "series"):
        await tap(emulator, admin, what, lesson_msg.WHAT_LESSON if step == "lesson" else lesson_msg.WHAT_SERIES)
        return
    await tap(emulator, admin, what, lesson_msg.WHAT_TEXT)
    if step == "text":
        return
    audience = await emulator.ask(admin, "冬季用气安全提醒：请检查燃气软管。")
    if step == "audience":
        return
    when = await tap(emulator, admin, audience, lesson_msg.AUDIENCE_ALL)
    if step == "when":
        return
    await tap(emulator, admin, when, lesson_msg.WHEN_WEEKLY)
    if step == "when_input":
        return
    await emulator.ask(admin, "每周一 9点")
    assert step == "confirm"


async def press_first(emulator, admin, message: dict) -> dict:
    return await tap(emulator, admin, message, button_texts(message)[0][0])


# (step, what the re-asked prompt says, the step's answer, what the wizard says next)
SCHEDULE_CASES = {
    "what": ("第 1 步", lambda e, a, m: tap(e, a, m, lesson_msg.WHAT_TEXT), lesson_msg.ASK_TEXT),
    "lesson": ("先选一个主题", press_first, "请选择"),
    "series": ("请选择系列", press_first, "第 2 步"),
    "text": ("请发送通知内容", lambda e, a, m: e.ask(a, "冬季用气安全提醒：请检查燃气软管。"), "第 2 步"),
    "audience": ("第 2 步", lambda e, a, m: tap(e, a, m, lesson_msg.AUDIENCE_ALL), "第 3 步"),
    "when": ("第 3 步", lambda e, a, m: tap(e, a, m, lesson_msg.WHEN_WEEKLY), "北京时间"),
    "when_input": ("北京时间", lambda e, a, m: e.ask(a, "每周一 9点"), "时间：每周一 09:00"),
    "confirm": ("每周一 09:00", lambda e, a, m: tap(e, a, m, lesson_msg.CONFIRM_BUTTON), "已创建推送计划 #1"),
}


@pytest.mark.parametrize("step", list(SCHEDULE_CASES))
async def test_schedule_emergency_at_each_step_is_answered_first_and_the_wizard_resumes(ankang, emulator, step):
    admin = emulator.user("管理员", id=ADMIN_ID)
    await walk_schedule_to(emulator, admin, step)
    prompt, answer, after = SCHEDULE_CASES[step]
    again = await emergency_mid_flow(emulator, admin, SCHEDULE.label, prompt)
    following = await answer(emulator, admin, again)
    assert after in following["text"], following["text"]


# --- 问工会: the worker's question, its confirmation, a follow-up; the staff's answer ------------------


async def test_handoff_emergency_while_typing_the_question_then_the_next_text_is_the_question(ankang, emulator):
    emulator.user("管理员", id=ADMIN_ID)
    worker = emulator.user("小李")
    await emulator.ask(worker, "/ask")
    await emergency_mid_flow(emulator, worker, HANDOFF.label, hmsg.TYPE_QUESTION)
    confirm = await emulator.ask(worker, "夜班补贴怎么算")
    assert "夜班补贴怎么算" in confirm["text"] and hmsg.SEND_BUTTON in flat(confirm)
    # ✏️ 修改问题 asks again: an emergency there too is answered first, then the new text replaces the question.
    mark = emulator.mark()
    await emulator.press(worker, confirm, hmsg.EDIT_BUTTON)
    await emulator.wait_for_message(worker, since=mark)
    await emergency_mid_flow(emulator, worker, HANDOFF.label, hmsg.TYPE_QUESTION)
    confirm = await emulator.ask(worker, "夜班补贴按什么标准发")
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    assert "已收到" in got.edited[0]["text"]
    async with ankang.services.sessions() as session:
        assert (await session.execute(select(Handoff.question))).scalars().all() == ["夜班补贴按什么标准发"]


async def test_handoff_emergency_at_the_confirmation_is_answered_first_and_the_question_still_sends(
        ankang, emulator):
    emulator.user("管理员", id=ADMIN_ID)
    worker = emulator.user("小李")
    confirm = await emulator.ask(worker, "/ask 夜班补贴怎么算")
    assert hmsg.SEND_BUTTON in flat(confirm)
    sent = await emulator.send_text(worker, SHOCK)
    guidance = await emulator.wait_for_message(worker, after=sent)
    assert is_guidance(guidance)
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    assert "已收到" in got.edited[0]["text"]
    async with ankang.services.sessions() as session:
        assert (await session.execute(select(Handoff.question))).scalars().all() == ["夜班补贴怎么算"]
    # An emergency typed as /ask's question: the guidance first, then the offer to hand it over as asked.
    sent = await emulator.send_text(worker, f"/ask {SHOCK}")
    guidance = await emulator.wait_for_message(worker, after=sent)
    assert is_guidance(guidance)
    offer = await emulator.wait_for_message(worker, after=guidance)
    assert SHOCK in offer["text"] and hmsg.SEND_BUTTON in flat(offer)


async def test_handoff_emergency_while_staff_type_the_answer_never_reaches_the_worker(ankang, emulator):
    admin = emulator.user("管理员", id=ADMIN_ID)
    worker = emulator.user("小李")
    confirm = await emulator.ask(worker, "/ask 夜班补贴怎么算")
    mark = emulator.mark()
    await emulator.press(worker, confirm, hmsg.SEND_BUTTON)
    notice = await emulator.wait_for_message(admin, lambda m: "问工会" in m.get("text", ""), since=mark)
    mark = emulator.mark()
    await emulator.press(admin, notice, hmsg.ANSWER_BUTTON)
    await emulator.wait_for_message(admin, since=mark)
    worker_mark = emulator.mark()
    await emergency_mid_flow(emulator, admin, HANDOFF_ANSWER.label, "请输入给职工")
    assert emulator.new_messages(worker, worker_mark) == []  # the emergency was not taken for the answer
    async with emulator.expect(worker) as answer:
        await emulator.send_text(admin, "按当地规定，夜班补贴由单位按班次发放。")
    assert "夜班补贴由单位按班次发放" in answer.message["text"] and SHOCK not in answer.message["text"]
    # And the worker's 继续追问: an emergency there is answered first, then the next text is the follow-up.
    async with emulator.expect(worker):
        await emulator.press(worker, answer.message, hmsg.FOLLOW_UP_BUTTON)
    await emergency_mid_flow(emulator, worker, HANDOFF.label, "请输入您的追问")
    followed = await emulator.ask(worker, "那周末的夜班呢")
    assert "已收到您的追问" in followed["text"]


# --- 复查 in the tip thread; /settings' unit search -----------------------------------------------------


async def test_review_emergency_while_giving_the_reason_then_the_reason_is_taken(ankang, emulator, tipper):
    from tips import messages as case_text
    from tips.models import TipStatus
    from tips.service import change_status, list_tips

    code = await submit(tipper)
    services = ankang.services
    async with services.sessions() as s, s.begin():
        tip_id = (await list_tips(s)).tips[0].id
        await change_status(s, tip_id, TipStatus.CLOSED, "已督促企业更换配电箱", admin_id=ADMIN_ID,
                            now=services.clock.now())
    await tipper.say(f"/status {code}")
    await tipper.press(msg.REVIEW_BUTTON)
    await emergency_mid_flow(emulator, tipper.user, STATUS.label, msg.ASK_REVIEW_REASON)
    done = await tipper.say("配电箱换了，可是漏水的问题没有解决")
    assert done["text"] == case_text.REVIEW_DONE
    async with services.sessions() as s:
        events = (await s.execute(select(TipEvent.text).order_by(TipEvent.id))).scalars().all()
    assert "配电箱换了，可是漏水的问题没有解决" in events[-1] and not any(SHOCK in (t or "") for t in events)


async def test_settings_emergency_beside_the_unit_search_is_answered_first_and_the_buttons_still_join(
        ankang, emulator):
    from tests.bot.test_org import seed, unit_code_of

    await seed(ankang.services)
    worker = emulator.user("小王")
    results = await emulator.ask(worker, "/settings 化工")
    sent = await emulator.send_text(worker, SHOCK)
    assert is_guidance(await emulator.wait_for_message(worker, after=sent))
    # An emergency typed as the search itself: the guidance first, then the search as asked.
    sent = await emulator.send_text(worker, f"/settings {SHOCK}")
    guidance = await emulator.wait_for_message(worker, after=sent)
    assert is_guidance(guidance)
    assert "没有找到" in (await emulator.wait_for_message(worker, after=guidance))["text"]
    async with emulator.expect(worker, count=0, edits=1) as got:
        await emulator.press(worker, results, "化工厂工会（基层）")
    assert "已加入" in got.edited[0]["text"]
    assert await unit_code_of(ankang.services, worker.id) == "hg"
