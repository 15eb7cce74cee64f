"""Intent detection, article look-up and ranking on the test fixture KB."""
import pytest

from knowledge import AnswerReply, ArticleChoiceReply, ArticleReply
from knowledge.faq import Citation, FaqEntry


@pytest.mark.parametrize("text,law,number", [
    ("安全生产法第五十五条", "安全生产法", 55),
    ("职业病防治法39条", "职业病防治法", 39),
    ("工伤保险条例 十四条", "工伤保险条例", 14),
    ("安全法 28", "安全生产法", 28),
    ("《中华人民共和国安全生产法》第一百零七条", "安全生产法", 107),
    ("安全生產法第五十五條", "安全生产法", 55),
    ("查一下消防法第28条", "消防法", 28),
    ("ＸＸ".replace("ＸＸ", "劳动法第３条"), "劳动法", 3),
])
def test_article_lookup(fixture_kb, text, law, number):
    reply = fixture_kb.answer(text)
    assert reply.intent == "article" and isinstance(reply, ArticleReply)
    assert (reply.article.law, reply.article.number) == (law, number)
    assert reply.results[0].citations == [Citation(law, number)]
    assert reply.article.text in reply.text


def test_bare_article_number_asks_which_law(fixture_kb):
    reply = fixture_kb.answer("第五十五条")
    assert reply.intent == "article" and isinstance(reply, ArticleChoiceReply)
    assert "安全生产法" in reply.candidate_laws and reply.number == 55


def test_missing_article_is_friendly(fixture_kb):
    reply = fixture_kb.answer("安全生产法第九百条")
    assert reply.intent == "article" and isinstance(reply, ArticleChoiceReply) and "没有找到" in reply.text


@pytest.mark.parametrize("text", ["着火了", "仓库着火了", "有人触电了", "煤气泄漏", "工友中毒昏迷了",
                                  "有人被机器卷进去了", "井下透水了快跑", "同事从脚手架上摔下来了",
                                  "窨井里有人晕倒了", "救命", "隧道塌方了有人被埋", "Fire! help", "車間著火了"])
def test_emergency_detected(fixture_kb, text):
    reply = fixture_kb.answer(text)
    assert reply.intent == "emergency", text
    assert "119" in reply.text and "120" in reply.text


@pytest.mark.parametrize("text", ["发生事故后单位要多久上报", "触电算工伤吗", "火灾隐患怎么举报",
                                  "中毒了能认定职业病吗", "如何预防高处坠落", "有限空间作业要注意什么",
                                  "企业要制定火灾应急预案吗"])
def test_questions_about_emergencies_are_not_emergencies(fixture_kb, text):
    assert fixture_kb.answer(text).intent != "emergency", text


def test_emergency_says_not_to_enter_confined_space(fixture_kb):
    assert "不要贸然" in fixture_kb.answer("化粪池里有人昏迷了").text


@pytest.mark.parametrize("text,intent", [("你好", "smalltalk"), ("在吗", "smalltalk"), ("谢谢", "smalltalk"),
                                         ("今天几号", "out_of_scope"), ("推荐一部电影", "out_of_scope"),
                                         ("我要匿名举报隐患", "tip"), ("我要举报", "tip"), ("帮助", "help"),
                                         ("", "help")])
def test_simple_intents(fixture_kb, text, intent):
    assert fixture_kb.answer(text).intent == intent


def test_reporting_reward_question_is_not_a_tip(fixture_kb):
    assert fixture_kb.answer("举报安全隐患有奖励吗").intent != "tip"


@pytest.mark.parametrize("text", ["什么是三违", "三违是什么意思", "三违"])
def test_glossary_term(fixture_kb, text):
    reply = fixture_kb.answer(text)
    assert reply.intent == "term" and "违章作业" in reply.text


@pytest.mark.parametrize("text,faq_id", [
    ("劳保用品要自己掏钱吗", "t-ppe-pay"),
    ("劳宝用品要我自己出钱吗", "t-ppe-pay"),
    ("勞保用品要自己掏錢嗎", "t-ppe-pay"),
    ("老板逼我冒险作业，我能不干吗", "t-refuse"),
    ("工伤认定要在多长时间内申请", "t-injury-deadline"),
])
def test_faq_ranking(fixture_kb, text, faq_id):
    reply = fixture_kb.answer(text)
    assert reply.results and reply.results[0].faq_id == faq_id, (text, reply.results)
    assert reply.intent in ("answer", "unsure")
    if reply.intent == "answer":
        assert reply.citations and reply.citations[0].opening  # article opening for 法条依据
    else:
        assert reply.suggestions[0].faq_id == faq_id


def test_answer_reply_carries_basis_text(fixture_kb):
    reply = fixture_kb.answer("劳保用品要自己掏钱吗")
    assert "法条依据" in reply.text and "安全生产法第四十五条" in reply.text


def test_unsure_offers_suggestions(fixture_kb):
    reply = fixture_kb.answer("劳保用品的事")
    assert reply.intent in ("unsure", "answer")
    if reply.intent == "unsure":
        assert 0 < len(reply.suggestions) <= 3


def test_english_question_gets_chinese_citation(fixture_kb):
    reply = fixture_kb.answer("Who pays for PPE?")
    assert reply.results and reply.results[0].citations[0].law == "安全生产法"


def test_add_faq_is_live(own_fixture_kb):
    kb = own_fixture_kb
    assert not isinstance(kb.answer("叉车司机要不要持证"), AnswerReply)  # no FAQ entry answers it yet
    kb.add_faq(FaqEntry(id="db-forklift", q="叉车司机要不要持证上岗", a="要持证。",
                        cite=[Citation("特种设备安全法", 14)]))
    reply = kb.answer("叉车司机要不要持证")
    assert reply.intent == "answer" and reply.faq_id == "db-forklift"
    # Replacing an entry by id retires its old phrasings.
    kb.add_faq(FaqEntry(id="db-forklift", q="开叉车需要什么证", a="特种设备作业人员证。",
                        cite=[Citation("特种设备安全法", 14)]))
    assert kb.answer("开叉车需要什么证").answer == "特种设备作业人员证。"


def test_search_for_inline_mode(fixture_kb):
    hits = fixture_kb.search("劳保", limit=5)
    assert hits and len(hits) <= 5
    assert any(h.faq_id == "t-ppe-pay" for h in hits)
    assert fixture_kb.search("安全生产法第五十五条")[0].article.number == 55


def test_no_laws_dir_answers_from_faq(side_cache_dir):
    from knowledge.engine import KnowledgeBase
    from tests.knowledge.conftest import FIXTURES

    kb = KnowledgeBase.load(None, data_dir=FIXTURES, cache_dir=side_cache_dir)
    reply = kb.answer("劳保用品要自己掏钱吗")
    assert reply.intent == "answer" and reply.citations[0].opening is None


def test_a_term_named_without_its_usual_qualifier_finds_the_glossary_entry(real_kb):
    reply = real_kb.answer("三宝具体是哪几样")
    assert reply.intent == "term" and reply.term is not None and reply.term.term == "安全三宝"
    assert real_kb.answer("保险是什么").intent != "term"  # a bare head word is not 工伤保险


def test_a_picked_entry_is_answered_with_itself_whatever_asking_its_question_again_gives(real_kb):
    """A suggestion or a related question the worker taps answers with that entry: asking its question anew may
    be unsure, outside or another entry once the ranking or the operating point moved."""
    for entry in real_kb.faq:
        reply = real_kb.answer_entry(entry.id)
        assert isinstance(reply, AnswerReply) and reply.faq_id == entry.id and reply.answer == entry.a, entry.id
        assert entry.id not in {s.faq_id for s in reply.related}, entry.id
    assert real_kb.answer_entry("no-such-entry") is None
