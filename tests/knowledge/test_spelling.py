"""The spelling layer: pinyin and homophone typos back to domain words, correct text untouched."""
from __future__ import annotations

import pytest

from knowledge.spelling import Speller

# A small domain vocabulary, as the engine would pass (FAQ words, synonyms, glossary names).
VOCABULARY = ["老板", "劳保", "劳保用品", "用品", "体检", "工伤", "工伤认定", "认定", "鉴定", "职业病",
              "职业病鉴定", "安全帽", "自己", "合同", "劳动合同", "合法", "赔偿", "辞退", "加班费", "加班",
              "口罩", "防毒面具", "有毒", "下井", "触电", "晕倒", "休息", "处理", "进度", "培训", "上岗",
              "指挥", "违章指挥", "津贴", "补贴", "仲裁", "劳动仲裁", "拖欠", "工资", "仓库", "标签", "负责",
              "合理", "积分", "公积金", "机器人", "待遇", "伤残", "复发", "举报", "煤气", "液化气", "天然气",
              "电梯", "硫酸", "烫伤", "设备", "工伤鉴定", "工程", "事故", "安全", "生产", "单位", "公司",
              "工人", "车间", "粉尘", "噪声", "年检", "证书", "危险", "灭火器", "消防", "停工留薪期", "留薪期",
              "保险", "工伤保险"]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(VOCABULARY)


POSITIVES = [
    # (a) pinyin, whole words, with tones, with spaces, upper case
    ("gongshang认定要多久", "工伤认定要多久"),
    ("gongshang要多久才批", "工伤要多久才批"),
    ("zhiyebing怎么查", "职业病怎么查"),
    ("zhi ye bing谁来鉴定", "职业病谁来鉴定"),
    ("gōngshāng怎么赔", "工伤怎么赔"),
    ("gong1shang1怎么报", "工伤怎么报"),
    ("ZHIYEBING去哪看", "职业病去哪看"),
    # (a) pinyin mixed with characters of the same word
    ("安全帽zi己买", "安全帽自己买"),
    ("没签he同怎么办", "没签合同怎么办"),
    ("这样he法吗", "这样合法吗"),
    ("算不算gong伤", "算不算工伤"),
    ("有人chu电了", "有人触电了"),
    ("能下jing吗", "能下井吗"),
    ("防du面具坏了", "防毒面具坏了"),
    ("没休xi 合法吗", "没休息 合法吗"),
    ("申请仲cai要钱吗", "申请仲裁要钱吗"),
    ("多久能查进du", "多久能查进度"),
    # (a) one syllable beside a character, no domain word fits: an everyday word
    ("出cha路上摔了算工伤吗", "出差路上摔了算工伤吗"),
    ("头晕得厉害想回jia休息", "头晕得厉害想回家休息"),
    # (b) homophone typos, two characters
    ("老扳不给发劳宝用品", "老板不给发劳保用品"),
    ("职业病体尖谁出钱", "职业病体检谁出钱"),
    ("工伤陪偿怎么算", "工伤赔偿怎么算"),
    ("没陪训就上岗", "没培训就上岗"),
    ("公司把我词退了", "公司把我辞退了"),
    ("厂里不发口照", "厂里不发口罩"),
    ("公司脱欠工资三个月", "公司拖欠工资三个月"),
    ("劳动仲才多久申请", "劳动仲裁多久申请"),
    ("危化品标前撕了", "危化品标签撕了"),
    ("分包出事总包要负则吗", "分包出事总包要负责吗"),
    ("扣钱合里吗", "扣钱合理吗"),
    ("积份能换什么", "积分能换什么"),
    ("厨房煤汽味好浓", "厨房煤气味好浓"),
    ("电悌困人了", "电梯困人了"),
    ("旧伤复法了能报吗", "旧伤复发了能报吗"),
    ("一级伤惨什么待遇", "一级伤残什么待遇"),
    # (b) three and four characters
    ("周末加般费怎么算", "周末加班费怎么算"),
    ("公基金怎么取", "公积金怎么取"),
    ("停工留新期多长", "停工留薪期多长"),
    # 坚定 is a word: only a longer vocabulary word around it corrects it.
    ("申请工伤坚定要多久", "申请工伤鉴定要多久"),
]


NEGATIVES = [
    "老板不给发劳保用品怎么办",
    "工伤认定要多久",
    "他态度很坚定，一定要申请劳动仲裁",
    "工伤鉴定结论不服怎么办",
    "这个人很世故，出了事故就推责任",
    "他们在游戏里攻城略地",
    "工地上的工程款拖欠了",
    "工伤是否需要先鉴定",
    "车间主任说这活是车工的",
    "这个利害关系要说清楚",
    "去年触电受伤了能认定工伤吗",
    "没人教过我们怎么用灭火器",
    "我交过工伤保险吗",
    "公司要搬到外地",
    "跟下雾一样看不清",
    "采区瓦斯超限",
    "定中由谁承担责任",
    "工傷認定要多久",  # traditional characters are not typos
    "在診斷期間能開除嗎",
    "下雨天在室外干活有补贴吗",
    "我用APP提交了举报",
    "PM2.5超标了车间粉尘大",
    "ok 谢谢",
    "I hurt my hand at work",
    "",
    "12345",
    "职业病体检谁出钱",
    "安全帽自己买还是公司发",
    "抬老人扭伤了yao",  # beside a grammatical character: 了要 is no word
    "年终jiang不发怎么办",  # 终将 is too rare an everyday word to be meant
    "我用ppt做了课件",
]


@pytest.mark.parametrize(("typed", "meant"), POSITIVES)
def test_corrects(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("text", NEGATIVES)
def test_leaves_correct_text(speller: Speller, text: str) -> None:
    assert speller.correct(text) == text


def test_counts_positives_and_negatives() -> None:
    assert len(POSITIVES) >= 30 and len(NEGATIVES) >= 20


def test_ambiguous_pinyin_is_left_alone() -> None:
    # 工伤 and 工商 read alike and are equally common in this vocabulary: no guess.
    speller = Speller(["工伤", "工商"], frequencies={"工伤": 10, "工商": 10})
    assert speller.correct("gongshang要多久") == "gongshang要多久"
    # Given more often, one wins.
    speller = Speller(["工伤", "工伤", "工伤", "工商"], frequencies={})
    assert speller.correct("gongshang要多久") == "工伤要多久"


def test_rare_dictionary_words_can_be_distrusted() -> None:
    # 公伤 is in jieba's dictionary (frequency 3): a known word by default, a typo with min_freq.
    assert Speller(VOCABULARY).correct("摔伤了算公伤吗") == "摔伤了算公伤吗"
    assert Speller(VOCABULARY, min_freq=5).correct("摔伤了算公伤吗") == "摔伤了算工伤吗"


def test_known_word_is_not_replaced_by_a_homophone() -> None:
    # 攻城 is not in the dictionary passed here, but 事故/世故 and 坚定/鉴定 are.
    speller = Speller(["工程", "事故", "鉴定"], frequencies={"世故": 100, "坚定": 100})
    assert speller.correct("这人太世故") == "这人太世故"
    assert speller.correct("立场坚定") == "立场坚定"
    assert speller.correct("工程验收") == "工程验收"


def test_deterministic(speller: Speller) -> None:
    text = "老扳不给发劳宝用品 gongshang认定 安全帽zi己买"
    assert {speller.correct(text) for _ in range(3)} == {Speller(VOCABULARY).correct(text)}


def test_tables_kept_in_the_cache_dir_correct_the_same(tmp_path) -> None:
    typed = [t for t, _ in POSITIVES] + NEGATIVES
    built = Speller(VOCABULARY, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("ankang-speller-*.pickle"))) == 1
    again = Speller(VOCABULARY, cache_dir=tmp_path)  # read from the file
    assert [again.correct(t) for t in typed] == [Speller(VOCABULARY).correct(t) for t in typed]
    assert [built.correct(t) for t in typed] == [again.correct(t) for t in typed]
    # Another vocabulary is another file, not the first one's tables.
    assert Speller(["工商"], frequencies={}, cache_dir=tmp_path).correct("gongshang要多久") == "工商要多久"
    assert len(list(tmp_path.glob("ankang-speller-*.pickle"))) == 2


def test_a_damaged_cache_file_is_rebuilt(tmp_path) -> None:
    Speller(VOCABULARY, cache_dir=tmp_path)
    (path,) = tmp_path.glob("ankang-speller-*.pickle")
    path.write_bytes(b"not a pickle")
    assert Speller(VOCABULARY, cache_dir=tmp_path).correct("gongshang认定要多久") == "工伤认定要多久"
