from knowledge.check import check_knowledge
from tests.knowledge.conftest import FIXTURES, build_kb


def test_check_finds_every_kind_of_problem(corpus):
    problems = [str(p) for p in check_knowledge(build_kb(corpus, FIXTURES / "bad"))]
    text = "\n".join(problems)
    assert "id must use only" in text
    assert "duplicate id" in text
    assert "empty answer" in text
    assert "characters (max 300)" in text
    assert "has no article 999" in text
    assert "unknown law “不存在的法”" in text
    assert "unknown law “安全法” (did you mean 安全生产法?)" in text
    assert "duplicates one of faq:Bad_ID" in text
    assert "glossary:三违: empty definition" in text
    assert "glossary:三违: 安全生产法 has no article 500" in text


def test_fixture_data_is_clean(fixture_kb):
    assert check_knowledge(fixture_kb) == []


def test_real_data_passes(real_kb):
    problems = check_knowledge(real_kb)
    assert problems == [], "\n".join(map(str, problems))
    assert real_kb.faq


def test_check_reports_a_see_id_that_does_not_exist(corpus):
    from knowledge.engine import KnowledgeBase
    from knowledge.faq import DATA_DIR, faq_entry_from_dict, load_synonyms

    detail = faq_entry_from_dict({"id": "d-1", "q": "劳保用品要自己掏钱吗", "a": "不用。",
                                  "cite": [{"law": "安全生产法", "article": 45}]}, "t.yaml")
    overview = faq_entry_from_dict({"id": "overview-x", "q": "职工有哪些安全生产权利", "a": "知情权等。",
                                    "cite": [{"law": "安全生产法", "article": 53}],
                                    "see": ["d-1", "no-such-entry", "overview-x"]}, "t.yaml")
    assert detail.see == [] and overview.see == ["d-1", "no-such-entry", "overview-x"]
    kb = KnowledgeBase(corpus, [detail, overview], [], load_synonyms(DATA_DIR / "synonyms.yaml"),
                       DATA_DIR / "domain_dict.txt")
    problems = [str(p) for p in check_knowledge(kb)]
    assert "faq:overview-x (t.yaml): see: no FAQ entry “no-such-entry”" in problems
    assert "faq:overview-x (t.yaml): see lists the entry itself" in problems
    assert not any("d-1”" in p for p in problems)
    assert len(problems) == 2


def test_check_reports_a_tag_outside_the_taxonomy(corpus):
    from knowledge.engine import KnowledgeBase
    from knowledge.faq import DATA_DIR, faq_entry_from_dict, load_synonyms

    entry = faq_entry_from_dict({"id": "t-1", "q": "劳保用品要自己掏钱吗", "a": "不用。",
                                 "cite": [{"law": "安全生产法", "article": 45}],
                                 "tags": ["ppe", "confined-space", "rights"]}, "t.yaml")
    kb = KnowledgeBase(corpus, [entry], [], load_synonyms(DATA_DIR / "synonyms.yaml"), DATA_DIR / "domain_dict.txt")
    problems = [str(p) for p in check_knowledge(kb)]
    assert problems == ["faq:t-1 (t.yaml): tag “confined-space” is not in core/topics.py (TOPICS or SUBJECTS)"]
