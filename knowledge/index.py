"""A BM25 index over term lists, scored with numpy arrays so a query stays fast at 100k+ documents.

Documents are added with ``add`` (one) or ``extend`` (many, one pass); the query-time arrays are
rebuilt lazily on the first search after a change, so bulk loading costs one build.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

K1 = 1.2
B = 0.75


class BM25Index:
    """Documents are term lists; ``search`` returns (doc id, score) best first."""

    def __init__(self) -> None:
        self._postings: dict[str, list[tuple[int, int]]] = {}  # term → [(doc, tf)], docs ascending
        self._lengths: list[int] = []
        self._terms: list[Counter[str]] = []
        self._total_len = 0
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] | None = None  # term → (docs, bm25 weights)

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, terms: list[str]) -> int:
        """Add a document and return its id (ids are dense, in insertion order)."""
        doc = len(self._lengths)
        counts = Counter(terms)
        postings = self._postings
        for term, tf in counts.items():
            posting = postings.get(term)
            if posting is None:
                postings[term] = [(doc, tf)]
            else:
                posting.append((doc, tf))
        self._lengths.append(len(terms))
        self._terms.append(counts)
        self._total_len += len(terms)
        self._arrays = None
        return doc

    def extend(self, docs: list[list[str]]) -> range:
        """Add many documents; the scoring arrays are built once, on the next search."""
        start = len(self._lengths)
        for terms in docs:
            self.add(terms)
        return range(start, len(self._lengths))

    def df(self, term: str) -> int:
        posting = self._postings.get(term)
        return len(posting) if posting else 0

    def idf(self, term: str) -> float:
        n = len(self._lengths)
        df = self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def doc_terms(self, doc: int) -> Counter[str]:
        return self._terms[doc]

    def _build(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        n = len(self._lengths)
        lengths = np.asarray(self._lengths, dtype=np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        arrays = {}
        for term, posting in self._postings.items():
            docs = np.fromiter((d for d, _ in posting), dtype=np.int32, count=len(posting))
            tf = np.fromiter((t for _, t in posting), dtype=np.float32, count=len(posting))
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            arrays[term] = (docs, (idf * tf * (K1 + 1) / (tf + norm[docs])).astype(np.float32))
        return arrays

    def search(self, terms: list[str], limit: int = 50) -> list[tuple[int, float]]:
        """Return the ``limit`` best documents for the query terms (each distinct term counts once)."""
        n = len(self._lengths)
        if not n or not terms:
            return []
        if self._arrays is None:
            self._arrays = self._build()
        arrays = self._arrays
        scores = np.zeros(n, dtype=np.float32)
        hit = False
        for term in set(terms):
            entry = arrays.get(term)
            if entry is not None:
                docs, weights = entry
                scores[docs] += weights
                hit = True
        if not hit:
            return []
        k = min(limit, n)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(d), float(scores[d])) for d in top if scores[d] > 0]
