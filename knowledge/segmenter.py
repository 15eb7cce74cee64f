"""jieba's word segmentation (``Tokenizer.lcut(text, HMM=True)``), word for word, over compact tables.

jieba keeps its prefix dictionary as a dict of every word and every prefix of one (about 150k strings with
their frequencies) and its HMM's emission probabilities as dicts of characters: about 10 MB that a running
bot holds for good (issue 14, point 7). Here the prefix dictionary is a ``StringIds`` hash table with the
frequencies in an array, and the emissions are arrays indexed by code point; jieba itself is not imported
(its import loads the HMM's dicts). The algorithm is jieba's, step by step, so the words are the same
(tests/knowledge/test_segmenter.py compares them with jieba's on the statutes and the FAQ).

Both tables are derived from jieba's files once and kept in the cache dir.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import pickle
import re
from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from math import log
from pathlib import Path

from knowledge.cachefile import write_pickle
from knowledge.hashtable import StringIds

log_ = logging.getLogger(__name__)

# jieba's patterns (jieba/__init__.py and jieba/finalseg/__init__.py, version 0.42).
_RE_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_RE_SKIP = re.compile("(\r\n|\\s)", re.U)
_RE_HMM_HAN = re.compile("([\u4E00-\u9FD5]+)")
_RE_HMM_SKIP = re.compile("([a-zA-Z0-9]+(?:\\.\\d+)?%?)")
MIN_FLOAT = -3.14e100
_PREV_STATUS = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}
# The HMM only ever sees characters of this range (_RE_HMM_HAN): its emissions are arrays indexed from BASE.
HAN_BASE, HAN_END = 0x4E00, 0x9FD5
_STATES = "BMES"
_TABLES_VERSION = 3

FreqOf = Callable[[str], "int | None"]


def jieba_dir() -> Path:
    """jieba's package directory, found without importing jieba."""
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None, "jieba is a dependency"
    return Path(spec.origin).parent


class Frequencies(Mapping[str, int]):
    """A dictionary's words and their prefixes → frequency (0 for a prefix that is no word), in flat arrays."""

    def __init__(self, words: StringIds, freqs: array[int], total: int) -> None:
        self._words, self._freqs, self.total = words, freqs, total

    def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
        kid = self._words.get(key)
        return default if kid is None else self._freqs[kid]

    def __getitem__(self, key: str) -> int:
        kid = self._words.get(key)
        if kid is None:
            raise KeyError(key)
        return self._freqs[kid]

    def __contains__(self, key: object) -> bool:
        return key in self._words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def items(self) -> Iterator[tuple[str, int]]:  # type: ignore[override]  # a view is not needed
        """(word, frequency) in order, without a lookup each (the speller's everyday words read them all)."""
        return zip(self._words, self._freqs, strict=True)

    def __len__(self) -> int:
        return len(self._words)


class Segmenter:
    """``lcut(text)``: jieba's words of ``text`` for the dictionary file ``dictionary`` (jieba's format)."""

    def __init__(self, dictionary: str | Path, cache: Path) -> None:
        self.dictionary = str(dictionary)
        self.freq = _load_prefix_dictionary(Path(dictionary), cache)
        self._logtotal = log(self.freq.total)
        self._cache = cache
        # The HMM is read on the first run of characters the dictionary does not cover (a question's):
        # an idle process does not hold it.
        self._hmm: tuple[dict[str, float], dict[str, dict[str, float]], array[float]] | None = None
        self._fast: dict[str, int] | None = None  # the frequencies as a dict while ``bulk`` lasts

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Look words up in a plain dict meanwhile: an index build segments every statute and FAQ text, and
        a dict's lookups make that a third faster (the dict, ~8 MB, lives as long as the build)."""
        if self._fast is not None:
            yield
            return
        self._fast = dict(self.freq.items())
        try:
            yield
        finally:
            self._fast = None

    # --- jieba.Tokenizer.cut(sentence, cut_all=False, HMM=True) --------------------------------------
    def lcut(self, sentence: str) -> list[str]:
        freq_of: FreqOf = self._fast.get if self._fast is not None else self.freq.get
        out: list[str] = []
        for blk in _RE_HAN.split(sentence):
            if not blk:
                continue
            if _RE_HAN.match(blk):
                self._cut_dag(blk, freq_of, out)
            else:
                for x in _RE_SKIP.split(blk):
                    if _RE_SKIP.match(x):
                        out.append(x)
                    else:
                        out.extend(x)
        return out

    def _cut_dag(self, sentence: str, freq_of: FreqOf, out: list[str]) -> None:
        # get_DAG and calc in one pass from the end: the dictionary words starting at each position, and the most
        # probable route from there to the end (jieba's max over (log probability, end): a tie takes the
        # longer word, as the later end wins max's comparison of the tuples).
        n = len(sentence)
        logtotal = self._logtotal
        prob = [0.0] * (n + 1)  # route[idx][0]
        ends = [0] * n  # route[idx][1]: where the word starting at idx ends
        for k in range(n - 1, -1, -1):
            best: float | None = None
            end = k
            i = k
            frag = sentence[k]
            while i < n:
                f = freq_of(frag)
                if f is None:
                    break
                if f:
                    p = log(f) - logtotal + prob[i + 1]
                    if best is None or p >= best:
                        best, end = p, i
                i += 1
                frag = sentence[k:i + 1]
            if best is None:  # no word starts here: the character alone, with frequency 0 read as 1
                best, end = log(1) - logtotal + prob[k + 1], k
            prob[k] = best
            ends[k] = end
        # __cut_DAG: runs of single characters that are no word go to the HMM.
        x = 0
        buf = ""
        while x < n:
            y = ends[x] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    self._flush(buf, freq_of, out)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            self._flush(buf, freq_of, out)

    def _flush(self, buf: str, freq_of: FreqOf, out: list[str]) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not freq_of(buf):
            self._hmm_cut(buf, out)
        else:
            out.extend(buf)

    # --- jieba.finalseg.cut ------------------------------------------------------------------------
    def _hmm_cut(self, sentence: str, out: list[str]) -> None:
        for blk in _RE_HMM_HAN.split(sentence):
            if _RE_HMM_HAN.match(blk):
                self._viterbi_cut(blk, out)
            else:
                out.extend(x for x in _RE_HMM_SKIP.split(blk) if x)

    def _viterbi_cut(self, sentence: str, out: list[str]) -> None:
        pos_list = self._viterbi(sentence)
        begin, nexti = 0, 0
        for i, char in enumerate(sentence):
            pos = pos_list[i]
            if pos == "B":
                begin = i
            elif pos == "E":
                out.append(sentence[begin:i + 1])
                nexti = i + 1
            elif pos == "S":
                out.append(char)
                nexti = i + 1
        if nexti < len(sentence):
            out.append(sentence[nexti:])

    def _viterbi(self, obs: str) -> list[str]:
        if self._hmm is None:
            self._hmm = _load_hmm(self._cache)
        start_p, trans_p, emit = self._hmm
        span = HAN_END - HAN_BASE + 1
        offset = {y: s * span - HAN_BASE for s, y in enumerate(_STATES)}
        first = ord(obs[0])
        v: dict[str, float] = {y: start_p[y] + emit[offset[y] + first] for y in _STATES}
        path = {y: [y] for y in _STATES}
        for t in range(1, len(obs)):
            code = ord(obs[t])
            current: dict[str, float] = {}
            newpath = {}
            for y in _STATES:
                em_p = emit[offset[y] + code]
                prob, state = max((v[y0] + trans_p[y0].get(y, MIN_FLOAT) + em_p, y0) for y0 in _PREV_STATUS[y])
                current[y] = prob
                newpath[y] = path[state] + [y]
            v, path = current, newpath
        _, state = max((v[y], y) for y in "ES")
        return path[state]


# --- the tables, derived once and kept in the cache dir ---------------------------------------------
def _load_prefix_dictionary(dictionary: Path, cache: Path) -> Frequencies:
    """jieba's ``gen_pfdict`` of the dictionary file, kept next to it as flat arrays."""
    stat = dictionary.stat()
    key = hashlib.sha1(f"{dictionary.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{_TABLES_VERSION}".encode())
    path = cache / f"ankang-prefix-{key.hexdigest()[:16]}.pickle"
    try:
        words, freqs, total = pickle.loads(path.read_bytes())
        return Frequencies(words, freqs, total)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        pass
    lfreq: dict[str, int] = {}
    total = 0
    with open(dictionary, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip().decode("utf-8")
            try:
                word, count = line.split(" ")[:2]
                freq = int(count)
            except ValueError:
                raise ValueError(f"invalid dictionary entry in {dictionary} at Line {lineno}: {line}") from None
            lfreq[word] = freq
            total += freq
            for ch in range(len(word)):
                lfreq.setdefault(word[:ch + 1], 0)
    words = StringIds.of(lfreq)
    freqs = array("i" if max(lfreq.values(), default=0) < 2**31 else "q", lfreq.values())
    write_pickle(path, (words, freqs, total), "segmenter's prefix table")
    return Frequencies(words, freqs, total)


def _load_hmm(cache: Path) -> tuple[dict[str, float], dict[str, dict[str, float]], array[float]]:
    """jieba's HMM (finalseg): start and transition log-probabilities, and the emissions as one array of
    four rows (B, M, E, S) over the code points HAN_BASE..HAN_END, MIN_FLOAT where jieba has none."""
    source = jieba_dir() / "finalseg"
    sizes = "|".join(str((source / name).stat().st_size) for name in ("prob_start.p", "prob_trans.p", "prob_emit.p"))
    path = cache / f"ankang-hmm-{hashlib.sha1(f'{sizes}|{_TABLES_VERSION}'.encode()).hexdigest()[:16]}.pickle"
    try:
        start, trans, emit = pickle.loads(path.read_bytes())
        return start, trans, emit
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        pass
    loaded = [pickle.loads((source / name).read_bytes()) for name in ("prob_start.p", "prob_trans.p", "prob_emit.p")]
    start, trans, emit_p = loaded
    span = HAN_END - HAN_BASE + 1
    emit = array("d", [MIN_FLOAT]) * (len(_STATES) * span)
    for s, y in enumerate(_STATES):
        for char, p in emit_p[y].items():
            if len(char) == 1 and HAN_BASE <= ord(char) <= HAN_END:
                emit[s * span + ord(char) - HAN_BASE] = p
    write_pickle(path, (start, trans, emit), "segmenter's HMM tables")
    return start, trans, emit
