"""Text normalisation and tokenisation shared by indexing and querying."""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import jieba
from opencc import OpenCC

from knowledge.faq import Synonyms
from knowledge.numerals import replace_numerals

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
    因为 然后 现在 已经 还是 不会 会不会 干嘛 干吗 我能 我要 我该 咋 咋办 咋整 呗 喔 哎 唉 么样 没事""".split()
)

_t2s = None


def _converter() -> OpenCC:
    global _t2s
    if _t2s is None:
        _t2s = OpenCC("t2s")
    return _t2s


def normalise(text: str) -> str:
    """Fold width and case, convert traditional to simplified, read numerals, tidy punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _HAN_RE.search(text):
        text = _converter().convert(text)
    text = replace_numerals(text)
    text = _PUNCT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def compact(text: str) -> str:
    """Normalised text without spaces, for fuzzy comparison and duplicate checks."""
    return normalise(text).replace(" ", "")


class Analyzer:
    """Turn text into index terms: jieba words mapped through synonyms, plus character bigrams."""

    def __init__(self, synonyms: Synonyms, user_words: Iterable[str] = (), dict_path: Path | None = None) -> None:
        self.synonyms = synonyms
        self._tok = jieba.Tokenizer()
        # jieba logs "Building prefix dict…" at DEBUG on its own logger; keep it quiet.
        jieba.setLogLevel(logging.WARNING)
        self._tok.initialize()
        if dict_path is not None and dict_path.exists():
            self._tok.load_userdict(str(dict_path))
        for word in {*synonyms.words(), *user_words}:
            if len(word) >= 2 and _HAN_RE.search(word):
                self._tok.add_word(word, freq=max(2000, 400 * len(word)))
        self._english = sorted(synonyms.english.items(), key=lambda kv: -len(kv[0]))
        self._cache_words = lru_cache(maxsize=4096)(self._words_uncached)

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
        canon = self.synonyms.canonical
        for piece in normalised.split(" "):
            if not piece:
                continue
            for word in self._tok.lcut(piece, HMM=True):
                word = word.strip()
                if not word or word in STOPWORDS:
                    continue
                if not _HAN_RE.search(word) and not word.isdigit():
                    if len(word) < 3 or word in _ENGLISH_STOP:
                        continue
                out.append(canon.get(word, word))
        return tuple(out)

    def terms(self, normalised: str) -> list[str]:
        """Index terms: words (prefixed w:) and character bigrams of the canonical text (b:)."""
        words = self.words(normalised)
        terms = [f"w:{w}" for w in words]
        han = "".join(w for w in words if _HAN_RE.search(w))
        terms.extend(f"b:{han[i:i + 2]}" for i in range(len(han) - 1))
        return terms


_ENGLISH_STOP = frozenset("the and for can does what how who with are you your have has not from this that will about".split())
