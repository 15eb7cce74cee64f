"""Question-answering benchmark: accuracy per style and split, reliability, build time, latency, scale.

Run: .venv/bin/python -m bench.qa [--split SPLIT ...]  (train|dev|test|test2-15|calib|emerg|emerg2|colloq|trad|given)
                                  [--failures SPLIT] [--sizes 1000,100000] [--as-of]

The evaluation corpus is ``bench/data/qa`` (see bench/README.md): train (the answer policy and any tuning
learn from it), dev (operating point, development checks; its misses are not read), test (the first test
split, retired on 2026-12-07 after three rounds had read its scores: tuned on like train from then on, its
content pinned by its digest), test2 (the second, retired the same way later that day), test3 (frozen: scored
before and after round 5, its misses never read), test4 (frozen, written before round 6; its totals chose what
round 6 kept), test5 (frozen, written before round 7: its totals judged round 7), test12 (frozen, written
before round 15), test13 (frozen, written before round 16), test14 (frozen, written before round 17) and
test15 (frozen, written after round 17, before round 18). test6 (written before round 8, scored once) became a
training split of round 9 as calib is of round 7, test7 (written before round 9, scored three times) one of
round 11, test8 (written before round 11, scored twice) one of round 12, test9 (written before round 12,
scored twice) one of round 13 and test10 (written before round 13, scored twice) one of round 14; test11
(written before round 14, scored twice) joins the operating splits in round 15: its totals are read, its
misses never. ``calib`` (567 questions by four more new writers, written the same day as test5) is a training
split of round 7: the answer policy may be fitted on it and its emergency and self-help misses are read; no
FAQ phrasing is written from its law questions, so that their evidence stays like an unseen question's.
``emerg`` (239 messages: 149 emergencies in every style and 90 questions about accidents that are not
emergencies, by two more writers) is a training split of round 11 for emergency detection, ``emerg2`` (351
more by three more writers) one of round 12, ``colloq`` (300 colloquial questions by three more writers: the
north, the south-west and centre, the south-east) one of round 14, ``trad`` (77 questions in traditional
characters in the words of Taiwan, Hong Kong's Cantonese and overseas writers, written by round 17's helper
from its own knowledge of these varieties) one of round 17.
``given`` is the shared development set (../shared/qa-dev.jsonl).
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import random
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from knowledge.engine import TOPICS_FILE, KnowledgeBase, load_topics
from knowledge.faq import Citation, FaqEntry, load_faq, load_glossary, load_synonyms
from knowledge.replies import Reply

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "bench" / "data" / "qa"
SPLITS = ("train", "dev", "test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9", "test10",
          "test11", "test12", "test13", "test14", "test15", "calib", "emerg", "emerg2", "colloq", "trad")
# Scored, never read for misses nor tuned on (bench/README.md); test12 judged round 15, test13 round 16,
# test14 judges round 17.
FROZEN_SPLITS = ("test3", "test4", "test5", "test12", "test13", "test14", "test15")
# The answer policy's operating points are chosen on these (bench/train_policy.py, round 14; test11 from round 15):
# held out of its fit, scored, their misses never read.
OPERATING_SPLITS = ("dev", "test9", "test10", "test11")
GIVEN = REPO.parent / "shared" / "qa-dev.jsonl"
# The retired splits and the commit before their misses were first read: test before round 3, test2
# before round 5. Today's engine over ``knowledge/data`` as it was then answers their questions as it
# would a new writer's (no FAQ phrasing, synonym or glossary entry written from them), except for
# rules in the code written from their misses since. ``--as-of`` scores them (round 6 fitted P(right) on them
# too; it was reverted, see bench/README.md).
AS_OF = {"test": "c0ccd60", "test2": "5640c97"}
AS_OF_FILES = ("faq", "glossary.yaml", "synonyms.yaml", "topics.txt", "domain_dict.txt")
STYLES = ("story", "short", "colloquial", "formal", "typo", "traditional", "abstract", "oos")
# Replies that answer (a worker reads them as the answer, not as guesses).
CONFIDENT_INTENTS = frozenset({"answer", "article", "term"})
# The shared set's other kinds and the intent that is right for them.
INTENT_OF_KIND = {"emergency": "emergency", "smalltalk": "smalltalk", "tip": "tip", "term": "term", "self": "self",
                  "lookup": "article"}


def load_items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_split(name: str) -> list[dict]:
    """One split of the corpus (``given``: the shared development set, styled by its kinds)."""
    if name == "given":
        items = load_items(GIVEN)
        for item in items:
            item.setdefault("style", "given")
        return items
    return load_items(CORPUS_DIR / f"{name}.jsonl")


AS_OF_DIR = CORPUS_DIR / "as-of"  # knowledge/data of each AS_OF commit, as a tar.xz (python -m bench.qa --keep-as-of)


def as_of_kb(kb: KnowledgeBase, commit: str) -> KnowledgeBase:
    """The present engine over ``knowledge/data`` as it was at ``commit`` (the statutes of ``kb``), without a policy.

    Read from ``bench/data/qa/as-of/<commit>.tar.xz``, kept in the repository so that refitting and checking the
    policy need no git history (a shallow clone has none).
    """
    with tempfile.TemporaryDirectory(prefix="ankang-asof-") as tmp:
        with tarfile.open(AS_OF_DIR / f"{commit}.tar.xz") as tar:
            tar.extractall(tmp, filter="data")
        data = Path(tmp) / "knowledge" / "data"
        return KnowledgeBase(kb.corpus, load_faq(data / "faq"), load_glossary(data / "glossary.yaml"),
                             load_synonyms(data / "synonyms.yaml"), data / "domain_dict.txt",
                             load_topics(data / TOPICS_FILE), cache_dir=kb.analyzer.cache_dir)


def keep_as_of() -> None:
    """Write ``bench/data/qa/as-of/<commit>.tar.xz`` for each AS_OF commit, from git history."""
    AS_OF_DIR.mkdir(exist_ok=True)
    for commit in AS_OF.values():
        paths = [f"knowledge/data/{name}" for name in AS_OF_FILES]
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit, *paths],
                                 check=True, capture_output=True).stdout
        (AS_OF_DIR / f"{commit}.tar.xz").write_bytes(lzma.compress(archive, preset=9))


def expected(item: dict) -> set[tuple[str, int]]:
    return {(c["law"], int(c["article"])) for c in item.get("expect") or []}


def cites(results: Iterable) -> set[tuple[str, int]]:
    return {(c.law, c.article) for r in results for c in r.citations}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one reply scores: the five columns of the table."""

    confident_right: bool
    first_right: bool  # the first result is right, whatever the confidence
    top3: bool
    confident_wrong: bool
    unsure: bool
    confidence: float
    policy_case: bool  # a law or out-of-scope question decided by the answer policy
    candidate_right: bool = False  # the best answer is right (never, for an out-of-scope question)


def score(item: dict, reply: Reply) -> Outcome:
    kind = item["kind"]
    confident = reply.intent in CONFIDENT_INTENTS
    if kind == "law" or (kind == "lookup" and item.get("expect")):
        want = expected(item)
        first = bool(reply.results) and bool(cites(reply.results[:1]) & want)
        top3 = bool(cites(reply.results[:3]) & want)
        return Outcome(confident and first, first, top3, confident and not first, not confident, reply.confidence,
                       True, first)
    if kind == "oos":
        declined = not confident and reply.intent != "self"
        return Outcome(declined, declined, declined, not declined, False, reply.confidence, True)
    right = reply.intent == INTENT_OF_KIND.get(kind, kind)
    wrong = not right and (confident or reply.intent in ("self", "emergency", "tip"))
    return Outcome(right, right, right, wrong, not right and not wrong, reply.confidence, False)


@dataclass(slots=True)
class Tally:
    n: int = 0
    confident_right: int = 0
    first_right: int = 0
    top3: int = 0
    confident_wrong: int = 0
    unsure: int = 0

    def add(self, o: Outcome) -> None:
        self.n += 1
        self.confident_right += o.confident_right
        self.first_right += o.first_right
        self.top3 += o.top3
        self.confident_wrong += o.confident_wrong
        self.unsure += o.unsure

    def cells(self) -> list[str]:
        n = self.n or 1
        return [str(self.n), *(f"{v / n:.1%}" for v in (self.confident_right, self.first_right, self.top3,
                                                          self.confident_wrong, self.unsure))]


@dataclass(slots=True)
class Evaluation:
    by_style: dict[str, Tally]
    by_kind: dict[str, Tally]
    overall: Tally
    outcomes: list[tuple[dict, Reply, Outcome]]


def evaluate(kb: KnowledgeBase, items: list[dict]) -> Evaluation:
    by_style: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    outcomes = []
    for item in items:
        reply = kb.answer(item["q"])
        o = score(item, reply)
        by_style[item.get("style", "-")].add(o)
        by_kind[item["kind"]].add(o)
        overall.add(o)
        outcomes.append((item, reply, o))
    return Evaluation(dict(by_style), dict(by_kind), overall, outcomes)


COLUMNS = ("n", "confident+right", "first right", "top-3", "confident+WRONG", "unsure")
TARGETS = ("", "≥ 85%", "", "≥ 97%", "≤ 2%", "")


def print_table(title: str, rows: list[tuple[str, Tally]]) -> None:
    print(f"\n{title}")
    print(f"{'':<14}" + "".join(f"{c:>17}" for c in COLUMNS))
    for name, tally in rows:
        print(f"{name:<14}" + "".join(f"{c:>17}" for c in tally.cells()))
    print(f"{'target':<14}" + "".join(f"{t:>17}" for t in TARGETS))


def reliability(outcomes: list[tuple[dict, Reply, Outcome]], bins: int = 10) -> list[tuple[str, int, float, float]]:
    """Predicted confidence bins vs the observed share of right first results (policy cases)."""
    cells: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for _, _, o in outcomes:
        if o.policy_case:
            cells[min(bins - 1, int(o.confidence * bins))].append((o.confidence, o.candidate_right))
    out = []
    for b in range(bins):
        pts = cells.get(b, [])
        if pts:
            out.append((f"{b / bins:.1f}–{(b + 1) / bins:.1f}", len(pts), statistics.mean(p for p, _ in pts),
                        sum(r for _, r in pts) / len(pts)))
    return out


def latency(kb: KnowledgeBase, questions: list[str], rounds: int = 3) -> tuple[float, float, float, float]:
    """Wall p50 and p99, then CPU p50 and p99 (this thread's time: what a loaded machine's other
    tenants do not add), in milliseconds."""
    for q in questions:  # warm caches
        kb.answer(q)
    samples, cpu = [], []
    for _ in range(rounds):
        for q in questions:
            t, c = time.perf_counter(), time.thread_time()
            kb.answer(q)
            cpu.append((time.thread_time() - c) * 1000)
            samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    cpu.sort()

    def p99(values: list[float]) -> float:
        return values[min(len(values) - 1, int(len(values) * 0.99))]

    return statistics.median(samples), p99(samples), statistics.median(cpu), p99(cpu)


def speller_latency(kb: KnowledgeBase, questions: list[str], rounds: int = 3) -> tuple[float, float]:
    """The spelling corrector alone (part of every answer), CPU p50 and p99 in milliseconds, on the first 60
    characters of each question as the engine gives it. Its target, 0.3 ms, was a timed unit test's until
    that test failed on a loaded machine: speed is a benchmark's to measure."""
    speller = kb.speller
    texts = [q[:60] for q in questions]
    for text in texts:
        speller.correct(text)
    cpu = []
    for _ in range(rounds):
        for text in texts:
            c = time.thread_time()
            speller.correct(text)
            cpu.append((time.thread_time() - c) * 1000)
    cpu.sort()
    return statistics.median(cpu), cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))]


def synthetic_entries(base: list[FaqEntry], count: int, seed: int = 7) -> list[FaqEntry]:
    """Recombine words of real questions into plausible-looking extra entries."""
    rng = random.Random(seed)
    pieces = [q for e in base for q in e.questions] or ["劳保用品要自己掏钱吗"]
    words: list[str] = []
    for p in pieces:
        words.extend(p[i:i + 2] for i in range(0, len(p) - 1, 2))
    cites_ = [c for e in base for c in e.cite] or [Citation("安全生产法", 45)]
    out = []
    for i in range(count):
        def sentence() -> str:
            return "".join(rng.choice(words) for _ in range(rng.randint(4, 9))) + rng.choice(["吗", "怎么办", "", "呢"])
        out.append(FaqEntry(id=f"syn-{i}", q=sentence(), a="synthetic", alt=[sentence() for _ in range(3)],
                            cite=[rng.choice(cites_)], tags=["synthetic"]))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", action="append", dest="splits", choices=[*SPLITS, "given"],
                        help="splits to score (repeatable); default: train, dev, test, test2, given (the frozen "
                             "splits only when asked: they are scored once a round)")
    parser.add_argument("--laws-dir", type=Path,
                        default=Path(os.environ.get("ANKANG_LAWS_DIR") or REPO.parent / "shared" / "laws"))
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep-as-of", action="store_true",
                        help="write bench/data/qa/as-of/<commit>.tar.xz from git history (when AS_OF changes); stop")
    parser.add_argument("--as-of", action="store_true",
                        help="also score the retired splits as they were answered before their misses were read: "
                             "today's engine and policy over knowledge/data of the commit before (AS_OF), "
                             "an estimate for questions of new writers that dev's 249 alone make noisy")
    parser.add_argument("--failures", action="append", default=[],
                        choices=[*(s for s in (*SPLITS, "given") if s not in (*FROZEN_SPLITS, *OPERATING_SPLITS)),
                                 *(f"{s}@{c}" for s, c in AS_OF.items())],
                        help="list the misses of this split (never dev's, never the frozen test splits')")
    args = parser.parse_args(argv)
    if args.keep_as_of:
        keep_as_of()
        print(f"wrote {', '.join(f'{c}.tar.xz' for c in AS_OF.values())} in {AS_OF_DIR}")
        return
    splits = args.splits or [*(s for s in SPLITS if s not in FROZEN_SPLITS), "given"]

    # Cold: an empty cache dir (a first start, model and speller included); warm: the next start.
    # CPU time beside wall time, because a shared machine's wall time measures its other tenants.
    with tempfile.TemporaryDirectory(prefix="ankang-bench-cache-") as cache:
        cold = _timed(lambda: KnowledgeBase.load(args.laws_dir, cache_dir=Path(cache)))[1:]
        kb, *warm = _timed(lambda: KnowledgeBase.load(args.laws_dir, cache_dir=Path(cache)))
    policy = (f"answer at P(right) ≥ {kb.policy.answer_at:.2f}" if kb.policy
              else "no trained policy (first-release thresholds)")
    print(f"Knowledge base: {len(kb.faq)} FAQ entries, {len(kb.corpus.laws)} laws; {policy}")
    questions: list[str] = []
    evaluations: dict[str, Evaluation] = {}
    for split in splits:
        items = load_split(split)
        questions += [i["q"] for i in items]
        evaluations[split] = evaluate(kb, items)

    if args.as_of:
        for split, commit in AS_OF.items():
            then = as_of_kb(kb, commit)
            then.policy, then.reranker = kb.policy, kb.reranker
            evaluations[f"{split}@{commit}"] = evaluate(then, load_split(split))

    for split, ev in evaluations.items():
        rows = [(style, ev.by_style[style]) for style in [*STYLES, "given"] if style in ev.by_style]
        rows.append(("ALL", ev.overall))
        print_table(f"== split {split}: by style ==", rows)
        kinds = [(f"kind {k}", t) for k, t in sorted(ev.by_kind.items())]
        print_table(f"== split {split}: by kind ==", kinds)
        oos_confident = sum(o.confident_wrong for item, _, o in ev.outcomes if item["kind"] == "oos")
        emergencies = [o.confident_right for item, _, o in ev.outcomes if item["kind"] == "emergency"]
        print(f"emergencies answered as emergencies: {sum(emergencies)}/{len(emergencies)} (target 100%); "
              f"out-of-scope answered confidently: {oos_confident} (target 0)")
        print(f"reliability ({split}): predicted P(right) bin, n, mean predicted, observed right")
        for name, n, pred, obs in reliability(ev.outcomes):
            print(f"  {name:<10}{n:>6}{pred:>10.2f}{obs:>10.2f}")

    for split in args.failures:
        for item, reply, o in evaluations[split].outcomes if split in evaluations else []:
            if not o.confident_right:
                first = reply.results[0].title if reply.results else "-"
                print(f"  miss [{split}] {item['id']} {item['kind']} {item['q'][:60]!r} → {reply.intent} "
                      f"{reply.confidence:.2f} {first[:30]} want {sorted(expected(item))[:3]}")

    p50, p99, cpu50, cpu99 = latency(kb, questions)
    spell50, spell99 = speller_latency(kb, questions)
    for name, value, target in [
        ("index build, cold cache", f"{cold[0]:.2f} s (CPU {cold[1]:.2f} s)", "≤ 3 s"),
        ("index build, warm cache", f"{warm[0]:.2f} s (CPU {warm[1]:.2f} s)", ""),
        ("latency p50", f"{p50:.2f} ms", ""),
        ("latency p99", f"{p99:.2f} ms", "≤ 10 ms"),
        ("latency p50 / p99, CPU", f"{cpu50:.2f} / {cpu99:.2f} ms", ""),
        ("speller p50 / p99, CPU", f"{spell50:.2f} / {spell99:.2f} ms", "≤ 0.3 ms"),
        ("peak RSS", f"{_peak_rss_mb():.0f} MB", ""),
    ]:
        print(f"{name:<28}{value:>20}{target:>10}")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    for size in sizes:
        t = time.perf_counter()
        kb.add_faqs(synthetic_entries(kb.faq, size - len(kb.faq) if size > len(kb.faq) else 0, seed=size))
        kb.search("劳保")  # the first query after a bulk load builds the scoring arrays
        grow_s = time.perf_counter() - t
        p50, p99, _, cpu99 = latency(kb, questions[:400], rounds=1)
        target = "≤ 50 ms" if size >= 100_000 else ""
        label, timing = f"{len(kb.faq)} entries p50/p99", f"{p50:.1f}/{p99:.1f} ms (CPU p99 {cpu99:.1f})"
        print(f"{label:<28}{timing:>20}{target:>10}  (added in {grow_s:.1f} s)")
    if sizes:
        print(f"{'peak RSS with the scale runs':<28}{f'{_peak_rss_mb():.0f} MB':>20}")


def _timed(build: Callable[[], KnowledgeBase]) -> tuple[KnowledgeBase, float, float]:
    """The knowledge base ``build`` returns, its wall time and its CPU time in seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    kb = build()
    return kb, time.perf_counter() - wall, time.process_time() - cpu


def _peak_rss_mb() -> float:
    info = psutil.Process().memory_info()
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # not on Linux
        return info.rss / 2**20


if __name__ == "__main__":
    main()
