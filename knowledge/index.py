"""A small incremental BM25 index: cheap to add one document, fast to query at 100k documents."""
from __future__ import annotations

import math
from collections import Counter, defaultdict

K1 = 1.2
B = 0.75
# Terms in more than this share of documents carry little signal and cost the most to score;
# they still count for the candidates found through rarer terms (see ``score_docs``).
COMMON_DF_SHARE = 0.08
COMMON_DF_MIN = 200


class BM25Index:
    """Documents are term lists; ``search`` returns (doc id, score) best first."""

    def __init__(self) -> None:
        self._postings: dict[str, dict[int, int]] = defaultdict(dict)  # term → {doc: tf}
        self._lengths: list[int] = []
        self._terms: list[Counter[str]] = []
        self._total_len = 0

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, terms: list[str]) -> int:
        """Add a document and return its id (ids are dense, in insertion order)."""
        doc = len(self._lengths)
        counts = Counter(terms)
        for term, tf in counts.items():
            self._postings[term][doc] = tf
        self._lengths.append(len(terms))
        self._terms.append(counts)
        self._total_len += len(terms)
        return doc

    def df(self, term: str) -> int:
        posting = self._postings.get(term)
        return len(posting) if posting else 0

    def idf(self, term: str) -> float:
        n = len(self._lengths)
        df = self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def doc_terms(self, doc: int) -> Counter[str]:
        return self._terms[doc]

    def search(self, terms: list[str], limit: int = 50) -> list[tuple[int, float]]:
        scores = self.score_docs(terms)
        if not scores:
            return []
        best = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        return best[:limit]

    def score_docs(self, terms: list[str]) -> dict[int, float]:
        n = len(self._lengths)
        if not n:
            return {}
        avgdl = self._total_len / n
        query = Counter(terms)
        common_df = max(COMMON_DF_MIN, int(n * COMMON_DF_SHARE))
        scores: dict[int, float] = {}
        common: list[tuple[str, int]] = []
        lengths = self._lengths
        for term, qtf in query.items():
            posting = self._postings.get(term)
            if not posting:
                continue
            if len(posting) > common_df:
                common.append((term, qtf))
                continue
            idf = self.idf(term) * qtf
            for doc, tf in posting.items():
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[doc] / avgdl))
                scores[doc] = scores.get(doc, 0.0) + idf * norm
        if not scores and common:
            # Only common terms: score through the rarest one so a query never comes back empty.
            common.sort(key=lambda tq: self.df(tq[0]))
            term, qtf = common.pop(0)
            idf = self.idf(term) * qtf
            for doc, tf in self._postings[term].items():
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[doc] / avgdl))
                scores[doc] = idf * norm
        for term, qtf in common:
            posting = self._postings[term]
            idf = self.idf(term) * qtf
            for doc in scores:
                tf = posting.get(doc)
                if tf:
                    scores[doc] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[doc] / avgdl))
        return scores
