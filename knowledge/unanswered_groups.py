"""Unanswered questions grouped by the engine's similarity, so admins answer a need once.

Two questions are similar when the terms the engine indexes them by (words after its synonyms —
劳保 and 劳动防护用品 are one word — and character bigrams) overlap enough, or overlap somewhat and
the engine ranks the same entries first for both; the text need not be the same. Each group also
names the existing entry nearest to it (the engine's search), the candidate for 合并到已有条目.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.engine import KnowledgeBase
from knowledge.models import UnansweredQuestion
from knowledge.text import normalise, term_weight

SIMILAR = 0.35  # Dice overlap of the weighted terms from which two questions are one group
# ... or a weaker overlap when the engine ranks the same entries first for both (the same need).
SIMILAR_WITH_SHARED_RESULTS = 0.2
SHARED_RESULTS = 1  # of each question's TOP_RESULTS best FAQ entries
TOP_RESULTS = 3
NEAREST_MIN = 0.2  # an entry weaker than this is not offered for merging


@dataclass
class QuestionGroup:
    questions: list[UnansweredQuestion] = field(default_factory=list)
    nearest_id: str | None = None
    nearest_q: str = ""
    nearest_score: float = 0.0

    @property
    def sample(self) -> str:
        return self.questions[0].sample

    @property
    def count(self) -> int:
        return sum(q.count for q in self.questions)

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.questions]


def _terms(kb: KnowledgeBase, text: str) -> dict[str, float]:
    """The question's index terms, each weighted as the engine weighs it: by how rare it is among
    the FAQ phrasings (安全生产 says little, 熄火保护 a lot), whole words above the bigrams inside."""
    return {t: kb.term_idf(t) * (2.0 if t.startswith("w:") else 1.0) * term_weight(t)
            for t in set(kb.analyzer.terms(normalise(text)))}


def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted Dice overlap: 1 for the same terms, 0 for none in common."""
    total = sum(a.values()) + sum(b.values())
    return 2 * sum(min(a[t], b[t]) for t in a.keys() & b.keys()) / total if total else 0.0


def group_unanswered(kb: KnowledgeBase, questions: list[UnansweredQuestion]) -> list[QuestionGroup]:
    """Most asked first: each question joins the first group whose first question is similar enough."""
    groups: list[tuple[dict[str, float], set[str], QuestionGroup]] = []
    nearest: dict[int, tuple[str, str, float]] = {}
    for question in sorted(questions, key=lambda q: (-q.count, q.id)):
        terms = _terms(kb, question.sample)
        hits = [h for h in kb.search(question.sample, TOP_RESULTS * 2) if h.kind == "faq" and h.faq_id]
        top = {h.faq_id for h in hits[:TOP_RESULTS] if h.faq_id}
        if hits and hits[0].faq_id:
            nearest[question.id] = (hits[0].faq_id, hits[0].title, hits[0].score)
        for lead, lead_top, group in groups:
            score = similarity(lead, terms)
            if score >= SIMILAR or (score >= SIMILAR_WITH_SHARED_RESULTS and len(lead_top & top) >= SHARED_RESULTS):
                group.questions.append(question)
                break
        else:
            groups.append((terms, top, QuestionGroup([question])))
    out = [group for _, _, group in groups]
    for group in out:
        best = nearest.get(group.questions[0].id)
        if best is not None and best[2] >= NEAREST_MIN:
            group.nearest_id, group.nearest_q, group.nearest_score = best
    out.sort(key=lambda g: -g.count)
    return out
