"""The answer policy: from the ranking's evidence, how likely the best answer is right.

Hand-set thresholds decided "answer / unsure / out of scope" in the first release; they held on
the questions we wrote and not on the ones workers write. The policy is two logistic models over
features of the engine's evidence (scores, margins, the article vote and the winning article's share of
it, coverage of the question, the best phrasing's word overlap, words the speller changed, length and
style, industry fit), trained on the training splits of ``bench/data/qa`` (operating
points chosen on the dev split) by
``python -m bench.train_policy`` and stored as plain numbers in ``data/answer_policy.json``:
answering costs a dot product, and the runtime needs no machine-learning library.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

POLICY_FILE = "answer_policy.json"


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """``p = logistic(intercept + Σ coef·(x − mean)/scale)`` over named features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += w * (float(values.get(name, 0.0)) - mu) / sd
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def to_dict(self) -> dict[str, object]:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> LogisticModel:
        def floats(key: str) -> tuple[float, ...]:
            values = raw[key]
            assert isinstance(values, Sequence)
            return tuple(float(v) for v in values)

        features = raw["features"]
        assert isinstance(features, Sequence)
        intercept = raw["intercept"]
        assert isinstance(intercept, (int, float))
        return cls(tuple(str(f) for f in features), floats("mean"), floats("scale"), floats("coef"), float(intercept))


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """``right``: P(the best answer is right); ``outside``: P(the need is outside what we know).

    With ``right_given_law`` (since round 9) ``right`` is P(the best answer is right | the need is ours), fitted on
    law questions alone, and P(right) is that times 1 − P(outside): one model no longer has to tell a
    colloquial law question from an out-of-scope one and a right answer from a wrong one at once.
    """

    right: LogisticModel
    outside: LogisticModel
    # Answer at or above this P(right); chosen on the dev split for confident-wrong ≤ 2 %.
    answer_at: float
    # Say "outside what I know" (instead of offering guesses) at or above this P(outside).
    outside_at: float = 0.5
    trained_on: dict[str, object] = field(default_factory=dict)
    right_given_law: bool = False

    def p_right(self, values: Mapping[str, float]) -> float:
        """P(the best answer is right): two dot products at most."""
        p = self.right.probability(values)
        return p * (1.0 - self.outside.probability(values)) if self.right_given_law else p

    def to_dict(self) -> dict[str, object]:
        return {"right": self.right.to_dict(), "outside": self.outside.to_dict(), "answer_at": self.answer_at,
                "outside_at": self.outside_at, "right_given_law": self.right_given_law, "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> AnswerPolicy:
        right, outside = raw["right"], raw["outside"]
        assert isinstance(right, Mapping) and isinstance(outside, Mapping)
        answer_at, outside_at = raw["answer_at"], raw.get("outside_at", 0.5)
        assert isinstance(answer_at, (int, float)) and isinstance(outside_at, (int, float))
        trained_on = raw.get("trained_on") or {}
        assert isinstance(trained_on, dict)
        return cls(LogisticModel.from_dict(right), LogisticModel.from_dict(outside), float(answer_at),
                   float(outside_at), trained_on, bool(raw.get("right_given_law", False)))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> AnswerPolicy | None:
        """The stored policy, or None when the file is missing (a knowledge base built from scratch)."""
        if not path.exists():
            return None
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


RERANK_FILE = "rerank.json"


@dataclass(frozen=True, slots=True)
class Reranker:
    """Orders the engine's best ``top`` candidates by a logistic score over per-candidate features.

    Fitted by ``python -m bench.train_rerank`` (see bench/README.md, round 7) and stored as plain
    coefficients in ``data/rerank.json``: at request time it is a dot product per candidate.
    """

    model: LogisticModel
    top: int
    trained_on: dict[str, object] = field(default_factory=dict)

    def score(self, values: Mapping[str, float]) -> float:
        """The candidate's logit (monotone in its P(right); only the order matters)."""
        z = self.model.intercept
        for name, mu, sd, w in zip(self.model.features, self.model.mean, self.model.scale, self.model.coef,
                                   strict=True):
            z += w * (float(values.get(name, 0.0)) - mu) / sd
        return z

    def to_dict(self) -> dict[str, object]:
        return {"model": self.model.to_dict(), "top": self.top, "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> Reranker:
        model, top = raw["model"], raw["top"]
        assert isinstance(model, Mapping) and isinstance(top, int)
        trained_on = raw.get("trained_on") or {}
        assert isinstance(trained_on, dict)
        return cls(LogisticModel.from_dict(model), top, trained_on)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Reranker | None:
        """The stored re-ranker, or None when the file is missing (the hand-set order decides)."""
        if not path.exists():
            return None
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
