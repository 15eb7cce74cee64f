"""What the knowledge base answers: one small reply type per kind of reply, ``Reply`` their union.

Each type says what it carries and nothing else, so a layer renders a reply from its fields
(the bot's HTML, the web's page) and never parses its plain text. ``intent`` is a ``Literal``
on every type, so ``reply.intent == "answer"`` narrows a ``Reply`` for mypy as ``isinstance``
does; the intent strings are what the dashboard counts and the benchmark scores. ``text`` is
the plain-text rendering (the CLI, the JSON contract of ``to_dict``).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

from knowledge import messages
from knowledge.faq import Citation, GlossaryEntry
from knowledge.statutes import Article

Intent = Literal["answer", "article", "unsure", "emergency", "smalltalk", "out_of_scope", "tip", "term", "help", "self"]
MAX_RESULTS = 3
# A paragraph of the emergency guidance, as its lines.
Paragraph: TypeAlias = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CitedArticle:
    """A citation with what the bot shows under 法条依据 (None when the corpus is not loaded)."""

    law: str
    article: int
    label: str
    opening: str | None


@dataclass(slots=True)
class Result:
    title: str
    citations: list[Citation]
    score: float
    faq_id: str | None = None
    article: Article | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "citations": [c.to_dict() for c in self.citations], "score": round(self.score, 4)}


@dataclass(slots=True)
class Suggestion:
    """A question the worker can tap (FAQ id) — for 相关问题 and for unsure replies."""

    faq_id: str
    question: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyBase(ABC):
    """What every reply has: the question as asked, the search results behind it, a confidence."""

    question: str
    results: tuple[Result, ...] = ()
    confidence: float = 0.0

    @property
    @abstractmethod
    def intent(self) -> Intent:
        """The kind of reply (a class constant on each reply type)."""

    @property
    @abstractmethod
    def text(self) -> str:
        """The reply as plain text."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``ankang ask --json``."""
        return {
            "question": self.question,
            "intent": self.intent,
            "text": self.text,
            "results": [r.to_dict() for r in self.results[:MAX_RESULTS]],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyReply(ReplyBase):
    """An emergency in progress: what to do now, for its kind ("fire", "electric"…) first."""

    intent: ClassVar[Literal["emergency"]] = "emergency"
    kind: str
    head: str
    guidance: tuple[Paragraph, ...]

    @property
    def text(self) -> str:
        return "\n\n".join([self.head, *("\n".join(lines) for lines in self.guidance)])


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerReply(ReplyBase):
    """A confident answer from an FAQ entry, with its citations and the questions to ask next.

    ``term`` is the glossary term the question named bare ("停工留薪期"): its definition comes
    first. ``english`` notes that the answer and its citations are in Chinese.
    """

    intent: ClassVar[Literal["answer"]] = "answer"
    faq_id: str
    answer: str
    citations: tuple[CitedArticle, ...] = ()
    related: tuple[Suggestion, ...] = ()
    term: GlossaryEntry | None = None
    english: bool = False

    @property
    def text(self) -> str:
        text = self.answer + _basis(self.citations)
        if self.english:
            text = messages.ENGLISH_NOTE + "\n" + text
        if self.term is not None:
            text = f"{self.term.term}：{self.term.definition}\n\n{text}"
        return text


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleAnswerReply(ReplyBase):
    """A confident answer with a statute article alone (no FAQ entry answers it)."""

    intent: ClassVar[Literal["answer"]] = "answer"
    article: Article

    @property
    def text(self) -> str:
        return _article_text(self.article)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleReply(ReplyBase):
    """The article a look-up asked for ("安全生产法第五十五条")."""

    intent: ClassVar[Literal["article"]] = "article"
    article: Article

    @property
    def text(self) -> str:
        return _article_text(self.article)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleChoiceReply(ReplyBase):
    """A look-up that found no single article: a bare number, an unknown law, no such article.

    ``candidate_laws`` are the laws to offer for article ``number`` (those that have it, or the
    law asked for when it has no such article); ``message`` says what went wrong.
    """

    intent: ClassVar[Literal["article"]] = "article"
    number: int
    candidate_laws: tuple[str, ...] = ()
    message: str

    @property
    def text(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True, kw_only=True)
class TermReply(ReplyBase):
    """What a glossary term means ("什么是三违"), with its citations."""

    intent: ClassVar[Literal["term"]] = "term"
    term: GlossaryEntry
    citations: tuple[CitedArticle, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.term.term}：{self.term.definition}" + _basis(self.citations)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsureReply(ReplyBase):
    """No confident answer: the best entries (up to three) to choose from, maybe none."""

    intent: ClassVar[Literal["unsure"]] = "unsure"
    suggestions: tuple[Suggestion, ...] = ()
    english: bool = False  # asked in English: say first that what follows is in Chinese

    @property
    def text(self) -> str:
        if not self.suggestions:
            text = messages.UNSURE_NONE
        else:
            text = messages.UNSURE + "\n" + "\n".join(f"• {s.question}" for s in self.suggestions)
        return messages.ENGLISH_NOTE + "\n" + text if self.english else text


@dataclass(frozen=True, slots=True, kw_only=True)
class OutOfScopeReply(ReplyBase):
    """A message outside labour protection and work safety (or too vague to place)."""

    intent: ClassVar[Literal["out_of_scope"]] = "out_of_scope"

    @property
    def text(self) -> str:
        return messages.OUT_OF_SCOPE


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfHelpReply(ReplyBase):
    """A question about Ankang itself (pushes, points, reporting), answered by its self-help entry."""

    intent: ClassVar[Literal["self"]] = "self"
    entry_id: str
    answer: str

    @property
    def text(self) -> str:
        return self.answer


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeReply(ReplyBase):
    """A fixed message: the help text, a reply to small talk, the way to report a hazard."""

    intent: Literal["help", "smalltalk", "tip"]
    message: str

    @property
    def text(self) -> str:
        return self.message


Reply: TypeAlias = (
    EmergencyReply | AnswerReply | ArticleAnswerReply | ArticleReply | ArticleChoiceReply | TermReply | UnsureReply
    | OutOfScopeReply | SelfHelpReply | NoticeReply
)


def _basis(citations: tuple[CitedArticle, ...]) -> str:
    """The 法条依据 paragraph under an answer, with a blank line before it; empty without citations."""
    if not citations:
        return ""
    return "\n\n" + messages.BASIS + "\n" + "\n".join(
        f"• {c.label}" + (f"：{c.opening}" if c.opening else "") for c in citations)


def _article_text(article: Article) -> str:
    return f"{article.label}\n{article.text}"
