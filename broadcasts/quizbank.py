"""The 安康杯 knowledge-contest question bank: load questions from YAML files and validate them.

One file per topic under ``broadcasts/quiz/`` (``rights.yaml`` holds the questions of topic ``rights``),
each a list of questions. Pure domain code: plain values in and out, no Telegram, no database.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from broadcasts.library import Problem, StatuteIndex, checked_citations
from core.topics import BY_CODE
from knowledge.faq import Citation

__all__ = [
    "Question", "QuestionBank", "BankInvalid", "load_bank", "validate_bank", "DEFAULT_BANK_DIR",
    "TYPES", "AUDIENCES", "DIFFICULTIES", "TRUE_FALSE_OPTIONS",
]

DEFAULT_BANK_DIR = Path(__file__).resolve().parent / "quiz"

TYPES: tuple[str, ...] = ("single", "multiple", "truefalse")
AUDIENCES: tuple[str, ...] = ("new_hire", "workshop", "team_leader", "union_staff")
DIFFICULTIES: tuple[int, ...] = (1, 2, 3)
TRUE_FALSE_OPTIONS: tuple[str, str] = ("对", "错")
OPTIONS_MIN = 2
OPTIONS_MAX = 6
# Telegram quiz poll limits, so a question can be sent as a native poll unchanged.
STEM_MAX_CHARS = 300
OPTION_MAX_CHARS = 100
EXPLANATION_MAX_CHARS = 200

ID_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# libyaml's safe loader when PyYAML was built with it (several times faster on the whole bank).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REQUIRED_KEYS = frozenset({"id", "type", "stem", "answer", "explanation", "cite", "topic", "audience", "difficulty"})
OPTIONAL_KEYS = frozenset({"options"})


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: str  # one of TYPES
    stem: str
    options: tuple[str, ...]  # 对 / 错 for a true-false question
    answer: tuple[int, ...]  # 0-based indices of the correct options, ascending (one unless multiple)
    explanation: str
    cite: tuple[Citation, ...]
    topic: str
    audience: tuple[str, ...]
    difficulty: int

    @property
    def correct_options(self) -> tuple[str, ...]:
        return tuple(self.options[i] for i in self.answer)


class BankInvalid(Exception):
    """The question files do not validate; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the question bank, first: {problems[0]}")
        self.problems = problems


class QuestionBank:
    """The loaded questions, by topic (file order) then id."""

    def __init__(self, questions: list[Question]) -> None:
        self.questions: tuple[Question, ...] = tuple(questions)
        self._by_id = {q.id: q for q in self.questions}

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def get(self, question_id: str) -> Question:
        return self._by_id[question_id]

    def count_by(self, field: str) -> Counter[str]:
        """Count questions by ``type``, ``topic``, ``difficulty`` or ``audience`` (a question counts once
        for each audience it lists)."""
        counts: Counter[str] = Counter()
        for q in self.questions:
            if field == "audience":
                counts.update(q.audience)
            elif field in ("type", "topic", "difficulty"):
                counts[str(getattr(q, field))] += 1
            else:
                raise ValueError(f"cannot count questions by {field!r}")
        return counts


def load_bank(directory: Path = DEFAULT_BANK_DIR) -> QuestionBank:
    """Load every ``*.yaml`` file in ``directory``; raise ``BankInvalid`` if anything is malformed."""
    questions, problems = _scan(Path(directory))
    if problems:
        raise BankInvalid(problems)
    return QuestionBank(questions)


def validate_bank(directory: Path = DEFAULT_BANK_DIR, corpus: StatuteIndex | None = None) -> list[Problem]:
    """Return every problem in the question files; with a statute corpus, also check that citations resolve."""
    questions, problems = _scan(Path(directory))
    if corpus is not None:
        resolve = getattr(corpus, "resolve_law", None)
        for q in questions:
            for citation in q.cite:
                if not corpus.has(citation.law, citation.article):
                    problems.append(Problem(
                        q.id, f"citation {citation.law} article {citation.article} is not in the statute corpus"
                    ))
                elif resolve is not None and resolve(citation.law) not in (None, citation.law):
                    problems.append(Problem(q.id, f"cite {citation.law!r} by its short name {resolve(citation.law)!r}"))
    return problems


# --- parsing -------------------------------------------------------------------------------------

Report = Callable[[str], None]


def _scan(directory: Path) -> tuple[list[Question], list[Problem]]:
    if not directory.is_dir():
        return [], [Problem(str(directory), "question directory does not exist")]
    questions: list[Question] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        for qid, question in _parse_file(path, problems):
            if qid is not None:
                if qid in seen:
                    problems.append(Problem(qid, f"duplicate id: in {seen[qid]} and {path.name}"))
                    continue
                seen[qid] = path.name
            if question is not None:
                questions.append(question)
    return questions, problems


def _parse_file(path: Path, problems: list[Problem]) -> list[tuple[str | None, Question | None]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, f"cannot read file: {exc}"))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(path.name, f"not valid YAML: {exc}"))
        return []
    if path.stem not in BY_CODE:
        problems.append(Problem(path.name, f"file name must be a topic code (see core/topics.py), not {path.stem!r}"))
    if not isinstance(data, list) or not data:
        problems.append(Problem(path.name, "file must be a non-empty list of questions"))
        return []
    return [_parse_question(item, n, path, problems) for n, item in enumerate(data, 1)]


def _parse_question(
    item: Any, n: int, path: Path, problems: list[Problem]
) -> tuple[str | None, Question | None]:
    if not isinstance(item, Mapping):
        problems.append(Problem(f"{path.name}#{n}", "a question must be a mapping"))
        return None, None
    before = len(problems)
    qid = item.get("id")
    declared = qid if isinstance(qid, str) and ID_RE.match(qid) else None
    source = declared or f"{path.name}#{n}"

    def bad(message: str) -> None:
        problems.append(Problem(source, message))

    for key in sorted(REQUIRED_KEYS - item.keys()):
        bad(f"missing key {key!r}")
    for key in sorted(item.keys() - REQUIRED_KEYS - OPTIONAL_KEYS, key=str):
        bad(f"unknown key {key!r}")
    if declared is None:
        bad("id must be lowercase letters and digits joined by single hyphens, e.g. rights-001")

    qtype = item.get("type")
    if qtype not in TYPES:
        bad(f"type must be one of {' / '.join(TYPES)}")
    stem = item.get("stem")
    if not _is_text(stem) or len(stem.strip()) > STEM_MAX_CHARS:
        bad(f"stem must be a non-empty string of at most {STEM_MAX_CHARS} characters")
    options = _options(item.get("options"), qtype, bad)
    answer = _answer(item.get("answer"), qtype, options, bad)
    explanation = item.get("explanation")
    if not _is_text(explanation) or len(explanation.strip()) > EXPLANATION_MAX_CHARS or "\n" in explanation.strip():
        bad(f"explanation must be one line of at most {EXPLANATION_MAX_CHARS} characters")
    cite = _citations(item.get("cite"), bad)
    topic = item.get("topic")
    if topic not in BY_CODE:
        bad(f"unknown topic {topic!r} (see core/topics.py)")
    elif topic != path.stem:
        bad(f"topic {topic!r} belongs in {topic}.yaml, not {path.name}")
    audience = item.get("audience")
    if (
        not isinstance(audience, list) or not audience
        or not all(isinstance(a, str) and a in AUDIENCES for a in audience) or len(set(audience)) != len(audience)
    ):
        bad(f"audience must be a non-empty list of distinct values from {' / '.join(AUDIENCES)}")
    difficulty = item.get("difficulty")
    if not _is_int(difficulty) or difficulty not in DIFFICULTIES:
        bad("difficulty must be 1, 2 or 3")

    if len(problems) > before or options is None or answer is None:
        return declared, None
    # The checks above proved the types; the asserts tell the type checker.
    assert isinstance(qid, str) and isinstance(stem, str) and isinstance(explanation, str)
    assert isinstance(topic, str) and isinstance(audience, list) and isinstance(difficulty, int)
    return declared, Question(
        id=qid, type=str(qtype), stem=stem.strip(), options=options, answer=answer,
        explanation=explanation.strip(), cite=cite, topic=topic, audience=tuple(audience), difficulty=difficulty,
    )


def _options(value: Any, qtype: Any, bad: Report) -> tuple[str, ...] | None:
    if qtype == "truefalse":
        if value is None or (isinstance(value, list) and tuple(value) == TRUE_FALSE_OPTIONS):
            return TRUE_FALSE_OPTIONS
        bad("a truefalse question has no options (or exactly [对, 错])")
        return None
    if (
        not isinstance(value, list) or not OPTIONS_MIN <= len(value) <= OPTIONS_MAX
        or not all(_is_text(o) for o in value)
    ):
        bad(f"options must be a list of {OPTIONS_MIN}-{OPTIONS_MAX} non-empty strings")
        return None
    options = tuple(str(o).strip() for o in value)
    if any(len(o) > OPTION_MAX_CHARS for o in options):
        bad(f"an option is longer than {OPTION_MAX_CHARS} characters")
        return None
    if len(set(options)) != len(options):
        bad("two options are the same")
        return None
    return options


def _answer(value: Any, qtype: Any, options: tuple[str, ...] | None, bad: Report) -> tuple[int, ...] | None:
    if qtype == "multiple":
        if not isinstance(value, list) or not all(_is_int(v) for v in value):
            bad("answer of a multiple question must be a list of 0-based option indices")
            return None
        indices = tuple(value)
        if len(set(indices)) < 2:
            bad("a multiple question needs at least 2 distinct correct options")
            return None
        if len(set(indices)) != len(indices):
            bad("answer lists an index twice")
            return None
    else:
        if not _is_int(value):
            bad("answer must be the 0-based index of the correct option (对 = 0, 错 = 1)")
            return None
        indices = (value,)
    if options is None:
        return None
    out_of_range = [i for i in indices if not 0 <= i < len(options)]
    if out_of_range:
        bad(f"answer index {out_of_range[0]} is out of range for {len(options)} options (0-based)")
        return None
    if qtype == "multiple" and len(indices) == len(options):
        bad("a multiple question needs at least one wrong option (every option is marked correct)")
        return None
    return tuple(sorted(indices))


def _citations(value: Any, bad: Report) -> tuple[Citation, ...]:
    """A question's ``cite``: one {law, article} or a list of them, checked as a lesson's citations are."""
    return checked_citations([value] if isinstance(value, Mapping) else value, bad,
                             expected="cite must be {law: ..., article: ...} or a non-empty list of them")


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
