"""Split the written corpus (bench/data/qa/raw/*.jsonl) into train, dev and test, once.

The split is by a hash of each question's id: 50 % train, 20 % dev, 30 % test, so nobody chose
which questions are tested. It ran once, before any tuning on the corpus; the splits are the
source of truth since (raw/ is gone) and tests/bench/test_qa_corpus.py keeps the test split
frozen by its digest. Kept to show how the split was made.
"""
from __future__ import annotations

import hashlib
import json

from bench.qa import CORPUS_DIR, STYLES


def split_of(item_id: str) -> str:
    bucket = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket < 5 else "dev" if bucket < 7 else "test"


def main() -> None:
    out: dict[str, list[str]] = {"train": [], "dev": [], "test": []}
    for style in STYLES:
        path = CORPUS_DIR / "raw" / f"{style}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out[split_of(item["id"])].append(json.dumps(item, ensure_ascii=False))
    for name, lines in out.items():
        (CORPUS_DIR / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(name, len(lines))


if __name__ == "__main__":
    main()
