"""Validate the knowledge data against the loaded corpus (``ankang kb check``)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.topics import EVERY as EVERY_TOPIC
from knowledge.faq import FAQ_ID_RE, MAX_ANSWER_CHARS, Citation
from knowledge.statutes import KNOWN_STATUTES, Corpus
from knowledge.text import compact

if TYPE_CHECKING:
    from knowledge.engine import KnowledgeBase

_KNOWN_SHORTS = frozenset(KNOWN_STATUTES.values())


@dataclass(frozen=True, slots=True)
class Problem:
    where: str  # "faq:ppe-001 (safety_ppe.yaml)" or "glossary:三违"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def check_knowledge(kb: KnowledgeBase) -> list[Problem]:
    """Return every problem found in the FAQ and glossary of ``kb`` (an empty list when all is well)."""
    problems: list[Problem] = []
    corpus = kb.corpus
    seen_ids: dict[str, str] = {}
    seen_questions: dict[str, str] = {}
    for entry in kb.faq:
        where = f"faq:{entry.id} ({entry.source})" if entry.source else f"faq:{entry.id}"
        if not FAQ_ID_RE.match(entry.id):
            problems.append(Problem(where, "id must use only a-z, 0-9 and '-'"))
        if entry.id in seen_ids:
            problems.append(Problem(where, f"duplicate id (also in {seen_ids[entry.id]})"))
        seen_ids.setdefault(entry.id, entry.source)
        if not entry.q:
            problems.append(Problem(where, "empty question"))
        if not entry.a:
            problems.append(Problem(where, "empty answer"))
        elif len(entry.a) > MAX_ANSWER_CHARS:
            problems.append(Problem(where, f"answer has {len(entry.a)} characters (max {MAX_ANSWER_CHARS})"))
        if not entry.cite:
            problems.append(Problem(where, "no citation"))
        own: set[str] = set()
        for question in entry.questions:
            key = compact(question)
            if not key or key in own:
                continue
            own.add(key)
            other = seen_questions.get(key)
            if other is not None and other != entry.id:
                problems.append(Problem(where, f"question “{question}” duplicates one of faq:{other}"))
            seen_questions.setdefault(key, entry.id)
        problems.extend(_check_citations(corpus, where, entry.cite))
    known_ids = {entry.id for entry in kb.faq}
    for entry in kb.faq:
        where = f"faq:{entry.id} ({entry.source})" if entry.source else f"faq:{entry.id}"
        for other in entry.see:
            if other == entry.id:
                problems.append(Problem(where, "see lists the entry itself"))
            elif other not in known_ids:
                problems.append(Problem(where, f"see: no FAQ entry “{other}”"))
        # Tags come from the one taxonomy (core/topics.py), so the console can name them in words.
        problems.extend(Problem(where, f"tag “{tag}” is not in core/topics.py (TOPICS or SUBJECTS)")
                        for tag in entry.tags if tag not in EVERY_TOPIC)
    seen_terms: dict[str, str] = {}
    for term in kb.glossary:
        where = f"glossary:{term.term}"
        if not term.definition:
            problems.append(Problem(where, "empty definition"))
        for name in term.names:
            key = compact(name)
            if key in seen_terms and seen_terms[key] != term.term:
                problems.append(Problem(where, f"name “{name}” also used by glossary:{seen_terms[key]}"))
            seen_terms.setdefault(key, term.term)
        problems.extend(_check_citations(corpus, where, term.cite))
    return problems


def _check_citations(corpus: Corpus, where: str, citations: Iterable[Citation]) -> list[Problem]:
    out: list[Problem] = []
    if not corpus:
        return out  # without statutes only structure can be checked; the CLI says so
    for c in citations:
        if c.law in _KNOWN_SHORTS and corpus.resolve_law(c.law) is None:
            continue  # a statute Ankang knows that this corpus leaves out (the CLI lists them)
        if corpus.resolve_law(c.law) != c.law:
            known = corpus.resolve_law(c.law)
            hint = f" (did you mean {known}?)" if known else ""
            out.append(Problem(where, f"unknown law “{c.law}”{hint}"))
        elif not corpus.has(c.law, c.article):
            out.append(Problem(where, f"{c.law} has no article {c.article}"))
    return out


def check_labels(corpus: Corpus, path: Path) -> list[Problem]:
    """Check a labelled question set (JSONL: id, kind, q, expect): every label is a real article."""
    problems: list[Problem] = []
    if not corpus:
        return problems
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(where, f"not JSON: {exc.msg}"))
            continue
        where = f"{path.name}:{item.get('id', n)}"
        labels = item.get("expect") or []
        if item.get("kind") == "law" and not labels:
            problems.append(Problem(where, "a law question without an expected article"))
        problems.extend(_check_citations(corpus, where, [Citation(c["law"], int(c["article"])) for c in labels]))
    return problems
