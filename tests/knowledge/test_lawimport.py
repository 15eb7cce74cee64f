"""`ankang laws import` and `ankang laws check`: official layouts in, a corpus Ankang loads out.

Every document here is built by the test itself (invented statutes, never a real one in the
repository): a .docx in the national database's layout, a GB18030 .txt and a saved .html page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from ankang.cli import main
from knowledge.lawimport import ImportFailed, import_file
from knowledge.lawsdir import LawsStatus, diagnose_laws_dir
from knowledge.statutes import load_corpus, parse_law

FW = "\u3000"  # the full-width space of official texts

DOCX_PARAGRAPHS = [
    "中华人民共和国示范劳动安全法",
    "（2020年1月2日第十三届全国人民代表大会常务委员会第十次会议通过　根据2022年6月10日第十三届全国人民代表大会"
    "常务委员会第三十次会议《关于修改〈中华人民共和国示范劳动安全法〉的决定》第一次修正）",
    "目　　录",
    "第一章　总　　则",
    "第二章　安全保障",
    f"{FW}第一节　一般规定",
    "第一章　总　　则",
    "第一条　为了保障示范单位职工的安全，制定本法。",
    "第二条　示范单位应当遵守本法。",
    "第三条　职工有权拒绝违章指挥和强令冒险作业。",
    f"{FW}{FW}职工发现直接危及人身安全的紧急情况时，有权停止作业或者撤离。",
    f"{FW}{FW}示范单位不得因前款行为降低职工的工资：",
    f"{FW}{FW}（一）拒绝违章指挥的；",
    f"{FW}{FW}（二）紧急撤离的。",
    "第二章　安全保障",
    "第一节　一般规定",
    "第四条　示范单位应当为职工提供劳动防护用品。",
    "第五条　违反本法第四条规定的，责令改正。",
    "第六条　本法自2022年9月1日起施行。",
]

TXT_TEXT = """中华人民共和国国务院令
第999号
《示范作业场所保护条例》已经2023年3月1日国务院第1次常务会议通过，现予公布，自2023年5月1日起施行。
总理　某某某
2023年3月20日

示范作业场所保护条例

第一条　为了保护作业场所职工的健康，制定本条例。
第二条　用人单位应当改善作业条件。
第三条　本条例自2023年5月1日起施行。
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>中华人民共和国示范消防安全法_示范网</title>
<script>var banner = "第九条 这不是法条";</script><style>p { margin: 0 }</style></head>
<body>
<nav><a href="/">首页</a> &gt; <a href="/laws">法律法规</a></nav>
<div class="top">网站导航 首页 政策 服务</div>
<div class="main"><div class="content">
<h1>中华人民共和国示范消防安全法</h1>
<p>（2021年4月29日第十三届全国人民代表大会常务委员会第二十八次会议通过）</p>
<p>第一条　为了预防火灾，制定本法。</p>
<p>第二条　单位应当落实消防安全责任。<br>　　任何人不得损坏消防设施。</p>
<p>第三条　本法自2021年5月1日起施行。</p>
</div>
<div class="related">相关文件：中华人民共和国示范劳动法</div></div>
<footer>版权所有 示范网 联系我们</footer>
<script>document.write("第四条 也不是法条");</script>
</body></html>
"""

CATALOG_TEXT = """示范委 示范部关于印发示范职业病目录的通知
示范发〔2024〕7号
各有关单位：现将《示范职业病目录》印发给你们，自2025年1月1日起施行。
2024年12月1日
附件：示范职业病目录
示范职业病目录
一、示范尘肺病
（一）尘肺病
1.甲尘肺
2.乙尘肺
（二）其他呼吸系统疾病
1.哮喘
二、示范皮肤病
1.接触性皮炎
"""


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "downloads"
    folder.mkdir()
    txt = folder / "示范作业场所保护条例.txt"
    txt.write_bytes(TXT_TEXT.encode("gb18030"))
    html = folder / "page.html"
    html.write_text(HTML_PAGE, encoding="utf-8")
    return {"docx": write_docx(folder / "flk-download.docx", DOCX_PARAGRAPHS), "txt": txt, "html": html}


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_writes_a_corpus_that_laws_check_and_kb_check_accept(sources, tmp_path):
    out = tmp_path / "laws"
    result = invoke("laws", "import", *(str(p) for p in sources.values()), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "flk-download.docx → " in result.output and "2 chapters, 1 sections, 6 articles" in result.output
    assert "示范作业场所保护条例.txt → " in result.output and "0 chapters, 3 articles" in result.output
    assert "page.html → " in result.output and "3 articles" in result.output
    assert "note:" not in result.output  # everything before the first article was understood
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "示范作业场所保护条例.md", "示范劳动安全法.md", "示范消防安全法.md"]

    checked = invoke("laws", "check", str(out))
    assert checked.exit_code == 0, checked.output
    assert "ok: 3 statutes, 12 articles" in checked.output

    kb_checked = invoke("kb", "check", "--laws-dir", str(out))
    assert kb_checked.exit_code == 0, kb_checked.output
    assert "ok: 3 laws, 12 articles" in kb_checked.output
    assert "14 of the 14 statutes Ankang cites are not loaded" in kb_checked.output


def test_docx_in_the_official_layout_becomes_chapters_sections_and_articles(sources, tmp_path):
    law = import_file(sources["docx"])
    assert (law.title, law.short) == ("中华人民共和国示范劳动安全法", "示范劳动安全法")
    assert (law.version, law.effective) == ("2022-06-10 第一次修正", "2022-09-01")
    assert (law.chapters, law.sections, law.articles) == (2, 1, 6)
    markdown = law.markdown()
    assert markdown.startswith("# 中华人民共和国示范劳动安全法\n<!-- meta: short=示范劳动安全法; "
                               "version=2022-06-10 第一次修正; effective=2022-09-01; source=flk-download.docx -->")
    # The table of contents is not in the body: each heading appears once, spaces squeezed out.
    assert markdown.count("## 第一章 总则") == 1 and markdown.count("### 第一节 一般规定") == 1
    parsed = parse_law(markdown)
    third = parsed.article(3)
    assert third.chapter == "第一章 总则" and third.section is None
    assert third.text.split("\n") == [
        "职工有权拒绝违章指挥和强令冒险作业。",
        "职工发现直接危及人身安全的紧急情况时，有权停止作业或者撤离。",
        "示范单位不得因前款行为降低职工的工资：",
        "（一）拒绝违章指挥的；",
        "（二）紧急撤离的。",
    ]
    fourth = parsed.article(4)
    assert (fourth.chapter, fourth.section) == ("第二章 安全保障", "第一节 一般规定")
    assert parsed.article(5).text == "违反本法第四条规定的，责令改正。"


def test_gb18030_text_with_a_state_council_order_before_the_title(sources):
    law = import_file(sources["txt"])
    assert (law.title, law.short) == ("示范作业场所保护条例", "示范作业场所保护条例")
    assert law.version == "2023-03-20 公布（国务院令第999号）"
    assert law.effective == "2023-05-01"
    assert law.articles == 3 and law.notes == []


def test_html_page_loses_navigation_scripts_and_footer(sources):
    law = import_file(sources["html"])
    markdown = law.markdown()
    assert law.title == "中华人民共和国示范消防安全法" and law.articles == 3
    assert law.version == "2021-04-29 通过" and law.effective == "2021-05-01"
    for junk in ("首页", "网站导航", "这不是法条", "也不是法条", "相关文件", "版权所有", "margin"):
        assert junk not in markdown
    assert parse_law(markdown).article(2).text == "单位应当落实消防安全责任。\n任何人不得损坏消防设施。"


def test_a_catalogue_is_imported_as_groups_and_entries(tmp_path):
    path = tmp_path / "目录.txt"
    path.write_text(CATALOG_TEXT, encoding="utf-8")
    law = import_file(path)
    assert (law.title, law.kind, law.chapters, law.items, law.articles) == ("示范职业病目录", "catalog", 2, 4, 0)
    assert law.version == "2024-12-01 印发（示范发〔2024〕7号）" and law.effective == "2025-01-01"
    out = tmp_path / "laws"
    assert invoke("laws", "import", str(path), "--out", str(out)).exit_code == 0
    loaded = load_corpus(out).law("示范职业病目录")
    assert [(i.chapter, i.section, i.name) for i in loaded.items][:3] == [
        ("一、示范尘肺病", "（一）尘肺病", "甲尘肺"), ("一、示范尘肺病", "（一）尘肺病", "乙尘肺"),
        ("一、示范尘肺病", "（二）其他呼吸系统疾病", "哮喘")]
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))[0]
    assert entry["kind"] == "catalog" and entry["items"] == 4
    assert invoke("laws", "check", str(out)).exit_code == 0


def test_gaps_and_text_before_the_first_article_are_reported(tmp_path):
    paragraphs = ["中华人民共和国示范劳动安全法", "本页由某某网站整理，仅供参考",
                  "第一条　甲。", "第二条　乙。", "第五条　丙。"]
    result = invoke("laws", "import", str(write_docx(tmp_path / "gappy.docx", paragraphs)),
                    "--out", str(tmp_path / "laws"))
    assert result.exit_code == 0, result.output
    assert "note: not understood before the first article: “本页由某某网站整理，仅供参考”" in result.output
    assert "note: gap in article numbering: 第三条、第四条 missing before 第五条" in result.output
    checked = invoke("laws", "check", str(tmp_path / "laws"))
    assert checked.exit_code == 1 and "article numbers are not continuous: 2 missing (3、4)" in checked.output


BAD_INPUTS = {
    "empty.txt": (b"", "the file is empty"),
    "binary.txt": (bytes(range(256)) * 8, "a binary file"),
    "wrong-encoding.txt": ("Caf\xe9 r\xe9sum\xe9 \xe0 la carte".encode("cp1252"), "neither UTF-8 nor GB18030"),
    "scan.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF is not supported"),
}


@pytest.mark.parametrize("name", [*BAD_INPUTS, "no-articles.docx", "two-statutes.docx"])
def test_bad_inputs_fail_with_a_message_naming_the_file(tmp_path, name):
    path = tmp_path / name
    if name == "no-articles.docx":
        write_docx(path, ["中华人民共和国示范劳动安全法", "目　　录", "第一章　总　　则", "这份文件只有目录。"])
        expected = "no articles found"
    elif name == "two-statutes.docx":
        write_docx(path, ["示范甲条例", "第一条　甲。", "第二条　乙。", "示范乙条例", "第一条　丙。"])
        expected = "第一条 comes again after 第二条"
    else:
        data, expected = BAD_INPUTS[name]
        path.write_bytes(data)
    good = write_docx(tmp_path / "good.docx", DOCX_PARAGRAPHS)
    out = tmp_path / "laws"
    result = invoke("laws", "import", str(path), str(good), "--out", str(out))
    assert result.exit_code == 1
    assert f"error: {path}: {expected}" in result.output
    assert "1 of 2 file(s) could not be imported" in result.output
    # The good file is still written; the bad one leaves nothing behind.
    assert [e["file"] for e in json.loads((out / "manifest.json").read_text(encoding="utf-8"))] == ["示范劳动安全法.md"]
    with pytest.raises(ImportFailed, match=re.escape(str(path))):
        import_file(path)


def test_manifest_is_merged_and_hand_filled_fields_survive_a_reimport(sources, tmp_path):
    out = tmp_path / "laws"
    out.mkdir()
    (out / "其他法.md").write_text("# 其他法\n第一条 甲。\n", encoding="utf-8")
    other = {"file": "其他法.md", "title": "其他法", "short": "其他法", "version": "2020-01-01 公布",
             "effective": "2020-01-01", "chapters": 0, "articles": 1, "source": "hand"}
    (out / "manifest.json").write_text(json.dumps([other], ensure_ascii=False), encoding="utf-8")
    # An amended statute whose text keeps the original 本法自…起施行: the import leaves "effective" to a person.
    paragraphs = [p.replace("本法自2022年9月1日起施行", "本法自2020年3月1日起施行") for p in DOCX_PARAGRAPHS]
    docx = write_docx(tmp_path / "amended.docx", paragraphs)
    first = invoke("laws", "import", str(docx), "--out", str(out))
    assert first.exit_code == 0 and "add “effective” to manifest.json by hand" in first.output
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in entries] == ["其他法.md", "示范劳动安全法.md"] and entries[0] == other
    assert entries[1]["effective"] == ""
    entries[1]["effective"] = "2022-09-01"
    (out / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    assert invoke("laws", "import", str(docx), "--out", str(out)).exit_code == 0
    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(again) == 2 and again[1]["effective"] == "2022-09-01"
    assert invoke("laws", "check", str(out)).exit_code == 0


def test_laws_check_reports_an_inconsistent_corpus(sources, tmp_path):
    out = tmp_path / "laws"
    assert invoke("laws", "import", str(sources["docx"]), str(sources["txt"]), "--out", str(out)).exit_code == 0
    statute = out / "示范劳动安全法.md"
    statute.write_text(statute.read_text(encoding="utf-8").replace("第五条 违反本法第四条规定的，责令改正。\n", ""),
                       encoding="utf-8")
    (out / "stray.md").write_text("# 游离法\n第一条 甲。\n", encoding="utf-8")
    (out / "示范作业场所保护条例.md").unlink()
    result = invoke("laws", "check", str(out))
    assert result.exit_code == 1
    assert "article numbers are not continuous: 1 missing (5)" in result.output
    assert "the manifest says 6 articles, the file has 5" in result.output
    assert "示范作业场所保护条例.md" in result.output and "the file is missing" in result.output
    assert "stray.md: not listed in manifest.json" in result.output
    assert "4 problem(s)" in result.output
    missing = invoke("laws", "check", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_the_shared_statutes_survive_a_round_trip_through_the_official_docx_layout(laws_dir, tmp_path):
    """Each statute of the corpus, laid out as the national database's .docx (full-width spaces,
    history in brackets, a table of contents), imports back to the same articles and counts."""
    manifest = json.loads((laws_dir / "manifest.json").read_text(encoding="utf-8"))
    corpus = load_corpus(laws_dir)
    for entry, law in zip(manifest, corpus.laws, strict=True):
        text = (laws_dir / entry["file"]).read_text(encoding="utf-8")
        history = re.search(r"<!-- history: (.*?) -->", text)
        body = [line for line in text.splitlines()[1:] if not line.startswith("<!--")]
        paragraphs = [law.title]
        if history:
            events = history.group(1).split(" | ")
            paragraphs.append("（" + FW.join(("根据" if i else "") + e for i, e in enumerate(events)) + "）")
        headings = [line[3:] for line in body if line.startswith("## ") and not line.startswith("## 附")]
        if headings and law.kind != "catalog":
            paragraphs += ["目　　录", *(h.replace(" ", FW) for h in headings)]
        for line in body:
            line = line.removeprefix("### ").removeprefix("## ")
            paragraphs.append(re.sub(r"^(第\S+?条) ", rf"\1{FW}", line))
        imported = import_file(write_docx(tmp_path / f"{law.short}.docx", paragraphs))
        assert (imported.title, imported.short) == (entry["title"], entry["short"])
        assert (imported.chapters, imported.articles, imported.items) == (
            entry["chapters"], entry["articles"], entry.get("items", 0)), law.short
        again = parse_law(imported.markdown())
        assert [(a.number, a.chapter, a.section, a.text) for a in again.articles] == [
            (a.number, a.chapter, a.section, a.text) for a in law.articles], law.short
        assert again.appendix == law.appendix
        assert not [n for n in imported.notes if "not understood" in n or "gap" in n], (law.short, imported.notes)


@pytest.mark.parametrize(("setup", "status", "words"), [
    ("unset", LawsStatus.UNSET, "is not set"),
    ("missing", LawsStatus.MISSING, "does not exist"),
    ("file", LawsStatus.MISSING, "not a directory"),
    ("empty", LawsStatus.EMPTY, "no manifest.json and no .md"),
    ("bad-manifest", LawsStatus.UNREADABLE, "manifest.json"),
    ("listed-file-missing", LawsStatus.UNREADABLE, "甲法.md is missing"),
    ("ok", LawsStatus.OK, "1 statute file(s)"),
])
def test_the_laws_dir_diagnosis_names_what_is_wrong(tmp_path, setup, status, words):
    path: Path | None = tmp_path / "laws"
    if setup == "unset":
        path = None
    elif setup == "file":
        path.write_text("x")
    elif setup != "missing":
        path.mkdir()
        if setup == "bad-manifest":
            (path / "manifest.json").write_text("{not json", encoding="utf-8")
        elif setup == "listed-file-missing":
            (path / "manifest.json").write_text('[{"file": "甲法.md"}]', encoding="utf-8")
        elif setup == "ok":
            (path / "甲法.md").write_text("# 甲法\n第一条 甲。\n", encoding="utf-8")
    diagnosis = diagnose_laws_dir(path)
    assert diagnosis.status is status
    assert words in diagnosis.message and "ANKANG_LAWS_DIR" in diagnosis.message
    assert str(tmp_path) not in diagnosis.public()["message"]  # /healthz shows no server paths
