import json

import pytest

from knowledge.errors import ArticleNotFound


def test_article_counts_match_manifest(corpus, kb_laws_dir):
    manifest = json.loads((kb_laws_dir / "manifest.json").read_text(encoding="utf-8"))
    by_short = {law.short: law for law in corpus.laws}
    for entry in manifest:
        law = by_short[entry["short"]]
        assert len(law.articles) == entry["articles"], entry["short"]
        if entry.get("kind") != "catalog":
            assert len(law.chapters) == entry["chapters"], entry["short"]


def test_multi_paragraph_article(corpus):
    article = corpus.article("安全生产法", 3)
    assert article.text.count("\n") == 2
    assert article.label == "安全生产法第三条"
    assert article.chapter == "第一章 总则"


def test_section_assignment(corpus):
    article = corpus.article("特种设备安全法", 40)
    assert article.chapter.startswith("第二章")
    assert article.section == "第四节 使用"
    assert corpus.article("特种设备安全法", 1).section is None


def test_appendix_is_not_an_article(corpus):
    law = corpus.law("女职工劳动保护特别规定")
    assert len(law.articles) == 16
    assert law.appendix and law.appendix[0][0].startswith("附录")
    assert "矿山井下作业" in law.appendix[0][1]


def test_catalog_items_searchable(corpus):
    catalog = corpus.law("职业病分类和目录")
    assert catalog.kind == "catalog"
    assert len(catalog.items) == 135
    assert any(item.name == "噪声聋" for item in catalog.items)


def test_missing_article_raises(corpus):
    with pytest.raises(ArticleNotFound):
        corpus.article("安全生产法", 500)
    assert not corpus.has("不存在的法", 1)
    assert corpus.has("安全生产法", 119)


@pytest.mark.parametrize("alias,short", [("安全法", "安全生产法"), ("职业病法", "职业病防治法"),
                                         ("职防法", "职业病防治法"),
                                         ("工伤条例", "工伤保险条例"), ("特种设备法", "特种设备安全法"),
                                         ("中华人民共和国消防法", "消防法"), ("《劳动法》", "劳动法")])
def test_law_aliases(corpus, alias, short):
    assert corpus.resolve_law(alias) == short
