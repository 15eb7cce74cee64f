"""Fit the answer policy on the training splits, choose its operating points on held-out splits, write it.

Run: .venv/bin/python -m bench.train_policy [--check] [--cross] [--loso] [--held-out] [--max-wrong 0.015]

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

from bench.qa import CORPUS_DIR, OPERATING_SPLITS, REPO, expected, load_split
from knowledge.engine import KnowledgeBase
from knowledge.faq import DATA_DIR
from knowledge.policy import POLICY_FILE, AnswerPolicy, LogisticModel

# Law questions told "outside what I know" allowed on dev when choosing that threshold: a worker
# with a real question is better served by guesses to tap than by a refusal.
MAX_LAW_OUTSIDE = 0.01
# Confident-wrong allowed on dev when choosing the operating point: below the 2 % target, so
# the unseen test split has room.
MAX_WRONG = 0.015
REGULARISATION_C = 1.0
# Rounds 3-8: the first frozen test split is retired (its scores informed choices) and is now fitted on. P(right)
# is fitted on it alone: the FAQ was written from train's misses, never from test's, so test's
# evidence looks like an unseen question's while train's is optimistic (on dev, at the same
# confident-wrong, a fit on test answers 149 policy cases right, on train + test 130, on train 133).
# Train's out-of-scope questions join that fit (no FAQ was written from them either; without them
# four of them are answered confidently). P(outside) learns from train and test. The phrasings round
# wrote phrasings from test's misses too (its brief asked for train, test and test2): test's law
# questions went from 94.3 % to 98.6 % first right, so this fit now sees few wrong answers there.
# On dev it still did best (dev questions confident and right, at its operating point: test 206,
# train 198, train + test 197 of 249); a split no phrasing was written from would serve it better.
# Round 7 had one (calib, 567 questions no phrasing was written from) and it did not: fitted on calib, on
# test + calib or on train + test + calib, P(right) answered fewer dev questions right at dev's operating point
# (137, 139, 141 against 145) and calib's own questions, out of fold, worse than the fit on test alone scores
# them held out (281, 294, 289 right at 13, 13, 11 wrong, against 302 at 7). Gradient boosting on test + calib
# ranked dev better but not calib (out of fold, 240 right before its 9th wrong answer against 308) and its
# operating point let 15-21 wrong answers through on the retired splits as they were (13 before). calib stays a
# held-out check of the policy (bench/README.md, "Round 7").
# Round 9 (bench/README.md, "Round 9: policy"): P(right) is the product of P(right | the need is ours), fitted
# on test's law questions alone, and 1 − P(outside), fitted on every training split's law and out-of-scope
# questions, test6 and calib included. One logistic model over law and out-of-scope questions (rounds 3-8) had to
# tell a colloquial law question from an out-of-scope one and a right answer from a wrong one with the same
# weights: on calib and test6, held out, it gave right-first law questions P(right) 0.3-0.9 that were right 83-92 %
# of the time. Cross-fitted on calib + test6 (``--cross``), the product ranks them better (right answers before
# the 10th / 15th wrong one: 470 / 528 -> 508 / 539; at dev's operating point 506 right / 11 wrong -> 536 / 13);
# adding calib and test6 to P(right | ours) as well did not pay (round 7 found the same for the single model).
# Round 11 (bench/README.md, "Round 11: policy"): test7 (361 questions, retired when test8 was frozen) joins
# P(outside)'s fit and the cross-fitting as test6 did, and the policy sees ``need_miss`` (knowledge/engine.py: the
# question asks a share of pay, another insurance scheme, a product or a procedure the candidate entry does not give).
# Round 13 (bench/README.md, "Round 13: policy"): unchanged. Left out one split at a time (``--loso``) and checked on
# test9 (held out of the whole study), no larger or other fit answered more held-out questions right at the same
# confident-wrong: test8 in P(outside)'s fit (+4 right / -2 wrong left out, test9 -3 / +1), P(right | ours) on test
# + test8 or on every training split, gradient boosting for either model, C from 0.1 to 10, spoken_share in both
# models, a short-question feature. The logistic models do not underfit: every fit stayed within a few right answers
# of this one at 2 % confident-wrong; the operating point, read off dev's 223 cases, moves the figures more.
RIGHT_FIT_SPLITS = ("test",)
FIT_SPLITS = ("train", "test", "calib", "test6", "test7")
# Held out from the fit: the operating points are chosen on these, pooled. Round 14 (bench/README.md, "Round 14: the
# operating point"): dev alone, read as totals for thirteen rounds, said 1.2 % confident-wrong where every fresh
# split's first score said more (test8 1.6, test9 2.1, test10 2.7 %); test9 and test10, by eight writers who never
# saw the FAQ, no phrasing or rule ever written from their misses, join it (998 questions, 4x dev's policy cases):
# bench.qa.OPERATING_SPLITS, which ``--failures`` refuses as it refuses the frozen splits.
# Round 12 (bench/README.md, "Round 12: colloquial"): the share of spoken and dialect marks (``spoken_share``) tells
# P(outside) that a question far from every written phrasing may be said, not be outside; P(right | ours) does
# without it (fitted there too, it moved dev's stories, typos and traditional questions below the threshold).
OUTSIDE_ONLY = frozenset({"spoken_share"})


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
    # lbfgs stops at its tolerance (1e-4 by default), and where it stops depends on the BLAS kernels the CPU picks:
    # the same files gave P(outside) 0.0103 apart on two machines. Run to 1e-10, every machine reaches the optimum.
    model = LogisticRegression(C=REGULARISATION_C, max_iter=20000, tol=1e-10)
    model.fit((x - mean) / scale, np.array(labels))
    r = lambda v: round(float(v), 6)  # noqa: E731 - a stable file
    return LogisticModel(tuple(names), tuple(map(r, mean)), tuple(map(r, scale)), tuple(map(r, model.coef_[0])),
                         r(model.intercept_[0]))


def _threshold_for_wrong(probs: list[float], right: list[int], total: int, max_wrong: float) -> float:
    """The lowest P(right) threshold whose confident-wrong share of all ``total`` items is ≤ max_wrong."""
    ranked = sorted(zip(probs, right, strict=True), reverse=True)
    best = 1.0
    wrong = 0
    for i, (p, r) in enumerate(ranked):
        wrong += 1 - r
        if wrong / total > max_wrong:
            break
        # Halfway to the next lower probability: keeps this item and excludes the next.
        nxt = ranked[i + 1][0] if i + 1 < len(ranked) else 0.0
        best = round((p + nxt) / 2, 4) if nxt < p else round(p, 4)
    return best


# The operating point is the median over this many bootstrap resamples of the operating split (a
# fixed seed: the same repository gives the same policy). Read off the one split as it is, the
# threshold sits at its few confident-wrong questions and jumped between 0.72 and 0.89 with a single
# FAQ phrasing changed; the median moves little. Round 7 tried choosing it on dev and calib pooled (816
# questions, both held out from the fit): the threshold fell (0.93 -> 0.91) and confident-wrong rose on every
# estimate (dev 3 -> 4, the retired test as it was 13 -> 15), so it was chosen on dev alone until round 14
# (OPERATING_SPLITS: dev and two former frozen splits whose misses were never read).
BOOTSTRAP_ROUNDS = 400
BOOTSTRAP_SEED = 20261207


def _stable_threshold(probs: list[float], right: list[int], total: int, max_wrong: float) -> float:
    """The median of ``_threshold_for_wrong`` over bootstrap resamples of the operating split's items.

    ``total`` counts every item of the split (those no policy decides as well): each resample draws
    ``total`` items, of which the policy cases are the ones drawn from ``probs``.
    """
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    cases = len(probs)
    found = []
    for _ in range(BOOTSTRAP_ROUNDS):
        drawn = rng.integers(0, total, size=total)
        picked = drawn[drawn < cases]  # indices beyond the policy cases stand for the other items
        found.append(_threshold_for_wrong([probs[i] for i in picked], [right[i] for i in picked], total, max_wrong))
    return round(float(np.median(found)), 4)


Rows = tuple[list[dict[str, float]], list[int], list[int]]


def _split_rows(kb: KnowledgeBase, splits: tuple[str, ...]) -> dict[str, tuple[list[dict], Rows]]:
    """Each split's policy cases (the items and their features, right- and outside-labels), computed once."""
    out = {}
    for split in splits:
        items = [item for item in load_split(split) if item["kind"] in ("law", "oos")]
        kept, feats, right, outside = [], [], [], []
        for item in items:
            f, r, o, others = _rows(kb, [item])
            if not others:
                kept.append(item)
                feats += f
                right += r
                outside += o
        out[split] = (kept, (feats, right, outside))
    return out


def _operating(rows: dict[str, tuple[list[dict], Rows]]) -> tuple[Rows, int]:
    """The operating splits' policy cases pooled, and how many items they hold in all (every kind)."""
    return _join([rows[s][1] for s in OPERATING_SPLITS]), sum(len(load_split(s)) for s in OPERATING_SPLITS)


def _fit_policy(names: list[str], right_rows: Rows, outside_rows: Rows, op_rows: Rows, op_total: int,
                max_wrong: float) -> AnswerPolicy:
    """P(right | ours) on ``right_rows``' law questions, P(outside) on ``outside_rows``, operating on ``op_rows``."""
    law = [i for i, o in enumerate(right_rows[2]) if not o]
    right_model = _fit([n for n in names if n not in OUTSIDE_ONLY], [right_rows[0][i] for i in law],
                       [right_rows[1][i] for i in law])
    outside_model = _fit(names, outside_rows[0], outside_rows[2])
    policy = AnswerPolicy(right_model, outside_model, 1.0, 1.0, right_given_law=True)
    op_feats, op_right, op_outside = op_rows
    answer_at = _stable_threshold([policy.p_right(f) for f in op_feats], op_right, op_total, max_wrong)
    p_outside = [outside_model.probability(f) for f in op_feats]
    law_p = sorted((p for p, o in zip(p_outside, op_outside, strict=True) if not o), reverse=True)
    allowed = int(MAX_LAW_OUTSIDE * len(law_p))
    outside_at = round(max(0.5, law_p[allowed] + 1e-4 if allowed < len(law_p) else 0.5), 4)
    return AnswerPolicy(right_model, outside_model, answer_at, outside_at, right_given_law=True)


def _join(rows: list[Rows]) -> Rows:
    return ([f for r in rows for f in r[0]], [x for r in rows for x in r[1]], [x for r in rows for x in r[2]])


def train(kb: KnowledgeBase, max_wrong: float = MAX_WRONG) -> AnswerPolicy:
    """The answer policy the repository gives (``train_with_features`` without the features)."""
    return train_with_features(kb, max_wrong)[0]


def train_with_features(kb: KnowledgeBase, max_wrong: float = MAX_WRONG) -> tuple[AnswerPolicy, list[dict[str, float]]]:
    """Fit on the training splits; choose the operating points on the operating splits, which the fit never saw.

    Train questions are easier for the engine than unseen ones (the FAQ is extended from its
    misses), so the fitted model trusts the evidence too much there: the operating points correct
    for that, because they are chosen on dev's held-out probabilities, where no FAQ writer looked.
    Fitted on dev alone (the first policy), 27 features over ~220 examples left the operating
    point to noisy out-of-fold probabilities: on dev, fitting on train answered 16 more
    questions right at the same confident-wrong (134 vs 118 of 249, both at 3 wrong).

    Also returns the fitting splits' policy cases' features, on which ``same_policy`` compares a stored
    policy with this one (computed once: the engine over ~2,000 questions is most of the time).
    """
    kb.policy = None  # features do not depend on the policy; make sure nothing stale leaks in
    rows = _split_rows(kb, (*FIT_SPLITS, *OPERATING_SPLITS))
    names = sorted(rows[FIT_SPLITS[0]][1][0][0])
    op_rows, op_total = _operating(rows)
    fitted = _fit_policy(names, _join([rows[s][1] for s in RIGHT_FIT_SPLITS]), _join([rows[s][1] for s in FIT_SPLITS]),
                         op_rows, op_total, max_wrong)

    def digest(split: str) -> str:
        return hashlib.sha256((CORPUS_DIR / f"{split}.jsonl").read_bytes()).hexdigest()[:16]

    items = sum(len(load_split(split)) for split in FIT_SPLITS)
    policy = AnswerPolicy(fitted.right, fitted.outside, fitted.answer_at, fitted.outside_at,
                        {"split": "+".join(FIT_SPLITS), "right_split": "+".join(RIGHT_FIT_SPLITS) + " law",
                         "items": items, "sha256": "+".join(digest(split) for split in FIT_SPLITS),
                         "operating_split": "+".join(OPERATING_SPLITS), "operating_items": op_total,
                         "operating_sha256": "+".join(digest(split) for split in OPERATING_SPLITS),
                         "faq_entries": len(kb.faq),
                         "max_wrong": max_wrong},
                        right_given_law=True)
    return policy, _join([rows[s][1] for s in FIT_SPLITS])[0]


# The cross-fitting protocol of ``--cross``: calib's, test6's and test7's questions fall into CROSS_FOLDS folds by a
# hash of their ids; each fold is scored by the policy fitted without it (the rest of the method unchanged, the
# operating point chosen on dev each time), so every calib, test6 and test7 question is scored by a policy that never
# saw it.
CROSS_SPLITS = ("calib", "test6", "test7")
CROSS_FOLDS = 5


def _fold(item: dict) -> int:
    return int(hashlib.sha256(item["id"].encode()).hexdigest(), 16) % CROSS_FOLDS


def cross(kb: KnowledgeBase, max_wrong: float = MAX_WRONG) -> None:
    """Print the cross-fitted splits' out-of-fold decisions by style, and right answers before the k-th wrong one."""
    kb.policy = None
    rows = _split_rows(kb, tuple(dict.fromkeys((*FIT_SPLITS, *CROSS_SPLITS, *OPERATING_SPLITS))))
    names = sorted(rows[FIT_SPLITS[0]][1][0][0])
    op_rows, op_total = _operating(rows)
    scored: dict[str, list[tuple[float, float, int, str]]] = {s: [] for s in CROSS_SPLITS}
    for k in range(CROSS_FOLDS):
        def part(split: str, held: bool, fold: int = k) -> Rows:
            items, (f, r, o) = rows[split]
            keep = [i for i, item in enumerate(items) if (split not in CROSS_SPLITS) or ((_fold(item) == fold) == held)]
            return [f[i] for i in keep], [r[i] for i in keep], [o[i] for i in keep]

        policy = _fit_policy(names, _join([part(s, False) for s in RIGHT_FIT_SPLITS]),
                             _join([part(s, False) for s in FIT_SPLITS]), op_rows, op_total,
                             max_wrong)
        for split in CROSS_SPLITS:
            items, (f, r, o) = rows[split]
            for i, item in enumerate(items):
                if _fold(item) == k:
                    style = "oos" if o[i] else item["style"]
                    scored[split].append((policy.p_right(f[i]), policy.answer_at, r[i], style))
    print(f"out of fold ({CROSS_FOLDS} folds by id over {'+'.join(CROSS_SPLITS)}), policy cases: "
          "confident and right / confident and WRONG / unsure")
    for split, cases in scored.items():
        by_style: dict[str, list[int]] = {}
        for p, at, r, style in cases:
            cell = by_style.setdefault(style, [0, 0, 0])
            cell[_outcome(p, at, r)] += 1
        total = [sum(c[j] for c in by_style.values()) for j in range(3)]
        print(f"  {split:<6} ALL {total[0]}/{total[1]}/{total[2]}  "
              + "  ".join(f"{s} {c[0]}/{c[1]}/{c[2]}" for s, c in sorted(by_style.items())))
    pooled = [(p, r) for cases in scored.values() for p, _, r, _ in cases]
    print("  pooled, by P(right): " + _right_before_wrong(pooled, (5, 10, 15, 20)))


def _outcome(p_right: float, answer_at: float, right: int) -> int:
    """A policy case's column in the printed tallies: 0 confident and right, 1 confident and WRONG, 2 unsure."""
    if p_right < answer_at:
        return 2
    return 0 if right else 1

def _right_before_wrong(pooled: list[tuple[float, int]], counts: tuple[int, ...]) -> str:
    """How many right answers rank above the k-th wrong one, by P(right), for each k of ``counts``."""
    ranked = sorted(pooled, reverse=True)
    ranks = []
    for k_wrong in counts:
        wrong = right = 0
        for _, r in ranked:
            wrong += 1 - r
            if wrong >= k_wrong:
                break
            right += r
        ranks.append(f"{right} before the {k_wrong}th wrong")
    return ", ".join(ranks)


# The leave-one-split-out protocol of ``--loso`` (round 13): each of these splits in turn is left out of both fits (the
# operating points chosen on dev as always) and scored by the policy fitted without it. The cross-fitting above keeps
# a split's writers in the fit through its other folds; this asks what a policy does for writers it never saw.
LOSO_SPLITS = ("calib", "test6", "test7", "test8")


def leave_one_split_out(kb: KnowledgeBase, max_wrong: float = MAX_WRONG) -> None:
    """Print each left-out split's policy cases, confident and right / WRONG at the operating point, by style."""
    kb.policy = None
    rows = _split_rows(kb, tuple(dict.fromkeys((*FIT_SPLITS, *RIGHT_FIT_SPLITS, *LOSO_SPLITS, *OPERATING_SPLITS))))
    names = sorted(rows[FIT_SPLITS[0]][1][0][0])
    op_rows, op_total = _operating(rows)
    print(f"left out one at a time ({'+'.join(LOSO_SPLITS)}; fits on {'+'.join(FIT_SPLITS)}, P(right | ours) on "
          f"{'+'.join(RIGHT_FIT_SPLITS)}), policy cases: confident and right / confident and WRONG / unsure")
    pooled: list[tuple[float, int]] = []
    totals = [0, 0, 0]
    for held in LOSO_SPLITS:
        policy = _fit_policy(names, _join([rows[s][1] for s in RIGHT_FIT_SPLITS if s != held]),
                             _join([rows[s][1] for s in FIT_SPLITS if s != held]), op_rows, op_total,
                             max_wrong)
        items, (f, r, o) = rows[held]
        by_style: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            p = policy.p_right(f[i])
            pooled.append((p, r[i]))
            cell = by_style.setdefault("oos" if o[i] else item["style"], [0, 0, 0])
            cell[_outcome(p, policy.answer_at, r[i])] += 1
        total = [sum(c[j] for c in by_style.values()) for j in range(3)]
        totals = [a + b for a, b in zip(totals, total, strict=True)]
        print(f"  {held:<6} at {policy.answer_at:.4f}: ALL {total[0]}/{total[1]}/{total[2]}  "
              + "  ".join(f"{s} {c[0]}/{c[1]}/{c[2]}" for s, c in sorted(by_style.items())))
    print(f"  all left-out splits: {totals[0]}/{totals[1]}/{totals[2]}")
    print("  pooled, by P(right): " + _right_before_wrong(pooled, (5, 10, 20, 30)))


def held_out_operating(kb: KnowledgeBase, max_wrong: float = MAX_WRONG) -> tuple[int, int, int]:
    """Print each operating split scored at the operating point chosen on the other three; return the pooled
    confident and right / confident and WRONG / unsure counts of their policy cases.

    The acceptance figure of a change (round 17, bench/README.md "Round 17 on the frozen split"): the operating point
    is chosen on the operating splits, so a refit holds their pooled confident-wrong near ``max_wrong`` by construction
    and a rule read off them ("right rises, wrong does not") only checks the right answers. Each split scored at a
    point it did not choose sees a change that makes wrong answers look surer.
    """
    kb.policy = None
    rows = _split_rows(kb, tuple(dict.fromkeys((*FIT_SPLITS, *RIGHT_FIT_SPLITS, *OPERATING_SPLITS))))
    names = sorted(rows[FIT_SPLITS[0]][1][0][0])
    right_rows = _join([rows[s][1] for s in RIGHT_FIT_SPLITS])
    outside_rows = _join([rows[s][1] for s in FIT_SPLITS])
    print(f"each operating split at the point chosen on the other three ({'+'.join(OPERATING_SPLITS)}), policy cases: "
          "confident and right / confident and WRONG / unsure")
    totals = [0, 0, 0]
    for held in OPERATING_SPLITS:
        others = [s for s in OPERATING_SPLITS if s != held]
        policy = _fit_policy(names, right_rows, outside_rows, _join([rows[s][1] for s in others]),
                             sum(len(load_split(s)) for s in others), max_wrong)
        feats, right, _ = rows[held][1]
        cell = [0, 0, 0]
        for f, r in zip(feats, right, strict=True):
            cell[_outcome(policy.p_right(f), policy.answer_at, r)] += 1
        totals = [a + b for a, b in zip(totals, cell, strict=True)]
        print(f"  {held:<6} at {policy.answer_at:.4f}: {cell[0]}/{cell[1]}/{cell[2]}")
    print(f"  pooled: {totals[0]}/{totals[1]}/{totals[2]}")
    return totals[0], totals[1], totals[2]


def same_policy(a: AnswerPolicy, b: AnswerPolicy, feats: list[dict[str, float]], tolerance: float = 0.02) -> bool:
    """The same decisions on the fitting split's questions, up to ``tolerance`` in each probability.

    Compared on what the policy does, not on its coefficients: features that move together
    (``lead_gap``, ``margin``, ``vote``) let the solver trade weight between them by a percent
    from one scikit-learn/BLAS build to the next while every probability stays within 0.002. The
    machine counts too: OpenBLAS picks its kernels by CPU (DYNAMIC_ARCH), and lbfgs stops where its
    tolerance lets it, so the same files and libraries gave P(outside) 0.0103 apart on one question
    between two sessions' machines (3906aef's policy, refitted on 2026-12-07): hence 0.02, while the
    thresholds stay within 0.01.
    """
    def close(x: LogisticModel, y: LogisticModel) -> bool:
        return x.features == y.features and all(abs(x.probability(f) - y.probability(f)) <= tolerance for f in feats)

    return (close(a.right, b.right) and close(a.outside, b.outside) and abs(a.answer_at - b.answer_at) <= 0.01
            and abs(a.outside_at - b.outside_at) <= 0.01 and a.trained_on == b.trained_on
            and a.right_given_law == b.right_given_law)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laws-dir", type=Path,
                        default=Path(os.environ.get("ANKANG_LAWS_DIR") or REPO.parent / "shared" / "laws"))
    parser.add_argument("--max-wrong", type=float, default=MAX_WRONG)
    parser.add_argument("--check", action="store_true", help="exit 1 if the stored policy is not what training gives")
    parser.add_argument("--cross", action="store_true",
                        help="print calib's, test6's and test7's out-of-fold decisions (the cross-fitting protocol)")
    parser.add_argument("--loso", action="store_true",
                        help="print each of calib, test6, test7 and test8 scored by the policy fitted without it")
    parser.add_argument("--held-out", action="store_true",
                        help="print each operating split scored at the point chosen on the other three (acceptance)")
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.laws_dir)
    if args.cross:
        cross(kb, args.max_wrong)
        return 0
    if args.loso:
        leave_one_split_out(kb, args.max_wrong)
        return 0
    if args.held_out:
        held_out_operating(kb, args.max_wrong)
        return 0
    policy, fit_features = train_with_features(kb, args.max_wrong)
    path = DATA_DIR / POLICY_FILE
    if args.check:
        stored = AnswerPolicy.load(path)
        if stored is None or not same_policy(stored, policy, fit_features):
            print(f"{path} is stale: run python -m bench.train_policy", file=sys.stderr)
            return 1
        print(f"{path} is current")
        return 0
    policy.save(path)
    print(f"wrote {path}: answer at P(right) ≥ {policy.answer_at}, outside at P(outside) ≥ {policy.outside_at}")
    print_weights(policy.right)
    return 0


def print_weights(model: LogisticModel) -> None:
    """A fitted model's weights, largest first (what ``bench.train_policy`` and ``bench.train_rerank`` print)."""
    for name, w in sorted(zip(model.features, model.coef, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<16}{w:+.3f}")


if __name__ == "__main__":
    sys.exit(main())
