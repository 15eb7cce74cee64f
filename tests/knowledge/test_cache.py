"""Where derived data is cached between starts."""
import shutil
import tempfile
from pathlib import Path

import pytest

from knowledge.faq import Citation, FaqEntry
from knowledge.text import cache_dir


def test_cache_dir_follows_the_setting(tmp_path):
    assert cache_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()


def test_cache_dir_reads_no_variable_of_ours_behind_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ANKANG_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "ankang"


def test_cache_dir_defaults_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "ankang"


def test_a_cache_dir_that_cannot_be_created_falls_back_to_the_temp_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cache_dir(blocker / "cache") == Path(tempfile.gettempdir())


@pytest.fixture(scope="module")
def built(kb_laws_dir, tmp_path_factory):
    """A knowledge base built in a cache dir of its own, once for the tests below (a cold build, jieba's derived
    files included, is seconds of CPU; each of them built one before): the knowledge base and that dir."""
    from knowledge.engine import KnowledgeBase

    kept = tmp_path_factory.mktemp("kept-kb")
    return KnowledgeBase.load(kb_laws_dir, cache_dir=kept), kept


@pytest.fixture
def kept_cache(built, tmp_path) -> Path:
    """``tmp_path`` holding a copy of what building ``built`` left in its cache dir: the kept snapshot."""
    for path in built[1].iterdir():
        shutil.copy2(path, tmp_path / path.name)
    return tmp_path


def test_a_second_start_loads_the_built_knowledge_base_and_answers_alike(built, kept_cache, kb_laws_dir,
                                                                          monkeypatch):
    """The built indexes are kept in the cache dir (issue 10: cold build); a start with nothing changed loads them."""
    from knowledge.engine import KnowledgeBase

    built_kb, built_in = built
    snapshots = list(built_in.glob("ankang-kb-*.pickle"))
    assert len(snapshots) == 1

    def built_anew(*args: object, **kwargs: object) -> None:
        raise AssertionError("the knowledge base was indexed again")

    monkeypatch.setattr(KnowledgeBase, "add_faqs", built_anew)
    loaded = KnowledgeBase.load(kb_laws_dir, cache_dir=kept_cache)  # restored, not indexed again
    monkeypatch.undo()
    for question in ["劳保用品要自己掏钱吗", "厂里不给发口罩怎么办", "公伤认定要多久", "我今年16岁在厂里干活合法吗"]:
        a, b = built_kb.answer(question), loaded.answer(question)
        assert (a.intent, a.confidence, [r.title for r in a.results]) == (
            b.intent, b.confidence, [r.title for r in b.results])
    # An entry added at run time is segmented and indexed by the restored knowledge base too.
    loaded.add_faq(FaqEntry(id="db-snapshot", q="夜班食堂不开门怎么办", a="找工会反映。",
                            cite=[Citation("工会法", 6)]))
    assert loaded.answer("夜班食堂不开门怎么办").results[0].faq_id == "db-snapshot"


def test_other_contents_build_anew_and_replace_the_kept_knowledge_base(kb_laws_dir, kept_cache):
    from knowledge.engine import KnowledgeBase

    KnowledgeBase.load(kb_laws_dir, cache_dir=kept_cache)
    first = list(kept_cache.glob("ankang-kb-*.pickle"))
    extra = FaqEntry(id="db-extra", q="夜班食堂不开门怎么办", a="找工会反映。", cite=[Citation("工会法", 6)])
    kb = KnowledgeBase.load(kb_laws_dir, [extra], cache_dir=kept_cache)
    assert kb.entry("db-extra") is not None
    second = list(kept_cache.glob("ankang-kb-*.pickle"))
    assert len(second) == 1 and second != first  # keyed by the contents; the old one is dropped


def test_a_damaged_kept_knowledge_base_is_built_anew(kb_laws_dir, kept_cache):
    from knowledge.engine import KnowledgeBase

    KnowledgeBase.load(kb_laws_dir, cache_dir=kept_cache)
    (snapshot,) = kept_cache.glob("ankang-kb-*.pickle")
    snapshot.write_bytes(b"not a pickle")
    kb = KnowledgeBase.load(kb_laws_dir, cache_dir=kept_cache)
    assert kb.answer("劳保用品要自己掏钱吗").intent == "answer"
    assert snapshot.read_bytes() != b"not a pickle"
