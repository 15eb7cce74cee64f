"""``python -m knowledge.build``: build the knowledge base and store its snapshot, for a parent process
that loads it afterwards (``KnowledgeBase.load(build_apart=True)``). Reads its arguments pickled on stdin:
(laws_dir, extra FAQ entries, data_dir, cache_dir)."""
from __future__ import annotations

import pickle
import sys

from knowledge.engine import KnowledgeBase


def main() -> None:
    laws_dir, extra_faq, data_dir, cache_dir = pickle.loads(sys.stdin.buffer.read())  # from our own parent
    KnowledgeBase.load(laws_dir, extra_faq, data_dir, cache_dir=cache_dir)


if __name__ == "__main__":
    main()
