"""What a colloquial question says around its content: tag questions, particles, pronouns, fillers.

"俺们这中不", "这能行", "咋弄", "评个", "能不进": the segmenter glues function characters into words the
index never saw, and a closing tag ("这合法吗", "有人管不") stretches the question away from the phrasing it
matches. The answer policy reads coverage and likeness (``known_share``, ``cover``, ``ratio``) on the content
these helpers leave, so a question is not judged less understood for the way it is said (issue 10, round 11).
Searching is unchanged: only the policy's evidence reads through them.
"""
from __future__ import annotations

import re
import unicodedata

from knowledge.text import literal_pattern, spoken_lexicon

# Characters that carry no topic in a worker's question: the copula, particles, pronouns (俺, 咱), demonstratives,
# adverbs of degree and time, aspect markers, measure 个.
FUNCTION_CHARS = frozenset("是的了吗呢啊吧呀嘛哦哈么呗啦嘞咧哩喽嗯哎唉"
                           "俺咱我你他她它们这那啥咋个儿些就都也还又再很太得地着过"
                           # Round 13: what the normaliser leaves of Cantonese (咗, 啲) and particles inside a clause.
                           "咗啲嘞咯噻嗦咩喎啫哒")
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


# Marks of spoken or dialect Chinese (round 12): pronouns and particles of speech (俺, 咱, 啥, 咋, 呗, 嘞), tag
# questions (中不, 行不, 能行不, 咋整), workplace slang (老板, 干活, 带班的, 弄伤). A question said this way is further
# from any written phrasing by nature; the policy reads the share so that a low ``ratio`` is not read as "outside".
_SPOKEN_MARKS = (
    "俺 咱 啥 咋 恁 呗 嘞 咧 哩 喽 啦 嘛 呀 咯 木有 没得 莫得 晓得 整不 整啥 弄伤 弄坏 弄啥 搞啥 咋办 咋弄 咋整 "
    "中不 中不中 行不 能行 算数不 管不 给不给 赔不赔 要不要 有没有 是不是 可不可以 "
    "老板 老板娘 包工头 工头 带班的 干活 上工 做工 厂里 厂子 电驴 小电驴 娃 俩 仨 这会儿 那会儿"
).split()
# Round 13: every word of the spoken lexicon (data/spoken.yaml and knowledge/text.py's table: 莫得, 冇, 呒没, 巴适,
# 老细, 头家...) is a mark too, and so are the particles that only speech uses. The share is read on the question as
# written, before ``normalise`` reads those words as standard ones (莫得 was never counted: it was 没有 by then).
_SPOKEN_PARTICLES = "噻嗦咩喎啫㗎啩咯嘞咧呐呗啦嘛哟"
_spoken_re: re.Pattern[str] | None = None


def _spoken_marks() -> re.Pattern[str]:
    global _spoken_re
    if _spoken_re is None:
        _, table, _ = spoken_lexicon()
        marks = {*_SPOKEN_MARKS, *(k for k in table if k.strip()), *_SPOKEN_PARTICLES}
        # Longest first: 咋办 is one mark, not 咋 and an unmarked 办.
        _spoken_re = literal_pattern(marks)
    return _spoken_re


def spoken_share(text: str) -> float:
    """The share of the text's characters in marks of spoken or dialect speech (0 for a written question)."""
    chars = [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]
    if not chars:
        return 0.0
    marked = sum(len(m.group()) for m in _spoken_marks().finditer("".join(chars)))
    return marked / len(chars)
