"""Out-of-scope probe (round 15): questions outside the loaded statutes that share our vocabulary, and in-scope
questions that look like them, by topic family. Not a split of the corpus: written by the oos15 helper from general
knowledge of what the labour, social-insurance, tax and housing-fund rules leave to statutes we do not load, so it
is tuned on and never an estimate; it is a regression check (tests/knowledge/test_oos_probe.py).

Run: .venv/bin/python -m bench.oos_probe [--misses]
"""
from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path

from knowledge.engine import KnowledgeBase

REPO = Path(__file__).resolve().parents[1]
PROBE = REPO / "bench" / "data" / "oos_probe.jsonl"
CONFIDENT_INTENTS = frozenset({"answer", "article", "term"})


def load_probe(path: Path = PROBE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laws-dir", type=Path,
                        default=Path(os.environ.get("ANKANG_LAWS_DIR") or REPO.parent / "shared" / "laws"))
    parser.add_argument("--probe", type=Path, default=PROBE, help="the questions (jsonl: id, family, kind, q)")
    parser.add_argument("--misses", action="store_true", help="list confident out-of-scope answers and "
                                                              "in-scope questions declared outside")
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.laws_dir)
    # family, kind -> confident / unsure / outside
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    misses = []
    for item in load_probe(args.probe):
        reply = kb.answer(item["q"])
        cell = counts[(item["family"], item["kind"])]
        cell[0] += 1
        if reply.intent in CONFIDENT_INTENTS:
            cell[1] += 1
            if item["kind"] == "oos":
                misses.append(("answered", item, reply))
        elif reply.intent == "out_of_scope":
            cell[3] += 1
            if item["kind"] == "law":
                misses.append(("outside", item, reply))
        else:
            cell[2] += 1
    print(f"{'family':<10}{'kind':<6}{'n':>5}{'confident':>11}{'unsure':>8}{'outside':>9}")
    for kind in ("oos", "law"):
        total = [0, 0, 0, 0]
        for (family, k), cell in sorted(counts.items()):
            if k == kind:
                print(f"{family:<10}{kind:<6}" + "".join(f"{v:>{w}}" for v, w in zip(cell, (5, 11, 8, 9), strict=True)))
                total = [a + b for a, b in zip(total, cell, strict=True)]
        print(f"{'ALL':<10}{kind:<6}" + "".join(f"{v:>{w}}" for v, w in zip(total, (5, 11, 8, 9), strict=True)))
    if args.misses:
        for tag, item, reply in misses:
            first = reply.results[0].title if reply.results else "-"
            print(f"  {tag} {item['id']} {item['q']!r} → {reply.intent} {reply.confidence:.2f} {first[:40]}")


if __name__ == "__main__":
    main()
