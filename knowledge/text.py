"""Text normalisation and tokenisation shared by indexing and querying."""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import pickle
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from contextlib import AbstractContextManager
from functools import lru_cache
from pathlib import Path

from opencc import OpenCC

from knowledge.cachefile import write_pickle
from knowledge.faq import DATA_DIR, Synonyms, _read_yaml
from knowledge.numerals import replace_numerals
from knowledge.segmenter import Frequencies, Segmenter, jieba_dir

log = logging.getLogger(__name__)


_PUNCT_RE = re.compile(r"[^\w\u4e00-\u9fff]+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD_RE = re.compile(r"[a-z][a-z'\-]*")

# Function words and question scaffolding that say nothing about the topic.
STOPWORDS = frozenset(
    """的 了 吗 呢 啊 吧 呀 嘛 哦 哈 么 是 我 我们 你 你们 他 她 它 他们 咱们 咱 自己 要 会 能 能不能 可以 可不可以
    怎么 怎么办 怎样 怎么样 什么 啥 哪些 哪个 如何 为什么 为啥 请问 问 问一下 想问 想 知道 一下 有 在 和 与 及 或 或者
    就 都 也 还 被 把 让 给 对 这 那 这个 那个 个 一 应该 应当 需要 必须 是否 有没有 是不是 算不算 多少 谁
    吗? 呢? 里 上 下 中 时 时候 后 之后 以后 的话 情况 该 得 地 着 过 又 再 很 太 最 更 按照 根据 规定 法律 法规 哪里
    能否 可否 有何 有哪些 什么样 怎么回事 请 麻烦 帮 帮忙 告诉 一些 这种 那种 这样 那样 如果 要是 但是 可是 而且 所以
    因为 然后 现在 已经 还是 不会 会不会 干嘛 干吗 我能 我要 我该 咋 咋办 咋整 呗 喔 哎 唉 么样 没事 去 来
    俺 俺们 这事 这事儿 那事 玩意 玩意儿 这玩意儿 到底 压根 压根儿 死活 嘛 啦 咋弄 咋搞 咋回事 哎呀 唉呀
    何种 其 试述 简述 概述 阐述 依照 以及 经 贵
    今年 去年 前年 上个月 这个月 上周 最近 听说 当时 有个 有点 打算 担心 心里 就行 只能 每次
    咗 啲 嘞 咯 噻 嗦 咩 喎 啫 㗎 啩 哒 嘛 咧 呐 哇 哟 呗""".split()
)
# A question tagged at its end ("这合理不", "算工伤不", "有事没"): the tag asks, it says nothing.
_TAG_QUESTION = frozenset({"不", "没", "没有", "不了"})

# jieba's full dictionary (350k words) takes over a second to load; words this rare in its
# frequency list never decide a safety question, and our own vocabulary is added on top.
JIEBA_MIN_FREQ = 30

_t2s = None
_traditional: frozenset[str] | None = None
# Taiwan and Hong Kong words read as the mainland words the FAQ and statutes use (data/regional.yaml).
REGIONAL_FILE = DATA_DIR / "regional.yaml"
_regional: tuple[re.Pattern[str], dict[str, str], frozenset[str]] | None = None
_CANTONESE_IS_RE = re.compile(r"(?<![關关干幹维維联聯])係(?![數咪])")


def _converter() -> OpenCC:
    global _t2s
    if _t2s is None:
        _t2s = OpenCC("t2s")
    return _t2s


def _regional_words() -> tuple[re.Pattern[str], dict[str, str], frozenset[str]]:
    """The regional vocabulary: one pattern over its keys (longest first), what each reads as, and the
    characters that mark traditional writing although t2s leaves them as they are (妳, 衞)."""
    global _regional
    if _regional is None:
        data = (_read_yaml(REGIONAL_FILE) or {}) if REGIONAL_FILE.exists() else {}
        characters = {str(k): str(v) for k, v in (data.get("characters") or {}).items()}
        table = {**characters, **{str(k): str(v) for k, v in (data.get("words") or {}).items()}}
        table.update((str(w), str(w)) for w in data.get("keep") or ())
        keys = sorted(table, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, keys))) if keys else re.compile(r"(?!)")
        _regional = (pattern, table, frozenset(c for c in characters if len(c) == 1))
    return _regional


def _traditional_chars() -> frozenset[str]:
    """Characters that mark traditional writing: those traditional→simplified conversion changes (phrase rules
    only fire on these) and the regional ones it leaves (data/regional.yaml's ``characters``)."""
    global _traditional
    if _traditional is None:
        import opencc

        chars: set[str] = set()
        path = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if len(key) == 1 and key not in values.split():
                    chars.add(key)
        _traditional = frozenset(chars | _regional_words()[2])
    return _traditional


def to_simplified(text: str) -> str:
    """Convert traditional characters, then read Taiwan and Hong Kong words as the mainland ones (鹰架 → 脚手架,
    堆高机 → 叉车, 拖著 → 拖着); a text without traditional characters is returned as is (the common, fast case)."""
    if _traditional_chars().isdisjoint(text):
        return text
    # Cantonese 係 ("is": 佢係新嚟嘅, 係唔係) would become 系; 關係, 干係, 維係, 係數 and 係咪 (read below) keep it.
    text = _CANTONESE_IS_RE.sub("是", text)
    simplified: str = _converter().convert(text)  # opencc has no type hints
    pattern, table, _ = _regional_words()
    simplified = pattern.sub(lambda m: table[m.group()], simplified)
    # Taiwan's 瓦斯 is the gas of a kitchen or a heater (燃气); the mainland's, and a mine's, is firedamp.
    if "瓦斯" in simplified and not _MINE_RE.search(simplified):
        simplified = simplified.replace("瓦斯", "燃气")
    return simplified


_MINE_RE = re.compile(r"矿|井下|下井|煤|巷道|掘进|采掘|回采|隧道")


# Dialect words (northern, south-western, Wu, Cantonese) read as the standard words the FAQ and the
# statutes are written in ("使唔使证" → 要不要证, "自个儿掏钱" → 自己掏钱, "冇得" → 没有). Only words
# and characters no standard text uses this way: 系 (联系) and 伐 (伐木) stay as they are.
_DIALECT = {
    "使唔使": "要不要", "系唔系": "是不是", "系咪": "是不是", "有冇": "有没有", "乜嘢": "什么", "点算": "怎么办",
    "点解": "为什么", "唔使": "不用", "唔该": "请", "佢哋": "他们", "我哋": "我们", "嗰度": "那里", "呢度": "这里",
    "冇得": "没有", "莫得": "没有", "没得": "没有", "冇": "没有", "唔": "不", "嘅": "的", "佢": "他", "哋": "们",
    "喺": "在", "嗰": "那", "咁": "这么", "侬": "你", "阿拉": "我们", "自个儿": "自己", "自个": "自己", "啥子": "什么",
    "啥个": "什么", "么子": "什么", "嘎哈": "干什么", "干哈": "干什么", "咋个": "怎么", "啷个": "怎么", "晓得": "知道",
    "中不中": "行不行", "要得不": "可以吗", "要得吗": "可以吗", "明儿": "明天", "今儿": "今天", "屋头": "家里",
    "不得劲": "不舒服",
    # Round 10: more of the same families. Cantonese (老细 the boss, 几多 how many, 边个 who, 做嘢 work,
    # 揾/搵 find, 畀 give, 睇 see, 嚟 come, 点样 how, 得唔得 all right?; 咗 is left to the emergency rules,
    # which read it in phrases), Wu (覅 don't, 啥物事 what), south-western (撒子 what, 对头不 is that right?,
    # 要不得 not all right, 娃儿 child), northern (头儿 the boss, 回屋 home, 票子 money, 啥玩意 what) and the
    # site's 带班的 (the shift leader).
    "老细": "老板", "几多": "多少", "边个": "谁", "做嘢": "干活", "揾": "找", "搵": "找", "畀": "给", "睇": "看",
    "嚟": "来", "点样": "怎样", "得唔得": "行不行", "唔得": "不行", "覅": "不要", "啥物事": "什么",
    "撒子": "什么", "对头不": "合理吗", "对不对头": "合不合理", "要不得": "不行", "娃儿": "孩子", "头儿": "老板",
    "回屋": "回家", "票子": "钱", "啥玩意儿": "什么", "啥玩意": "什么", "带班的": "班长",
}
# Round 13: the spoken words of every region, particles and fillers (data/spoken.yaml), on top of the table above.
SPOKEN_FILE = DATA_DIR / "spoken.yaml"
_spoken: tuple[re.Pattern[str], dict[str, str], re.Pattern[str]] | None = None


def literal_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of the words, the longest where several start at one place (round 16): grouped by
    the first character, so that a place no word starts at is passed over at once. A flat alternation tries every
    word at every character: with round 16's trial lexicon of 640 words this took 0.17 s over the FAQ and statutes
    against 0.10 s; at today's 272 the two are alike."""
    groups: dict[str, list[str]] = {}
    for word in {w for w in words if w}:
        groups.setdefault(word[0], []).append(word[1:])
    if not groups:
        return re.compile(r"(?!)")
    parts = []
    for first, rests in groups.items():
        rests.sort(key=len, reverse=True)
        tail = "|".join(map(re.escape, rests))
        parts.append(re.escape(first) + (f"(?:{tail})" if any(rests) else ""))
    return re.compile("|".join(parts))


def spoken_lexicon() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str]]:
    """One pattern over every dialect word and filler (longest first), what each reads as (a filler as nothing),
    and the pattern of sentence-final particles where a clause ends."""
    global _spoken
    if _spoken is None:
        data = (_read_yaml(SPOKEN_FILE) or {}) if SPOKEN_FILE.exists() else {}
        table = {str(k): str(v) for k, v in (data.get("words") or {}).items()}
        table.update((str(w), "") for w in data.get("fillers") or ())
        table.update(_DIALECT)
        pattern = literal_pattern(table)
        particles = re.escape(str(data.get("particles") or ""))
        # A run of particles closing a clause, not the whole clause ("啊" alone stays), nor 干嘛's 嘛.
        closing = (re.compile(rf"(?<=[\u4e00-\u9fff])(?<!干)[{particles}]+(?=[^\w]|$)") if particles
                   else re.compile(r"(?!)"))
        _spoken = (pattern, table, closing)
    return _spoken


# Dialect and typing slips that only a context tells apart from standard text, each read as the word
# the FAQ and statutes use: Wu's question particle 伐 closing a clause (要管伐, 好伐; 伐木, 采伐 stay), Henan's
# 中 for 行 (这中吗, 能中不; 其中不得 stays), an A-not-A question on a content word (合不合规, 违不违法,
# 赔不赔钱; 会不会, 能不能, 需不需要 stay: other rules read them as typed), and homophones a pinyin
# keyboard offers: 陪 for 赔 (能陪多少, 按工伤陪), 公会 for 工会, 正 for 证 after 没/无/考/办/拿
# (没有正能上岗吗), 权力 for 权利 at a question's end (有没有…的权力).
_IN_CONTEXT = (
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<![采砍滥盗讨征步杀间])伐(?=[？?！!。，,\s]|$)"), "吗"),
    (re.compile(r"(?<=[这那能可])中(?=[吗不？?]|$)"), "行"),
    (re.compile(r"([合违犯赔扣罚退补签])不\1(?=[\u4e00-\u9fff])"), r"\1"),
    (re.compile(r"(?<=[能该要会谁怎咋伤])陪(?=[多几吗不么钱偿付了啊呀呢？?\s]|$)"), "赔"),
    (re.compile(r"公会"), "工会"),
    (re.compile(r"(?:(?<=没有)|(?<=[没无考办拿]))正(?=[就能吗不上也的呢要？?，,\s]|$)"), "证"),
    (re.compile(r"的权力(?=[吗吧嘛呢？?\s]|$)"), "的权利"),
    # Round 13: spoken words that standard text uses in another sense. North-eastern 贼 for 很 before a word (贼累,
    # 贼呛; 盗贼, 做贼 stay); south-western 遭 for the passive 被 (遭车撞了, 遭开除; 遭受, 遭遇 stay); 要得 (all
    # right?) closing a clause (要得到 stays); Henan and Shandong 恁, 那么 before a measure (恁多, 恁长), else 你;
    # Shaanxi 额 (I) opening a clause (金额, 数额 stay); Cantonese 咩 (what) left inside a clause once a closing 咩
    # (a question's 吗) is dropped; 歇 for 休息 (歇业 stays); a manager's HR; Cantonese 人工 (pay) after 扣, 发,
    # 欠 (人工呼吸 stays), 返工 (go to work; 往返工作 stays) and 收工 (off work; 征收工伤 stays); Hubei's 么事
    # (what; 什么事 stays).
    (re.compile(r"(?<![盗窃毛防抓做当奸乌国蟊反])贼(?=[\u4e00-\u9fff])"), "很"),
    (re.compile(r"遭(?![受遇到殃难罪灾])"), "被"),
    (re.compile(r"要得(?=[不吗嘛噻哇？?，,\s]|$)"), "可以"),
    (re.compile(r"恁(?=[多大长久高重厉贵远早晚])"), "那么"),
    (re.compile(r"恁"), "你"),
    (re.compile(r"(?:^|(?<=[\s，,。？?！!]))额(?=[在是想的家今也就要不没咋给叫])"), "我"),
    (re.compile(r"咩"), "什么"),
    (re.compile(r"歇(?![业斯])"), "休息"),
    (re.compile(r"(?<![a-z])hr(?![a-z])"), "人事"),
    (re.compile(r"(?<=[扣发欠拖少加涨])人工(?![呼智费成])|(?<=[的])人工(?=[拖欠冇没几多低少])"), "工资"),
    # A hurt told as a verb and the body part (砸了脚, 压着手, 烫到胳膊): read as the hurt's word (砸伤).
    (re.compile(r"([砸压轧夹烫摔割划扭撞碰扎绞卷烧])(?:破了|了|着|到)(?=[手脚腿腰头胳膊指眼背肩腕膝脸])"),
     r"\1伤"),
    (re.compile(r"(?<!往)返工(?!作)"), "上班"),
    (re.compile(r"(?<![征验回接])收工(?![伤资作])"), "下班"),
    (re.compile(r"(?<![什怎这那要多为])么事"), "什么"),
)


def read_spoken(text: str) -> str:
    """Dialect and spoken words read as the standard ones, closing particles and fillers dropped, the words only a
    context tells apart read in it (``normalise`` does it; the speller reads a question so read, or it takes 办伐
    for 办法)."""
    pattern, table, closing = spoken_lexicon()
    text = closing.sub("", pattern.sub(lambda m: table[m.group()], text))
    for context, word in _IN_CONTEXT:
        text = context.sub(word, text)
    return text


def normalise(text: str) -> str:
    """Fold width and case, convert traditional to simplified, read dialect words and numerals, tidy punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _HAN_RE.search(text):
        text = read_spoken(to_simplified(text))
    text = replace_numerals(text)
    text = _PUNCT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def compact(text: str) -> str:
    """Normalised text without spaces, for fuzzy comparison and duplicate checks."""
    return normalise(text).replace(" ", "")


class Analyzer:
    """Turn text into index terms: jieba words mapped through synonyms, plus character bigrams."""

    def __init__(self, synonyms: Synonyms, user_words: Iterable[str] = (), dict_path: Path | None = None,
                 configured_cache: Path | None = None) -> None:
        self.synonyms = synonyms
        extra = [(w.strip(), max(2000, 400 * len(w.strip()))) for w in sorted({*synonyms.words(), *user_words})
                 if len(w.strip()) >= 2 and _HAN_RE.search(w) and " " not in w.strip()]
        cache = self.cache_dir = cache_dir(configured_cache)
        # jieba's segmentation over compact tables (knowledge/segmenter.py), kept in the cache dir.
        self._tok = Segmenter(_dictionary(dict_path, extra, cache), cache)
        self._english = sorted(synonyms.english.items(), key=lambda kv: -len(kv[0]))
        self._cache_words = lru_cache(maxsize=4096)(self._words_uncached)
        self._cache_terms = lru_cache(maxsize=QUERY_TERMS_CACHE_SIZE)(self._terms_uncached)
        self._piece_words = lru_cache(maxsize=PIECE_CACHE_SIZE)(self._piece_words_uncached)
        # Segmenting the statutes and the FAQ is most of the build time and gives the same words
        # every start: keep them in the cache dir, keyed by everything that shapes them (the
        # dictionary file's name carries the hash of its contents).
        fingerprint = hashlib.sha1(
            f"{Path(self._tok.dictionary).name}|{sorted(synonyms.canonical.items())}|{sorted(self._english)}|"
            f"{sorted(STOPWORDS)}|{_CACHE_VERSION}".encode()
        ).hexdigest()[:16]
        self._cache_path = cache / f"ankang-words-{fingerprint}.pickle"
        self._segmented: dict[str, tuple[str, ...]] = _read_cache(self._cache_path)
        self._segmented_new = 0
        self._used: set[str] = set()  # cached texts this build asked for

    def bulk(self) -> AbstractContextManager[None]:
        """Segment faster while it lasts, in more memory (an index build: ``Segmenter.bulk``)."""
        return self._tok.bulk()

    def frequencies(self) -> Frequencies:
        """The segmenter's word frequencies (jieba's common words and ours), for the speller."""
        return self._tok.freq

    @property
    def dictionary_path(self) -> str:
        """The trimmed jieba dictionary file in the cache dir the segmenter reads."""
        return self._tok.dictionary

    # Pickled with a built knowledge base (see knowledge.engine's snapshot): the segmenter is
    # reloaded from its dictionary file (its tables are kept next to it, so that is a quick load),
    # the memo caches start empty and the segmentation cache stays on disk.
    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        for name in ("_tok", "_cache_words", "_cache_terms", "_piece_words", "_segmented", "_used"):
            state.pop(name, None)
        state["_dictionary"] = self._tok.dictionary
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        dictionary = state.pop("_dictionary")
        self.__dict__.update(state)
        self._tok = Segmenter(str(dictionary), self.cache_dir)
        self._cache_words = lru_cache(maxsize=4096)(self._words_uncached)
        self._cache_terms = lru_cache(maxsize=QUERY_TERMS_CACHE_SIZE)(self._terms_uncached)
        self._piece_words = lru_cache(maxsize=PIECE_CACHE_SIZE)(self._piece_words_uncached)
        self._segmented = {}
        self._segmented_new = 0
        self._used = set()

    def save_cache(self) -> None:
        """Persist the segmentation of this build's texts (best effort: a read-only dir only costs speed).

        Texts no longer asked for (edited FAQ phrasings, another data set's texts) are dropped once
        they outnumber STALE_CACHE_TEXTS, so the file does not grow without bound.
        """
        stale = len(self._segmented) - len(self._used & self._segmented.keys())
        prune = stale > max(STALE_CACHE_TEXTS, len(self._used))
        if not self._segmented_new and not prune:
            return
        kept = {t: w for t, w in self._segmented.items() if t in self._used} if prune else self._segmented
        if write_pickle(self._cache_path, kept, "segmentation cache"):
            self._segmented_new = 0

    def forget_documents(self) -> None:
        """Drop the build's segmentation cache from memory (saved first: ``save_cache``). About 7 MB of word
        tuples of statutes and FAQ texts that a running process never segments again; an entry added
        later is segmented afresh, which costs that entry's texts only (issue 14, point 7)."""
        self.save_cache()
        self._segmented = {}
        self._used = set()

    def translate_english(self, text: str) -> str:
        """Replace known English keywords by Chinese ones (best effort for English questions)."""
        out = text
        for phrase, chinese in self._english:
            if phrase in out:
                out = re.sub(rf"\b{re.escape(phrase)}s?\b", f" {chinese} ", out)
        return out

    def words(self, normalised: str) -> tuple[str, ...]:
        """Canonical content words of an already normalised text."""
        return self._cache_words(normalised)

    def _words_uncached(self, normalised: str) -> tuple[str, ...]:
        if _LATIN_WORD_RE.search(normalised):
            normalised = self.translate_english(normalised)
        out: list[str] = []
        for piece in normalised.split(" "):
            if piece:
                out.extend(self._piece_words(piece))
        return tuple(out)

    def _piece_words_uncached(self, piece: str) -> tuple[str, ...]:
        """Canonical content words of one space-free piece (statutes repeat chapter titles, numbers)."""
        out: list[str] = []
        canon = self.synonyms.canonical
        words = self._tok.lcut(piece)
        if len(words) >= 2 and words[-1] in _TAG_QUESTION:
            words.pop()
        for word in words:
            word = word.strip()
            if not word or word in STOPWORDS:
                continue
            if not _HAN_RE.search(word) and not word.isdigit() and (len(word) < 3 or word in _ENGLISH_STOP):
                continue
            out.append(canon.get(word, word))
        return tuple(out)

    def document_words(self, normalised: str, cache: bool = True) -> tuple[str, ...]:
        """Like ``words`` for indexed documents, served from the persistent segmentation cache.

        With ``cache=False`` a new text is segmented without being remembered (bulk additions
        that would only bloat the cache).
        """
        words = self._segmented.get(normalised)
        if words is None:
            words = self._words_uncached(normalised)
            if cache:
                self._segmented[normalised] = words
                self._segmented_new += 1
        if cache:
            self._used.add(normalised)
        return words

    def segment_many(self, texts: list[str], cache: bool = True) -> list[tuple[str, ...]]:
        """``document_words`` for many texts; a huge batch is split across CPUs (forked workers)."""
        todo = sorted({t for t in texts if t not in self._segmented})
        done: dict[str, tuple[str, ...]] = {}
        workers = min(os.cpu_count() or 1, 8)
        if len(todo) >= PARALLEL_MIN_TEXTS and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            global _WORKER_ANALYZER
            _WORKER_ANALYZER = self
            try:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    done = dict(zip(todo, pool.map(_segment_in_worker, todo, chunksize=2000), strict=True))
            finally:
                _WORKER_ANALYZER = None
        out = []
        for t in texts:
            words = done.get(t)
            out.append(words if words is not None else self.document_words(t, cache))
        return out

    def terms(self, normalised: str, document: bool = False, cache: bool = True) -> list[str]:
        """Index terms: words (prefixed w:) and character bigrams of the canonical text (b:)."""
        if document:
            return self.terms_of(self.document_words(normalised, cache))
        return list(self._cache_terms(normalised))

    def _terms_uncached(self, normalised: str) -> tuple[str, ...]:
        """A query's terms (a question's text is turned into terms several times while it is answered)."""
        return tuple(self.terms_of(self.words(normalised)))

    @staticmethod
    def terms_of(words: Iterable[str]) -> list[str]:
        """Index terms of already segmented canonical words.

        Character bigrams inside a word, or touching a one-character word (often a typo's
        fragment), are ``b:``; a bigram joining two longer words is ``j:`` and weighs less
        (see ``term_weight``): it only says the words sat side by side.
        """
        words = tuple(words)
        terms = [f"w:{w}" for w in words]
        prev = ""
        for w in words:
            if not _HAN_RE.search(w):
                continue
            if prev:
                terms.append(("b:" if len(prev) == 1 or len(w) == 1 else "j:") + prev[-1] + w[0])
            terms.extend(f"b:{w[i:i + 2]}" for i in range(len(w) - 1))
            prev = w
        return terms


JUNCTION_WEIGHT = 0.3


def term_weight(term: str) -> float:
    """How much an index term counts relative to its idf."""
    return JUNCTION_WEIGHT if term.startswith("j:") else 1.0


def cache_dir(configured: Path | None = None) -> Path:
    """Where derived data persists between starts: ``configured`` (the ANKANG_CACHE_DIR setting),
    else $XDG_CACHE_HOME/ankang or ~/.cache/ankang.

    Falls back to the temp dir when that cannot be created or written. Everything in it is
    derived (trimmed jieba dictionary, its prefix-dictionary cache, segmented FAQ and statutes)
    and keyed by what shaped it, so deleting it only costs one slow start; ``ankang kb warm``
    fills it ahead of time.
    """
    if configured is not None:
        candidate = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        candidate = Path(base) / "ankang"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        if os.access(candidate, os.W_OK):
            return candidate
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def _dictionary(dict_path: Path | None, extra: list[tuple[str, int]], cache: Path) -> Path:
    """Write (once, in the cache dir) jieba's dictionary trimmed to common words plus our vocabulary.

    The segmenter then keeps its prefix dictionary for that file next to it, so later starts only
    load a small file.
    """
    source = jieba_dir() / "dict.txt"
    own = dict_path.read_text(encoding="utf-8") if dict_path is not None and dict_path.exists() else ""
    key = hashlib.sha1(
        f"{JIEBA_MIN_FREQ}|{source.stat().st_size}|{own}|{sorted(extra)}".encode()
    ).hexdigest()[:16]
    target = cache / f"ankang-jieba-{key}.txt"
    if target.exists():
        return target
    # One regular expression over the whole file, not 350k splits and int() calls (0.1 s, not 0.4 s).
    lines = _COMMON_WORD_LINE.findall(source.read_text(encoding="utf-8"))
    for line in own.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            parts = line.split()
            lines.append(" ".join([parts[0], parts[1] if len(parts) > 1 else "2000", *parts[2:3]]))
    lines.extend(f"{w} {freq}" for w, freq in extra)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, target)  # atomic: concurrent starts never read half a file
    return target


# A line of jieba's dict.txt ("word freq [tag]") whose frequency is at least JIEBA_MIN_FREQ (30).
_COMMON_WORD_LINE = re.compile(r"^[^ \n]+ (?:[3-9][0-9]|[1-9][0-9]{2,})(?: [^\n]*)?$", re.MULTILINE)
assert JIEBA_MIN_FREQ == 30, "_COMMON_WORD_LINE spells out the threshold"
_CACHE_VERSION = 2
# Pieces (text between spaces) whose words are remembered: a statute's chapter titles, numbers and
# stock phrases recur across articles, and a query's pieces recur across questions.
PIECE_CACHE_SIZE = 65536
QUERY_TERMS_CACHE_SIZE = 256  # a query's terms: asked for several times while it is answered
STALE_CACHE_TEXTS = 5000
# Bulk additions at least this large are segmented in forked worker processes (jieba is
# pure Python); only bulk loads reach it, never the bot's per-entry additions.
PARALLEL_MIN_TEXTS = 50_000
_WORKER_ANALYZER: Analyzer | None = None


def _segment_in_worker(text: str) -> tuple[str, ...]:
    assert _WORKER_ANALYZER is not None
    return _WORKER_ANALYZER._words_uncached(text)


def _read_cache(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        data = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


_ENGLISH_STOP = frozenset(
    "the and for can does what how who with are you your have has not from this that will about".split()
)
