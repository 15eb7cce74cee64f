"""Fixtures for knowledge tests: the shared statutes, a KB over test entries, a migrated database."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import db
from knowledge.engine import KnowledgeBase
from knowledge.faq import DATA_DIR, load_faq, load_glossary, load_synonyms
from knowledge.statutes import load_corpus

FIXTURES = Path(__file__).with_name("fixtures")
DEFAULT_LAWS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "laws"


@pytest.fixture(scope="session")
def kb_laws_dir() -> Path:
    path = Path(os.environ.get("ANKANG_LAWS_DIR") or DEFAULT_LAWS_DIR)
    assert (path / "manifest.json").exists(), f"no statutes at {path} (set ANKANG_LAWS_DIR)"
    return path


@pytest.fixture(scope="session")
def corpus(kb_laws_dir):
    return load_corpus(kb_laws_dir)


def build_kb(corpus, data_dir: Path) -> KnowledgeBase:
    return KnowledgeBase(
        corpus,
        load_faq(data_dir / "faq"),
        load_glossary(data_dir / "glossary.yaml"),
        load_synonyms(DATA_DIR / "synonyms.yaml"),
        DATA_DIR / "domain_dict.txt",
    )


@pytest.fixture(scope="session")
def fixture_kb(corpus) -> KnowledgeBase:
    return build_kb(corpus, FIXTURES)


@pytest.fixture(scope="session")
def real_kb(kb_laws_dir) -> KnowledgeBase:
    return KnowledgeBase.load(kb_laws_dir)


@pytest.fixture
async def kb_engine(database_url):
    """A migrated fresh database (SQLite file, or PostgreSQL when configured) — see tests/conftest.py."""
    engine = db.create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(kb_engine):
    async with db.create_sessionmaker(kb_engine)() as s:
        yield s
