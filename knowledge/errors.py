"""Domain errors of the knowledge base; the bot and web layers translate them into friendly text."""
from __future__ import annotations


class KnowledgeError(Exception):
    """Base class for knowledge-base errors."""


class ArticleNotFound(KnowledgeError):
    """No such article in the loaded corpus (unknown law or number out of range)."""

    def __init__(self, law: str, number: int) -> None:
        super().__init__(f"{law} has no article {number}")
        self.law = law
        self.number = number


class LawNotFound(KnowledgeError):
    """The name does not resolve to any loaded law."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no law called {name!r}")
        self.name = name


class DataError(KnowledgeError):
    """A data file (FAQ, glossary, synonyms, statute) cannot be parsed."""
