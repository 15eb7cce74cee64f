"""Ranking mechanisms: the BM25 index, traditional-script fast path, citation evidence, calibration."""
import json
from pathlib import Path

import pytest

from knowledge import AnswerReply, ArticleReply, engine
from knowledge.faq import Citation, FaqEntry
from knowledge.index import BM25Index
from knowledge.text import Analyzer, normalise, term_weight, to_simplified

HELDOUT = Path(__file__).with_name("data") / "qa-heldout.jsonl"


def test_bm25_ranks_rarer_matches_first_and_bulk_equals_one_by_one():
    docs = [["w:劳保", "w:钱"], ["w:工伤", "w:认定"], ["w:劳保", "w:质量"], ["w:钱"]]
    one = BM25Index()
    for d in docs:
        one.add(d)
    bulk = BM25Index()
    assert list(bulk.extend(docs)) == [0, 1, 2, 3]
    assert one.search(["w:劳保", "w:钱"]) == bulk.search(["w:劳保", "w:钱"])
    assert bulk.search(["w:劳保", "w:钱"])[0][0] == 0
    assert bulk.search(["w:没有"]) == []


def test_index_answers_after_an_addition():
    index = BM25Index()
    index.extend([["w:a"], ["w:b"]])
    assert index.search(["w:c"]) == []
    index.add(["w:c"])
    assert index.search(["w:c"])[0][0] == 2


def test_simplified_text_is_returned_untouched_and_traditional_is_converted():
    text = "劳保用品要自己掏钱吗"
    assert to_simplified(text) is text
    assert to_simplified("勞保用品要自己掏錢嗎") == text
    assert normalise("職業病診斷") == "职业病诊断"


@pytest.mark.parametrize(("dialect", "standard"), [
    ("电焊工使唔使证", "电焊工要不要证"),  # Cantonese
    ("安全帽要自个儿掏钱买", "安全帽要自己掏钱买"),  # northern
    ("冇得培训就上岗", "没有培训就上岗"),
    ("啥子培训都没得", "什么培训都没有"),  # south-western
    ("干了十年打磨肺不得劲", "干了十年打磨肺不舒服"),  # north-eastern
])
def test_dialect_words_read_as_the_standard_words(dialect, standard):
    assert normalise(dialect) == normalise(standard)


@pytest.mark.parametrize(("traditional", "mainland"), [
    ("從鷹架上摔下來了", "从脚手架上摔下来了"),  # Taiwan's word for the scaffold
    ("堆高機司機要不要考證", "叉车司机要不要考证"),
    ("職災要怎麼申請", "工伤要怎么申请"),
    ("老闆一直拖著不處理", "老板一直拖着不处理"),  # Taiwan's aspect particle, which t2s leaves
    ("妳們領班有說甚麼嗎", "你们班长有说什么吗"),  # 妳 marks traditional writing although t2s leaves it
    ("地盤判頭扣糧", "工地包工头扣工资"),  # Hong Kong's site, subcontractor and pay
    ("衞生間", "卫生间"),
])
def test_taiwan_and_hong_kong_words_read_as_the_mainland_words(traditional, mainland):
    assert to_simplified(traditional) == mainland
    assert normalise(traditional) == normalise(mainland)


@pytest.mark.parametrize(("traditional", "simplified"), [
    ("效果顯著", "效果显著"), ("著名的工廠", "著名的工厂"),  # 著 stays where it is no particle
    ("個人資料", "个人资料"), ("具有法人資格", "具有法人资格"), ("企事業單位", "企事业单位"),
])
def test_words_holding_a_regional_word_stay_as_they_are(traditional, simplified):
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize(("cantonese", "mandarin"), [
    ("佢係新嚟嘅", "他是新来的"), ("係唔係要培訓", "是不是要培训"), ("係咪工傷", "是不是工伤"),
    ("勞動關係", "劳动关系"), ("維係生產", "维系生产"), ("安全係數", "安全系数"),  # 係 of a relation stays 系
])
def test_cantonese_is_written_in_traditional_characters_reads_as_mandarin(cantonese, mandarin):
    assert normalise(cantonese) == normalise(mandarin)


def test_regional_words_in_simplified_writing_are_read_as_typed():
    """A mainland worker's 领班 or 礼拜 is his own word: only traditional writing is read the Taiwan way."""
    for text in ("领班叫我周末加班", "一个礼拜只休一天", "鹰架"):
        assert to_simplified(text) is text


def test_the_regional_vocabulary_is_written_in_simplified_characters():
    """Its keys are matched after t2s: a key written in traditional characters would never match."""
    from opencc import OpenCC

    from knowledge.text import _regional_words

    t2s = OpenCC("t2s")
    _, table, marks = _regional_words()
    assert len(table) > 50 and {"妳", "衞"} <= marks and "著" not in marks
    for key, word in table.items():
        assert t2s.convert(key) == key, key
        assert t2s.convert(word) == word, word


# Round 13: the lexicon of Taiwan's, Hong Kong's and Macao's words of work, and the mainland words that hold a
# shorter key of it but keep their meaning.
@pytest.mark.parametrize(("regional", "mainland"), [
    ("公司說我們是責任制沒有加班費", "不定时工作制"), ("判頭叫我喺地盤紮鐵", "包工头"), ("地盤天秤冇牌照", "塔吊"),
    ("請公傷假", "停工留薪期"), ("資遣費", "经济补偿"), ("電銲工", "电焊工"), ("要派單位", "用工单位"),
    ("大判同二判邊個負責", "总承包单位同分包"), ("滅火筒過期", "灭火器"), ("勞基法規定", "劳动法"),
    ("公司沒有集乳室", "哺乳室"), ("嗰度冇安全帶", "那里"), ("特休沒休完", "年休假"),
    ("欠糧", "拖欠工资"), ("職災勞工", "工伤职工"),
])
def test_taiwan_and_hong_kong_words_of_work_read_as_the_mainland_words(regional, mainland):
    assert mainland in to_simplified(regional)


@pytest.mark.parametrize("traditional, kept", [
    ("專職安全生產管理人員", "专职安全生产管理人员"), ("按時發放工資", "发放工资"), ("往返工作單位", "往返工作单位"),
    ("承包商", "承包商"), ("綜合計算工時", "综合计算工时"), ("轉人工客服", "人工客服"), ("蚊子好多", "蚊子"),
])
def test_mainland_words_holding_a_regional_key_keep_their_meaning(traditional, kept):
    assert kept in to_simplified(traditional)


def test_a_traditional_question_in_taiwan_words_gets_its_mainland_twins_evidence(real_kb):
    traditional, mainland = "倉儲開堆高機的師傅沒有證照可以嗎", "仓储开叉车的师傅没有证照可以吗"
    assert real_kb.decision_inputs(traditional) == real_kb.decision_inputs(mainland)


@pytest.mark.parametrize("everyday, standard", [
    ("来大姨妈", "经期"), ("来事儿", "经期"), ("娃还在吃奶", "哺乳期"), ("触过电", "触电"), ("疑是职业病", "疑似"),
    ("组长老对她毛手毛脚", "性骚扰"), ("师傅总讲黄色笑话", "性骚扰"),
])
def test_everyday_words_of_a_need_are_searched_as_its_standard_word(real_kb, everyday, standard):
    assert standard in real_kb.analyzer.words(normalise(everyday))


def test_trade_words_the_trimmed_dictionary_lacks_stay_one_word(real_kb):
    # Rare in jieba's corpus, so its trimmed dictionary dropped them: 养老 / 院当护工 before.
    assert {"养老院", "护工"} <= set(real_kb.analyzer.words(normalise("在养老院当护工扭伤了腰")))


def test_standard_words_that_share_a_dialect_character_stay_as_written():
    assert normalise("联系工会的体系") == "联系工会的体系"
    assert normalise("伐木工人") == "伐木工人"


# Round 10: whole families of spoken words, each with variants no split question uses.
@pytest.mark.parametrize(("dialect", "standard"), [
    ("老细唔畀劳保", "老板不给劳保"), ("边个负责培训", "谁负责培训"), ("搵工会睇下", "找工会看下"),  # Cantonese
    ("加班费几多钱", "加班费多少钱"), ("做嘢受伤", "干活受伤"), ("点样申请工伤", "怎样申请工伤"),
    ("得唔得唔戴安全帽", "行不行不戴安全帽"),
    ("工厂要赔伐", "工厂要赔吗"), ("覅签字", "不要签字"),  # Wu
    ("撒子证都没得", "什么证都没有"), ("扣工钱对头不", "扣工钱合理吗"), ("娃儿才十五", "孩子才十五"),  # south-western
    ("夜班不给补贴，这中吗", "夜班不给补贴，这行吗"), ("不戴安全帽能中不", "不戴安全帽能行不"),  # Henan
    ("头儿不让请假", "老板不让请假"), ("回屋路上摔了", "回家路上摔了"), ("票子扣了一半", "钱扣了一半"),  # northern
    ("带班的不让停", "班长不让停"),
])
def test_round10_dialect_families_read_as_the_standard_words(dialect, standard):
    assert normalise(dialect) == normalise(standard)


@pytest.mark.parametrize(("typed", "meant"), [
    ("这样安排合不合法", "这样安排合法"), ("罚不罚款", "罚款"), ("让加班违不违规", "让加班违规"),  # A-not-A
    ("受伤了能陪几个钱", "受伤了能赔几个钱"), ("按工伤该陪多少", "按工伤该赔多少"),  # 陪 typed for 赔
    ("怎么加入公会", "怎么加入工会"), ("焊工没正就上岗", "焊工没证就上岗"), ("考正要多久", "考证要多久"),
    ("我们有拒绝的权力吗", "我们有拒绝的权利吗"),
])
def test_homophones_and_a_not_a_questions_read_as_the_word_meant(typed, meant):
    assert normalise(typed) == normalise(meant)


@pytest.mark.parametrize("text", [
    "其中不得少于三人", "正常上班", "没有正式合同", "工会主席陪同检查", "行使民主管理权力的机构",
    "会不会被开除", "林场禁止滥伐", "砍伐", "能不能拒绝", "需不需要培训", "集中吗",
])
def test_standard_text_around_the_new_readings_stays_as_written(text):
    assert normalise(text) == text


@pytest.mark.parametrize("everyday, standard", [
    ("搬货时搞伤了腰", "伤亡"), ("叫机器整伤了", "伤亡"), ("老板压着不报", "瞒报"), ("出了人命捂着不报", "瞒报"),
    ("井下冒顶了", "冒顶"), ("从脚手架上跌下来", "伤亡"), ("梯子上栽下去了", "伤亡"), ("干了十年干出病来", "职业病"),
    ("在车间落下病根", "职业病"),
])
def test_round10_everyday_words_are_searched_as_the_faqs_word(real_kb, everyday, standard):
    assert standard in real_kb.analyzer.words(normalise(everyday))


def test_a_dialect_question_gets_the_answer_of_its_standard_wording(real_kb):
    asked = real_kb.answer("我哋嗰度电焊工冇证都照做，使唔使证啊")
    plain = real_kb.answer("我们那里电焊工没有证都照做，要不要证啊")
    assert asked.results and plain.results
    assert asked.results[0].title == plain.results[0].title


def test_entries_citing_the_same_article_support_each_other(fixture_kb_copies):
    kb = fixture_kb_copies()
    query = normalise("叉车作业证")
    before = {s.entry: s.raw for s in kb._rank(query)[0]}
    kb.add_faqs([
        FaqEntry(id="x-1", q="叉车作业要什么证", a="要持证。", cite=[Citation("特种设备安全法", 14)]),
        FaqEntry(id="x-2", q="叉车司机作业证去哪办", a="找监管部门。", cite=[Citation("特种设备安全法", 14)]),
    ])
    ranked = {kb.faq[s.entry].id: s.raw for s in kb._rank(query)[0]}
    assert not before or max(before.values()) < ranked["x-1"]
    alone = fixture_kb_copies()
    alone.add_faq(FaqEntry(id="x-1", q="叉车作业要什么证", a="要持证。", cite=[Citation("特种设备安全法", 14)]))
    solo = {alone.faq[s.entry].id: s.raw for s in alone._rank(query)[0]}
    assert ranked["x-1"] > solo["x-1"]  # the sibling entry citing the same article adds evidence


def test_confidence_grows_with_the_vote_lead_and_crosses_the_threshold_at_the_calibrated_lead():
    assert engine._confidence(0.4) > engine._confidence(0.1) > engine._confidence(0.0)
    assert 0.0 < engine._confidence(0.0) < 1.0
    assert engine._confidence(engine.CONFIDENT_LEAD) == pytest.approx(engine.CONFIDENT)


def test_near_duplicate_entries_citing_one_article_outvote_a_single_rival(corpus):
    from tests.knowledge.conftest import FIXTURES, build_kb

    kb = build_kb(corpus, FIXTURES / "missing")  # statutes only
    kb.add_faqs([
        FaqEntry(id="v-1", q="叉车要不要持证", a="要。", cite=[Citation("特种设备安全法", 14)]),
        FaqEntry(id="v-2", q="开叉车要什么证", a="要。", cite=[Citation("特种设备安全法", 14)]),
        FaqEntry(id="v-3", q="叉车司机要不要培训", a="要。", cite=[Citation("安全生产法", 28)]),
    ])
    ranked, _ = kb._rank(normalise("开叉车要证吗"))
    assert kb.faq[ranked[0].entry].id in {"v-1", "v-2"}
    assert ranked[0].lead > 0


@pytest.mark.parametrize("text", ["今天几号", "明天会下雨吗", "帮我写一首诗"])
def test_weak_lone_matches_are_never_confident(real_kb, text):
    assert real_kb.answer(text).intent == "out_of_scope"


@pytest.mark.parametrize("path, minimum", [
    (HELDOUT, 80), (HELDOUT.with_name("qa-fresh.jsonl"), 40), (HELDOUT.with_name("qa-fresh2.jsonl"), 60),
    (HELDOUT.with_name("qa-fresh3.jsonl"), 60), (HELDOUT.with_name("qa-fresh4.jsonl"), 60),
    (HELDOUT.with_name("qa-fresh5.jsonl"), 60), (HELDOUT.with_name("qa-fresh6.jsonl"), 60),
])
def test_heldout_sets_are_well_formed_and_cite_real_articles(corpus, path, minimum):
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= minimum
    assert len({i["id"] for i in items}) == len(items)
    dev = Path(__file__).resolve().parents[2].parent / "shared" / "qa-dev.jsonl"
    if dev.exists():
        dev_questions = {json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()}
        assert not dev_questions & {i["q"] for i in items}
    for item in items:
        for c in item.get("expect") or []:
            assert corpus.has(c["law"], c["article"]), (item["id"], c)


def test_heldout_emergencies_and_no_confident_wrong_lookups(real_kb):
    items = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        reply = real_kb.answer(item["q"])
        if item["kind"] == "emergency":
            assert reply.intent == "emergency", item["q"]
        elif item["kind"] == "lookup":
            expected = (item["expect"][0]["law"], item["expect"][0]["article"])
            assert reply.intent == "article" and isinstance(reply, ArticleReply), item["q"]
            assert (reply.article.law, reply.article.number) == expected


def test_bigrams_joining_two_words_weigh_less_than_bigrams_inside_a_word():
    terms = Analyzer.terms_of(["举报", "安全", "奖励", "口", "照"])
    assert "b:举报" in terms and "j:报安" in terms and "b:口照" in terms  # a one-character word is a fragment
    assert term_weight("j:报安") < term_weight("b:举报") == term_weight("w:举报") == 1.0


def test_a_long_story_is_searched_by_its_question_clause():
    story = normalise("我们厂最近赶订单，每天早上八点干到晚上十点，周末也不休息，已经连着一个多月了，"
                      "大家都累得不行，我想问问一天加班最多能加几个小时")
    assert engine.question_focus(story) == "我想问问一天加班最多能加几个小时"
    # A bare "行不行" takes the clause before it along; short and English messages have no focus.
    untrained = "我们化工厂最近来了一批新人，人事说忙不过来，直接分到车间跟着师傅干，新人不培训，行不行"
    tail = engine.question_focus(normalise(untrained))
    assert tail == "直接分到车间跟着师傅干 新人不培训 行不行"
    assert engine.question_focus("工伤期间工资照发吗") is None
    assert engine.question_focus(normalise("How many days of maternity leave do women workers get in China")) is None


def _story_focus(text: str, context: int = 0) -> str | None:
    return engine.asking_sentence(text, normalise(text), context)


def test_a_storys_closing_questions_are_its_focus_together():
    # Two questions in a row: the first (may I refuse?) is the main one, the second follows from it.
    two = ("我在纸箱厂开切纸机已经五年了。上周机器的防护罩坏了，班长让我先拆了接着干。"
           "请问防护罩坏了我能不能不干？不干的话会不会被扣钱？")
    assert _story_focus(two) == "请问防护罩坏了我能不能不干 不干的话会不会被扣钱"


def test_a_sentence_a_question_mark_closes_is_the_question_without_a_cue_word():
    # "还在不在" is no cue word, and an earlier sentence with 几 ("十几年") is no question.
    story = ("我在铸造厂干了十几年，去年查出来职业病，一直领着待遇。今年厂里改制，我也想换个活干。"
             "换了单位以后原来的待遇还在不在？")
    assert _story_focus(story) == "换了单位以后原来的待遇还在不在"


def test_a_question_pointing_back_at_the_story_takes_the_sentence_before_it():
    story = "我们车间新换的岗位天天接触油漆稀料，调过去的时候没人讲过有什么危害。我想问，这种情况我能拒绝调岗吗？"
    assert _story_focus(story) == ("我们车间新换的岗位天天接触油漆稀料 调过去的时候没人讲过有什么危害 "
                                   "我想问 这种情况我能拒绝调岗吗")
    assert _story_focus(story, context=1) == _story_focus(story)  # no sentence before it to add
    # What the boss said is the dispute, not what "这种情况" stands for.
    boss = "我在板材厂上夜班，手被压伤了。主任说是我自己不小心，最多给两千块。请问这种情况厂里该不该赔？"
    assert _story_focus(boss) == "请问这种情况厂里该不该赔"


def test_a_vague_story_question_speaks_with_the_sentence_before_it(real_kb):
    story = ("我在电镀厂干了好多年。听说干有毒岗位的工人要定期换岗，还要给岗位津贴，我们厂从来没有。"
             "我想问法律上有没有这样的规定？")
    assert real_kb._focus(normalise(story), story) == ("听说干有毒岗位的工人要定期换岗 还要给岗位津贴 我们厂从来没有 "
                                                       "我想问法律上有没有这样的规定")


@pytest.mark.parametrize("story, cite", [
    ("我们厂最近赶订单，每天早上八点干到晚上十点，周末也不休息，已经连着一个多月了，工资也没多给，"
     "大家都累得不行，我想问问一天加班最多能加几个小时", Citation("劳动法", 41)),
    ("我们化工厂最近来了一批新人，人事说忙不过来就没搞什么安全教育，直接分到车间跟着师傅干，"
     "我是班组长心里挺担心的，新工人进厂不做安全培训就上岗行不行", Citation("安全生产法", 28)),
])
def test_long_stories_get_the_answer_their_question_asks(real_kb, story, cite):
    reply = real_kb.answer(story)
    assert reply.intent == "answer" and cite in reply.results[0].citations


def test_an_entry_that_never_mentions_the_questions_topic_ranks_lower(real_kb):
    # "工伤" names the topic: the 婚假 entry shares every other word but is not about it.
    reply = real_kb.answer("工伤期间工资照发吗")
    assert reply.intent != "answer" or Citation("工伤保险条例", 33) in reply.results[0].citations
    assert engine.load_topics(engine.DATA_DIR / engine.TOPICS_FILE)["尘肺病"] == ("尘肺病", "职业病")


def test_off_topic_messages_with_weak_evidence_are_declined(real_kb):
    assert real_kb.answer("明天天气怎么样").intent == "out_of_scope"


def test_a_thin_query_needs_a_bigger_lead():
    assert engine._confidence(0.3, needed=0.3) == pytest.approx(engine.CONFIDENT)
    assert engine._confidence(0.25, needed=0.3) < engine.CONFIDENT <= engine._confidence(0.25)


@pytest.mark.parametrize("text, cite", [
    ("工伤认定 期限", Citation("工伤保险条例", 17)),  # deadline to apply vs. time to decide: too close to call
    ("尘肺 调岗", Citation("职业病防治法", 56)),  # the best phrasing match never mentions 调岗
])
def test_thin_keyword_queries_are_never_answered_with_a_neighbour(real_kb, text, cite):
    reply = real_kb.answer(text)
    if reply.intent == "answer":
        assert cite in reply.results[0].citations
    else:
        assert reply.intent == "unsure" and len(reply.suggestions) == 3


def test_a_bare_glossary_term_gets_the_faq_answer_with_its_definition(real_kb):
    reply = real_kb.answer("停工留薪期")
    assert reply.intent == "answer" and isinstance(reply, AnswerReply) and reply.term is not None
    assert reply.text.startswith("停工留薪期：") and reply.answer and reply.answer in reply.text
    assert real_kb.answer("什么是停工留薪期").intent == "term"
    assert real_kb.answer("12350是什么电话").intent == "term"


def test_a_vague_question_clause_leaves_the_whole_story_to_speak(real_kb):
    vague = ("前两年我在石材厂打磨，去年体检说肺上有阴影，后来确诊了尘肺病，"
             "现在厂里说我不能再干原来的活了，要么走人要么去看大门，我想知道他们这样处理对不对")
    assert engine.question_focus(normalise(vague)) == "我想知道他们这样处理对不对"
    assert real_kb._focus(normalise(vague)) is None
    topical = ("昨天我们厂里的锅炉房出了事故，烫伤了两个人，老板说谁都不许往外说，"
               "我觉得这样不对，想问问发生事故瞒着不报是不是违法的")
    assert real_kb._focus(normalise(topical)) == "想问问发生事故瞒着不报是不是违法的"


@pytest.mark.parametrize("story, cite", [
    ("我在一个小作坊里干活，老板说这阵子活多，礼拜天也得来，已经一个多月没歇过一天了，浑身酸疼，这样搞合理吗",
     Citation("劳动法", 38)),
    ("我老公在采石场开破碎机，那边灰特别大，装的除尘设备坏了好久，老板一直拖着不修，还让大家照常干活，我想问这样行吗",
     Citation("职业病防治法", 25)),
])
def test_an_unsure_story_still_offers_the_entries_citing_the_right_article(real_kb, story, cite):
    # Near-zero confidence for every entry must not let weakly matching bare articles crowd them out.
    reply = real_kb.answer(story)
    assert any(cite in r.citations for r in reply.results[:3]), reply.results


def test_results_lead_with_the_answer_and_list_no_article_twice(real_kb):
    reply = real_kb.answer("单位不发劳保用品合法吗")
    assert reply.intent == "answer" and isinstance(reply, AnswerReply) and reply.results[0].faq_id == reply.faq_id
    for i, r in enumerate(reply.results):
        if r.article is not None:  # a bare article never follows a result that already cites it
            assert all(r.citations[0] not in o.citations for o in reply.results[:i])


def test_traditional_writing_is_read_like_the_same_words_in_simplified(real_kb):
    """Numbers (an age: 十八歲), the speller and the story's sentences read the message converted, so a
    traditional question gets the evidence of its simplified twin; replies quote it as written."""
    for traditional in ["未滿十八歲可以在礦井下面做工嗎？", "我們每天做12個小時，一個禮拜只休半天，這樣有沒有違法？"]:
        simplified = to_simplified(traditional)
        assert simplified != traditional
        assert real_kb.decision_inputs(traditional) == real_kb.decision_inputs(simplified)
        reply = real_kb.answer(traditional)
        assert reply.question == traditional
        assert reply.confidence == real_kb.answer(simplified).confidence


# Round 13: the spoken words of every region (knowledge/data/spoken.yaml), particles and fillers.
@pytest.mark.parametrize(("spoken", "standard"), [
    ("喷漆房排风扇都莫得", "喷漆房排风扇都没有"), ("阿拉厂里呒没劳保", "我们厂里没有劳保"),  # south-west, Wu
    ("老细扣人工", "老板扣工资"), ("返工跌亲了", "上班摔伤了"), ("屋企人可以去吗", "家人可以去吗"),  # Cantonese
    ("头家不给劳保", "老板不给劳保"), ("掌柜的不给劳保", "老板不给劳保"),  # Minnan; older workers
    ("额们厂子不给劳保", "我们厂子不给劳保"), ("车间贼呛", "车间很呛"), ("遭车撞了", "被车撞了"),  # north-west, -east
    ("恁多活干不完", "那么多活干不完"), ("堂客怀孕了", "老婆怀孕了"), ("受伤哒", "受伤了"),  # Henan, Hunan
    ("兄弟们，厂里不给劳保", "厂里不给劳保"), ("能不能报工伤噻", "能不能报工伤"),  # a filler; a closing particle
    ("被优化了", "被裁员了"), ("天天996", "天天加班"),  # young workers
])
def test_round13_spoken_words_of_every_region_read_as_the_standard_words(spoken, standard):
    assert normalise(spoken) == normalise(standard)


@pytest.mark.parametrize("standard", [
    "往返工作单位和住所途中", "征收工伤保险费", "因履行职责遭受暴力伤害", "盗贼", "金额多少", "出了什么事",
    "人工呼吸", "拒绝了", "不让说实话", "你干嘛",
])
def test_standard_phrases_that_hold_a_spoken_word_stay_as_written(standard):
    assert normalise(standard) == standard


def test_no_spoken_word_is_a_word_the_faq_writes():
    """A spoken key the FAQ writes in another sense would change its entries' words (收工 in 征收工伤)."""
    from knowledge.faq import DATA_DIR, load_faq
    from knowledge.text import _DIALECT, spoken_lexicon

    _, table, _ = spoken_lexicon()
    text = "".join(f"{''.join(e.questions)}{e.a}" for e in load_faq(DATA_DIR / "faq"))
    # 离谱 and 安监局 are written in the FAQ in the sense the lexicon reads (什么有 held 么有: no longer a key).
    assert {k for k in table if k not in _DIALECT and k in text} <= {"离谱", "安监局"}


def test_no_spoken_word_occurs_in_the_statutes(laws_dir):
    """The statutes are read through the same lexicon as questions: a key found in them would change their words."""
    from knowledge.text import spoken_lexicon

    _, table, _ = spoken_lexicon()
    statutes = "".join(p.read_text(encoding="utf-8") for p in sorted(laws_dir.glob("*.md")))
    assert len(statutes) > 100_000
    assert {k for k in table if k and k in statutes} == set()


def test_the_lexicon_pattern_takes_the_longest_word_at_each_place():
    from knowledge.text import literal_pattern

    pattern = literal_pattern(["崴", "崴了", "崴了脚", "脚", "打工仔", "工", ""])
    assert pattern.findall("崴了脚打工仔工脚崴") == ["崴了脚", "打工仔", "工", "脚", "崴"]
    assert literal_pattern([]).search("任何") is None
