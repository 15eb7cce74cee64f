"""Turn official statute texts into Ankang's corpus: one Markdown file per statute plus manifest.json.

Reads what the official sites publish: the .docx files of the national database of laws and
regulations (title, a parenthesised history, 目录, 第X章/第X节 headings, 第X条 articles, full-width
spaces), plain text (UTF-8 or GB18030) and HTML pages saved from a browser. ``ankang laws import``.
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.errors import KnowledgeError
from knowledge.numerals import NUMERAL_CHARS, cn_to_int, int_to_cn
from knowledge.statutes import KNOWN_STATUTES

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MANIFEST = "manifest.json"

_NUM = rf"[{NUMERAL_CHARS}0-9０-９]+"
# Any run of whitespace, full-width spaces, no-break spaces, zero-width characters and BOMs.
_SPACES_RE = re.compile(r"[\s\u3000\u00a0\u2000-\u200b\u202f\u205f\ufeff]+")
# A space between two non-ASCII characters: 总　　则 -> 总则, in headings and titles.
_CJK_GAP_RE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_ARTICLE_RE = re.compile(rf"^第({_NUM})条(?: (.*)|$)")
_BARE_ARTICLE_RE = re.compile(rf"^第{_NUM}条$")
_ARTICLE_TIGHT_RE = re.compile(rf"^第({_NUM})条(\S.*)$")  # 第一条为了… (no space: see _classify)
_CHAPTER_RE = re.compile(rf"^第({_NUM})章(?: ?(.*))?$")
_SECTION_RE = re.compile(rf"^第({_NUM})节(?: ?(.*))?$")
_APPENDIX_RE = re.compile(r"^附\s?(录|件|表)(?:[:： ]*(.*))?$")
_TITLE_RE = re.compile(
    r"^[\u4e00-\u9fff〈〉《》、·]{2,60}(?:法|条例|规定|办法|细则|决定|目录|规则|准则)(?:[（(][^（()）]{1,20}[)）])?$"
)
_TITLE_SUFFIX_RE = re.compile(r"[（(][^（()）]{1,20}[)）]$")
_DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EVENT_RE = re.compile(r"第[一二三四五六七八九十]+次修正|修正|修订|通过|公布|发布|印发")
_ORDER_RE = re.compile(r"(国务院令|主席令)\s*(?:（?第\s*(\S+?)\s*号）?)?")
_ORDER_NUMBER_RE = re.compile(r"^第\s*(\S+?)\s*号$")
_DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{2,8}〔\d{4}〕\d+号")
_EFFECTIVE_RE = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起(?:施行|实施)")
_CN_DATE_RE = re.compile(
    r"^([〇零一二三四五六七八九○Ｏ]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$"
)
_SIGNATURE_RE = re.compile(r"^(?:国务院)?(?:总理|主席|委员长)\s?\S{2,4}$")
_PROMULGATION_RE = re.compile(r"现予公布|予以公布|公布施行|已经.{0,40}通过")
# Catalogue documents (职业病分类和目录): 一、 groups, （一） subgroups, 1. entries.
_GROUP_RE = re.compile(r"^([一二三四五六七八九十]+)、(.{1,40})$")
_SUBGROUP_RE = re.compile(r"^[（(]([一二三四五六七八九十]+)[)）](.{1,40})$")
_ITEM_RE = re.compile(r"^(\d+)[.．、]\s*(.+)$")
_SENTENCE_MARKS = "。；;"
_NOTE_CHARS = 40


class ImportFailed(KnowledgeError):
    """A file cannot be turned into a statute; the message names the file and says why."""


@dataclass
class ImportedLaw:
    """One statute read from one file, ready to write."""

    source: str  # the input file's name
    title: str
    short: str
    version: str = ""
    effective: str = ""
    history: list[str] = field(default_factory=list)
    kind: str = "statute"  # or "catalog"
    lines: list[str] = field(default_factory=list)  # the body in corpus Markdown
    chapters: int = 0
    sections: int = 0
    articles: int = 0
    items: int = 0
    notes: list[str] = field(default_factory=list)  # what could not be parsed or found

    @property
    def file(self) -> str:
        return f"{self.short}.md"

    def markdown(self) -> str:
        meta = "; ".join(
            f"{key}={_meta_value(value)}"
            for key, value in (("short", self.short), ("version", self.version),
                               ("effective", self.effective), ("source", self.source))
            if value
        )
        head = [f"# {self.title}", f"<!-- meta: {meta} -->"]
        if self.history:
            head.append(f"<!-- history: {' | '.join(_meta_value(h) for h in self.history)} -->")
        return "\n".join([*head, *self.lines]) + "\n"

    def manifest_entry(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "file": self.file, "title": self.title, "short": self.short, "version": self.version,
            "effective": self.effective, "chapters": self.chapters, "articles": self.articles,
        }
        if self.sections:
            entry["sections"] = self.sections
        if self.kind == "catalog":
            entry["items"] = self.items
            entry["kind"] = "catalog"
        entry["source"] = self.source
        return entry


def _meta_value(value: str) -> str:
    # The meta comment separates fields with ";" and ends at "-->".
    return value.replace(";", "；").replace("-->", "").strip()


# ---------------------------------------------------------------------------------------------
# Reading files


def read_paragraphs(path: Path) -> list[str]:
    """Return the paragraphs of a .docx, .txt or .html file (the format is sniffed, not trusted)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data.strip():
        raise ImportFailed(f"{path}: the file is empty")
    if data.startswith(b"PK\x03\x04"):
        return _docx_paragraphs(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFailed(f"{path}: an old Word .doc file; open it in Word or WPS and save it as .docx")
    if data.startswith(b"%PDF"):
        raise ImportFailed(f"{path}: PDF is not supported; download the Word (.docx) version instead")
    text = _decode(path, data)
    head = text[:2000].lstrip().lower()
    if path.suffix.lower() in (".html", ".htm", ".xhtml") or head.startswith(("<!doctype html", "<html", "<?xml")):
        return _html_paragraphs(path, data, text)
    return text.splitlines()


def _decode(path: Path, data: bytes, declared: str | None = None) -> str:
    """Decode text: a BOM, a declared charset, then UTF-8, then GB18030 (which covers GBK and GB2312)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if b"\x00" in data[:4096]:
        raise ImportFailed(f"{path}: a binary file, not a statute text (.docx, .txt or .html)")
    codecs = ["utf-8", "gb18030"]
    if declared:
        declared = declared.lower()
        codecs.insert(0, "gb18030" if declared.replace("-", "") in ("gb2312", "gbk", "gb18030", "xgbk") else declared)
    for codec in dict.fromkeys(codecs):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFailed(f"{path}: neither UTF-8 nor GB18030 text; save it as UTF-8 and try again")


def _docx_paragraphs(path: Path) -> list[str]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFailed(f"{path}: not a readable Word .docx file ({exc})") from None
    paragraphs: list[str] = []
    # Paragraphs and tables in document order (some texts put the catalogue in a table).
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs.extend(Paragraph(child, document).text.splitlines())
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells if cell.text.strip()))
                paragraphs.append(" ".join(cells))
    return paragraphs


_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
              "template", "select", "button", "svg", "head", "object")
_HTML_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table", "section",
                "article", "main", "blockquote", "pre", "center", "dd", "dt", "dl", "tbody", "thead", "body"}
_END_MARK = "\ue000end-of-statute\ue000"  # a private-use character: never in a page


def _html_paragraphs(path: Path, data: bytes, text: str) -> list[str]:
    """Visible text of a saved page, one block per line; navigation, scripts and what follows the
    statute's last article (footers, related links) left out."""
    import lxml.html
    from lxml import etree

    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", data[:4096], re.I)
    if declared:
        text = _decode(path, data, declared.group(1).decode("ascii", "replace"))
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ImportFailed(f"{path}: cannot parse as HTML ({exc})") from None
    page_title = " ".join((root.findtext(".//title") or "").split())
    for comment in root.xpath("//comment()"):
        comment.drop_tree()
    for element in root.xpath("|".join(f"//{tag}" for tag in _HTML_DROP)):
        element.drop_tree()
    # Trim the end: the smallest element holding every article is the statute's container.
    owners: list[HtmlElement] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for piece, owner in ((element.text, element), (element.tail, element.getparent())):
            if piece and owner is not None and _ARTICLE_RE.match(_clean(piece)):
                owners.append(owner)
    if owners:
        container = _common_ancestor(owners)
        end = etree.SubElement(container, "p")
        end.text = _END_MARK
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _HTML_BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
        elif element.tag in ("td", "th"):
            element.tail = " " + (element.tail or "")
    lines = root.text_content().split("\n")
    if _END_MARK in lines:
        lines = lines[: lines.index(_END_MARK)]
    if page_title:
        # Offered as the title when the page body has none: "中华人民共和国消防法_国务院_中国政府网".
        lines.insert(0, re.split(r"\s*[_|｜–—-]\s*", page_title)[0])
    return lines


def _common_ancestor(elements: list[HtmlElement]) -> HtmlElement:
    path = list(elements[0].iterancestors())[::-1] + [elements[0]]
    for element in elements[1:]:
        chain = set(element.iterancestors()) | {element}
        while path and path[-1] not in chain:
            path.pop()
    return path[-1]


# ---------------------------------------------------------------------------------------------
# Understanding the text


def _clean(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def _squeeze(text: str) -> str:
    return _CJK_GAP_RE.sub("", text)


def _heading(kind: str, number: int, rest: str | None) -> str:
    rest = _squeeze(rest or "").strip()
    return f"第{int_to_cn(number)}{kind}" + (f" {rest}" if rest else "")


def _is_heading_text(rest: str | None) -> bool:
    rest = rest or ""
    return len(rest) <= 30 and not any(mark in rest for mark in "。，；;,")


def _number(text: str) -> int:
    return cn_to_int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def _iso(match: re.Match[str]) -> str:
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cn_iso(match: re.Match[str]) -> str:
    """二〇一〇年十二月二十日 -> 2010-12-20."""
    year = match.group(1).translate(str.maketrans("○Ｏ", "〇〇"))
    return f"{cn_to_int(year):04d}-{cn_to_int(match.group(2)):02d}-{cn_to_int(match.group(3)):02d}"


def _title_of(text: str) -> str | None:
    squeezed = _squeeze(text).replace(" ", "")
    squeezed = re.sub(r"^附件[:：]?", "", squeezed)
    if squeezed.startswith("第") or "令" in squeezed or not _TITLE_RE.match(squeezed):
        return None
    return _TITLE_SUFFIX_RE.sub("", squeezed)


def _is_history(text: str) -> bool:
    opens = text[:1] in "（(" or _DATE_RE.match(text)
    return bool(opens and _DATE_RE.search(text) and _EVENT_RE.search(text)) and len(text) < 600


@dataclass
class _Metadata:
    history: list[str] = field(default_factory=list)  # "2021年6月10日 …第三次修正"
    order: str = ""  # 国务院令第586号
    doc_number: str = ""  # 国卫职健发〔2024〕39号
    promulgated_effective: str = ""  # 自…起施行 in the promulgation text: the version's own date
    promulgated_on: str = ""  # the date under the signature of a 令
    passed_on: str = ""  # "已经…通过" in the promulgation, when it has no dated signature


def _read_history(text: str, meta: _Metadata) -> None:
    body = text.strip().strip("（()）")
    starts = [m.start() for m in _DATE_RE.finditer(body)]
    for begin, end in zip(starts, [*starts[1:], len(body)], strict=True):
        event = body[begin:end].strip().removesuffix("根据").removesuffix("自").strip(" ，,；;。")
        if not event:
            continue
        meta.history.append(event)
        if "施行" in event and not _EVENT_RE.search(event) and (date := _DATE_RE.search(event)):
            # "2007年6月1日 施行" / "自2007年6月1日起施行": when this version took effect.
            meta.promulgated_effective = _iso(date)


def _version(meta: _Metadata) -> str:
    """The latest dated event of the history: "2021-06-10 第三次修正", "2010-12-20 修订（国务院令第586号）"."""
    dated = [(m, h) for h in meta.history if (m := _DATE_RE.search(h)) and _EVENT_RE.search(h)]
    if not dated and (meta.promulgated_on or meta.passed_on):
        kind = "印发" if meta.doc_number and not meta.order else "公布"
        version = f"{meta.promulgated_on or meta.passed_on} {kind}"
    elif dated:
        match, event = max(dated, key=lambda pair: _iso(pair[0]))
        version = f"{_iso(match)} {_EVENT_RE.findall(event)[-1]}"
        if (m := _ORDER_RE.search(event)) and m.group(2):
            return f"{version}（{m.group(1)}第{m.group(2)}号）"
    else:
        return meta.doc_number
    reference = meta.order or meta.doc_number
    if reference and reference not in version:
        version += f"（{reference}）"
    return version


def convert(paragraphs: list[str], *, source: str, where: str | None = None) -> ImportedLaw:
    """Understand the paragraphs of one statute; raise ImportFailed when they hold no articles.

    ``source`` is recorded in the manifest; ``where`` (default: ``source``) names the file in errors.
    """
    where = where or source
    lines = [_clean(p) for p in paragraphs]
    lines = [line for line in lines if line]
    first_article = next((i for i, line in enumerate(lines) if _ARTICLE_RE.match(line)), None)
    if first_article is None:
        catalog = _catalog(lines, source)
        if catalog is not None:
            return catalog
        raise ImportFailed(
            f"{where}: no articles found (no paragraph starts with 第一条, 第二条…); "
            "is this the statute's full text?"
        )
    meta = _Metadata()
    title_at = None
    for i, line in enumerate(lines[:first_article]):
        if _title_of(line):
            title_at = i
    title = _title_of(lines[title_at]) if title_at is not None else None
    notes: list[str] = []
    if title is None:
        title = Path(source).stem
        notes.append(f"no title line before the first article; used the file name “{title}”")
    title, short = _canonical(title)
    law = ImportedLaw(source=source, title=title, short=short)
    # Before the first article: metadata anywhere (a 令 may precede the title); only what lies
    # between the title and the first article is reported when not understood.
    in_toc = in_preamble = False
    pending_chapter: str | None = None
    pending_section: str | None = None
    for i, line in enumerate(lines[:first_article]):
        understood = _read_front_matter(line, meta)
        if i == title_at:
            continue
        squeezed = _squeeze(line)
        if squeezed in ("目录", "目 录"):
            in_toc = True
            continue
        if squeezed in ("序言", "前言"):
            in_preamble = True
            continue
        if (m := _CHAPTER_RE.match(line)) and _is_heading_text(m.group(2)):
            # Table-of-contents entries and the body's own heading look alike: the last one before
            # the first article is the body's.
            pending_chapter, pending_section = _heading("章", _number(m.group(1)), m.group(2)), None
            continue
        if (m := _SECTION_RE.match(line)) and _is_heading_text(m.group(2)):
            pending_section = _heading("节", _number(m.group(1)), m.group(2))
            continue
        if understood or in_preamble or title_at is None or i < title_at:
            continue
        if in_toc and len(line) <= 30 and not any(mark in line for mark in _SENTENCE_MARKS):
            continue
        notes.append(f"not understood before the first article: “{line[:_NOTE_CHARS]}”")
    _body(law, lines[first_article:], pending_chapter, pending_section, notes, where)
    law.history = meta.history
    law.version = _version(meta)
    law.effective = _effective(law, meta, notes)
    if not law.version:
        notes.append("no version date in the text (e.g. “2021年6月10日第三次修正”); add it to manifest.json")
    law.notes = notes
    return law


def _read_front_matter(line: str, meta: _Metadata) -> bool:
    """Take what a line before the first article says about the version; True when it is such a line."""
    if _is_history(line):
        _read_history(line, meta)
        return True
    if (m := _EFFECTIVE_RE.search(line)) and not meta.promulgated_effective:
        # Before the first article, 自…起施行 belongs to the promulgation (令, 通知) of this version.
        meta.promulgated_effective = _iso(m)
    compact = line.replace(" ", "")
    if m := _DATE_RE.fullmatch(compact):
        meta.promulgated_on = meta.promulgated_on or _iso(m)  # the date under the signature
        return True
    if m := _CN_DATE_RE.match(compact):
        meta.promulgated_on = meta.promulgated_on or _cn_iso(m)
        return True
    if m := _ORDER_RE.search(line):
        if m.group(2):
            meta.order = f"{m.group(1)}第{m.group(2)}号"
        elif not meta.order:
            meta.order = m.group(1)
        if len(line) <= 20:
            return True
    if meta.order in ("国务院令", "主席令") and (m := _ORDER_NUMBER_RE.match(line)):
        meta.order = f"{meta.order}第{m.group(1)}号"
        return True
    if m := _DOC_NUMBER_RE.search(line):
        meta.doc_number = meta.doc_number or m.group(0)
        if len(line) <= 30:
            return True
    if _PROMULGATION_RE.search(line):
        if m := _DATE_RE.search(line):
            meta.passed_on = meta.passed_on or _iso(m)
        return True
    return bool(_SIGNATURE_RE.match(_squeeze(line)))


def _body(law: ImportedLaw, lines: list[str], chapter: str | None, section: str | None, notes: list[str],
          where: str) -> None:
    out = law.lines
    numbers: list[int] = []
    chapter_numbers: list[int] = []
    if chapter:
        out.append(f"## {chapter}")
        chapter_numbers.append(_number(chapter[1:chapter.index("章")]))
    if section:
        out.append(f"### {section}")
        law.sections += 1
    in_appendix = False
    for line in lines:
        if in_appendix:
            if m := _APPENDIX_RE.match(_squeeze(line)):
                out.append(f"## 附{m.group(1)}" + (f" {m.group(2)}" if m.group(2) else ""))
            else:
                out.append(line)
            continue
        expected = numbers[-1] + 1 if numbers else 1
        m = _ARTICLE_RE.match(line)
        if m is None and (tight := _ARTICLE_TIGHT_RE.match(line)) and _number(tight.group(1)) == expected:
            # "第一条为了…" without a space: an article only where its number comes next, so a
            # paragraph opening with "第三十条规定的…" stays text.
            m = tight
        if m:
            number = _number(m.group(1))
            if numbers and number <= numbers[-1]:
                raise ImportFailed(
                    f"{where}: 第{int_to_cn(number)}条 comes again after 第{int_to_cn(numbers[-1])}条; "
                    "two statutes in one file, or a table of contents listing articles?"
                )
            if number != expected:
                missing = "、".join(f"第{int_to_cn(n)}条" for n in range(expected, min(number, expected + 5)))
                notes.append(f"gap in article numbering: {missing}{'…' if number - expected > 5 else ''} missing "
                             f"before 第{int_to_cn(number)}条")
            numbers.append(number)
            text = (m.group(2) or "").strip()
            out.append(f"第{int_to_cn(number)}条" + (f" {text}" if text else ""))
            continue
        if (m := _CHAPTER_RE.match(line)) and _is_heading_text(m.group(2)):
            number = _number(m.group(1))
            if chapter_numbers and number != chapter_numbers[-1] + 1:
                notes.append(f"chapter numbering jumps from 第{int_to_cn(chapter_numbers[-1])}章 "
                             f"to 第{int_to_cn(number)}章")
            chapter_numbers.append(number)
            out.append(f"## {_heading('章', number, m.group(2))}")
            continue
        if (m := _SECTION_RE.match(line)) and _is_heading_text(m.group(2)):
            out.append(f"### {_heading('节', _number(m.group(1)), m.group(2))}")
            law.sections += 1
            continue
        if (m := _APPENDIX_RE.match(_squeeze(line))) and _is_heading_text(m.group(2)):
            in_appendix = True
            out.append(f"## 附{m.group(1)}" + (f" {m.group(2)}" if m.group(2) else ""))
            continue
        if out and _BARE_ARTICLE_RE.match(out[-1]):
            out[-1] += f" {line}"  # the number stood alone on its line
        else:
            out.append(line)
    law.articles = len(numbers)
    law.chapters = len(chapter_numbers)


def _effective(law: ImportedLaw, meta: _Metadata, notes: list[str]) -> str:
    """The date this version took effect: the promulgation's 自…起施行, else the body's when it is
    not older than the version (a consolidated text keeps the original 本法自…起施行)."""
    if meta.promulgated_effective:
        return meta.promulgated_effective
    stated = [_iso(m) for line in law.lines for m in _EFFECTIVE_RE.finditer(line)]
    if not stated:
        if (re.match(r"\d{4}-\d\d-\d\d (公布|通过|发布)", law.version)
                and any("自公布之日起施行" in line for line in law.lines)):
            return law.version[:10]
        return ""
    effective = stated[-1]
    version_date = law.version[:10] if _DATE_RE.search(" ".join(meta.history)) else ""
    if version_date and effective < version_date:
        notes.append(
            f"the text says it took effect on {effective}, before this version ({law.version}): "
            "the amendment's own date is not in the text; add “effective” to manifest.json by hand"
        )
        return ""
    return effective


def _canonical(title: str) -> tuple[str, str]:
    """The official title and short name: by the table of known statutes, else the title minus 中华人民共和国."""
    if title in KNOWN_STATUTES:
        return title, KNOWN_STATUTES[title]
    for known, short in KNOWN_STATUTES.items():
        if title == short or title == known.removeprefix("中华人民共和国"):
            return known, short
    return title, title.removeprefix("中华人民共和国")


def _catalog(lines: list[str], source: str) -> ImportedLaw | None:
    """A catalogue (职业病分类和目录): 一、 groups, （一） subgroups and numbered entries; None if not one."""
    first_group = next((i for i, line in enumerate(lines) if _GROUP_RE.match(_squeeze(line))), None)
    if first_group is None:
        return None
    title_at = None
    for i, line in enumerate(lines[:first_group]):
        if _title_of(line):
            title_at = i
    if title_at is None:
        return None
    title, short = _canonical(_title_of(lines[title_at]) or "")
    law = ImportedLaw(source=source, title=title, short=short, kind="catalog")
    meta = _Metadata()
    for line in lines[:first_group]:
        _read_front_matter(line, meta)
    for line in lines[title_at + 1:]:
        squeezed = _squeeze(line)
        if squeezed.replace(" ", "") == "目录":
            continue
        if (m := _GROUP_RE.match(squeezed)) and _is_heading_text(m.group(2)):
            if law.chapters and not law.items and m.group(1) == "一":
                # The groups listed so far, without entries, were a table of contents.
                law.lines, law.chapters, law.sections = [], 0, 0
            law.lines.append(f"## {m.group(1)}、{m.group(2)}")
            law.chapters += 1
        elif (m := _SUBGROUP_RE.match(squeezed)) and _is_heading_text(m.group(2)):
            law.lines.append(f"### （{m.group(1)}）{m.group(2)}")
            law.sections += 1
        elif m := _ITEM_RE.match(line):
            law.lines.append(f"{m.group(1)}.{m.group(2).strip()}")
            law.items += 1
        elif not law.chapters and _read_front_matter(line, meta):
            continue
        else:
            law.notes.append(f"not understood in the catalogue: “{line[:_NOTE_CHARS]}”")
    if not law.items:
        return None
    law.history = meta.history
    law.version = _version(meta)
    law.effective = meta.promulgated_effective
    if not law.version:
        law.notes.append("no version date in the text; add it to manifest.json")
    return law


# ---------------------------------------------------------------------------------------------
# Writing the corpus


def import_file(path: Path) -> ImportedLaw:
    """Read and understand one file (nothing is written)."""
    path = Path(path)
    return convert(read_paragraphs(path), source=path.name, where=str(path))


def read_manifest(out_dir: Path) -> list[dict[str, Any]]:
    """The manifest entries of a corpus directory (none if it has no manifest yet)."""
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(f"{path}: cannot read the existing manifest ({exc}); fix or remove it first") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "file" in e for e in entries):
        raise ImportFailed(f"{path}: not a list of entries with a “file”; fix or remove it first")
    return entries


def write_laws(laws: list[ImportedLaw], out_dir: Path) -> Path:
    """Write each statute's Markdown and merge their entries into ``out_dir/manifest.json``.

    Entries of other files are kept in their order; an entry for the same file is replaced, keeping
    fields filled in by hand (an effective date the text does not give) while the version is the same.
    """
    out_dir = Path(out_dir)
    entries = read_manifest(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_file = {entry["file"]: i for i, entry in enumerate(entries)}
    for law in laws:
        (out_dir / law.file).write_text(law.markdown(), encoding="utf-8")
        new = law.manifest_entry()
        if law.file in by_file:
            old = entries[by_file[law.file]]
            if old.get("version") == new["version"]:
                kept = {k: v for k, v in old.items() if k not in new or new[k] in ("", None)}
                if old.get("source") != new["source"]:
                    kept.pop("source_commit", None)
                new = {**new, **kept}
            entries[by_file[law.file]] = new
        else:
            by_file[law.file] = len(entries)
            entries.append(new)
    manifest = out_dir / MANIFEST
    manifest.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
