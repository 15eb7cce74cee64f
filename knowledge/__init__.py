"""Knowledge domain: statutes, FAQ, glossary and synonyms, search and answering (no Telegram)."""
from knowledge.engine import Hit, KnowledgeBase, emergency_reply
from knowledge.errors import ArticleNotFound, KnowledgeError, LawNotFound
from knowledge.faq import Citation, FaqEntry, GlossaryEntry
from knowledge.replies import (
    AnswerReply,
    ArticleAnswerReply,
    ArticleChoiceReply,
    ArticleReply,
    CitedArticle,
    EmergencyReply,
    NoticeReply,
    OutOfScopeReply,
    Reply,
    Result,
    SelfHelpReply,
    Suggestion,
    TermReply,
    UnsureReply,
)
from knowledge.statutes import Article, Corpus, Law, load_corpus

__all__ = [
    "AnswerReply", "Article", "ArticleAnswerReply", "ArticleChoiceReply", "ArticleNotFound", "ArticleReply", "Citation",
    "CitedArticle", "Corpus", "EmergencyReply", "FaqEntry", "GlossaryEntry", "Hit", "KnowledgeBase", "KnowledgeError",
    "Law", "LawNotFound", "NoticeReply", "OutOfScopeReply", "Reply", "Result", "SelfHelpReply", "Suggestion",
    "TermReply", "UnsureReply", "emergency_reply", "load_corpus",
]
