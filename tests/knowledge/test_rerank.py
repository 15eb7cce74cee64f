"""The learned re-ranker: stored coefficients, reproducible from the repository, choosing among the best candidates."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bench.train_rerank import train
from knowledge.faq import DATA_DIR
from knowledge.policy import RERANK_FILE, LogisticModel, Reranker


def test_a_reranker_scores_the_standardised_dot_product_and_round_trips() -> None:
    reranker = Reranker(LogisticModel(("a", "b"), (1.0, 0.0), (2.0, 1.0), (0.5, -1.0), 0.0), 5, {"C": 0.03})
    assert reranker.score({"a": 3.0, "b": 2.0}) == pytest.approx(0.5 * (3.0 - 1.0) / 2.0 - 2.0)
    assert Reranker.from_dict(reranker.to_dict()) == reranker


def test_the_stored_reranker_is_what_fitting_on_the_repository_gives(real_kb) -> None:
    """Built deterministically from files in the repository: `python -m bench.train_rerank` rewrites it."""
    stored = Reranker.load(DATA_DIR / RERANK_FILE)
    assert stored is not None and real_kb.reranker == stored
    fitted = train(real_kb)
    assert fitted.top == stored.top and fitted.model.features == stored.model.features
    assert fitted.trained_on == stored.trained_on
    assert fitted.model.coef == pytest.approx(stored.model.coef, abs=0.01), (
        "knowledge/data/rerank.json is stale: run python -m bench.train_rerank")


def test_the_reranker_picks_the_candidate_it_scores_best_among_its_top(real_kb) -> None:
    """Told to prefer the lowest-ranked of the best five, the engine answers with that one; without it, the vote's."""
    question = "单位不发劳保用品合法吗"
    rows = real_kb.rerank_rows(question)
    assert rows is not None and len(rows) >= 5
    saved = real_kb.reranker
    try:
        real_kb.reranker = None
        voted = real_kb._rank(real_kb._policy_query(question)[1])[0][0].entry
        contrary = Reranker(LogisticModel(("rank",), (0.0,), (1.0,), (1.0,), 0.0), 5)
        real_kb.reranker = contrary
        ranked = real_kb._rank(real_kb._policy_query(question)[1])[0]
        real_kb.reranker = replace(contrary, top=1)
        only_first = real_kb._rank(real_kb._policy_query(question)[1])[0]
    finally:
        real_kb.reranker = saved
    raw_order = sorted(ranked, key=lambda s: -s.raw)
    assert ranked[0].entry == raw_order[4].entry != voted
    assert only_first[0].entry == raw_order[0].entry
