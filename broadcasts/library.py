"""The 微课堂 lesson library: load lessons from Markdown files with YAML front matter and validate them.

Pure domain code: plain values in and out, no Telegram, no database.
"""
from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeGuard

import yaml

from core.topics import BY_CODE, topic

# One citation type for FAQ entries and lessons: law short name (as in the laws manifest) + article.
from knowledge.faq import Citation

__all__ = [
    "Citation", "Quiz", "Lesson", "Library", "Problem", "StatuteIndex", "LessonError", "LessonNotFound",
    "LibraryInvalid", "load_library", "validate_library", "checked_citations", "DEFAULT_LESSONS_DIR", "AUDIENCES",
]

DEFAULT_LESSONS_DIR = Path(__file__).resolve().parent / "lessons"

AUDIENCES: tuple[str, ...] = ("新员工", "车间", "班组", "全员")
BODY_MIN_CHARS = 300
BODY_MAX_CHARS = 800
SUMMARY_PREFIX = "**记住**："
SUMMARY_MAX_LINES = 3
READING_MINUTES_MAX = 15
# 学时 credited for reading a lesson (``minutes`` in the front matter; without it, its reading time).
STUDY_MINUTES_MAX = 60
# Telegram quiz poll limits: the quiz must fit a native poll unchanged.
QUESTION_MAX_CHARS = 300
OPTIONS_MIN = 2
OPTIONS_MAX = 10
OPTION_MAX_CHARS = 100
EXPLANATION_MAX_CHARS = 200

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_KEYS = frozenset({"id", "title", "topics", "audience", "reading_minutes", "citations", "quiz"})
OPTIONAL_KEYS = frozenset({"series", "series_order", "minutes"})
QUIZ_KEYS = frozenset({"question", "options", "answer", "explanation"})
_UNCOUNTED_RE = re.compile(r"\s|\*\*")


@dataclass(frozen=True, slots=True)
class Quiz:
    question: str
    options: tuple[str, ...]
    answer: int  # 0-based index into options
    explanation: str

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    title: str
    series: str | None
    series_order: int | None
    topics: tuple[str, ...]
    audience: tuple[str, ...]
    reading_minutes: int
    citations: tuple[Citation, ...]
    quiz: Quiz
    body: str
    minutes: int = 0  # 学时 credited for reading it; 0 (not given) means its reading time

    @property
    def study_minutes(self) -> int:
        """The learning minutes a worker is credited for reading this lesson."""
        return self.minutes or self.reading_minutes

    @property
    def char_count(self) -> int:
        """Characters a reader sees in the body: whitespace and ** emphasis markers are not counted."""
        return body_chars(self.body)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the library; ``source`` is the lesson id, or the file name when no id is known."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class StatuteIndex(Protocol):
    """Anything that can say whether a law has an article (``knowledge.statutes.Corpus`` qualifies)."""

    def has(self, law_short: str, number: int) -> bool: ...


class LessonError(Exception):
    """Base class for lesson library errors."""


class LessonNotFound(LessonError, KeyError):
    def __init__(self, lesson_id: str) -> None:
        super().__init__(lesson_id)
        self.lesson_id = lesson_id

    def __str__(self) -> str:
        return f"no lesson with id {self.lesson_id!r}"


class LibraryInvalid(LessonError):
    """The lesson files do not validate; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the lesson library, first: {problems[0]}")
        self.problems = problems


class Library:
    """The loaded lessons: series lessons first (by series name, then order), then single lessons by id."""

    def __init__(self, lessons: list[Lesson]) -> None:
        self.lessons: tuple[Lesson, ...] = tuple(sorted(lessons, key=_library_order))
        self._by_id = {lesson.id: lesson for lesson in self.lessons}

    def __len__(self) -> int:
        return len(self.lessons)

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self.lessons)

    def __contains__(self, lesson_id: object) -> bool:
        return lesson_id in self._by_id

    def get(self, lesson_id: str) -> Lesson:
        try:
            return self._by_id[lesson_id]
        except KeyError:
            raise LessonNotFound(lesson_id) from None

    def by_topic(self, code: str) -> list[Lesson]:
        """Return the lessons tagged with a topic; raise ``core.topics.UnknownTopic`` for an unknown code."""
        topic(code)
        return [lesson for lesson in self.lessons if code in lesson.topics]

    def series(self, name: str) -> list[Lesson]:
        """Return the lessons of a series in order (empty for an unknown series)."""
        return [lesson for lesson in self.lessons if lesson.series == name]

    def series_names(self) -> list[str]:
        return list(dict.fromkeys(lesson.series for lesson in self.lessons if lesson.series))

    def topics_covered(self) -> list[str]:
        """Topic codes used by at least one lesson, in the order of ``core.topics.TOPICS``."""
        used = {code for lesson in self.lessons for code in lesson.topics}
        return [code for code in BY_CODE if code in used]


def body_chars(body: str) -> int:
    return len(_UNCOUNTED_RE.sub("", body))


def load_library(directory: Path = DEFAULT_LESSONS_DIR) -> Library:
    """Load every ``*.md`` lesson in ``directory``; raise ``LibraryInvalid`` if any of them is malformed."""
    lessons, problems = _scan(Path(directory))
    if problems:
        raise LibraryInvalid(problems)
    return Library(lessons)


@dataclass
class LibraryCache:
    """The bundled lesson library, loaded once on first use (the file reads kept off the event loop)."""

    library: Library | None = None

    async def get(self, published: Library | None = None) -> Library:
        """Return ``published`` (the running broadcast engine's library) if given, else the bundled files."""
        if published is not None:
            return published
        if self.library is None:
            self.library = await asyncio.to_thread(load_library)
        return self.library


def validate_library(directory: Path = DEFAULT_LESSONS_DIR, corpus: StatuteIndex | None = None) -> list[Problem]:
    """Return every problem in the lesson files; with a statute corpus, also check that citations resolve."""
    lessons, problems = _scan(Path(directory))
    if corpus is not None:
        for lesson in lessons:
            for citation in lesson.citations:
                if not corpus.has(citation.law, citation.article):
                    problems.append(Problem(
                        lesson.id, f"citation {citation.law} article {citation.article} is not in the statute corpus"
                    ))
                    continue
                # Corpus.has also accepts colloquial aliases (安全法); lessons must use the manifest name.
                resolve = getattr(corpus, "resolve_law", None)
                if resolve is not None and resolve(citation.law) not in (None, citation.law):
                    problems.append(Problem(
                        lesson.id, f"cite {citation.law!r} by its short name {resolve(citation.law)!r}"
                    ))
    return problems


# --- parsing -------------------------------------------------------------------------------------


def _scan(directory: Path) -> tuple[list[Lesson], list[Problem]]:
    problems: list[Problem] = []
    lessons: list[Lesson] = []
    if not directory.is_dir():
        return [], [Problem(str(directory), "lesson directory does not exist")]
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        lesson_id, lesson = _parse_file(path, problems)
        if lesson_id is not None:
            if lesson_id in seen:
                problems.append(Problem(lesson_id, f"duplicate id: both {seen[lesson_id]} and {path.name}"))
                continue
            seen[lesson_id] = path.name
        if lesson is not None:
            lessons.append(lesson)
    problems.extend(_series_problems(lessons))
    return lessons, problems


def _parse_file(path: Path, problems: list[Problem]) -> tuple[str | None, Lesson | None]:
    """Parse one lesson file, appending what is wrong to ``problems``.

    Return the id it declares (None if there is none) and the lesson (None unless it is sound).
    """
    before = len(problems)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, f"cannot read file: {exc}"))
        return None, None
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    match = re.match(r"---\n(.*?)\n---[ \t]*\n(.*)\Z", text, re.DOTALL)
    if not match:
        problems.append(Problem(path.name, "file must start with YAML front matter between '---' lines"))
        return None, None
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        problems.append(Problem(path.name, f"front matter is not valid YAML: {exc}"))
        return None, None
    if not isinstance(meta, dict):
        problems.append(Problem(path.name, "front matter must be a mapping"))
        return None, None

    lesson_id = meta.get("id")
    source = lesson_id if isinstance(lesson_id, str) and lesson_id else path.name

    def bad(message: str) -> None:
        problems.append(Problem(source, message))

    for key in sorted(REQUIRED_KEYS - meta.keys(), key=str):
        bad(f"missing key {key!r}")
    for key in sorted(meta.keys() - REQUIRED_KEYS - OPTIONAL_KEYS, key=str):
        bad(f"unknown key {key!r}")

    if not isinstance(lesson_id, str) or not ID_RE.match(lesson_id):
        bad("id must be lowercase letters, digits and single hyphens, e.g. newhire-01-company")
    elif lesson_id != path.stem:
        bad(f"id {lesson_id!r} does not match the file name {path.name!r}")

    title = meta.get("title")
    if not _is_text(title):
        bad("title must be a non-empty string")

    series, series_order = meta.get("series"), meta.get("series_order")
    if series is not None or series_order is not None:
        if not _is_text(series):
            bad("series must be a non-empty string when series_order is given")
        if not _is_int(series_order) or series_order < 1:
            bad("series_order must be a positive integer when series is given")

    topics = _string_list(meta.get("topics"), "topics", bad)
    for code in topics:
        if code not in BY_CODE:
            bad(f"unknown topic {code!r} (see core/topics.py)")
    audience = _string_list(meta.get("audience"), "audience", bad)
    for value in audience:
        if value not in AUDIENCES:
            bad(f"unknown audience {value!r}; use {' / '.join(AUDIENCES)}")

    minutes = meta.get("reading_minutes")
    if not _is_int(minutes) or not 1 <= minutes <= READING_MINUTES_MAX:
        bad(f"reading_minutes must be an integer from 1 to {READING_MINUTES_MAX}")

    study_minutes = meta.get("minutes", 0)
    if "minutes" in meta and (not _is_int(study_minutes) or not 1 <= study_minutes <= STUDY_MINUTES_MAX):
        bad(f"minutes (学时 credited for reading) must be an integer from 1 to {STUDY_MINUTES_MAX}")

    citations = checked_citations(meta.get("citations"), bad,
                                  expected="citations must be a non-empty list of {law: ..., article: ...}")
    quiz = _quiz(meta.get("quiz"), bad)
    body = match.group(2).strip()
    _check_body(body, bad)

    declared = lesson_id if isinstance(lesson_id, str) and lesson_id else None
    # The second half adds nothing to the checks above (each failure was reported); it tells the
    # type checker what they proved.
    if len(problems) > before or not (
        isinstance(lesson_id, str) and _is_text(title) and _is_int(minutes) and quiz is not None
        and _is_int(study_minutes)
    ):
        return declared, None
    return declared, Lesson(
        id=lesson_id, title=title.strip(), series=series, series_order=series_order,
        topics=tuple(topics), audience=tuple(audience), reading_minutes=minutes,
        citations=citations, quiz=quiz, body=body, minutes=study_minutes,
    )


# How the checks report a problem with the file at hand.
Report = Callable[[str], None]


def _string_list(value: Any, key: str, bad: Report) -> list[str]:
    if not isinstance(value, list) or not value or not all(_is_text(v) for v in value):
        bad(f"{key} must be a non-empty list of strings")
        return []
    if len(set(value)) != len(value):
        bad(f"{key} lists a value twice")
    return [v.strip() for v in value]


def checked_citations(value: Any, bad: Report, *, expected: str) -> tuple[Citation, ...]:
    """``value`` as citations: a non-empty list of {law: short name, article: positive integer}, none twice;
    each problem goes to ``bad`` (``expected`` when ``value`` is no such list). Lessons and the quiz bank check
    their citations here, then against the statutes (``StatuteIndex``)."""
    if not isinstance(value, list) or not value:
        bad(expected)
        return ()
    result = []
    for item in value:
        if (
            not isinstance(item, Mapping) or set(item) != {"law", "article"}
            or not _is_text(item["law"]) or not _is_int(item["article"]) or item["article"] < 1
        ):
            bad(f"citation {item!r} must be {{law: <short name>, article: <positive integer>}}")
            continue
        result.append(Citation(item["law"].strip(), item["article"]))
    if len(set(result)) != len(result):
        bad("a citation is listed twice")
    return tuple(result)


def _quiz(value: Any, bad: Report) -> Quiz | None:
    if not isinstance(value, Mapping):
        bad("quiz must be a mapping with question, options, answer, explanation")
        return None
    for key in sorted(QUIZ_KEYS - value.keys()):
        bad(f"quiz: missing key {key!r}")
    for key in sorted(value.keys() - QUIZ_KEYS, key=str):
        bad(f"quiz: unknown key {key!r}")
    question, options = value.get("question"), value.get("options")
    answer, explanation = value.get("answer"), value.get("explanation")
    ok = True
    if not _is_text(question) or len(question.strip()) > QUESTION_MAX_CHARS:
        bad(f"quiz: question must be a non-empty string of at most {QUESTION_MAX_CHARS} characters")
        ok = False
    if (
        not isinstance(options, list) or not OPTIONS_MIN <= len(options) <= OPTIONS_MAX
        or not all(_is_text(o) for o in options)
    ):
        bad(f"quiz: options must be a list of {OPTIONS_MIN}-{OPTIONS_MAX} non-empty strings")
        options, ok = None, False
    else:
        for option in options:
            if len(option.strip()) > OPTION_MAX_CHARS:
                bad(f"quiz: option {option[:20]!r}… is longer than {OPTION_MAX_CHARS} characters")
                ok = False
        if len({o.strip() for o in options}) != len(options):
            bad("quiz: two options are the same")
            ok = False
    if not _is_int(answer):
        bad("quiz: answer must be the 0-based index of the correct option")
        ok = False
    elif options is not None and not 0 <= answer < len(options):
        bad(f"quiz: answer {answer} is out of range for {len(options)} options (0-based)")
        ok = False
    if not _is_text(explanation) or len(explanation.strip()) > EXPLANATION_MAX_CHARS:
        bad(f"quiz: explanation must be a non-empty string of at most {EXPLANATION_MAX_CHARS} characters")
        ok = False
    # As in _parse_file: the second half only tells the type checker what the checks above proved.
    if not ok or not (_is_text(question) and options is not None and _is_int(answer) and _is_text(explanation)):
        return None
    return Quiz(question.strip(), tuple(o.strip() for o in options), answer, explanation.strip())


def _check_body(body: str, bad: Report) -> None:
    count = body_chars(body)
    if not BODY_MIN_CHARS <= count <= BODY_MAX_CHARS:
        bad(f"body has {count} characters; it must have {BODY_MIN_CHARS}-{BODY_MAX_CHARS}")
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    last = paragraphs[-1].strip() if paragraphs else ""
    if not last.startswith(SUMMARY_PREFIX):
        bad(f"body must end with a paragraph starting with {SUMMARY_PREFIX!r}")
    elif len(last.splitlines()) > SUMMARY_MAX_LINES or not last.removeprefix(SUMMARY_PREFIX).strip():
        bad(f"the {SUMMARY_PREFIX} summary must have 1-{SUMMARY_MAX_LINES} lines of text")


def _series_problems(lessons: list[Lesson]) -> list[Problem]:
    by_series: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        if lesson.series:
            by_series[lesson.series].append(lesson)
    problems = []
    for name, members in by_series.items():
        orders = sorted(lesson.series_order or 0 for lesson in members)
        if orders != list(range(1, len(members) + 1)):
            problems.append(Problem(
                members[0].id, f"series {name!r} has orders {orders}; they must be 1..{len(members)} without gaps"
            ))
    return problems


def _library_order(lesson: Lesson) -> tuple[int, str, int, str]:
    if lesson.series:
        return (0, lesson.series, lesson.series_order or 0, lesson.id)
    return (1, "", 0, lesson.id)


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
