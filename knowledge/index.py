"""A BM25 index over term lists, held in flat numpy arrays so it loads and answers fast at 100k+ documents.

Terms are interned to integer ids in a ``Vocabulary`` that several indexes may share (so a query
is mapped once). Documents are stored as flat arrays of distinct term ids with their counts;
postings (a CSR matrix by term) and BM25 weights are rebuilt lazily, in one vectorised pass, on
the first search after a change — bulk loading costs one build.
"""
from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np

from knowledge.hashtable import StringIds

K1 = 1.2
B = 0.75
# Below this share of the corpus, a query's postings are merged sparsely (work ∝ postings
# touched); above it a dense score vector is cheaper.
DENSE_SHARE = 0.125
# The candidate pass reads the rarest query terms' postings up to this many entries (always at
# least MIN_PASS_TERMS terms): the commonest terms carry little idf and would make a query's
# cost grow with the corpus. Final scores use every term (see ``overlap``).
POSTINGS_BUDGET = 40_000
MIN_PASS_TERMS = 2
# Term lookups remembered by a vocabulary (the terms of the last few hundred questions).
MEMO_SIZE = 8192
# Query weights remembered by an index (``query_weights``: the few term sets of the last questions).
QUERY_MEMO_SIZE = 64


class Vocabulary:
    """Term string ↔ dense integer id, with an optional weight per term (scales its idf).

    The weights are few distinct values (``term_weight``: 1.0 or 0.3): each term keeps the index of its
    value, one byte, not a float (issue 14, point 7)."""

    def __init__(self, weight_of: Callable[[str], float] | None = None) -> None:
        self._ids = StringIds()  # flat arrays, not a dict of 100k strings (knowledge/hashtable.py)
        self._weight_of = weight_of
        self._codes = array("B")  # per term: the index of its weight in _values
        self._values: list[float] = []
        self._code_of: dict[float, int] = {}
        self._weights: np.ndarray | None = None  # _values[_codes], made on demand
        # The ids of known terms looked up lately: the table probes in Python, and a question looks each of
        # its terms up several times (three indexes, df, weights), an index build its common terms in every
        # document; a dict answers those at a dict's speed. (Only known terms: a new term changes nothing.)
        self._memo: dict[str, int] = {}
        # Terms looked up lately and not known: a long question has dozens (bigrams, junctions) that every
        # lookup would probe the table for again. Adding a term takes it out.
        self._unknown: set[str] = set()
        self._bulk = False  # while ``bulk`` lasts the memo keeps every term

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Remember every term's id meanwhile (an index build looks each of its 100k terms up in many documents,
        and a bounded memo, cleared when full, would send most lookups to the table's probing in Python); the
        memo is dropped afterwards."""
        if self._bulk:
            yield
            return
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False
            self._memo = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, term: str) -> int:
        tid = self._memo.get(term)
        if tid is not None:
            return tid
        known = len(self._ids)
        tid = self._ids.add(term)
        if tid == known:
            self._unknown.discard(term)
            weight = self._weight_of(term) if self._weight_of else 1.0
            code = self._code_of.get(weight)
            if code is None:
                code = self._code_of[weight] = len(self._values)
                self._values.append(weight)
                if code >= 2 ** (8 * self._codes.itemsize):  # more distinct weights than the codes can tell
                    self._codes = array("H" if self._codes.typecode == "B" else "I", self._codes)
            self._codes.append(code)
            self._weights = None
        self._remember(term, tid)
        return tid

    def get(self, term: str) -> int | None:
        tid = self._memo.get(term)
        if tid is None:
            if term in self._unknown:
                return None
            tid = self._ids.get(term)
            if tid is not None:
                self._remember(term, tid)
            else:
                if len(self._unknown) >= MEMO_SIZE:
                    self._unknown.clear()
                self._unknown.add(term)
        return tid

    def _remember(self, term: str, tid: int) -> None:
        if len(self._memo) >= MEMO_SIZE and not self._bulk:
            self._memo.clear()
        self._memo[term] = tid

    def weights(self) -> np.ndarray:
        if self._weights is None or len(self._weights) != len(self._codes):
            codes = np.frombuffer(self._codes, dtype=np.dtype(self._codes.typecode)) if len(self._codes) else \
                np.zeros(0, dtype=np.uint8)
            self._weights = np.asarray(self._values, dtype=np.float64)[codes] if len(codes) else np.zeros(0)
        return self._weights

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_weights"] = None
        state["_memo"] = {}
        state["_unknown"] = set()
        return state


class BM25Index:
    """Documents are term lists; ``search`` returns (doc id, score) best first."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab if vocab is not None else Vocabulary()
        self._ids = array("i")  # distinct term ids of every document, concatenated
        self._tf = array("H")  # their counts (an "i" array once a count passes 65535)
        self._ends = array("q")  # end offset of each document in _ids
        self._lengths = array("i")  # document lengths (terms with repetition)
        self._built: _Arrays | None = None

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, terms: Iterable[str]) -> int:
        """Add a document and return its id (ids are dense, in insertion order)."""
        doc = len(self._lengths)
        add = self.vocab.add
        counts = Counter(terms)
        for term, tf in counts.items():
            self._ids.append(add(term))
            if tf > 0xFFFF and self._tf.typecode == "H":
                self._tf = array("i", self._tf)
            self._tf.append(tf)
        self._ends.append(len(self._ids))
        self._lengths.append(sum(counts.values()))
        self._built = None
        return doc

    def extend(self, docs: Iterable[Iterable[str]]) -> range:
        """Add many documents; the scoring arrays are built once, on the next search."""
        start = len(self._lengths)
        for terms in docs:
            self.add(terms)
        return range(start, len(self._lengths))

    # --- statistics ----------------------------------------------------------------------
    def _arrays(self) -> _Arrays:
        if self._built is None:
            self._built = _Arrays(self)
        return self._built

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        a = self._arrays()
        return int(a.df[tid]) if tid is not None and tid < len(a.df) else 0

    def idf(self, term: str) -> float:
        return _idf(len(self._lengths), self.df(term))

    def query_weights(
        self, terms: Iterable[str], scale: dict[str, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Distinct known query term ids (sorted), their idf, and the idf mass of all query terms.

        Unknown terms count in the mass with the idf of an unseen term, so a question full of
        words the index has never seen cannot look well covered. ``scale`` multiplies the
        weight of some query terms (the background of a long message).
        """
        a = self._arrays()
        distinct = sorted(set(terms))  # a fixed order: the same sums whatever the hash seed
        # A question asks for the same weights several times (ranking, coverage, the policy's features): they
        # are remembered until the index changes (a new ``_Arrays``) or a sibling index adds a term.
        key = (tuple(distinct), tuple(scale.get(t, 1.0) for t in distinct) if scale else None, len(self.vocab))
        known = a.query_memo.get(key)
        if known is not None:
            return known
        n = len(self._lengths)
        factors = self.vocab.weights()
        weight_of = self.vocab._weight_of
        ids, weights, total = [], [], 0.0
        for term in distinct:
            tid = self.vocab.get(term)
            df = int(a.df[tid]) if tid is not None and tid < len(a.df) else 0
            w = _idf(n, df) * (factors[tid] if tid is not None else (weight_of(term) if weight_of else 1.0))
            if scale:
                w *= scale.get(term, 1.0)
            total += w
            if tid is not None:  # known to a sibling index sharing the vocabulary: same weight
                ids.append(tid)
                weights.append(w)
        order = np.argsort(np.asarray(ids, dtype=np.int64))
        out = (np.asarray(ids, dtype=np.int64)[order], np.asarray(weights, dtype=np.float64)[order], total)
        out[0].flags.writeable = out[1].flags.writeable = False  # shared by every caller of the memo
        if len(a.query_memo) >= QUERY_MEMO_SIZE:
            a.query_memo.clear()
        a.query_memo[key] = out
        return out

    def overlap(self, docs: np.ndarray, qids: np.ndarray, qweights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each document: the query idf mass it contains, and its own idf mass."""
        a = self._arrays()
        docs = np.asarray(docs, dtype=np.int64)
        if not len(docs):
            return np.zeros(0), np.zeros(0)
        starts, ends = a.starts[docs], a.ends[docs]
        sizes = ends - starts
        flat = np.repeat(starts - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes) + np.arange(int(sizes.sum()))
        terms = a.ids[flat]
        owner = np.repeat(np.arange(len(docs)), sizes)
        common: np.ndarray
        if len(qids):
            # Each term's query weight read from a dense table (0 for a term the query lacks): the same sums as
            # over the matching terms alone, in the same order, as adding 0.0 changes no sum.
            lookup = np.zeros(len(a.df))
            inside = qids < len(a.df)  # a term a sibling index added since: in no document of this one
            lookup[qids[inside]] = qweights[inside]
            common = np.bincount(owner, weights=lookup[terms], minlength=len(docs))
        else:
            common = np.zeros(len(docs))
        return common, a.mass[docs]

    # --- search --------------------------------------------------------------------------
    def search(self, terms: Iterable[str], limit: int = 50) -> list[tuple[int, float]]:
        """Return the ``limit`` best documents for the query terms (each distinct term counts once)."""
        n = len(self._lengths)
        if not n:
            return []
        tids = np.asarray(sorted({t for t in (self.vocab.get(x) for x in terms) if t is not None}), dtype=np.int64)
        a = self._arrays()
        tids = tids[tids < len(a.df)]
        starts, ends = a.indptr[tids], a.indptr[tids + 1]
        present = ends > starts
        starts, ends = starts[present], ends[present]
        if not len(starts):
            return []
        order = np.argsort(ends - starts, kind="stable")  # shortest postings first, ties in term order
        starts, ends = starts[order], ends[order]
        # The rarest terms' postings up to the budget, at least MIN_PASS_TERMS terms: the first term past
        # MIN_PASS_TERMS that would take the running total over the budget and every term after it stay out.
        running = np.cumsum(ends - starts)
        over = np.flatnonzero(running[MIN_PASS_TERMS:] > POSTINGS_BUDGET)
        keep = MIN_PASS_TERMS + int(over[0]) if len(over) else len(running)
        slices = list(zip(starts[:keep].tolist(), ends[:keep].tolist(), strict=True))
        touched = int(running[keep - 1])
        if touched > DENSE_SHARE * n:
            scores = np.zeros(n, dtype=np.float32)
            # One unbuffered add over the postings in term order: each document's float32 sum in the same order
            # as adding term by term.
            np.add.at(scores, np.concatenate([a.post_docs[s:e] for s, e in slices]),
                      np.concatenate([a.post_weights[s:e] for s, e in slices]))
            candidates = np.flatnonzero(scores)
            values = scores[candidates]
        else:
            docs = np.concatenate([a.post_docs[s:e] for s, e in slices])
            weights = np.concatenate([a.post_weights[s:e] for s, e in slices])
            candidates, inverse = np.unique(docs, return_inverse=True)
            values = np.bincount(inverse, weights=weights).astype(np.float32)
        k = min(limit, len(candidates))
        if k <= 0:
            return []
        top = np.argpartition(-values, k - 1)[:k] if k < len(candidates) else np.arange(len(candidates))
        top = top[np.lexsort((candidates[top], -values[top]))]
        return [(int(candidates[i]), float(values[i])) for i in top if values[i] > 0]


class _Arrays:
    """The query-time form of an index: CSR postings by term with BM25 weights, per-doc data."""

    def __init__(self, index: BM25Index) -> None:
        n = len(index._lengths)
        v = len(index.vocab)
        self.ids = (np.frombuffer(index._ids, dtype=np.int32).astype(np.int64) if len(index._ids)
                    else np.zeros(0, np.int64))
        tf = (np.frombuffer(index._tf, dtype=np.dtype(index._tf.typecode)).astype(np.float32) if len(index._tf)
              else np.zeros(0, np.float32))
        self.ends = np.frombuffer(index._ends, dtype=np.int64).copy() if n else np.zeros(0, np.int64)
        self.starts = np.concatenate(([0], self.ends[:-1])).astype(np.int64) if n else np.zeros(0, np.int64)
        lengths = np.frombuffer(index._lengths, dtype=np.int32).astype(np.float32) if n else np.zeros(0, np.float32)
        owner = np.repeat(np.arange(n, dtype=np.int64), self.ends - self.starts)
        self.df = np.bincount(self.ids, minlength=v)
        idf = np.log1p((n - self.df + 0.5) / (self.df + 0.5)) * index.vocab.weights()[:v]
        self.mass = np.bincount(owner, weights=idf[self.ids], minlength=n)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        weights = (idf[self.ids] * tf * (K1 + 1) / (tf + norm[owner])).astype(np.float32)
        order = np.argsort(self.ids, kind="stable")  # by term, documents ascending within a term
        self.post_docs = owner[order].astype(np.int32)
        self.post_weights = weights[order]
        self.indptr = np.concatenate(([0], np.cumsum(self.df)))
        self.query_memo: dict[tuple[object, ...], tuple[np.ndarray, np.ndarray, float]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "query_memo": {}}


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
