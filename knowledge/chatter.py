"""What a colloquial question says around its content: tag questions, particles, pronouns, fillers.

"俺们这中不", "这能行", "咋弄", "评个", "能不进": the segmenter glues function characters into words the
index never saw, and a closing tag ("这合法吗", "有人管不") stretches the question away from the phrasing it
matches. The answer policy reads coverage and likeness (``known_share``, ``cover``, ``ratio``) on the content
these helpers leave, so a question is not judged less understood for the way it is said (issue 10, round 11).
Searching is unchanged: only the policy's evidence reads through them.
"""
from __future__ import annotations

import re

# Characters that carry no topic in a worker's question: the copula, particles, pronouns (俺, 咱), demonstratives,
# adverbs of degree and time, aspect markers, measure 个.
FUNCTION_CHARS = frozenset("是的了吗呢啊吧呀嘛哦哈么呗啦嘞咧哩喽嗯哎唉"
                           "俺咱我你他她它们这那啥咋个儿些就都也还又再很太得地着过")
# A closing tag asks whether something is allowed, normal or handled, or how to go on; it names nothing:
# 这中不, 这能行, 能行不, 这合法吗, 这正常不, 这算数不, 有人管不, 咋整, 咋弄, 怎么办, 真的假的.
TAG_CHARS = FUNCTION_CHARS | frozenset("不没能行中可以算合法规理正常数有人管敢整弄办搞怎么样真假对咋成会")
_CLAUSE_RE = re.compile(r"[^\w]+|\s+")
# A quantity or a date said in words (俩, 仨, 十来, 三年, 二十年, 七八十, 五十斤, 一家, 十一点): it counts, it names no
# topic the index could know. A quantity asked (几天, 几个人) is not one: asking a figure is evidence.
_QUANTITY_RE = re.compile(r"[0-9零〇一二两三四五六七八九十百千万半俩仨]+[来多余]?"
                          r"[个年月天日号周岁次斤公米吨点块元家台辆层趟回遍口把条位名样种分秒钟小时礼拜星期]*")


def is_chatter(word: str) -> bool:
    """A word made only of function and tag characters (这能行, 这中, 那会儿) or a quantity (俩, 三年)."""
    return bool(word) and (all(c in TAG_CHARS for c in word) or is_quantity(word))


def is_quantity(word: str) -> bool:
    """A number with or without its measure word (俩, 十来, 三年, 五十斤, 一家)."""
    return _QUANTITY_RE.fullmatch(word) is not None


def core(word: str) -> str:
    """The word without function characters at its ends (评个 → 评, 标都 → 标, 能不进 → 进); a doubled verb once
    (查查 → 查, 问问 → 问)."""
    if len(word) == 2 and word[0] == word[1]:
        word = word[0]
    start, end = 0, len(word)
    while start < end and word[start] in TAG_CHARS:
        start += 1
    while end > start and word[end - 1] in TAG_CHARS:
        end -= 1
    return word[start:end]


def drop_tag(text: str) -> str:
    """The text without its closing clauses made only of tag characters ("…没人理 这咋弄" → "…没人理").

    A question that is nothing but a tag keeps it.
    """
    clauses = [c for c in _CLAUSE_RE.split(text) if c]
    while len(clauses) > 1 and all(c in TAG_CHARS for c in clauses[-1]):
        clauses.pop()
    return " ".join(clauses)


def content_chars(text: str) -> str:
    """The text's characters without punctuation, spaces and function characters, after ``drop_tag``."""
    return "".join(c for c in drop_tag(text) if c.isalnum() and c not in FUNCTION_CHARS)
