"""Spelling correction for questions typed with pinyin, homophones and typos.

Workers type on phones with pinyin input methods, so a wrong character is almost always a
*homophone* of the right one (老扳 for 老板, 劳宝 for 劳保), and a word the input method did not
offer is often left in Latin letters (gongshang认定, zi己买). :class:`Speller` maps both back to
the domain vocabulary it was built from:

(a) **Pinyin in the message.** A run of Latin letters (tones as marks or digits, spaces between
    syllables allowed), together with up to three Chinese characters on either side of it, is
    replaced by a vocabulary word that starts and ends with those characters and whose pinyin in
    between is exactly the run: ``gongshang`` → 工伤, ``zhi ye bing`` → 职业病, ``zi己`` → 自己,
    ``油tang伤`` → 油烫伤 when 烫伤 is a word (the characters kept are the ones typed).
(b) **Homophone typos.** A substring of 2–4 Chinese characters that is not itself a known word
    and differs from a vocabulary word of the same length in exactly one character, that
    character reading (without tones) like the word's own there: 体尖 → 体检, 加般费 → 加班费.

Conservative on purpose, since a wrong "correction" loses a question that was fine:

* a substring that is a vocabulary word or a dictionary word (jieba's, frequency ≥ ``min_freq``,
  by default any) is never replaced: 坚定, 世故, 利害, 下雾 stay as typed;
* nor one that cuts across, or lies inside, a longer known word in the text (工伤是否 has no
  伤是 → 伤势; 攻城略地 keeps its 攻城);
* nor a grammatical character (工的 is not 工地), nor text written in traditional characters;
* the candidate must be unique, or clearly the most frequent (vocabulary count first, then the
  dictionary's frequency): otherwise nothing is replaced.

Everything is looked up in dictionaries built once (pinyin by pypinyin at build time, with the
everyday reading of every character of the CJK block); ``correct`` does no pinyin conversion. Given
a cache dir, the tables are kept there between starts, and a start that finds them never imports
pypinyin, whose dictionaries take about 55 MB of memory (issue 14, point 7).
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from importlib.metadata import version
from pathlib import Path

from knowledge.cachefile import write_pickle
from knowledge.hashtable import StringLists

__all__ = ["Speller", "jieba_frequencies"]

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
# Latin letters with tone marks or digits; syllables may be separated by spaces or apostrophes.
_LETTER = "a-zA-Z\u00c0-\u024f\u01cd-\u01dc"
_LATIN_RUN = re.compile(rf"[{_LETTER}]+[1-5]?(?:[ '’]*[{_LETTER}]+[1-5]?)*")
_MAX_CONTEXT = 3  # Chinese characters on each side of a pinyin run that may belong to its word
_MAX_PINYIN_WORD = 8  # longest vocabulary word matched against pinyin
_MIN_SUB, _MAX_SUB = 2, 4  # lengths of substrings checked for homophone typos
_SHIELD_LEN = 5  # longest known word looked for around a typo
# A dictionary word shields only if this common (定要, 给劳 are in jieba's list, but rare).
_SHIELD_MIN_FREQ = 30
_CLEAR_RATIO = 3  # "clearly most frequent": at least this many times the runner-up
# Everyday two-character words (jieba's frequency ≥ this) that one pinyin syllable and the character
# typed next to it may stand for when no domain word fits: zi己 → 自己, 出cha → 出差, 流xie → 流血.
# 300 keeps the common words (about 12,000) and leaves out rare ones such as 终将 (108): jiang in
# 年终jiang must not become 终将.
_EVERYDAY_MIN_FREQ = 300

# Grammatical characters: a substring is not taken as a typo *at* one of these (工的 → 工地 would
# be wrong more often than right), nor corrected to a word that starts or ends with one (交过 →
# 教过, 要搬 → 要办, 不听 → 不停: the vocabulary holds such fragments of segmented questions).
_FUNCTION_CHARS = frozenset(
    "的地得了着过吗呢吧啊呀嘛么就还也都又再在是不没别有和与及或由把被让给对向从到这那你我他她它们个些谁要能会可"
)

_jieba_freq: dict[str, int] | None = None
_TABLES_VERSION = 1
PYPINYIN_VERSION = version("pypinyin")
_Tables = tuple[dict[tuple[str, str, str], list[str]], dict[str, tuple[str, ...]], dict[str, list[str]], dict[str, str]]
log = logging.getLogger(__name__)


def _read_tables(path: Path) -> _Tables | None:
    try:
        data = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None
    return data if isinstance(data, tuple) and len(data) == 4 else None


def _write_tables(path: Path, tables: _Tables) -> None:
    write_pickle(path, tables, "speller cache")


def _pinyin(items: list[str] | str) -> list[str]:
    """pypinyin's toneless readings, imported only when tables are built (about 55 MB once imported)."""
    from pypinyin import Style, lazy_pinyin

    readings: list[str] = lazy_pinyin(items, style=Style.NORMAL)
    return readings


# The characters block_readings reads: CJK Unified Ideographs (a function, not a list kept in memory).
_CJK_FIRST, _CJK_END = 0x4E00, 0xA000


def _cjk() -> list[str]:
    return [chr(code) for code in range(_CJK_FIRST, _CJK_END)]


_block_readings: dict[tuple[str, ...], dict[str, str]] = {}


def block_readings(cache_dir: Path | None, traditional: frozenset[str]) -> dict[str, str]:
    """Every simplified character's everyday toneless reading ('' for a traditional one), computed once
    per machine (3 s of pypinyin) and kept in ``cache_dir``, and once per process in memory: with it,
    reading a question never imports pypinyin, whose dictionaries take about 55 MB."""
    key = (str(cache_dir), PYPINYIN_VERSION, *sorted(traditional))
    if key in _block_readings:
        return _block_readings[key]
    path = None
    if cache_dir is not None:
        digest = hashlib.sha1(f"{PYPINYIN_VERSION}|{sorted(traditional)}".encode()).hexdigest()[:16]
        path = cache_dir / f"ankang-readings-{digest}.pickle"
        try:
            cached = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            cached = None
        if isinstance(cached, dict) and len(cached) == _CJK_END - _CJK_FIRST:
            _block_readings[key] = cached
            return cached
    block = _cjk()
    simplified = [ch for ch in block if ch not in traditional]
    readings = dict.fromkeys(block, "")
    for ch, reading in zip(simplified, _pinyin(simplified), strict=True):
        readings[ch] = reading if reading.isascii() and reading.isalpha() else ""
    if path is not None:
        write_pickle(path, readings, "readings cache")
    _block_readings[key] = readings
    return readings


def jieba_frequencies() -> dict[str, int]:
    """jieba's bundled dictionary, word → frequency (read once per process, kept in memory)."""
    global _jieba_freq
    if _jieba_freq is None:
        from knowledge.segmenter import jieba_dir

        freq: dict[str, int] = {}
        with open(jieba_dir() / "dict.txt", encoding="utf-8") as f:
            for line in f:
                parts = line.split(" ", 2)
                if len(parts) >= 2:
                    try:
                        freq[parts[0]] = int(parts[1])
                    except ValueError:
                        continue
        _jieba_freq = freq
    return _jieba_freq


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _plain_pinyin(run: str) -> str:
    """'Gōng shāng', 'gong1 shang1', "xi'an" → 'gongshang', 'xian' (ü as v, like pypinyin)."""
    run = run.replace("ü", "v").replace("Ü", "v")
    decomposed = unicodedata.normalize("NFD", run.lower())
    return "".join(c for c in decomposed if "a" <= c <= "z")


class Speller:
    """Corrects pinyin and homophone typos towards a domain vocabulary.

    ``vocabulary``: the domain words (the FAQ's segmented words, synonyms' variants and
    canonicals, glossary names). Repeats count: a word given more often wins a tie of sound.
    ``frequencies``: a general dictionary, word → frequency (default: jieba's). Its words of at
    least ``min_freq`` are "known" (never corrected, and they shield what overlaps them); the
    frequency also ranks candidates that the vocabulary counts cannot separate. The default
    ``min_freq=1`` trusts every dictionary word: rare real words (下雾, 采区, 限值 — and, alas,
    the typo 公伤, frequency 3) are left as typed.
    """

    def __init__(
        self,
        vocabulary: Iterable[str],
        frequencies: Mapping[str, int] | None = None,
        min_freq: int = 1,
        cache_dir: Path | None = None,
    ) -> None:
        counts = Counter(w.strip() for w in vocabulary if w and w.strip())
        self._freq = jieba_frequencies() if frequencies is None else frequencies
        self._min_freq = min_freq
        self._count = counts
        self._readings: dict[str, str] = {}
        # The readings of the whole CJK block, by code point (``_compact``); None until a cache dir gives them.
        self._block: tuple[str, ...] | None = None
        from knowledge.text import _traditional_chars

        self._traditional = _traditional_chars()
        self._by_pinyin: dict[tuple[str, str, str], list[str]] | StringLists = {}
        self._syllables: dict[str, tuple[str, ...]] = {}
        self._homophones: dict[str, list[str]] | StringLists = {}
        self._everyday_pairs: dict[tuple[str, str, str], list[str]] | None = None
        # The tables depend only on the vocabulary (and pypinyin's readings): a cache dir keeps them
        # between starts, keyed by both (0.3 s of pinyin conversion per start otherwise).
        path = None
        if cache_dir is not None:
            key = hashlib.sha1(
                f"{_TABLES_VERSION}|{PYPINYIN_VERSION}|{sorted(self._traditional)}|{sorted(counts.items())}".encode()
            ).hexdigest()[:16]
            path = cache_dir / f"ankang-speller-{key}.pickle"
            tables = _read_tables(path)
            if tables is not None:
                self._by_pinyin, self._syllables, self._homophones, self._readings = tables
                self._compact({**block_readings(cache_dir, self._traditional), **self._readings})
                return
        self._build_tables(counts)
        if path is not None:
            _write_tables(path, (self._by_pinyin, self._syllables, self._homophones, self._readings))
            self._compact({**block_readings(cache_dir, self._traditional), **self._readings})

    def _compact(self, readings: dict[str, str]) -> None:
        """Hold the tables in less memory, same contents (issue 14, point 7): the block's 21k readings as a
        tuple by code point instead of a dict of one-character keys; the pinyin and homophone tables flat
        (``StringLists``, knowledge/hashtable.py); no ``_syllables``, which only building reads."""
        self._block = tuple(sys.intern(readings[chr(code)]) for code in range(_CJK_FIRST, _CJK_END))
        self._readings = {ch: r for ch, r in readings.items() if not _CJK_FIRST <= ord(ch[0]) < _CJK_END}
        if isinstance(self._by_pinyin, dict):  # flat, same lookups (knowledge/hashtable.py)
            self._by_pinyin = StringLists(self._by_pinyin.items())
        if isinstance(self._homophones, dict):
            self._homophones = StringLists(self._homophones.items())
        self._syllables = {}

    def _build_tables(self, counts: Counter[str]) -> None:
        # (a): (prefix characters, pinyin between, suffix characters) → words.
        homophone_words: list[str] = []
        by_pinyin: dict[tuple[str, str, str], list[str]] = {}
        for word in sorted(counts):
            if not (2 <= len(word) <= _MAX_PINYIN_WORD) or not _HAN.match(word):
                continue
            sylls = tuple(_pinyin(word))
            if len(sylls) != len(word) or not all(s.isascii() and s.isalpha() for s in sylls):
                continue
            self._syllables[word] = sylls
            n = len(word)
            for left in range(min(_MAX_CONTEXT, n - 1) + 1):
                for right in range(min(_MAX_CONTEXT, n - 1 - left) + 1):
                    key = (word[:left], "".join(sylls[left : n - right]), word[n - right :])
                    by_pinyin.setdefault(key, []).append(word)
            if _MIN_SUB <= n <= _MAX_SUB and word[0] not in _FUNCTION_CHARS and word[-1] not in _FUNCTION_CHARS:
                homophone_words.append(word)
        self._by_pinyin = by_pinyin
        homophones: dict[str, list[str]] = {}
        # (b): toneless pinyin, syllables joined by "'" → words of 2-4 characters. Each word is
        # filed under its own reading and under its characters' everyday readings, which is what
        # a message's characters are read as.
        for word, everyday in zip(homophone_words, self._everyday_many(homophone_words), strict=True):
            for reading in {"'".join(self._syllables[word]), everyday}:
                homophones.setdefault(reading, []).append(word)
        self._homophones = homophones

    def _everyday_many(self, words: list[str]) -> list[str]:
        chars = "".join(words)
        readings = self._char_readings(chars)
        out, k = [], 0
        for word in words:
            out.append("'".join(readings[k : k + len(word)]))
            k += len(word)
        return out

    # --- queries ---------------------------------------------------------------------------
    def is_known(self, word: str) -> bool:
        """A vocabulary word, or a dictionary word common enough to be meant as typed."""
        return word in self._count or self._freq.get(word, 0) >= self._min_freq

    def correct(self, text: str) -> str:
        """``text`` with pinyin runs and homophone typos replaced by vocabulary words."""
        if not text:
            return text
        if _LATIN_RUN.search(text):
            text = self._correct_pinyin(text)
        if not self._traditional.isdisjoint(text):
            return text  # traditional writing: its characters are no typos, and normalising converts them
        return self._correct_homophones(text)

    # --- (a) pinyin --------------------------------------------------------------------------
    def _correct_pinyin(self, text: str) -> str:
        out: list[str] = []
        pos = 0  # text[:pos] is settled (copied to out)
        for m in _LATIN_RUN.finditer(text):
            start, end = m.span()
            if start < pos:
                continue  # its left context was already taken by the previous replacement
            plain = _plain_pinyin(m.group())
            if not plain:
                continue
            left_max = 0
            while left_max < _MAX_CONTEXT and start - left_max - 1 >= pos and _is_han(text[start - left_max - 1]):
                left_max += 1
            right_max = 0
            while right_max < _MAX_CONTEXT and end + right_max < len(text) and _is_han(text[end + right_max]):
                right_max += 1
            best = self._pinyin_match(text[start - left_max : start], plain, text[end : end + right_max])
            if best is None:
                continue
            word, left, right = best
            out.append(text[pos : start - left])
            out.append(word)
            pos = end + right
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    def _pinyin_match(self, before: str, plain: str, after: str) -> tuple[str, int, int] | None:
        """The best word for pinyin ``plain`` with up to all of ``before``/``after`` around it."""
        # More typed characters consumed is stronger evidence: try the widest contexts first.
        options = sorted(
            ((left, right) for left in range(len(before) + 1) for right in range(len(after) + 1)),
            key=lambda lr: (-(lr[0] + lr[1]), -lr[1]),
        )
        for left, right in options:
            prefix = before[len(before) - left :]
            words = self._by_pinyin.get((prefix, plain, after[:right]))
            if not words:
                continue
            word = self._pick(words)
            if word is not None:
                return word, left, right
        return self._everyday_match(before, plain, after)

    def _everyday_match(self, before: str, plain: str, after: str) -> tuple[str, int, int] | None:
        """An everyday two-character word for one syllable and the character typed beside it.

        The character beside it must not be a grammatical one (扭伤了yao has no 了要), and the
        word must be clearly the most frequent of the candidates on both sides.
        """
        if not (before or after):
            return None
        pairs = self._everyday_table()
        found: list[tuple[str, int, int]] = []
        if before and before[-1] not in _FUNCTION_CHARS:
            found += [(w, 1, 0) for w in pairs.get((before[-1], plain, ""), ())]
        if after and after[0] not in _FUNCTION_CHARS:
            found += [(w, 0, 1) for w in pairs.get(("", plain, after[0]), ())]
        if not found:
            return None
        found.sort(key=lambda f: -self._freq.get(f[0], 0))
        if len(found) > 1 and self._freq.get(found[0][0], 0) < _CLEAR_RATIO * self._freq.get(found[1][0], 0):
            return None
        return found[0]

    def _everyday_table(self) -> dict[tuple[str, str, str], list[str]]:
        """(character, syllable, '') and ('', syllable, character) → everyday words, built on first use."""
        if self._everyday_pairs is None:
            words = sorted(w for w, f in self._freq.items()
                           if len(w) == 2 and f >= _EVERYDAY_MIN_FREQ and _HAN.match(w))
            readings = self._char_readings("".join(words))
            table: dict[tuple[str, str, str], list[str]] = {}
            for k, word in enumerate(words):
                first, second = readings[2 * k], readings[2 * k + 1]
                if first and second:
                    table.setdefault((word[0], second, ""), []).append(word)
                    table.setdefault(("", first, word[1]), []).append(word)
            self._everyday_pairs = table
        return self._everyday_pairs

    # --- (b) homophones ----------------------------------------------------------------------
    def _correct_homophones(self, text: str) -> str:
        n = len(text)
        readings = self._char_readings(text)
        homophones = self._homophones
        out: list[str] = []
        pos = 0
        i = 0
        while i < n - 1:
            r0, r1 = readings[i], readings[i + 1]
            if not (r0 and r1):
                i += 1
                continue
            keys = [r0 + "'" + r1]
            for j in range(i + 2, min(n, i + _MAX_SUB)):
                if not readings[j]:
                    break
                keys.append(keys[-1] + "'" + readings[j])
            replaced = False
            for length in range(len(keys) + 1, _MIN_SUB - 1, -1):
                words = homophones.get(keys[length - 2])
                if not words:
                    continue
                end = i + length
                sub = text[i:end]
                word = self._homophone_for(sub, words)
                if word is None or self._shielded(text, i, end):
                    continue
                out.append(text[pos:i])
                out.append(word)
                pos = i = end
                replaced = True
                break
            if not replaced:
                i += 1
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    def _homophone_for(self, sub: str, words: list[str]) -> str | None:
        """The word ``sub`` is a homophone typo of: one character off, not a grammatical one."""
        if sub in self._count or self._freq.get(sub, 0) >= self._min_freq:
            return None  # a word as typed
        found = []
        for word in words:
            diffs = [p for p in range(len(sub)) if sub[p] != word[p]]
            # 工的 is not a typo of 工地: grammatical characters are typed as meant.
            if len(diffs) == 1 and sub[diffs[0]] not in _FUNCTION_CHARS:
                found.append(word)
        return self._pick(found) if found else None

    def _char_readings(self, text: str) -> list[str]:
        """Each character's everyday toneless reading; '' for anything but simplified Chinese.

        A traditional character is no typo (工傷 is 工伤 written another way, and normalisation
        converts it; 診斷期 must not become 診短期). Only the everyday reading counts: rare ones
        (不 as fu, 还 as fu) would match anything. Readings are memoised in memory.
        """
        memo, block = self._readings, self._block
        if block is not None:
            return [block[ord(ch) - _CJK_FIRST] if "\u4e00" <= ch <= "\u9fff" else self._memo(ch) for ch in text]
        missing = [ch for ch in set(text) if ch not in memo]
        if missing:
            missing.sort()
            han = [ch for ch in missing if "\u4e00" <= ch <= "\u9fff" and ch not in self._traditional]
            for ch, reading in zip(han, _pinyin(han) if han else [], strict=False):
                memo[ch] = reading if reading.isascii() and reading.isalpha() else ""
            for ch in missing:
                memo.setdefault(ch, "")
        return [memo[ch] for ch in text]

    def _memo(self, ch: str) -> str:
        """The reading of a character outside the CJK block (none: '' once remembered)."""
        reading = self._readings.get(ch)
        if reading is None:
            reading = self._readings[ch] = ""
        return reading

    def _shielded(self, text: str, start: int, end: int) -> bool:
        """Whether a known word in ``text`` overlaps [start, end) without lying inside it.

        A known word that is itself cut by a longer known word clear of [start, end) does not
        count: in 职业病体尖, 病体 belongs to no reading of the sentence (职业病 has its 病).
        """
        for a, b in self._known_spans(text, max(0, start - _SHIELD_LEN + 1), min(len(text), end + _SHIELD_LEN - 1)):
            if (start <= a and b <= end) or b <= start or a >= end:
                continue  # inside the substring (itself not known), or clear of it
            if not any(
                d - c > b - a and (c < a < d < b or a < c < b < d) and (d <= start or c >= end)
                for c, d in self._known_spans(text, max(0, a - _SHIELD_LEN + 1), min(len(text), b + _SHIELD_LEN - 1))
            ):
                return True
        return False

    def _known_spans(self, text: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """(start, end) of every known word of 2 to _SHIELD_LEN characters within text[lo:hi]."""
        vocab, freq, min_freq = self._count, self._freq, max(self._min_freq, _SHIELD_MIN_FREQ)
        spans = []
        for a in range(lo, hi - 1):
            for b in range(a + 2, min(hi, a + _SHIELD_LEN) + 1):
                piece = text[a:b]
                if piece in vocab or freq.get(piece, 0) >= min_freq:
                    spans.append((a, b))
        return spans

    def _pick(self, words: list[str]) -> str | None:
        """The unique candidate, or the clearly most frequent one; None when it is a toss-up."""
        distinct = sorted(set(words))
        if len(distinct) == 1:
            return distinct[0]
        ranked = sorted(distinct, key=lambda w: (-self._count[w], -self._freq.get(w, 0), w))
        first, second = ranked[0], ranked[1]
        if self._count[first] >= _CLEAR_RATIO * self._count[second]:
            return first
        if self._count[first] == self._count[second] and self._freq.get(first, 0) >= _CLEAR_RATIO * max(
            1, self._freq.get(second, 0)
        ):
            return first
        return None
