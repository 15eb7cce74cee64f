"""Fit the learned re-ranker of the engine's best candidates and write ``knowledge/data/rerank.json``.

Run: .venv/bin/python -m bench.train_rerank [--check] [--cross]

For every law question of the fitting splits, the engine describes its best candidates
(``KnowledgeBase.rerank_rows``: the parts of their evidence, their rank and gap to the best, the article
vote, coverage of the question, character-bigram overlap with their best phrasing, aspect, figure and
industry fit); a pairwise logistic regression learns which of a right and a wrong candidate is right, over the
questions whose candidates hold both. At request time the best-scoring of the ``top`` candidates
answers: a dot product each. Fitted on evidence that looks like an unseen question's: the retired splits
as they were answered before their misses were read (``bench.qa --as-of``); train's rows (where the hand-set
order is almost always right) were tried and left out. ``--cross``
fits on one retired split as it was and scores the other (first right, top-3 among the candidates),
against the hand-set order. Deterministic: a test refits and compares.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from bench.qa import AS_OF, REPO, as_of_kb, expected, load_split
from bench.train_policy import print_weights
from knowledge.engine import KnowledgeBase
from knowledge.faq import DATA_DIR
from knowledge.policy import RERANK_FILE, LogisticModel, Reranker

TOP = 5
REGULARISATION_C = 0.03
# Where the rows come from: a retired split as it was ("test@c0ccd60"), or a split against today's data.
FIT_SOURCES = ("test@c0ccd60", "test2@5640c97")

Group = list[tuple[dict[str, float], bool]]


def collect(kb: KnowledgeBase, items: list[dict], top: int = TOP) -> list[Group]:
    """Per law question, its candidates' features and whether each cites an acceptable article."""
    groups: list[Group] = []
    saved, kb.reranker = kb.reranker, None
    try:
        for item in items:
            if item["kind"] != "law":
                continue
            rows = kb.rerank_rows(item["q"])
            if rows is None:
                continue
            want = expected(item)
            groups.append([(features, bool(cites & want)) for features, cites in rows[:top]])
    finally:
        kb.reranker = saved
    return groups


def source_kb(kb: KnowledgeBase, source: str) -> tuple[KnowledgeBase, list[dict]]:
    """The knowledge base and the questions of a fitting source."""
    split, _, commit = source.partition("@")
    if commit:
        assert AS_OF.get(split) == commit, source
        return as_of_kb(kb, commit), load_split(split)
    return kb, load_split(split)


def fit(groups: list[Group], c: float = REGULARISATION_C, names: list[str] | None = None,
        top: int = TOP) -> Reranker:
    """Pairwise logistic regression: for every right and wrong candidate of one question, which is right.

    Over the questions whose ``top`` candidates hold both a right and a wrong one; without an intercept,
    so the score orders a question's candidates and means nothing across questions.
    """
    from sklearn.linear_model import LogisticRegression

    groups = [g[:top] for g in groups]
    mixed = [g for g in groups if any(r for _, r in g) and not all(r for _, r in g)]
    names = names or sorted(mixed[0][0][0])
    x = np.array([[f[n] for n in names] for g in mixed for f, _ in g], dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    pairs, labels = [], []
    for g in mixed:
        m = (np.array([[f[n] for n in names] for f, _ in g], dtype=float) - mean) / scale
        for i, (_, right) in enumerate(g):
            for j, (_, other) in enumerate(g):
                if right and not other:
                    pairs += [m[i] - m[j], m[j] - m[i]]
                    labels += [1, 0]
    model = LogisticRegression(C=c, max_iter=5000, fit_intercept=False)
    model.fit(np.array(pairs), np.array(labels))
    r = lambda v: round(float(v), 6)  # noqa: E731 - a stable file
    logistic = LogisticModel(tuple(names), tuple(map(r, mean)), tuple(map(r, scale)),
                             tuple(map(r, model.coef_[0])), 0.0)
    return Reranker(logistic, top, {"sources": "+".join(FIT_SOURCES), "questions": len(groups),
                                    "mixed": len(mixed), "pairs": len(labels) // 2, "C": c})


def measure(groups: list[Group], reranker: Reranker | None) -> tuple[int, int, int]:
    """Questions, first right and right within the top 3 among the candidates (hand-set order without a re-ranker)."""
    first = top3 = 0
    for g in groups:
        if not g:
            continue
        voted = next((i for i, (f, _) in enumerate(g) if f["voted"]), 0)
        if reranker is None:
            order = [voted, *(i for i in range(len(g)) if i != voted)]
        else:
            k = g[:reranker.top]
            logits = [reranker.score(f) for f, _ in k]
            pick = max(range(len(k)), key=lambda i: (logits[i], -i))
            order = [pick, *(i for i in range(len(g)) if i != pick)]
        first += g[order[0]][1]
        top3 += any(g[i][1] for i in order[:3])
    return len(groups), first, top3


def train(kb: KnowledgeBase, sources: tuple[str, ...] = FIT_SOURCES) -> Reranker:
    groups: list[Group] = []
    for source in sources:
        source_base, items = source_kb(kb, source)
        groups += collect(source_base, items)
    reranker = fit(groups)
    return Reranker(reranker.model, reranker.top, {**reranker.trained_on, "sources": "+".join(sources)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laws-dir", type=Path,
                        default=Path(os.environ.get("ANKANG_LAWS_DIR") or REPO.parent / "shared" / "laws"))
    parser.add_argument("--check", action="store_true", help="exit 1 if the stored re-ranker is not what fitting gives")
    parser.add_argument("--cross", action="store_true",
                        help="fit on one retired split as it was, score the other, against the hand-set order")
    parser.add_argument("--sources", default=",".join(FIT_SOURCES),
                        help="what to fit on, comma-separated (to score a retired split as it was with a re-ranker "
                             "that never saw it: leave it out, and do not commit the file)")
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.laws_dir)
    path = DATA_DIR / RERANK_FILE
    if args.cross:
        # Train is shown as an addition that was tried: on train the hand-set order is right 98 % of the time,
        # so its rows teach little, and with them test2 as it was gained nothing (without them, +2).
        data = {source: collect(*source_kb(kb, source)) for source in (*FIT_SOURCES, "train")}
        for held in FIT_SOURCES:
            fitted = fit([g for s, gs in data.items() if s != held for g in gs])
            alone = fit([g for s, gs in data.items() if s not in (held, "train") for g in gs])
            for name, rr in (("hand-set", None), ("fit on the other + train", fitted), ("fit on the other", alone)):
                n, first, top3 = measure(data[held], rr)
                print(f"{held:<16}{name:<28}n={n:<5}first right {first / n:.1%} ({first})  top-3 {top3 / n:.1%}")
        return 0
    reranker = train(kb, tuple(s for s in args.sources.split(",") if s))
    if args.check:
        stored = Reranker.load(path)
        if stored is None or stored.top != reranker.top or stored.model.features != reranker.model.features or any(
                abs(a - b) > 0.01 for a, b in zip(stored.model.coef, reranker.model.coef, strict=True)):
            print(f"{path} is stale: run python -m bench.train_rerank", file=sys.stderr)
            return 1
        print(f"{path} is current")
        return 0
    reranker.save(path)
    print(f"wrote {path}: {reranker.trained_on}")
    print_weights(reranker.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
