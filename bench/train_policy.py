"""Train the answer policy on the train split, choose its operating point on dev, write it.

Run: .venv/bin/python -m bench.train_policy [--check] [--max-wrong 0.015]

Deterministic: the same repository gives the same ``knowledge/data/answer_policy.json``
(``--check`` says whether the stored one is current; a test runs it). scikit-learn's logistic
regression: a handful of features, a few hundred examples, probabilities that are calibrated
by construction (a reliability table in ``bench.qa`` shows it), and a model that is stored as
plain coefficients, so answering needs no machine-learning library.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from bench.qa import CORPUS_DIR, REPO, expected, load_split
from knowledge.engine import KnowledgeBase
from knowledge.faq import DATA_DIR
from knowledge.policy import POLICY_FILE, AnswerPolicy, LogisticModel

# Law questions told "outside what I know" allowed on dev when choosing that threshold: a worker
# with a real question is better served by guesses to tap than by a refusal.
MAX_LAW_OUTSIDE = 0.03
# Confident-wrong allowed on dev when choosing the operating point: below the 2 % target, so
# the unseen test split has room.
MAX_WRONG = 0.015
REGULARISATION_C = 1.0


def _rows(kb: KnowledgeBase, items: list[dict]) -> tuple[list[dict[str, float]], list[int], list[int], int]:
    """Features, right-labels and outside-labels of the policy cases; and how many items were others."""
    feats, right, outside, others = [], [], [], 0
    for item in items:
        if item["kind"] not in ("law", "oos"):
            others += 1
            continue
        inputs = kb.decision_inputs(item["q"])
        if inputs is None:
            others += 1
            continue
        features, cites = inputs
        feats.append(features)
        right.append(int(item["kind"] == "law" and bool(cites & expected(item))))
        outside.append(int(item["kind"] == "oos"))
    return feats, right, outside, others


def _fit(names: list[str], feats: list[dict[str, float]], labels: list[int]) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[f[n] for n in names] for f in feats], dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION_C, max_iter=5000)
    model.fit((x - mean) / scale, np.array(labels))
    r = lambda v: round(float(v), 6)  # noqa: E731 - a stable file
    return LogisticModel(tuple(names), tuple(map(r, mean)), tuple(map(r, scale)), tuple(map(r, model.coef_[0])),
                         r(model.intercept_[0]))


def _operating_point(model: LogisticModel, feats: list[dict[str, float]], right: list[int], total: int,
                     max_wrong: float) -> float:
    """The lowest P(right) threshold whose confident-wrong share of all dev items is ≤ max_wrong."""
    probs = sorted(((model.probability(f), r) for f, r in zip(feats, right)), reverse=True)
    best = 1.0
    wrong = 0
    for i, (p, r) in enumerate(probs):
        wrong += 1 - r
        if wrong / total > max_wrong:
            break
        # Threshold halfway to the next lower probability keeps this item and excludes the next.
        nxt = probs[i + 1][0] if i + 1 < len(probs) else 0.0
        best = round((p + nxt) / 2, 4) if nxt < p else round(p, 4)
    return best


def _outside_point(model: LogisticModel, feats: list[dict[str, float]], outside: list[int]) -> float:
    """The lowest P(outside) threshold that sends at most MAX_LAW_OUTSIDE of dev law questions away."""
    law = sorted((model.probability(f) for f, o in zip(feats, outside) if not o), reverse=True)
    allowed = int(MAX_LAW_OUTSIDE * len(law))
    return round(max(0.5, law[allowed] + 1e-4 if allowed < len(law) else 0.5), 4)


def train(kb: KnowledgeBase, max_wrong: float = MAX_WRONG) -> AnswerPolicy:
    kb.policy = None  # features do not depend on the policy; make sure nothing stale leaks in
    train_items, dev_items = load_split("train"), load_split("dev")
    feats, right, outside, _ = _rows(kb, train_items)
    names = sorted(feats[0])
    right_model = _fit(names, feats, right)
    outside_model = _fit(names, feats, outside)
    dev_feats, dev_right, dev_outside, _ = _rows(kb, dev_items)
    answer_at = _operating_point(right_model, dev_feats, dev_right, len(dev_items), max_wrong)
    outside_at = _outside_point(outside_model, dev_feats, dev_outside)
    digest = hashlib.sha256((CORPUS_DIR / "train.jsonl").read_bytes()).hexdigest()[:16]
    return AnswerPolicy(right_model, outside_model, answer_at, outside_at,
                        {"train_items": len(train_items), "train_sha256": digest, "faq_entries": len(kb.faq),
                         "max_dev_wrong": max_wrong})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laws-dir", type=Path, default=Path(os.environ.get("ANKANG_LAWS_DIR") or REPO.parent / "shared" / "laws"))
    parser.add_argument("--max-wrong", type=float, default=MAX_WRONG)
    parser.add_argument("--check", action="store_true", help="exit 1 if the stored policy is not what training gives")
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.laws_dir)
    policy = train(kb, args.max_wrong)
    path = DATA_DIR / POLICY_FILE
    if args.check:
        stored = AnswerPolicy.load(path)
        if stored != policy:
            print(f"{path} is stale: run python -m bench.train_policy", file=sys.stderr)
            return 1
        print(f"{path} is current")
        return 0
    policy.save(path)
    print(f"wrote {path}: answer at P(right) ≥ {policy.answer_at}, outside at P(outside) ≥ {policy.outside_at}")
    for name, w in sorted(zip(policy.right.features, policy.right.coef), key=lambda t: -abs(t[1])):
        print(f"  {name:<16}{w:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
