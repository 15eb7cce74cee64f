"""Question answering through the emulator with the real python-telegram-bot stack."""
import pytest
from sqlalchemy import select

from bot import qa_callbacks
from bot.qa import render_article, render_reply, reply_keyboard
from emulator import button_texts, buttons
from knowledge import AnswerReply, ArticleAnswerReply, emergency_reply, messages
from knowledge.models import Feedback, QuestionStat, UnansweredQuestion

VAGUE_QUESTIONS = ["单位的安全问题", "工作的事情怎么办", "这个规定合理吗", "安全方面的要求", "车间的问题"]


def all_button_texts(message) -> list[str]:
    return [t for row in button_texts(message) for t in row]


def entry_with_citations(kb, prefix: str):
    return next(e for e in kb.faq if e.id.startswith(prefix) and e.cite)


async def test_question_gets_answer_with_citation_and_working_buttons(ankang, emulator, shared_kb):
    entry = entry_with_citations(shared_kb, "ppe")
    alice = emulator.user()
    reply = await emulator.ask(alice, entry.q)
    assert entry.a[:20] in reply["text"]
    assert "法条依据" in reply["text"]
    cite = entry.cite[0]
    texts = all_button_texts(reply)
    assert any("原文" in t for t in texts) and "👍 有帮助" in texts

    # 查看法条原文 shows the article text from the corpus.
    article = shared_kb.corpus.article(cite.law, cite.article)
    original = next(t for t in texts if "原文" in t)
    async with emulator.expect(alice) as got:
        await emulator.press(alice, reply, original)
    assert article.text[:30] in got.message["text"]

    # Feedback is recorded (question text or FAQ id only) and the buttons go away.
    await emulator.press(alice, reply, "👍 有帮助")
    await emulator.wait_for(
        lambda: "👍 有帮助" not in all_button_texts(emulator.message(alice, reply["message_id"]).snapshot()))
    async with ankang.services.sessions() as s:
        rows = (await s.execute(select(Feedback))).scalars().all()
    assert [(r.faq_id, r.helpful) for r in rows] == [(entry.id, True)]
    async with ankang.services.sessions() as s:
        stats = (await s.execute(select(QuestionStat))).scalars().all()
    assert [(q.intent, q.topic, q.count) for q in stats] == [("answer", entry.tags[0], 1)]


async def test_related_question_button_answers_it(ankang, emulator, shared_kb):
    alice = emulator.user()
    for entry in shared_kb.faq:
        reply = await emulator.ask(alice, entry.q)
        related = [b for row in buttons(reply) for b in row if b["text"].startswith("❓")]
        if related:
            break
    else:
        pytest.fail("no answer offered related questions")
    target = qa_callbacks.parse(related[0]["callback_data"])
    async with emulator.expect(alice) as got:
        await emulator.press(alice, reply, related[0]["text"])
    assert shared_kb.entry(target.faq_id).a[:20] in got.message["text"]


async def test_emergency_is_answered_first(ankang, emulator):
    alice = emulator.user()
    reply = await emulator.ask(alice, "仓库着火了，怎么办")
    text = reply["text"]
    assert "119" in text and "撤离" in text
    assert text.index("119") < 200


async def test_article_look_up_returns_the_article(ankang, emulator, shared_kb):
    alice = emulator.user()
    reply = await emulator.ask(alice, "安全生产法第五十五条")
    assert shared_kb.corpus.article("安全生产法", 55).text[:30] in reply["text"]
    reply = await emulator.ask(alice, "职业病防治法 39条")
    assert shared_kb.corpus.article("职业病防治法", 39).text[:30] in reply["text"]


async def test_bare_article_number_asks_which_law(ankang, emulator, shared_kb):
    alice = emulator.user()
    reply = await emulator.ask(alice, "第五十五条")
    laws = all_button_texts(reply)
    assert "安全生产法" in laws
    async with emulator.expect(alice) as got:
        await emulator.press(alice, reply, "安全生产法")
    assert shared_kb.corpus.article("安全生产法", 55).text[:30] in got.message["text"]


async def test_unsure_offers_suggestions_and_pressing_one_answers_it(ankang, emulator, shared_kb):
    question = next((q for q in VAGUE_QUESTIONS
                     if shared_kb.answer(q).intent == "unsure" and shared_kb.answer(q).suggestions), None)
    assert question, "none of the vague questions was answered as unsure"
    alice = emulator.user()
    reply = await emulator.ask(alice, question)
    suggestion = buttons(reply)[0][0]
    target = qa_callbacks.parse(suggestion["callback_data"])
    async with emulator.expect(alice) as got:
        await emulator.press(alice, reply, suggestion["text"])
    assert shared_kb.entry(target.faq_id).a[:20] in got.message["text"]
    async with ankang.services.sessions() as s:
        stored = (await s.execute(select(UnansweredQuestion))).scalars().all()
    assert [u.count for u in stored] == [1]


async def test_unsure_offers_at_most_three_entries_and_a_way_to_ask_the_union(ankang, emulator, shared_kb):
    from bot import handoff_messages, qa_messages

    question = next(q for q in VAGUE_QUESTIONS if shared_kb.answer(q).intent == "unsure")
    alice = emulator.user()
    reply = await emulator.ask(alice, question)
    rows = button_texts(reply)
    assert rows[-1] == [qa_messages.ASK_UNION_BUTTON]
    assert 1 <= len(rows) <= 4 and all(row[0].startswith("❓") for row in rows[:-1])
    async with emulator.expect(alice) as got:
        await emulator.press(alice, reply, qa_messages.ASK_UNION_BUTTON)
    # The question goes to a person once the worker confirms it (tests/bot/test_handoff.py).
    said = got.message["text"]
    assert question in said and handoff_messages.SEND_BUTTON in all_button_texts(got.message)
    assert qa_callbacks.parse(qa_callbacks.build(qa_callbacks.AskUnion())) == qa_callbacks.AskUnion()


async def test_inline_query_returns_shareable_results(ankang, emulator):
    alice = emulator.user()
    query_id = await emulator.inline_query(alice, "劳保用品")
    answer = await emulator.wait_for(lambda: emulator.inline_answers.get(query_id))
    results = answer["results"]
    assert results and all(r["input_message_content"]["message_text"] for r in results)


async def test_laws_browser_pages_down_to_an_article(ankang, emulator, shared_kb):
    alice = emulator.user()
    menu = await emulator.ask(alice, "/laws")
    assert "安全生产法" in all_button_texts(menu)
    async with emulator.expect(alice, count=0, edits=1):
        await emulator.press(alice, menu, "安全生产法")
    chapters = emulator.message(alice, menu["message_id"]).snapshot()
    first_chapter = buttons(chapters)[0][0]["text"]
    async with emulator.expect(alice, count=0, edits=1):
        await emulator.press(alice, menu, first_chapter)
    articles = emulator.message(alice, menu["message_id"]).snapshot()
    assert "第1条" in all_button_texts(articles)
    async with emulator.expect(alice) as got:
        await emulator.press(alice, menu, "第1条")
    assert shared_kb.corpus.article("安全生产法", 1).text[:20] in got.message["text"]


async def test_a_5000_character_message_gets_a_friendly_reply(ankang, emulator):
    alice = emulator.user()
    reply = await emulator.ask(alice, "请问" * 2500)
    assert "太长" in reply["text"]
    assert not emulator.errors


async def test_photo_without_caption_gets_guidance(ankang, emulator):
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    alice = emulator.user()
    async with emulator.expect(alice) as got:
        await emulator.send_photo(alice, buf.getvalue())
    assert "文字" in got.message["text"]


@pytest.mark.parametrize("data", ["qa|a|999|1", "qa|f|../../etc", "qa|v|2|x", "qa|c|0|99|0", "garbage",
                                  "qa|" + "9" * 60])
async def test_forged_callback_data_gets_a_friendly_answer(ankang, emulator, data):
    alice = emulator.user()
    reply = await emulator.ask(alice, "安全生产法第一条")
    query_id = await emulator.press(alice, reply, data=data)
    answer = await emulator.wait_for(lambda: emulator.callback_answers.get(query_id))
    assert answer.get("text")
    assert not [e for e in emulator.errors if e.method != "answerCallbackQuery"]


# --- rendering: from the reply's fields, never from its plain text --------------------------------

def test_the_emergency_guidance_is_rendered_from_its_heading_and_paragraphs():
    reply = emergency_reply("仓库着火了")
    html = render_reply(reply)
    assert html == "\n\n".join([f"<b>{messages.EMERGENCY_HEAD}</b>", *("\n".join(p) for p in reply.guidance)])


def test_an_english_answer_carries_the_note_because_the_reply_says_english():
    reply = AnswerReply(faq_id="t", answer="不用。", english=True, question="Who pays for PPE?")
    assert render_reply(reply) == f"<i>{messages.ENGLISH_NOTE}</i>\n\n不用。"
    assert render_reply(AnswerReply(faq_id="t", answer="不用。", question="要自己掏钱吗")) == "不用。"


def test_an_answer_by_an_article_alone_shows_the_article_without_buttons(shared_kb):
    article = shared_kb.corpus.article("安全生产法", 55)
    reply = ArticleAnswerReply(article=article, question="发现危险能停工撤离吗")
    assert render_reply(reply) == render_article(article) and reply.text.startswith(article.label)
    assert reply_keyboard(shared_kb, reply) is None


def test_a_bare_term_answered_from_the_faq_shows_its_definition_above_the_answer(shared_kb):
    from bot.render import h

    reply = shared_kb.answer("停工留薪期")
    assert isinstance(reply, AnswerReply) and reply.term is not None
    definition = f"<b>{h(reply.term.term)}</b>：{h(reply.term.definition)}"
    assert render_reply(reply).startswith(f"{definition}\n\n{h(reply.answer)}\n\n<b>法条依据</b>")


@pytest.mark.parametrize("question,entry_id", [
    ("这个公众号是干嘛用的", "selfhelp-help"),
    ("怎样更改我在平台登记的单位", "selfhelp-unit"),
    ("檢舉之後點樣睇進度", "selfhelp-status"),
])
async def test_a_question_about_ankang_in_other_words_gets_its_catalogue_answer(ankang, emulator, question, entry_id):
    from knowledge.selfhelp import selfhelp_catalogue

    alice = emulator.user()
    reply = await emulator.ask(alice, question)
    assert selfhelp_catalogue()[entry_id].a[:30] in reply["text"]
