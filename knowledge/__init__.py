"""Knowledge domain: statutes, FAQ, glossary and synonyms, search and answering (no Telegram)."""
from knowledge.engine import CitedArticle, Hit, KnowledgeBase, Reply, Result, Suggestion, emergency_reply
from knowledge.errors import ArticleNotFound, KnowledgeError, LawNotFound
from knowledge.faq import Citation, FaqEntry, GlossaryEntry
from knowledge.statutes import Article, Corpus, Law, load_corpus

__all__ = [
    "Article", "ArticleNotFound", "Citation", "CitedArticle", "Corpus", "FaqEntry", "GlossaryEntry", "Hit",
    "KnowledgeBase", "KnowledgeError", "Law", "LawNotFound", "Reply", "Result", "Suggestion", "emergency_reply",
    "load_corpus",
]
