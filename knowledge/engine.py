"""The knowledge base: indexes over FAQ, glossary and statutes, and ``answer(text) -> Reply``."""
from __future__ import annotations

import copy
import gc
import hashlib
import logging
import math
import pickle
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from knowledge import intents, messages
from knowledge.cachefile import write_pickle
from knowledge.chatter import content_chars, core, drop_tag, is_chatter, spoken_share
from knowledge.errors import ArticleNotFound
from knowledge.faq import (
    DATA_DIR,
    Citation,
    FaqEntry,
    GlossaryEntry,
    Synonyms,
    load_faq,
    load_glossary,
    load_synonyms,
)
from knowledge.hashtable import StringIds, Strings
from knowledge.index import BM25Index, Vocabulary, _idf
from knowledge.numerals import annotate_numbers
from knowledge.policy import POLICY_FILE, RERANK_FILE, AnswerPolicy, Reranker
from knowledge.replies import (
    MAX_RESULTS,
    AnswerReply,
    ArticleAnswerReply,
    ArticleChoiceReply,
    ArticleReply,
    CitedArticle,
    EmergencyReply,
    NoticeReply,
    OutOfScopeReply,
    Reply,
    Result,
    SelfHelpReply,
    Suggestion,
    TermReply,
    UnsureReply,
)
from knowledge.selfhelp import SERVICE_WORDS, SelfHelpEntry, match_selfhelp, selfhelp_catalogue
from knowledge.spelling import Speller
from knowledge.statutes import Article, Corpus, load_corpus
from knowledge.text import (
    STOPWORDS,
    Analyzer,
    _traditional_chars,
    compact,
    normalise,
    read_spoken,
    term_weight,
    to_simplified,
)
from knowledge.text import cache_dir as cache_path

log = logging.getLogger(__name__)

# Calibrated on the development set (see bench/qa.py): at or above this a reply is an answer.
CONFIDENT = 0.8
# Below this a candidate is not worth offering even as a suggestion.
SUGGEST_MIN = 0.18
MAX_QUERY_CHARS = 300
# Qualifiers a glossary name often goes without in speech ("三宝" for 安全三宝).
TERM_QUALIFIERS = frozenset({"安全", "建筑", "施工", "职业", "劳动", "生产"})
ARTICLE_WEIGHT = 0.64  # article evidence counts less than a written FAQ answer
ARTICLE_CANDIDATES = 8
PHRASE_WEIGHT = 0.7  # best matching phrasing vs. coverage of the question by the whole entry
SUPPORT_WEIGHT = 0.15  # another candidate entry citing the same article
STATUTE_WEIGHT = 0.3  # the statute search found an article the entry cites
TOPICS_FILE = "topics.txt"
TOPIC_MISS = 0.85  # per topic word of the question (data/topics.txt) an entry never mentions
# Industries and kinds of workplace, by the words that name them: an entry whose questions name
# one the question does not ("施工单位要给工人发防护用具吗" for "单位不发劳保用品合法吗") is
# specific where the worker asked in general, and ranks lower unless nothing general fits.
INDUSTRY_MARKERS: dict[str, tuple[str, ...]] = {
    "construction": ("建设工程", "施工现场", "施工单位", "工地", "建筑施工", "脚手架", "塔吊", "总包", "分包",
                     "项目部"),
    "mine": ("矿山", "煤矿", "井下", "矿井", "矿工", "矿上", "瓦斯", "采矿", "非煤矿山"),
    "chemical": ("危险化学品", "危化品", "化工", "剧毒化学品"),
    "equipment": ("特种设备", "叉车", "电梯", "锅炉", "起重机", "压力容器", "压力管道", "行车", "游乐设施", "索道"),
    "confined": ("有限空间", "受限空间", "化粪池", "污水井", "窨井", "储罐"),
    "blasting": ("爆破", "民用爆炸物品", "炸药"),
}
# What a broad question asks about: rights, duties, liability, benefits or the union's powers. An
# abstract question answered with an entry about another aspect ("工会有哪些权利" with an entry on
# the union's duties) is the typical confident mistake, so the policy sees whether they agree.
ASPECT_MARKERS: dict[str, tuple[str, ...]] = {
    "rights": ("权利", "有权", "权益", "享有", "能主张"),
    "duties": ("义务", "职责", "要尽", "应当履行", "要遵守", "负有"),
    "liability": ("法律责任", "何种责任", "什么责任", "啥责任", "处罚", "罚款", "追究", "受什么罚"),
    "benefits": ("待遇", "补助", "补贴", "抚恤", "津贴", "赔偿", "拿多少", "能拿"),
    "powers": ("职权", "权力", "监督", "能做什么", "能干什么", "可以做什么", "能管"),
}
# Round 16: what an entry's cited articles state, besides what its questions name. A formal question asks in the
# statute's terms ("未提供劳动防护用品应当承担何种法律责任", "用人单位对未成年工负有何种健康检查义务") and the
# entry that answers it may be phrased on another aspect ("用人单位在劳动防护用品上有哪些义务",
# "未成年工享有哪些特殊劳动保护") while the article it cites states the one asked: an article of a 法律责任 chapter
# states a liability, one that grants (有权, 享有) a right, one that binds (应当, 必须, 不得, 禁止) and grants none
# a duty. An article granting a right and binding a party too ("从业人员有权…；生产经营单位不得…") counts as a
# right's. A penalty article is cited only to state the liability, but rights and duties go together (the
# employer's duty is the worker's right): an entry covers those when at least half its articles state them, so the
# entry on workers' rights, which cites the employer's duties to provide gear and training too, does not answer
# 员工要尽哪些义务 — the confusion ``aspect_miss`` is for.
ARTICLE_RIGHTS = re.compile(r"有权|享有")
ARTICLE_DUTIES = re.compile(r"应当|必须|不得|禁止")
LIABILITY_CHAPTER = "法律责任"
# Who a question is about: an abstract question on the employer's duties answered with an entry on the
# worker's ("用人单位有什么义务" → "工人在安全生产上有哪些义务") is the re-ranker's typical confusion.
ACTOR_MARKERS: dict[str, tuple[str, ...]] = {
    "employer": ("用人单位", "生产经营单位", "施工单位", "企业", "公司", "老板", "雇主", "负责人", "单位",
                 "厂里", "厂子"),
    "worker": ("劳动者", "从业人员", "职工", "工人", "员工", "女工", "我", "俺", "工友"),
    "union": ("工会",),
    "authority": ("监管部门", "监督管理部门", "主管部门", "政府", "安监", "劳动监察", "卫生健康"),
}
# A question that asks for a figure (an amount, a duration, a grade, a limit value) is answered only
# by an entry that states one: "滤毒罐用多久要换" matched to an entry on expired protective gear has
# the words but not the answer. The policy sees whether the candidate answer holds any figure.
# Round 16: 费用 asks no figure when the question asks who bears it ("诊断费用依法由哪一方承担", "相关费用由谁负担")
# nor when it is only in 经费用于 ("专项经费用于配备劳动防护用品"): an amount is asked with 多少, 标准是 and the like.
ASKS_FIGURE = re.compile(r"(多少|几个?(?:月|年|天|日|级|次|小时|钟头|部分|倍|岁|周|礼拜|星期|项|种|类)|"
                         r"多久|多长时间|多长|限值|标准是|收费|(?<!经)费用(?![^，。？?,；]{0,8}?(?:谁|哪一?方|何方))|"
                         r"价格|几分贝|几毫|几块)")
STATES_FIGURE = re.compile(r"([0-9０-９]+|[一二两三四五六七八九十百千半]+)\s*(?:个)?"
                           r"(?:%|％|日|天|月|年|小时|周|倍|元|级|次|岁|分贝|工作日|个工作日|星期|周岁|项|种|类|成)")
# A need the candidate entry does not meet though it shares the question's words (round 11): the word family that
# makes an entry look like it covers an unrelated need. "试用期工资可以打八折吗" asks a share of pay, and the entry on
# the probation's length states only durations; "职工互助保障住院补助怎么申请" names a scheme other than the statutory
# injury insurance (a union's mutual aid, an accident policy bought privately, the pension) and the entry on injury
# benefits never names it; "哪个牌子的防毒面具好" asks for a product to buy, which no entry recommends; "认证怎么办理"
# asks a procedure and the entry's answer names none. The policy sees ``need_miss`` when any of them holds.
ASKS_SHARE = re.compile(r"打[0-9一二两三四五六七八九几]+折|几折|百分之几|百分之多少|多少[%％]|几个点|几成|"
                        r"[0-9一二两三四五六七八九]成(?:工资|薪)|比例")
STATES_SHARE = re.compile(r"[%％]|百分之|[0-9一二两三四五六七八九十]成|倍|比例")
# A scheme by its modifier ("意外" of 意外险 / 意外伤害保险): an entry that names the modifier meets it.
OTHER_SCHEME = re.compile(r"(商业|意外|互助|补充|雇主责任|团体|人身|人寿|重疾|医疗|养老|失业|生育|大病|财产)"
                          r"(?:保险|险|保障)|(互助)保障|职工(互助)|(商)保")
ASKS_PRODUCT = re.compile(r"牌子|品牌|哪家(?:的|公司)?(?:好|靠谱)|推荐(?:一下|几款|个|款)|性价比|值得买|哪款|更值")
ASKS_PROCEDURE = re.compile(r"怎么申请|如何申请|怎么报销|如何报销|怎么办理|如何办理|去哪(?:里|儿)?(?:办|申请|报)|"
                            r"流程|手续|(?:什么|哪些)材料|要带什么")
STATES_PROCEDURE = re.compile(r"申请|提出|提交|材料|办理|报销|找|拨打|12333|携带|流程|手续|登记|备案|报告|投诉|举报")
NEED_RUNNERS_UP = 2
INFO_MEMO_SIZE = 256  # ``KnowledgeBase._information`` results remembered (a question asks for a few)


def need_missed(question: str, entry: FaqEntry) -> bool:
    """Whether the question asks what the entry cannot give: a share, another scheme, a product, a procedure."""
    if ASKS_SHARE.search(question) and not STATES_SHARE.search(entry.a):
        return True
    body: str | None = None  # the entry's text, compacted only when a need asks for it (most questions name none)
    for m in OTHER_SCHEME.finditer(question):
        if body is None:
            body = compact(" ".join([*entry.questions, entry.a]))
        if next(g for g in m.groups() if g) not in body:
            return True
    if ASKS_PRODUCT.search(question):
        if body is None:
            body = compact(" ".join([*entry.questions, entry.a]))
        if not ASKS_PRODUCT.search(body):
            return True
    return bool(ASKS_PROCEDURE.search(question) and not STATES_PROCEDURE.search(entry.a))


# Round 13: a measured limit asked (a noise level, a concentration, a distance or height, a temperature, a voltage, how
# long a thing may be used) is met only by an answer that states a figure in that measure: the national standards
# (GBZ 2, GB 3608, GB 50720…) that set them are not loaded, so an entry on noise or on confined spaces has the words
# and not the number. Each measure: what in the question names it, what in an answer states it.
_NUM = r"(?:[0-9０-９.]+|[一二两三四五六七八九十百千半]+)"
# A figure asked, next to the measure it is asked of ("噪声…多少分贝", "几年…报废"): a question on the liability for
# dust over the limit ("粉尘浓度超标单位要担什么责任") names a measure and asks no figure of it.
# Not a figure told: 十几米高, 两米多深, 好几次.
ASKS_MEASURE_FIGURE = (r"(?:多少|(?<![0-9一二两三四五六七八九十百千好前这那])几(?![个位人家次])|"
                       r"(?<![0-9一二两三四五六七八九十百千米度年个])多(?:高|远|深|厚|宽|大|久|长)|什么范围|哪个范围|哪个区|百分之)")
MEASURES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(rf"(?:{asked}).{{0,10}}?{ASKS_MEASURE_FIGURE}|{ASKS_MEASURE_FIGURE}.{{0,8}}?(?:{asked})"),
     re.compile(stated)) for asked, stated in (
        (r"分贝|声级|噪声|噪音", rf"{_NUM}\s*(?:分贝|db)"),
        (r"浓度|含量|ppm|毫克|mg|报警值", rf"{_NUM}\s*(?:%|％|ppm|毫克|mg)|百分之{_NUM}"),
        (r"距离|间距|纵距|横距|步距|高度|深度|厚度|宽度|离地|(?:(?<=多少)|(?<=几))(?:米|厘米|毫米|公分)",
         rf"{_NUM}\s*(?:米|厘米|毫米|公分|公里|m\b)"),
        (r"气温|温度|度以上|度以下", rf"{_NUM}\s*(?:度|℃|摄氏)"),
        (r"电压|伏特|伏", rf"{_NUM}\s*(?:伏|v\b)"),
        (r"报废|有效期|使用年限|校准|送检|检定周期", rf"{_NUM}\s*(?:个)?(?:年|月|天|日|小时)"),
    )) + (
        # Round 15: an amount of money asked outright ("高温津贴发多少钱", "考证要多少钱") is met by an answer
        # that states one, as a sum, a number of months' pay, a multiple or a share; local and market amounts are
        # in no statute of ours. Only the asking words themselves: "走几步路就喘，厂里一分钱没给" asks no amount.
        (re.compile(r"多少钱|几块钱|多少块|多少元"),
         re.compile(rf"{_NUM}\s*(?:万?元|块|倍|个月)|百分之|[%％]|月工资|工资总额|平均工资|本人工资|最低工资")),
        # Round 15: the papers a procedure needs ("劳动仲裁要准备什么材料"), met only by an answer that names papers.
        (re.compile(r"(?:什么|哪些|啥|些啥|哪几样)(?:材料|资料|证据|证件)|要带(?:什么|啥|哪些)|准备(?:什么|啥|哪些)"),
         re.compile(r"材料|资料|证据|证明|证件|申请书|申请表|复印件|病历|诊断书|合同|工资条|记录")),
    )


def measure_missed(question: str, answer: str) -> bool:
    """Whether the question asks a measured limit, an amount or the papers that the answer does not state (MEASURES)."""
    text = answer.lower()
    return any(asked.search(question) and not stated.search(text) for asked, stated in MEASURES)


SPELLING = True
INDUSTRY_MISS = 0.85  # per industry the entry's questions name and the worker's question does not
# The entry that answers for the winning article: a general one (no industry the question does not
# name) within this much raw evidence of an industry-specific one answers instead.
GENERIC_MARGIN = 0.05
# Below this much raw evidence nothing is confident, whatever the vote (a lone weak match).
ANSWER_MIN_RAW = 0.25
RERANK_COLLECT = 15  # candidates described per query when collecting the re-ranker's training rows
OOS_MAX_RAW = 0.4  # an obviously off-topic message is declined unless the evidence is real
# Article vote: the VOTE_TOP best entries vote for every article they cite, each with weight
# exp((raw - best raw) / VOTE_TEMPERATURE), so near-duplicate entries citing the same article
# reinforce each other instead of competing. The answer is confident when the chosen article's
# share of the vote leads every article the chosen entry does not cite by CONFIDENT_LEAD.
# Calibrated on the dev, held-out and fresh sets (leave-one-set-out: any lead from 0.17 to 0.41
# is equally good on the left-out set; 0.2 keeps the most right answers).
VOTE_TOP = 10
VOTE_TEMPERATURE = 0.05
# "None of our entries" votes too, as if it were an entry matching with this raw evidence: a
# lone weak match ("明天会下雨吗" → an entry about rain) cannot win the vote on its own.
VOTE_NONE_RAW = 0.3
CONFIDENT_LEAD = 0.2
LEAD_SLOPE = 10.0  # confidence = logistic(LEAD_SLOPE * (lead - needed lead) + logit(CONFIDENT))
# A thin query ("工伤认定 期限", "年假") says too little to tell neighbouring entries apart: small
# differences in their evidence are noise. Its information is the idf mass of the distinct words
# the FAQ knows (words it has never seen cannot tell entries apart), counted in rare words (the
# idf of a word in one phrasing), so it means the same for a small test FAQ and for ours. Below
# THIN_INFO the vote is softer (temperature up to (1 + THIN_TEMPERATURE_GAIN) times) and the
# needed lead grows (up to CONFIDENT_LEAD + THIN_LEAD), in proportion to the missing information:
# thin evidence becomes "unsure" with suggestions instead of a confident neighbour.
THIN_INFO = 1.9
THIN_TEMPERATURE_GAIN = 3.0
THIN_LEAD = 0.2
# A thin query's answer must also mention what it asks about: when the query is at least
# THIN_MISSING_FROM thin and the chosen entry leaves more than THIN_MISSING_MAX of its information
# unmentioned ("尘肺 调岗" → an entry on how 尘肺病 arises), it is a suggestion, not the answer.
THIN_MISSING_FROM = 0.2
THIN_MISSING_MAX = 0.4
ARTICLE_ONLY_MARGIN = 0.1  # an article alone must clear the threshold by this much
# A long message is usually a story with the question at the end: the question clause (and
# the clause before it) weighs fully, the rest of the story as background.
LONG_QUERY_CHARS = 36
BACKGROUND_WEIGHT = 0.35
FOCUS_MIN_CHARS = 10  # a shorter question clause ("合法吗") takes the clauses before it along
# A question clause that says nothing about the topic ("我想知道他们这样处理对不对", "单位这么
# 安排合法吗") leaves the whole story to speak: the focus needs this much information (in rare
# words, see THIN_INFO) in words other than the generic ones a judgement question is made of.
FOCUS_MIN_INFO = 0.4
FOCUS_GENERIC_WORDS = frozenset(
    """用人单位 从业人员 他们 她 这么 这样 那样 这种 安排 处理 做法 合法 违法 合理 正常 有效 对 不对 对不对 行 不行
    不 做 干 弄 搞 办 问问 问下 想问 就让 段时间 心里 很怕 怕""".split()
)
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_QUESTION_CUE = re.compile(
    r"(吗|么|呢|嘛|不$|怎么|咋|如何|能不能|可不可以|可以|是不是|算不算|合法|违法|对不对|该不该|行不行|有没有|要不要|"
    r"给不给|管不管|谁|哪|多少|几|啥|什么|合理|正常)"
)


@dataclass(slots=True)
class Hit:
    """A search hit for inline mode: an FAQ answer, an article or a glossary term."""

    kind: Literal["faq", "article", "term"]
    title: str
    text: str
    score: float
    citations: list[Citation] = field(default_factory=list)
    faq_id: str | None = None
    article: Article | None = None


@dataclass(slots=True)
class _Scored:
    entry: int
    score: float
    raw: float = 0.0  # evidence before calibration
    lead: float = 0.0  # vote lead of its article over articles it does not cite (chosen entry only)
    needed: float = CONFIDENT_LEAD  # the lead this query needs for a confident answer (chosen entry only)
    # The winning article's share of the entries' vote, the "none of our entries" vote left out (chosen entry
    # only): unlike the lead, it does not fall when words the index does not know weaken every entry alike.
    share: float = 0.0


@dataclass(slots=True)
class _Parts:
    """What one entry's raw evidence is made of (for the learned re-ranker, knowledge/policy.Reranker)."""

    phrase: float = 0.0  # best phrasing match
    cover: float = 0.0  # share of the query the whole entry covers
    topic_miss: int = 0
    industry_extra: int = 0
    support: float = 0.0
    statute: float = 0.0


@dataclass(slots=True)
class _Query:
    """The query as the re-ranker compares it with each candidate."""

    compact: str
    aspects: frozenset[str]
    industries: frozenset[str]
    asks_figure: bool
    parts: dict[int, _Parts]
    top_article: tuple[str, int] | None = None  # the statute search's best article
    actors: frozenset[str] = frozenset()  # ACTOR_MARKERS the query names


@dataclass(slots=True)
class _Candidate:
    ranked: list[_Scored]
    articles: list[tuple[int, float]]
    by_article: bool
    features: dict[str, float]


class KnowledgeBase:
    """Everything needed to answer a worker; build with ``KnowledgeBase.load`` (CPU-heavy)."""

    def __init__(
        self,
        corpus: Corpus,
        faq: Iterable[FaqEntry] = (),
        glossary: Iterable[GlossaryEntry] = (),
        synonyms: Synonyms | None = None,
        dict_path: Path | None = None,
        topics: dict[str, tuple[str, ...]] | None = None,
        policy: AnswerPolicy | None = None,
        selfhelp: Iterable[SelfHelpEntry] | None = None,
        cache_dir: Path | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.corpus = corpus
        # Questions about Ankang itself (pushes, points, how reporting works).
        self.selfhelp = selfhelp_catalogue() if selfhelp is None else {e.id: e for e in selfhelp}
        # Without a trained policy (small test knowledge bases) the first release's thresholds decide.
        self.policy = policy
        # Without a fitted re-ranker (small test knowledge bases) the hand-set vote orders the candidates.
        self.reranker = reranker
        self.synonyms = synonyms or Synonyms()
        self.glossary = list(glossary)
        self.faq: list[FaqEntry] = []
        self._faq_by_id: dict[str, int] = {}
        self._law_names = corpus.alias_names()
        user_words = [*self._law_names, *(n for g in self.glossary for n in g.names)]
        self.analyzer = Analyzer(self.synonyms, user_words, dict_path, cache_dir)
        # Flat tables (knowledge/hashtable.py): thousands of short strings without an object each.
        self._domain_words = StringIds(self.analyzer.words(" ".join(normalise(w) for w in user_words)))
        for word in self.synonyms.canonical.values():
            self._domain_words.add(word)
        # FAQ: one document per question phrasing, one per whole entry (questions + answer).
        vocab = Vocabulary(term_weight)  # shared, so a query's terms are mapped once for every index
        self._phrases = BM25Index(vocab)
        self._phrase_entry: list[int] = []
        self._phrase_compact = Strings()
        self._bodies = BM25Index(vocab)
        self._entry_phrases: list[list[int]] = []
        self._citing: dict[tuple[str, int], list[int]] = {}  # article → FAQ entries citing it
        self._topics = load_topics(DATA_DIR / TOPICS_FILE) if topics is None else topics
        self._entry_topics: list[frozenset[str]] = []  # topics each entry mentions
        self._entry_industries: list[frozenset[str]] = []  # industry topics its questions name
        self._entry_aspects: list[frozenset[str]] = []  # ASPECT_MARKERS its questions name
        self._entry_covers: list[frozenset[str]] = []  # those and the aspects its cited articles state
        self._states_figure: list[bool] = []  # its answer states a figure (STATES_FIGURE)
        # Glossary names (compact) → entry.
        self._terms: dict[str, GlossaryEntry] = {}
        for g in self.glossary:
            for name in g.names:
                self._terms.setdefault(compact(name), g)
        self._term_names = list(self._terms)
        # Statutes: every article, and catalogue entries (diseases) searchable by name.
        self._articles = BM25Index(vocab)
        self._article_list: list[Article] = []
        with self.analyzer.bulk(), vocab.bulk():
            self._index_statutes_and_faq(corpus, faq)
        self.analyzer.forget_documents()  # saved to the cache dir, then dropped from memory
        self._speller: Speller | None = None
        self._info_memo: dict[tuple[object, ...], float] = {}  # ``_information`` of the last questions

    def _index_statutes_and_faq(self, corpus: Corpus, faq: Iterable[FaqEntry]) -> None:
        docs: list[list[str]] = []
        for law in corpus.laws:
            for article in law.articles:
                docs.append(self.analyzer.terms(normalise(f"{article.chapter} {article.text}"), document=True))
                self._article_list.append(article)
            for item in law.items:
                pseudo = Article(law.short, 0, item.name, item.chapter, item.section)
                docs.append(self.analyzer.terms(
                    normalise(f"职业病 {item.chapter} {item.section or ''} {item.name}"), document=True))
                self._article_list.append(pseudo)
        self._articles.extend(docs)
        self.add_faqs(faq, cache=True)

    # --- building ----------------------------------------------------------------------------
    @classmethod
    def load(
        cls, laws_dir: Path | None, extra_faq: Iterable[FaqEntry] = (), data_dir: Path = DATA_DIR,
        *, cache_dir: Path | None = None, build_apart: bool = False,
    ) -> KnowledgeBase:
        """Load statutes (if configured), the FAQ, glossary and synonyms, and build the indexes.

        ``cache_dir`` is the ANKANG_CACHE_DIR setting (see ``knowledge.text.cache_dir``). With
        ``build_apart`` (a long-running process), indexes that must be built are built by a child
        process, which stores the snapshot this one then loads: building leaves some 15 MB of heap and
        the speller builder's libraries (pypinyin) behind (issue 14, point 7).
        """
        extra = list(extra_faq)
        snapshot = cache_path(cache_dir) / f"ankang-kb-{snapshot_key(laws_dir, extra, data_dir)}.pickle"
        kb = _read_snapshot(snapshot)
        if kb is None and build_apart and _build_in_child(laws_dir, extra, data_dir, cache_dir):
            kb = _read_snapshot(snapshot)
        if kb is None:
            # Without laws_dir callers say why (knowledge.lawsdir.diagnose_laws_dir): unset, missing,
            # empty or unreadable.
            corpus = Corpus.empty() if laws_dir is None else load_corpus(Path(laws_dir))
            faq = [*load_faq(data_dir / "faq"), *extra]
            kb = cls(
                corpus,
                faq,
                load_glossary(data_dir / "glossary.yaml"),
                load_synonyms(data_dir / "synonyms.yaml"),
                data_dir / "domain_dict.txt",
                load_topics(data_dir / TOPICS_FILE),
                AnswerPolicy.load(data_dir / POLICY_FILE),
                cache_dir=cache_dir,
                reranker=Reranker.load(data_dir / RERANK_FILE),
            )
            _ = kb.speller  # built now, not on the first worker's question
            _write_snapshot(snapshot, kb)
        # The indexes live as long as the process: move them (and the start-up garbage) out of
        # the cyclic collector's way, or every full collection walks them (~10 ms, a p99 spike).
        gc.collect()
        gc.freeze()
        return kb

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_info_memo"] = {}
        speller = state.get("_speller")
        if isinstance(speller, Speller):
            # The speller shares the segmenter's word frequencies (jieba's dictionary): not stored twice.
            # So are the characters conversion to simplified changes (knowledge.text keeps them).
            state["_speller"] = copy.copy(speller)
            state["_speller"]._freq = {}
            state["_speller"]._traditional = frozenset()
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if self._speller is not None:
            self._speller._freq = self.analyzer.frequencies()
            self._speller._traditional = _traditional_chars()

    def add_faq(self, entry: FaqEntry) -> None:
        """Add (or replace, by id) one FAQ entry; costs only that entry's indexing."""
        self.add_faqs([entry])

    def add_faqs(self, entries: Iterable[FaqEntry], cache: bool = False) -> None:
        """Add (or replace, by id) many FAQ entries in one pass over the indexes.

        ``cache`` keeps their segmentation in the persistent cache (for the shipped FAQ, which
        is the same every start; not for bulk or console additions).
        """
        entries = list(entries)
        texts: list[str] = []
        for entry in entries:
            texts.extend(normalise(q) for q in entry.questions)
            texts.append(normalise(" ".join([entry.a, *entry.tags])))
        segmented = iter(self.analyzer.segment_many(texts, cache))
        normalised = iter(texts)
        terms_of = self.analyzer.terms_of
        for entry in entries:
            if entry.id in self._faq_by_id:
                # Retire the old phrasings: their documents stay but point at nothing.
                for doc in self._entry_phrases[self._faq_by_id[entry.id]]:
                    self._phrase_entry[doc] = -1
            idx = len(self.faq)
            self.faq.append(entry)
            self._faq_by_id[entry.id] = idx
            first = len(self._phrase_entry)
            body_words: list[str] = []
            for _ in entry.questions:
                n, words = next(normalised), next(segmented)
                self._phrases.add(terms_of(words))
                self._phrase_entry.append(idx)
                self._phrase_compact.append(n.replace(" ", ""))
                for word in words:
                    self._domain_words.add(word)
                body_words.extend(words)
            self._entry_phrases.append(list(range(first, len(self._phrase_entry))))
            next(normalised)
            answer_words = next(segmented)
            self._bodies.add(terms_of([*body_words, *answer_words]))
            text = "".join([*body_words, *answer_words])
            # Most entries name no industry or aspect: one empty set shared (and pickled once), not one each.
            self._entry_topics.append(
                frozenset(t for t, names in self._topics.items() if any(n in text for n in names)) or _NONE)
            self._entry_industries.append(industries_named(" ".join(entry.questions)) or _NONE)
            named = aspects_named(compact(" ".join(entry.questions))) or _NONE
            self._entry_aspects.append(named)
            self._entry_covers.append(named | self._cited_aspects(entry) if named else _NONE)
            self._states_figure.append(bool(STATES_FIGURE.search(entry.a)))
            for c in entry.cite:
                self._citing.setdefault((c.law, c.article), []).append(idx)

    def term_idf(self, term: str) -> float:
        """How rare an index term is among the FAQ phrasings (read-only; for grouping questions)."""
        return self._phrases.idf(term)

    def remove_faq(self, faq_id: str) -> bool:
        """Stop answering with the entry ``faq_id`` (disabled by an admin); False if it was not live."""
        idx = self._faq_by_id.pop(faq_id, None)
        if idx is None:
            return False
        # As when an entry is replaced: its documents stay but point at nothing.
        for doc in self._entry_phrases[idx]:
            self._phrase_entry[doc] = -1
        return True

    def entry(self, faq_id: str) -> FaqEntry | None:
        idx = self._faq_by_id.get(faq_id)
        return self.faq[idx] if idx is not None else None

    # --- answering ---------------------------------------------------------------------------
    def answer_entry(self, faq_id: str) -> AnswerReply | None:
        """The entry's own answer, for a worker who picked it (a suggestion or a related question): never another
        entry's, as asking its question again could give once the ranking or the operating point moved."""
        entry = self.entry(faq_id)
        if entry is None:
            return None
        asked = self.answer(entry.q)
        if isinstance(asked, AnswerReply) and asked.faq_id == faq_id:
            return asked
        ranked, _ = self._rank(normalise(entry.q)[:MAX_QUERY_CHARS])
        return AnswerReply(
            faq_id=entry.id, answer=entry.a, citations=tuple(self._cited(c) for c in entry.cite),
            related=tuple(self._related(entry, [s for s in ranked if self.faq[s.entry].id != faq_id])),
            results=(Result(entry.q, list(entry.cite), 1.0, faq_id=entry.id),), question=entry.q, confidence=1.0,
        )

    def _cited_aspects(self, entry: FaqEntry) -> frozenset[str]:
        """The aspects the articles an entry cites state: a liability by any, a right or duty by half of them."""
        stated: Counter[str] = Counter()
        found = 0
        for c in entry.cite:
            try:
                article = self.corpus.article(c.law, c.article)
            except ArticleNotFound:
                continue
            found += 1
            if LIABILITY_CHAPTER in article.chapter:
                stated["liability"] += 1
            if ARTICLE_RIGHTS.search(article.text):
                stated["rights"] += 1
            elif ARTICLE_DUTIES.search(article.text):
                stated["duties"] += 1
        return frozenset(aspect for aspect, n in stated.items() if aspect == "liability" or 2 * n >= found)

    def answer(self, text: str) -> Reply:
        """Work out what the message is and build the reply a worker sees."""
        raw = (text or "").strip()[:MAX_QUERY_CHARS * 4]
        said = as_read(raw)
        norm = normalise(raw)[:MAX_QUERY_CHARS]
        flat = norm.replace(" ", "")
        if not flat:
            return NoticeReply(intent="help", message=messages.HELP, question=raw)
        emergency = _emergency_reply(said, norm, shown=raw)
        if emergency is not None:
            return emergency
        lookup = intents.parse_lookup(normalise_for_lookup(raw), self._law_names)
        if lookup is not None:
            return self._lookup(raw, lookup)
        if intents.is_help(flat):
            return NoticeReply(intent="help", message=messages.HELP, question=raw)
        if intents.is_smalltalk(flat):
            said = messages.SMALLTALK_THANKS if intents.is_thanks(flat) else messages.SMALLTALK_HELLO
            return NoticeReply(intent="smalltalk", message=said, question=raw)
        if intents.is_tip(flat):
            return NoticeReply(intent="tip", message=messages.TIP, question=raw)
        own = match_selfhelp(flat, self.selfhelp)
        corrected: str | None = None  # the speller's reading, computed once: the search reads it too
        if own is None and SPELLING:
            # A typo in the service's words ("积份在哪看"): asked again as the speller reads it.
            corrected = self.speller.correct(said)
            if corrected != said:
                own = match_selfhelp(compact(corrected), self.selfhelp)
        if own is not None:
            return SelfHelpReply(entry_id=own.id, answer=own.a, question=raw, confidence=1.0)
        term, defining = self._match_term(flat)
        if term is not None and defining:
            return self._term_reply(raw, term)
        reply = self._search_reply(said, self._searchable(said, norm, corrected), shown=raw)
        if term is not None:
            # A bare term ("停工留薪期") usually asks about the worker's rights under it: a
            # confident FAQ answer wins, with the definition on top; otherwise the definition.
            if not isinstance(reply, AnswerReply):
                return self._term_reply(raw, term)
            return replace(reply, term=term)
        return reply

    def _lookup(self, raw: str, req: intents.LookupRequest) -> ArticleReply | ArticleChoiceReply:
        if req.law is None:
            laws = tuple(self.corpus.laws_with_article(req.number))
            message = messages.ASK_WHICH_LAW.format(number=req.number) if laws else messages.ARTICLE_NOT_FOUND.format(
                law="", number=req.number)
            return ArticleChoiceReply(number=req.number, candidate_laws=laws, message=message, question=raw)
        short = self.corpus.resolve_law(req.law)
        if short is None:
            message = messages.NO_LAWS if not self.corpus else messages.LAW_UNKNOWN
            return ArticleChoiceReply(number=req.number, message=message, question=raw)
        try:
            article = self.corpus.article(short, req.number)
        except ArticleNotFound:
            return ArticleChoiceReply(
                number=req.number, candidate_laws=(short,),
                message=messages.ARTICLE_NOT_FOUND.format(law=short, number=req.number), question=raw,
            )
        cite = Citation(article.law, article.number)
        return ArticleReply(
            article=article, results=(Result(article.label, [cite], 1.0, article=article),), question=raw,
            confidence=1.0,
        )

    def _find_term(self, flat: str) -> GlossaryEntry | None:
        return self._match_term(flat)[0]

    def _match_term(self, flat: str) -> tuple[GlossaryEntry | None, bool]:
        """The glossary term the message names, and whether it asks what the term means.

        "什么是X" / "X是什么意思" asks for the definition; a bare "X" may as well ask about the
        worker's rights under X.
        """
        if not self._terms:
            return None, False
        candidate = intents.term_candidate(flat)
        if candidate:
            if candidate in self._terms:
                return self._terms[candidate], True
            match = process.extractOne(candidate, self._term_names, scorer=fuzz.ratio, score_cutoff=80)
            if match:
                return self._terms[match[0]], True
            # A name without a generic qualifier people drop ("三宝" for 安全三宝/建筑三宝) counts
            # when it names a single entry; "保险" alone is no 工伤保险.
            if len(candidate) >= 2:
                owners = {id(g): g for name, g in self._terms.items()
                          if name.endswith(candidate) and name[:-len(candidate)] in TERM_QUALIFIERS}
                if len(owners) == 1:
                    return next(iter(owners.values())), True
        return self._terms.get(flat), False

    def _term_reply(self, raw: str, term: GlossaryEntry) -> TermReply:
        return TermReply(
            term=term, citations=tuple(self._cited(c) for c in term.cite), question=raw, confidence=1.0,
            results=(Result(term.term, list(term.cite), 1.0),),
        )

    def _searchable(self, raw: str, norm: str, corrected: str | None = None) -> str:
        """The query as searched: typos and pinyin corrected, what its numbers mean appended.

        ``corrected`` is the speller's reading of ``raw`` when the caller has it already; it serves only when
        no dialect word was read, since the speller reads the question after them.
        """
        # Dialect words read first: the speller takes what it does not know for a typo (哪能办伐 → 办法).
        spoken = read_spoken(raw)
        if corrected is None or spoken != raw:
            corrected = self.speller.correct(spoken) if SPELLING else spoken
        if corrected != raw:
            norm = normalise(corrected)[:MAX_QUERY_CHARS]
        return with_numbers(raw, norm)

    @property
    def speller(self) -> Speller:
        """Built once from the vocabulary the knowledge base knows (``load`` builds it; ~0.3 s)."""
        if self._speller is None:
            words = [*self._domain_words, *self.synonyms.words(), *(n for g in self.glossary for n in g.names),
                     *SERVICE_WORDS]
            self._speller = Speller(words, self.analyzer.frequencies(), cache_dir=self.analyzer.cache_dir)
        return self._speller

    def _candidate(self, raw: str, norm: str) -> _Candidate:
        """Rank, pick the candidate answer and describe the evidence for the answer policy."""
        focus = self._focus(norm, raw)
        ranked, articles = self._rank(norm, focus)
        best = ranked[0] if ranked else None
        best_art = articles[0] if articles else None
        # The candidate answer: the best entry, unless a statute article alone is clearly better.
        by_article = best_art is not None and best_art[1] >= CONFIDENT + ARTICLE_ONLY_MARGIN and (
            best is None or best_art[1] > best.score)
        features = self.evidence(raw, norm, focus, ranked, articles, by_article)
        return _Candidate(ranked, articles, by_article, features)

    def decision_inputs(self, text: str) -> tuple[dict[str, float], set[tuple[str, int]]] | None:
        """The policy's features and the candidate answer's citations; None when no search decides.

        For training and measuring the answer policy (bench/train_policy.py).
        """
        query = self._policy_query(text)
        if query is None:
            return None
        cand = self._candidate(*query)
        if cand.by_article:
            a = self._article_list[cand.articles[0][0]]
            cites = {(a.law, a.number)}
        elif cand.ranked:
            cites = {(c.law, c.article) for c in self.faq[cand.ranked[0].entry].cite}
        else:
            cites = set()
        return cand.features, cites

    def rerank_rows(self, text: str) -> list[tuple[dict[str, float], set[tuple[str, int]]]] | None:
        """The re-ranker's features of each of the best RERANK_COLLECT candidates, with their citations.

        None when no search decides (as ``decision_inputs``). For fitting the re-ranker (bench/train_rerank.py);
        the rows do not depend on a fitted re-ranker.
        """
        query = self._policy_query(text)
        if query is None:
            return None
        raw, norm = query
        rows: list[tuple[dict[str, float], int]] = []
        self._rank(norm, self._focus(norm, raw), rows)
        return [(row, {(c.law, c.article) for c in self.faq[e].cite}) for row, e in rows]

    def _policy_query(self, text: str) -> tuple[str, str] | None:
        """The message as read and as searched, when a search decides it (not an emergency, look-up, …)."""
        raw = as_read((text or "").strip()[:MAX_QUERY_CHARS * 4])
        norm = normalise(raw)[:MAX_QUERY_CHARS]
        flat = norm.replace(" ", "")
        if not flat or intents.detect_emergency(norm, raw) is not None:
            return None
        if intents.parse_lookup(normalise_for_lookup(raw), self._law_names) is not None:
            return None
        if intents.is_help(flat) or intents.is_smalltalk(flat) or intents.is_tip(flat):
            return None
        if match_selfhelp(flat, self.selfhelp) is not None:
            return None
        term, defining = self._match_term(flat)
        if term is not None and defining:
            return None
        return raw, self._searchable(raw, norm)

    def _search_reply(self, raw: str, norm: str, shown: str | None = None
                      ) -> AnswerReply | ArticleAnswerReply | OutOfScopeReply | UnsureReply:
        """``raw`` as read (``as_read``); ``shown``, the question as the worker wrote it, is what replies quote."""
        cand = self._candidate(raw, norm)
        english = raw.isascii()
        said = raw
        raw = raw if shown is None else shown
        ranked, articles, by_article, features = cand.ranked, cand.articles, cand.by_article, cand.features
        results = self._merge_results(ranked, articles)
        best = ranked[0] if ranked else None
        best_art = articles[0] if articles else None
        evidence = max([best.raw if best else 0.0, best_art[1] if best_art else 0.0])
        off_topic = intents.looks_out_of_scope(norm.replace(" ", "")) and evidence < OOS_MAX_RAW
        if self.policy is not None:
            p_right = self.policy.p_right(features)
            confident = best is not None or by_article
            confident = confident and p_right >= self.policy.answer_at
            # Plainly another subject (weather, a date, a poem) with weak evidence is outside whatever the
            # model says: its training questions share our vocabulary, and such questions are rare in them.
            outside = (features["domain_share"] == 0 or off_topic
                       or self.policy.outside.probability(features) >= self.policy.outside_at)
            confidence = p_right
        else:
            confident = by_article or (
                best is not None and best.score >= CONFIDENT and best.raw >= ANSWER_MIN_RAW and not off_topic)
            outside = features["domain_share"] == 0 or off_topic
            confidence = max([best.score if best else 0.0, best_art[1] if best_art else 0.0])
        if confident and any(intents.looks_like_standard_or_paperwork(t.replace(" ", ""))
                             for t in (norm, normalise(said))):
            # A standard's figure, a medical report, contract paperwork, a local amount: no statute of ours answers
            # it. Read as typed too: the speller may have turned 限值 into 限制.
            confident, outside = False, True
        if confident and any(intents.looks_like_unloaded_need(t.replace(" ", "")) for t in (norm, normalise(said))):
            # The need of a scheme or a body of law we do not load (the housing fund, income tax, a pension's
            # transfer, a contract-law matter, a certificate's exam, another jurisdiction; round 13).
            confident, outside = False, True
        if confident and self._measure_unmet(norm, said, ranked, articles, by_article):
            # A measured limit asked that the answer states no figure of (round 13): outside, unless a runner-up
            # states one (then the ranking missed it, and the worker is offered it among the guesses).
            confident = False
            outside = outside or not any(
                not any(measure_missed(t.replace(" ", ""), self.faq[s.entry].a) for t in (norm, normalise(said)))
                for s in ranked[1:NEED_RUNNERS_UP + 1])
        if confident and not by_article and best is not None:
            entry = self.faq[best.entry]
            return AnswerReply(
                faq_id=entry.id, answer=entry.a, citations=tuple(self._cited(c) for c in entry.cite),
                related=tuple(self._related(entry, ranked[1:])), english=english,
                results=tuple(results), question=raw, confidence=confidence,
            )
        if confident and best_art is not None:
            article = self._article_list[best_art[0]]
            cite = Citation(article.law, article.number)
            # The reply answers with the article: it leads the results whatever the FAQ evidence.
            lead = Result(article.label, [cite], best_art[1], article=article)
            results = [lead, *(r for r in results if r.article is None or r.citations != [cite])][:MAX_RESULTS]
            return ArticleAnswerReply(article=article, results=tuple(results), question=raw, confidence=confidence)
        if outside:
            return OutOfScopeReply(results=tuple(results), question=raw, confidence=confidence)
        # Offered on their evidence, not on the calibrated confidence: a thin query's vote is
        # too close to call, yet its best entries are exactly what to offer.
        suggestions = tuple(Suggestion(self.faq[s.entry].id, self.faq[s.entry].q)
                            for s in ranked[:3] if max(s.score, s.raw) >= SUGGEST_MIN)
        return UnsureReply(suggestions=suggestions, results=tuple(results), question=raw, confidence=confidence,
                           english=english)

    def _measure_unmet(self, norm: str, said: str, ranked: list[_Scored], articles: list[tuple[int, float]],
                       by_article: bool) -> bool:
        """Whether the question asks a measured limit that the answer it would get states no figure of."""
        if by_article or not ranked:
            answer = self._article_list[articles[0][0]].text if articles else ""
        else:
            answer = self.faq[ranked[0].entry].a
        return any(measure_missed(t.replace(" ", ""), answer) for t in (norm, normalise(said)))

    def evidence(
        self, raw: str, norm: str, focus: str | None, ranked: list[_Scored], articles: list[tuple[int, float]],
        by_article: bool,
    ) -> dict[str, float]:
        """The features the answer policy decides on (see knowledge/policy.py and bench/train_policy.py)."""
        qterms = self.analyzer.terms(norm)
        scale = None
        if focus:
            focused = set(self.analyzer.terms(focus))
            scale = {t: BACKGROUND_WEIGHT for t in qterms if t not in focused}
        words = [w for w in self.analyzer.words(norm)]
        distinct = set(words)
        known = [w for w in distinct if self._phrases.df(f"w:{w}")]
        # Coverage read on the content: a colloquial question's glued fillers, quantities and closing tag (这能行,
        # 评个, 俩, 咋弄) are not words an answer has to cover (knowledge/chatter.py; round 11). Read on the content
        # too, the share of known words (``known_share``) let more out-of-scope questions through at dev's operating
        # point: it still counts every word.
        content = [self._content_word(w) for w in words if not is_chatter(w) and core(w) not in STOPWORDS] or words
        cterms = self.analyzer.terms_of(content)
        best = ranked[0] if ranked else None
        second = ranked[1] if len(ranked) > 1 else None
        best_cites = set(self.faq[best.entry].cite) if best else set()
        top_articles = [self._article_list[doc] for doc, _ in articles[:3]]
        agree1 = bool(top_articles) and Citation(top_articles[0].law, top_articles[0].number) in best_cites
        agree3 = any(Citation(a.law, a.number) in best_cites for a in top_articles)
        support = 0
        if best is not None:
            for s in ranked[1:VOTE_TOP]:
                if best_cites & set(self.faq[s.entry].cite):
                    support += 1
        second_shares = bool(second is not None and best_cites & set(self.faq[second.entry].cite))
        qtext = "".join(words)
        qtopics = frozenset(t for t in self._topics if t in qtext)
        etopics = self._entry_topics[best.entry] if best else frozenset()
        typed_norm = normalise(raw)  # the question as typed (before the speller), normalised once
        craw = typed_norm.replace(" ", "")  # compact(raw)
        qaspects = aspects_named(craw)
        easpects = self._entry_aspects[best.entry] if best else frozenset()
        ecovers = self._entry_covers[best.entry] if best else frozenset()
        ratio = 0.0
        if best is not None:
            qc = (focus or norm).replace(" ", "")
            # Also the likeness without particles, pronouns and a closing tag on either side (knowledge/chatter.py):
            # "俺们…这中不" is as like its phrasing as the plain question.
            qcontent, qtagless = content_chars(focus or norm), drop_tag(focus or norm).replace(" ", "")
            ratio = max((max(fuzz.ratio(qc, p), fuzz.ratio(qtagless, p), fuzz.ratio(qcontent, content_chars(p)))
                         for p in (self._phrase_compact[d] for d in self._entry_phrases[best.entry])), default=0) / 100
        chars = len(norm.replace(" ", ""))
        asks_figure = bool(ASKS_FIGURE.search(craw))
        art = articles[0][1] if articles else 0.0
        cover = 1.0 - self._missing(best.entry, cterms, scale) if best else 0.0
        # Words the speller changed (typos, homophones, pinyin read as words): a corrected question's
        # evidence is as good as its correction, not as weak as its other features make it look.
        typed = set(self.analyzer.words(typed_norm))
        spelled = len(distinct - typed) / len(distinct) if distinct else 0.0
        # The likeness of the question's and the best phrasing's word sets (rapidfuzz's token_set_ratio, the
        # best of the entry's phrasings): 1 when either set holds the other, so a colloquial question that says
        # the phrasing's words among its own (俺, 咋整, 真的假的) scores 1 where ``ratio`` over the characters
        # is diluted by every extra word. So does a vague question whose few words a longer phrasing holds
        # ("单位的安全问题"); the share of the phrasing's words the question says instead lost on dev (round 7).
        overlap = 0.0
        if best is not None:
            qwords = " ".join(self.analyzer.words(focus or norm))
            overlap = max((fuzz.token_set_ratio(qwords, " ".join(self.analyzer.words(self._phrase_compact[d])))
                           for d in self._entry_phrases[best.entry]), default=0) / 100
        features = {
            "raw": best.raw if best else 0.0,
            "vote": best.score if best else 0.0,
            "vote_share": best.share if best else 0.0,
            "spelled": spelled,
            "word_overlap": overlap,
            "lead_gap": (best.lead - best.needed) if best else -1.0,
            "thin": self._thinness(qterms, scale),
            "info": min(self._information(qterms, scale), 6.0),
            "margin": (best.raw - second.raw) if best and second else (best.raw if best else 0.0),
            "second_shares": float(second_shares),
            "support": float(support),
            "art": art,
            "art_minus_raw": art - (best.raw if best else 0.0),
            "art_agree1": float(agree1),
            "art_agree3": float(agree3),
            "cover": cover,
            # How much of the asking sentence alone the answer covers (a story's background aside).
            "focus_cover": (1.0 - self._missing(best.entry, self.analyzer.terms(focus), None)
                            if best and focus else cover),
            "ratio": ratio,
            "log_chars": math.log1p(chars),
            "story": float(focus is not None),
            "known_share": len(known) / len(distinct) if distinct else 0.0,
            # How much of the question is said in spoken or dialect words (俺, 咋整, 中不, 老板, 干活; round 12): such
            # a question is further from every written phrasing by nature (``ratio``, ``known_share``).
            "spoken_share": spoken_share(raw),
            "domain_share": sum(w in self._domain_words for w in distinct) / len(distinct) if distinct else 0.0,
            "oos_cue": float(intents.looks_out_of_scope(norm.replace(" ", ""))),
            "neighbour_cue": float(intents.looks_like_neighbour_matter(norm.replace(" ", ""))),
            "topics_missing": float(len(qtopics - etopics)),
            "topics_extra": float(len(etopics - qtopics)),
            "by_article": float(by_article),
            "english": float(raw.isascii()),
            "aspect_miss": float(bool(qaspects) and bool(easpects) and not qaspects & ecovers),
            "aspect_match": float(bool(qaspects & easpects)),
            "latin_share": sum(c.isascii() and c.isalpha() for c in raw) / max(1, len(raw)),
            "figure_miss": float(asks_figure and best is not None and not self._states_figure[best.entry]),
            "asks_figure": float(asks_figure),
            # Not when a runner-up meets the need ("意外险出了工伤能赔吗": the entry on accident policies is
            # second): the ranking's miss, the need is ours.
            "need_miss": float(best is not None and all(need_missed(craw, self.faq[s.entry])
                                                        for s in ranked[:NEED_RUNNERS_UP + 1])),
        }
        # Rounded: sums over hashed sets differ in the last bits between processes, and the
        # stored policy must be reproducible.
        return {name: round(float(value), 6) for name, value in features.items()}

    def _content_word(self, word: str) -> str:
        """An unknown word's core when the index knows it (评个 → 评, 能不进 → 进), else the word."""
        if self._phrases.df(f"w:{word}"):
            return word
        stem = core(word)
        return stem if stem and self._phrases.df(f"w:{stem}") else word

    def _related(self, entry: FaqEntry, runners_up: list[_Scored]) -> list[Suggestion]:
        """What to offer under an answer: an overview's detail entries, else the runners-up."""
        if entry.see:
            details = [self.entry(faq_id) for faq_id in entry.see]
            return [Suggestion(d.id, d.q) for d in details if d is not None]
        return [Suggestion(self.faq[s.entry].id, self.faq[s.entry].q) for s in runners_up[:3] if s.score >= SUGGEST_MIN]

    def _cited(self, c: Citation) -> CitedArticle:
        try:
            article = self.corpus.article(c.law, c.article)
        except ArticleNotFound:
            return CitedArticle(c.law, c.article, f"{c.law}第{c.article}条", None)
        return CitedArticle(c.law, c.article, article.label, article.opening())

    def _merge_results(self, ranked: list[_Scored], articles: list[tuple[int, float]]) -> list[Result]:
        """The best FAQ entries and statute articles, in one list ordered by evidence.

        The vote winner stays first (it is what a confident reply answers with). The rest are
        ordered by raw evidence, which FAQ matches and article matches share, not by calibrated
        confidence: a thin or rambling question's vote leaves every entry near zero confidence,
        and bare articles would then crowd out the entries that cite the right article.
        """
        pool: list[tuple[float, Result]] = []
        for s in ranked[:MAX_RESULTS * 2]:
            e = self.faq[s.entry]
            pool.append((max(s.score, s.raw), Result(e.q, list(e.cite), s.score, faq_id=e.id)))
        for doc, score in articles[:MAX_RESULTS * 2]:
            a = self._article_list[doc]
            if a.number == 0:
                continue
            pool.append((score, Result(a.label, [Citation(a.law, a.number)], score, article=a)))
        head = pool[:1] if ranked else []
        rest = sorted(pool[len(head):], key=lambda p: p[0], reverse=True)
        out: list[Result] = []
        for _, r in head + rest:
            if r.article is not None and any(r.citations[0] in o.citations for o in out):
                continue
            out.append(r)
            if len(out) == MAX_RESULTS:
                break
        return out

    # --- ranking -----------------------------------------------------------------------------
    def _rank(self, norm: str, focus: str | None = None, collect: list[tuple[dict[str, float], int]] | None = None
              ) -> tuple[list[_Scored], list[tuple[int, float]]]:
        """Score FAQ entries and statute articles; ``_Scored.score`` is the calibrated confidence.

        With a ``focus`` (the question clause of a long message) the other terms weigh
        BACKGROUND_WEIGHT and the typo comparison uses the focus alone.
        """
        qterms = self.analyzer.terms(norm)
        if not qterms:
            return [], []
        scale = None
        qcompact = norm.replace(" ", "")
        if focus:
            focused = set(self.analyzer.terms(focus))
            scale = {t: BACKGROUND_WEIGHT for t in qterms if t not in focused}
            qcompact = focus.replace(" ", "")
        qids, qw, qtotal = self._phrases.query_weights(qterms, scale)
        qtotal = qtotal or 1.0
        candidates: set[int] = set()
        for doc, _ in self._phrases.search(qterms, 40):
            entry = self._phrase_entry[doc]
            if entry >= 0:
                candidates.add(entry)
        candidates.update(e for e, _ in self._bodies.search(qterms, 20) if self._is_live(e))
        base: dict[int, float] = {}
        parts: dict[int, _Parts] = {}
        if candidates:
            entries = sorted(candidates)
            docs = [doc for e in entries for doc in self._entry_phrases[e]]
            owners = [i for i, e in enumerate(entries) for _ in self._entry_phrases[e]]
            common, mass = self._phrases.overlap(np.asarray(docs), qids, qw)
            sims = 2 * common / (qtotal + mass)
            best = [0.0] * len(entries)
            # The phrasings that share a term with the query, compared with it in one call (fuzz.ratio each).
            shared = [i for i, c in enumerate(common.tolist()) if c > 0]
            texts = [self._phrase_compact[docs[i]] for i in shared]
            ratios = process.cdist([qcompact], texts, scorer=fuzz.ratio, dtype=np.float64)[0].tolist() if texts else []
            sim_of = sims.tolist()
            for i, ratio in zip(shared, ratios, strict=True):
                sim, owner = sim_of[i], owners[i]
                best[owner] = max(best[owner], sim, 0.6 * sim + 0.4 * (ratio / 100))
            # How much of the question the whole entry (answer included) covers.
            covered, _ = self._bodies.overlap(np.asarray(entries), qids, qw)
            qtext = "".join(self.analyzer.words(norm))
            topics = frozenset(t for t in self._topics if t in qtext)
            asked_industries = industries_named(norm.replace(" ", ""))
            for i, e in enumerate(entries):
                base[e] = PHRASE_WEIGHT * best[i] + (1 - PHRASE_WEIGHT) * float(covered[i]) / qtotal
                part = parts[e] = _Parts(best[i], float(covered[i]) / qtotal)
                if topics:
                    part.topic_miss = len(topics - self._entry_topics[e])
                    base[e] *= TOPIC_MISS ** part.topic_miss
                extra = self._entry_industries[e] - asked_industries
                if extra:
                    part.industry_extra = len(extra)
                    base[e] *= INDUSTRY_MISS ** len(extra)
        articles: list[tuple[int, float]] = []
        found: dict[tuple[str, int], float] = {}
        if self._article_list:
            hits = [doc for doc, _ in self._articles.search(qterms, ARTICLE_CANDIDATES)]
            aids, aw, atotal = self._articles.query_weights(qterms, scale)
            covered, _ = self._articles.overlap(np.asarray(hits, dtype=np.int64), aids, aw)
            articles = [(doc, ARTICLE_WEIGHT * float(c) / (atotal or 1.0))
                        for doc, c in zip(hits, covered.tolist(), strict=True)]
            articles.sort(key=lambda a: a[1], reverse=True)
            for doc, score in articles:
                a = self._article_list[doc]
                found.setdefault((a.law, a.number), score)
        # Citation-level evidence: entries citing the same article support each other, and the
        # statute text itself supports the entries that cite it.
        by_cite: dict[tuple[str, int], list[float]] = {}
        for entry, score in base.items():
            for c in self.faq[entry].cite:
                by_cite.setdefault((c.law, c.article), []).append(score)
        for scores in by_cite.values():
            scores.sort(reverse=True)
        scored: list[_Scored] = []
        for entry, score in base.items():
            support = statute = 0.0
            for c in self.faq[entry].cite:
                key = (c.law, c.article)
                others = by_cite[key]
                # The best other entry citing this article (the list includes this entry's own score).
                other = (others[1] if others[0] == score and len(others) > 1
                         else (others[0] if others[0] != score else 0.0))
                support = max(support, other)
                statute = max(statute, found.get(key, 0.0))
            parts[entry].support, parts[entry].statute = support, statute
            scored.append(_Scored(entry, score + SUPPORT_WEIGHT * support + STATUTE_WEIGHT * statute))
        scored.sort(key=lambda s: s.score, reverse=True)
        thin = self._thinness(qterms, scale)
        asked = industries_named(norm.replace(" ", ""))
        top_article = None
        if articles:
            first_article = self._article_list[articles[0][0]]
            top_article = (first_article.law, first_article.number)
        query = _Query(qcompact, aspects_named(qcompact), asked, bool(ASKS_FIGURE.search(qcompact)), parts,
                       top_article, actors_named(qcompact))
        self._calibrate(scored, thin, asked, query, collect)
        if (thin >= THIN_MISSING_FROM and scored and scored[0].score >= CONFIDENT
                and self._missing(scored[0].entry, qterms, scale) > THIN_MISSING_MAX):
            scored[0].score = min(scored[0].score, _confidence(0.0, scored[0].needed))
        return scored, articles

    def _missing(self, entry: int, qterms: list[str], scale: dict[str, float] | None) -> float:
        """The share of the query's known-word information that ``entry`` never mentions."""
        words = sorted(t for t in set(qterms) if t.startswith("w:"))
        ids, weights, total = self._bodies.query_weights(words, scale)
        known = float(weights.sum())
        if known <= 0:
            return 0.0
        covered, _ = self._bodies.overlap(np.asarray([entry]), ids, weights)
        return 1.0 - float(covered[0]) / known

    def _focus(self, norm: str, raw: str = "") -> str | None:
        """The question clause of a long message, unless it is too vague to stand for it."""
        if not STORY_SENTENCES:
            return self._topical(question_focus(norm))
        # A question too vague to stand alone ("我想问法律上有没有这样的规定") takes the sentence before it
        # along (what "这样" is), and leaves the whole story to speak only when that is vague too.
        asking = asking_sentence(raw, norm)
        focus = self._topical(asking)
        if focus is None and asking is not None:
            wider = asking_sentence(raw, norm, context=1)
            focus = self._topical(wider) if wider and wider.replace(" ", "") != norm.replace(" ", "") else None
        return focus

    def _topical(self, focus: str | None) -> str | None:
        """The focus, unless it says too little about the topic to stand for the question."""
        if focus is None:
            return None
        topical = [f"w:{w}" for w in self.analyzer.words(focus) if w not in FOCUS_GENERIC_WORDS]
        return focus if self._information(topical) >= FOCUS_MIN_INFO else None

    def _information(self, qterms: list[str], scale: dict[str, float] | None = None) -> float:
        """The idf mass of the distinct words of a query that the FAQ knows, in rare words."""
        words = sorted(t for t in set(qterms) if t.startswith("w:"))  # a fixed order: the same sum whatever the seed
        # Asked several times per question (thinness in ranking and in the policy's features, the focus): remembered
        # while the FAQ index is unchanged (it only grows: its size and its vocabulary's tell a change).
        key = (tuple(words), tuple(scale.get(t, 1.0) for t in words) if scale else None, len(self._phrases),
               len(self._phrases.vocab))
        found = self._info_memo.get(key)
        if found is not None:
            return found
        info = 0.0
        for term in words:
            if self._phrases.df(term):
                info += self._phrases.idf(term) * (scale.get(term, 1.0) if scale else 1.0)
        rare = _idf(len(self._phrases), 1)
        found = info / rare if rare > 0 else 0.0
        if len(self._info_memo) >= INFO_MEMO_SIZE:
            self._info_memo.clear()
        self._info_memo[key] = found
        return found

    def _thinness(self, qterms: list[str], scale: dict[str, float] | None) -> float:
        """How much information the query lacks, from 0 (enough) to 1 (none): see THIN_INFO."""
        return max(0.0, 1.0 - self._information(qterms, scale) / THIN_INFO)

    def _calibrate(self, scored: list[_Scored], thin: float = 0.0, asked: frozenset[str] | None = None,
                   query: _Query | None = None, collect: list[tuple[dict[str, float], int]] | None = None) -> None:
        """Vote for articles, put the best entry citing the winner first, and set confidences.

        With a fitted ``reranker`` the entry put first is instead the one it scores best among the ``top`` best
        by raw evidence (bench/train_rerank.py); ``collect`` receives every candidate's features. Every other
        entry keeps its raw evidence as its score (for suggestions and inline search).
        ``thin`` (see ``_thinness``) softens the vote and raises the lead a confident answer needs.
        """
        if not scored:
            return
        for s in scored:
            s.raw = s.score
        voters = scored[:VOTE_TOP]
        top = max(voters[0].raw, VOTE_NONE_RAW)
        temperature = VOTE_TEMPERATURE * (1 + THIN_TEMPERATURE_GAIN * thin)
        needed = CONFIDENT_LEAD + THIN_LEAD * thin
        weights = [math.exp((s.raw - top) / temperature) for s in voters]
        none = math.exp((VOTE_NONE_RAW - top) / temperature)
        total = sum(weights) + none
        mass: dict[Citation, float] = {}
        first: dict[Citation, int] = {}  # article → best voter citing it
        for i, (s, w) in enumerate(zip(voters, weights, strict=True)):
            for c in self.faq[s.entry].cite:
                mass[c] = mass.get(c, 0.0) + w
                first.setdefault(c, i)
        if not mass:  # entries without citations: nothing to vote on
            scored[0].score = _confidence(0.0, needed)
            return
        winner = max(mass, key=lambda c: (mass[c], -first[c]))
        pick = first[winner]
        if asked is not None and self._entry_industries[voters[pick].entry] - asked:
            # The article's best entry is specific to an industry the question does not name:
            # a general entry citing the same article answers instead when it is nearly as close.
            for i in range(pick + 1, len(voters)):
                s = voters[i]
                if s.raw < voters[pick].raw - GENERIC_MARGIN:
                    break
                if winner in self.faq[s.entry].cite and not self._entry_industries[s.entry] - asked:
                    pick = i
                    break
        if query is not None and (self.reranker is not None or collect is not None):
            top_k = self.reranker.top if self.reranker is not None else RERANK_COLLECT
            qgrams = _bigrams(query.compact)  # the query's side of every candidate's bigram likeness
            rows = [self._candidate_features(i, voters, query, mass, total, winner, pick, qgrams)
                    for i in range(min(top_k, len(voters)))]
            if collect is not None:
                collect.extend((row, voters[i].entry) for i, row in enumerate(rows))
            if self.reranker is not None:
                logits = [self.reranker.score(row) for row in rows]
                pick = max(range(len(rows)), key=lambda i: (logits[i], -i))
        chosen = scored.pop(pick)
        scored.insert(0, chosen)
        cites = set(self.faq[chosen.entry].cite)
        rival = max([none, *(m for c, m in mass.items() if c not in cites)])
        best = max((mass.get(c, 0.0) for c in cites), default=0.0)
        chosen.lead = (best - rival) / total if cites else -1.0
        chosen.share = best / sum(weights)
        chosen.needed = needed
        chosen.score = _confidence(chosen.lead, needed)
        ceiling = chosen.score
        for s in scored[1:]:
            s.score = min(s.raw, ceiling)

    def _candidate_features(self, i: int, voters: list[_Scored], query: _Query, mass: dict[Citation, float],
                            total: float, winner: Citation, pick: int, qgrams: frozenset[str] | None = None
                            ) -> dict[str, float]:
        """Features of the ``i``-th best candidate for the learned re-ranker (bench/train_rerank.py)."""
        s = voters[i]
        e = s.entry
        part = query.parts.get(e) or _Parts()
        cites = self.faq[e].cite
        share = max((mass.get(c, 0.0) for c in cites), default=0.0) / total
        phrasings = [self._phrase_compact[d] for d in self._entry_phrases[e]]
        if qgrams is None:
            qgrams = _bigrams(query.compact)
        dice, length = 0.0, 1.0
        for text in phrasings:
            grams = _bigrams(text)
            if qgrams and grams:
                d = 2 * len(qgrams & grams) / (len(qgrams) + len(grams))
                if d >= dice:
                    dice, length = d, len(text)
        easpects = self._entry_aspects[e]
        eactors = actors_named(self.faq[e].q)
        eind = self._entry_industries[e]
        features = {
            "rank": float(i),
            "first": float(i == 0),
            "raw": s.raw,
            "gap": voters[0].raw - s.raw,
            "phrase": part.phrase,
            "cover": part.cover,
            "topic_miss": float(part.topic_miss),
            "industry_extra": float(part.industry_extra),
            "industry_named": float(bool(eind) and bool(eind & query.industries)),
            "support": part.support,
            "statute": part.statute,
            "share": share,
            "winner": float(winner in cites),
            "voted": float(i == pick),
            "aspect_match": float(bool(query.aspects & easpects)),
            "aspect_miss": float(bool(query.aspects) and bool(easpects) and not query.aspects & self._entry_covers[e]),
            "figure_miss": float(query.asks_figure and not self._states_figure[e]),
            "bigram": dice,
            "length_ratio": math.log((len(query.compact) + 1) / (length + 1)),
            "raw_ratio": s.raw / voters[0].raw if voters[0].raw > 0 else 0.0,
            "phrasings": math.log(len(phrasings) + 1),
            "cites": float(len(cites)),
            "overview": float(bool(self.faq[e].see)),
            "top_article": float(any((c.law, c.article) == query.top_article for c in cites)),
            "actor_match": float(bool(query.actors & eactors)),
            "actor_miss": float(bool(query.actors) and bool(eactors) and not query.actors & eactors),
        }
        return {name: round(float(value), 6) for name, value in features.items()}

    def _is_live(self, entry: int) -> bool:
        return self._faq_by_id.get(self.faq[entry].id) == entry

    # --- inline search -----------------------------------------------------------------------
    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """Return FAQ answers, glossary terms and articles matching ``query``, best first."""
        norm = normalise(query)
        if not norm:
            return []
        hits: list[Hit] = []
        lookup = intents.parse_lookup(normalise_for_lookup(query), self._law_names)
        if lookup is not None and lookup.law is not None:
            short = self.corpus.resolve_law(lookup.law)
            if short and self.corpus.has(short, lookup.number):
                a = self.corpus.article(short, lookup.number)
                hits.append(Hit("article", a.label, a.text, 1.0, [Citation(a.law, a.number)], article=a))
        term = self._find_term(norm.replace(" ", ""))
        if term is not None:
            hits.append(Hit("term", term.term, term.definition, 1.0, list(term.cite)))
        ranked, articles = self._rank(norm)
        for s in ranked[:limit]:
            if s.score < SUGGEST_MIN:
                break
            e = self.faq[s.entry]
            hits.append(Hit("faq", e.q, e.a, s.score, list(e.cite), faq_id=e.id))
        for doc, score in articles:
            a = self._article_list[doc]
            if a.number and score >= SUGGEST_MIN:
                hits.append(Hit("article", a.label, a.text, score, [Citation(a.law, a.number)], article=a))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def actors_named(text: str) -> frozenset[str]:
    """The actors (ACTOR_MARKERS) a text names."""
    return frozenset(name for name, words in ACTOR_MARKERS.items() if any(w in text for w in words))


def aspects_named(text: str) -> frozenset[str]:
    """The aspects (ASPECT_MARKERS) a text asks about."""
    return frozenset(name for name, words in ASPECT_MARKERS.items() if any(w in text for w in words))


def industries_named(text: str) -> frozenset[str]:
    """The industries (INDUSTRY_MARKERS) a text names."""
    return frozenset(name for name, words in INDUSTRY_MARKERS.items() if any(w in text for w in words))


def with_numbers(raw: str, norm: str) -> str:
    """The query with what its numbers mean appended ("17岁" → 未成年工; "每天干12小时" → 延长工作时间)."""
    extra = annotate_numbers(raw)
    return f"{norm} {normalise(extra)}" if extra else norm


def load_topics(path: Path) -> dict[str, tuple[str, ...]]:
    """Topic word → the words that mention it (itself first); empty when the file is missing."""
    if not path.exists():
        return {}
    topics: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            topics[words[0]] = tuple(words)
    return topics


def question_focus(norm: str) -> str | None:
    """The question clause of a long normalised message (None when the message is short).

    Clauses are what punctuation separated (spaces after normalising); the focus is the last
    clause that asks something, with the clauses before it while it is shorter than
    FOCUS_MIN_CHARS ("……，这样合法吗").
    """
    if len(norm) - norm.count(" ") <= LONG_QUERY_CHARS or not _HAN_RE.search(norm):
        return None  # short, or English (where spaces separate words, not clauses)
    clauses = [c for c in norm.split(" ") if c]
    if len(clauses) < 2:
        return None
    last = len(clauses) - 1
    for i in range(last, -1, -1):
        if _QUESTION_CUE.search(clauses[i]):
            last = i
            break
    first = last
    while first > 0 and sum(len(c) for c in clauses[first:last + 1]) < FOCUS_MIN_CHARS:
        first -= 1
    return " ".join(clauses[first:last + 1])


STORY_SENTENCES = True
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
# Where a story turns to its question ("……。我想问一下，……").
_ASKING = re.compile(r"(请问|想问|问一下|问问|想知道|想咨询|咨询一下|我该怎么办|该怎么办|怎么办|我能不能|能不能|"
                     r"可不可以|是不是|算不算|合不合法|合法吗|违法吗|会不会|有没有|多长时间|多久|站得住)")
# A question that points back at the story as a whole ("这种情况……", "有这方面的义务吗") asks about the
# sentence before it, which then joins the focus. (Not every 这: "这种危险化学品", "这样的单位" name their thing.)
_POINTS_BACK = re.compile(r"(这种情况|这个情况|这些情况|这种事|这事|这方面|这样的规定|这种规定|这种做法|这样做)")
# What the boss said ("工头说不上就按旷工算") is the story's dispute, not what "这种情况" stands for: a question
# pointing back does not take a sentence of reported speech along (what the worker heard, 听说, is the topic).
_REPORTED_SPEECH = re.compile(r"(?<![听我])说")
QUESTION_BLOCK_MAX = 3  # sentences of a story's closing run of questions ("……吗？……吗？……怎么办？") kept together


def asking_sentence(raw: str, norm: str, context: int = 0) -> str | None:
    """The sentences of a long message (a story) that ask its question, normalised; None when short.

    A story's details dilute its question: the question stands for it and the rest of the story weighs
    as background. The question is the last sentence a question mark closes (else the last with an asking
    cue: 请问, 想问, 吗, 怎么办 …), with the questions right before it (a worker often asks two: "能不能拒绝？
    拒绝了会不会被开？", and the first is usually the main one), and the sentence before them when they are
    short or point back at it ("这种情况", "这方面的义务"); ``context`` more sentences before them.
    """
    if len(norm) - norm.count(" ") <= LONG_QUERY_CHARS or not _HAN_RE.search(norm):
        return None
    parts = re.split(f"({_SENTENCE_END.pattern})", raw)
    sentences: list[tuple[str, bool]] = []  # (text, closed by a question mark)
    for i in range(0, len(parts), 2):
        text = parts[i]
        end = parts[i + 1] if i + 1 < len(parts) else ""
        if text.strip():
            sentences.append((text, "?" in end or "？" in end))
    if len(sentences) < 2:
        return question_focus(norm)
    pick = next((i for i in range(len(sentences) - 1, -1, -1) if sentences[i][1]), None)
    if pick is None:
        pick = next((i for i in range(len(sentences) - 1, -1, -1)
                     if _ASKING.search(sentences[i][0]) or _QUESTION_CUE.search(sentences[i][0])), None)
    if pick is None:
        return question_focus(norm)
    first = pick
    while first > 0 and pick - first + 1 < QUESTION_BLOCK_MAX and sentences[first - 1][1]:
        first -= 1
    block = "".join(text for text, _ in sentences[first:pick + 1])
    short = len(normalise(block).replace(" ", "")) < FOCUS_MIN_CHARS
    if first > 0 and (short or (_POINTS_BACK.search(sentences[first][0])
                                and not _REPORTED_SPEECH.search(sentences[first - 1][0]))):
        first -= 1
    first = max(0, first - context)
    focus = " ".join(normalise(text) for text, _ in sentences[first:pick + 1])
    return focus or None


def _confidence(lead: float, needed: float = CONFIDENT_LEAD) -> float:
    """Map an article's vote lead to a confidence that crosses CONFIDENT at the ``needed`` lead."""
    return 1 / (1 + math.exp(-(LEAD_SLOPE * (lead - needed) + math.log(CONFIDENT / (1 - CONFIDENT)))))


def emergency_reply(text: str) -> EmergencyReply | None:
    """The emergency guidance when ``text`` reports an emergency in progress, else None.

    Needs no loaded knowledge base, so the bot and the web can put safety first in any state,
    even while the index is still being built.
    """
    raw = (text or "").strip()[:MAX_QUERY_CHARS * 4]
    return _emergency_reply(as_read(raw), normalise(raw)[:MAX_QUERY_CHARS], shown=raw)


def as_read(raw: str) -> str:
    """The message as the engine reads it: traditional characters converted to simplified first.

    ``normalise`` converts too, but the numbers, the speller, the story's sentences and the emergency
    cues read the message before normalising: 未滿十八歲 was no age (歲 is not 岁), 請問 and 嗎 were
    no asking cues, and a typo inside traditional writing was never corrected.
    """
    return to_simplified(raw)


def _emergency_reply(raw: str, norm: str, shown: str | None = None) -> EmergencyReply | None:
    kind = intents.detect_emergency(norm, raw)
    if kind is None:
        return None
    first = messages.EMERGENCY_BY_KIND.get(kind)
    guidance = ((first,),) if first else ()
    return EmergencyReply(
        kind=kind, head=messages.EMERGENCY_HEAD,
        guidance=(*guidance, messages.EMERGENCY_STEPS, (messages.EMERGENCY_FOOT,)),
        question=raw if shown is None else shown, confidence=1.0,
    )


def normalise_for_lookup(text: str) -> str:
    """Light normalisation for article look-ups: keep 第/条 and spaces, fold width and script."""
    import unicodedata

    from knowledge.text import to_simplified

    return to_simplified(unicodedata.normalize("NFKC", text).strip())


# A built knowledge base is kept in the cache dir, keyed by everything that shapes it: a start with
# nothing changed loads it instead of parsing the FAQ and indexing again. Bump to drop old files.
SNAPSHOT_VERSION = 1
_PACKAGE_DIR = Path(__file__).resolve().parent
_SHAPING_LIBRARIES = ("jieba", "pypinyin", "opencc-python-reimplemented", "numpy", "rapidfuzz")


_NONE: frozenset[str] = frozenset()


def snapshot_key(laws_dir: Path | None, extra_faq: list[FaqEntry], data_dir: Path) -> str:
    """A digest of the statutes, the data files, the extra entries, this package's code and the libraries."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    libraries = "|".join(f"{name}={version(name)}" for name in _SHAPING_LIBRARIES)
    digest.update(f"{SNAPSHOT_VERSION}|{sys.version}|{libraries}|{repr(extra_faq)}".encode())
    roots = [_PACKAGE_DIR, Path(data_dir).resolve()]
    if laws_dir is not None:
        roots.append(Path(laws_dir).resolve())
    for root in roots:
        digest.update(f"\0root:{root}".encode())
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"\0{path.relative_to(root)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _build_in_child(laws_dir: Path | None, extra_faq: list[FaqEntry], data_dir: Path, cache_dir: Path | None) -> bool:
    """Build and store the snapshot in a child process (``knowledge.build``); False if it failed."""
    import subprocess

    arguments = pickle.dumps((laws_dir, extra_faq, data_dir, cache_dir), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        child = subprocess.run([sys.executable, "-m", "knowledge.build"], input=arguments, stdout=subprocess.DEVNULL,
                               timeout=BUILD_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not build the knowledge base in a child process (%s); building it here", exc)
        return False
    if child.returncode != 0:
        log.warning("building the knowledge base in a child process failed (exit %s); building it here",
                    child.returncode)
    return child.returncode == 0


BUILD_TIMEOUT_S = 600


def _read_snapshot(path: Path) -> KnowledgeBase | None:
    """The knowledge base stored at ``path``; None when there is none or it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        kb = pickle.loads(data)
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file only costs a rebuild
        log.debug("ignoring the knowledge-base snapshot %s: %s", path.name, exc)
        return None
    if not isinstance(kb, KnowledgeBase) or not Path(kb.analyzer.dictionary_path).exists():
        return None
    return kb


def _write_snapshot(path: Path, kb: KnowledgeBase) -> None:
    """Store ``kb`` for the next start (best effort) and drop the snapshots of other contents."""
    if not write_pickle(path, kb, "knowledge-base snapshot"):
        return
    try:
        for old in path.parent.glob("ankang-kb-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("could not drop old knowledge-base snapshots: %s", exc)

