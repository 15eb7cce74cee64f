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
