"""Load the statute texts (Markdown + manifest.json) into an in-memory corpus of laws and articles."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.errors import ArticleNotFound, DataError, LawNotFound
from knowledge.numerals import NUMERAL_CHARS, cn_to_int, int_to_cn

log = logging.getLogger(__name__)

_META_RE = re.compile(r"<!--\s*meta:\s*(.*?)\s*-->")
_ARTICLE_RE = re.compile(rf"^第([{NUMERAL_CHARS}0-9]+)条(?:\s+|　|$)(.*)$")
_CHAPTER_RE = re.compile(r"^##\s+(.+?)\s*$")
_SECTION_RE = re.compile(r"^###\s+(.+?)\s*$")
_ITEM_RE = re.compile(r"^(\d+)[.．、]\s*(.+)$")

# The statutes Ankang is written for (the FAQ, lessons and labels cite them): official title ->
# manifest short name. `ankang laws import` names its files by this table; `kb check` tells a
# citation of one of these that is simply not loaded from a citation of a law nobody knows.
KNOWN_STATUTES: dict[str, str] = {
    "中华人民共和国安全生产法": "安全生产法",
    "中华人民共和国职业病防治法": "职业病防治法",
    "工伤保险条例": "工伤保险条例",
    "中华人民共和国劳动法": "劳动法",
    "中华人民共和国工会法": "工会法",
    "中华人民共和国消防法": "消防法",
    "女职工劳动保护特别规定": "女职工劳动保护特别规定",
    "生产安全事故报告和调查处理条例": "生产安全事故报告和调查处理条例",
    "中华人民共和国特种设备安全法": "特种设备安全法",
    "中华人民共和国矿山安全法": "矿山安全法",
    "建设工程安全生产管理条例": "建设工程安全生产管理条例",
    "危险化学品安全管理条例": "危险化学品安全管理条例",
    "使用有毒物品作业场所劳动保护条例": "使用有毒物品作业场所劳动保护条例",
    "职业病分类和目录": "职业病分类和目录",
}

# Everyday names for the laws, mapped to manifest short names. The full title and the short
# name itself always resolve; these cover what workers actually type.
LAW_ALIASES: dict[str, str] = {
    "安全法": "安全生产法",
    "安法": "安全生产法",
    "安全生产法": "安全生产法",
    "安生法": "安全生产法",
    "安全生产管理法": "安全生产法",
    "职业病法": "职业病防治法",
    "职防法": "职业病防治法",
    "职业病防止法": "职业病防治法",
    "职业病防治": "职业病防治法",
    "工伤条例": "工伤保险条例",
    "工伤保险法": "工伤保险条例",
    "工伤法": "工伤保险条例",
    "工伤保险": "工伤保险条例",
    "劳动保护法": "劳动法",
    "消防条例": "消防法",
    "特种设备法": "特种设备安全法",
    "特设法": "特种设备安全法",
    "矿山法": "矿山安全法",
    "矿安法": "矿山安全法",
    "女职工规定": "女职工劳动保护特别规定",
    "女职工特别规定": "女职工劳动保护特别规定",
    "女职工劳动保护规定": "女职工劳动保护特别规定",
    "女职工保护规定": "女职工劳动保护特别规定",
    "事故报告条例": "生产安全事故报告和调查处理条例",
    "事故调查条例": "生产安全事故报告和调查处理条例",
    "事故报告和调查处理条例": "生产安全事故报告和调查处理条例",
    "493号令": "生产安全事故报告和调查处理条例",
    "建设工程条例": "建设工程安全生产管理条例",
    "建设工程安全条例": "建设工程安全生产管理条例",
    "建筑安全条例": "建设工程安全生产管理条例",
    "建工条例": "建设工程安全生产管理条例",
    "危化品条例": "危险化学品安全管理条例",
    "危化条例": "危险化学品安全管理条例",
    "危险化学品条例": "危险化学品安全管理条例",
    "危化品安全管理条例": "危险化学品安全管理条例",
    "有毒物品条例": "使用有毒物品作业场所劳动保护条例",
    "有毒作业条例": "使用有毒物品作业场所劳动保护条例",
    "使用有毒物品条例": "使用有毒物品作业场所劳动保护条例",
    "职业病目录": "职业病分类和目录",
    "职业病分类目录": "职业病分类和目录",
    "职业病名单": "职业病分类和目录",
}


@dataclass(frozen=True, slots=True)
class Article:
    """One numbered article (or one catalogue entry, for catalogue documents)."""

    law: str  # manifest short name
    number: int
    text: str  # paragraphs joined by "\n", without the leading 第X条
    chapter: str
    section: str | None = None

    @property
    def label(self) -> str:
        return f"{self.law}第{int_to_cn(self.number)}条"

    def opening(self, limit: int = 60) -> str:
        """Return the start of the text, cut at a sentence end when possible."""
        first = self.text.split("\n", 1)[0]
        if len(first) <= limit:
            return first
        cut = first[:limit]
        for mark in ("。", "；", "，"):
            pos = cut.rfind(mark)
            if pos >= limit // 2:
                return cut[: pos + 1] + "……"
        return cut + "……"


@dataclass(slots=True)
class Section:
    title: str
    articles: list[Article] = field(default_factory=list)


@dataclass(slots=True)
class Chapter:
    title: str
    articles: list[Article] = field(default_factory=list)  # all articles, sections included
    sections: list[Section] = field(default_factory=list)


@dataclass(slots=True)
class CatalogItem:
    """An entry of a catalogue document (职业病分类和目录): a disease under its category."""

    number: int  # position within its group
    name: str
    chapter: str
    section: str | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(slots=True)
class Law:
    short: str
    title: str
    version: str
    effective: str = ""
    kind: str = "statute"  # or "catalog"
    chapters: list[Chapter] = field(default_factory=list)
    preamble: list[Article] = field(default_factory=list)  # articles before any chapter heading
    appendix: list[tuple[str, str]] = field(default_factory=list)  # (heading, text)
    items: list[CatalogItem] = field(default_factory=list)
    _by_number: dict[int, Article] = field(default_factory=dict, repr=False)

    @property
    def articles(self) -> list[Article]:
        return list(self._by_number.values())

    def article(self, number: int) -> Article:
        try:
            return self._by_number[number]
        except KeyError:
            raise ArticleNotFound(self.short, number) from None


class Corpus:
    """All loaded laws, with article look-up and law-name resolution."""

    def __init__(self, laws: list[Law]) -> None:
        self.laws = laws
        self._by_short = {law.short: law for law in laws}
        self._aliases: dict[str, str] = {}
        for alias, short in LAW_ALIASES.items():
            if short in self._by_short:
                self._aliases[alias] = short
        for law in laws:
            self._aliases[law.short] = law.short
            self._aliases[law.title] = law.short
            self._aliases[law.title.removeprefix("中华人民共和国")] = law.short

    @classmethod
    def empty(cls) -> Corpus:
        return cls([])

    def __bool__(self) -> bool:
        return bool(self.laws)

    def law(self, name: str) -> Law:
        short = self.resolve_law(name)
        if short is None:
            raise LawNotFound(name)
        return self._by_short[short]

    def resolve_law(self, name: str) -> str | None:
        """Map a law name as a worker writes it (安全法, 《职业病防治法》…) to its short name."""
        name = name.strip().strip("《》<>〈〉").strip()
        return self._aliases.get(name)

    def alias_names(self) -> list[str]:
        """Every name that resolves to a law, longest first (for scanning free text)."""
        return sorted(self._aliases, key=len, reverse=True)

    def article(self, law_short: str, number: int) -> Article:
        law = self._by_short.get(law_short)
        if law is None:
            resolved = self.resolve_law(law_short)
            law = self._by_short.get(resolved) if resolved else None
        if law is None:
            raise ArticleNotFound(law_short, number)
        return law.article(number)

    def has(self, law_short: str, number: int) -> bool:
        try:
            self.article(law_short, number)
        except ArticleNotFound:
            return False
        return True

    def articles(self) -> list[Article]:
        return [a for law in self.laws for a in law.articles]

    def laws_with_article(self, number: int) -> list[str]:
        return [law.short for law in self.laws if number in law._by_number]


def load_corpus(laws_dir: Path) -> Corpus:
    """Load every statute listed in ``laws_dir/manifest.json`` (or every *.md if there is none)."""
    laws_dir = Path(laws_dir)
    manifest_path = laws_dir / "manifest.json"
    entries: list[dict[str, Any]]
    if manifest_path.exists():
        try:
            entries = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{manifest_path}: {exc}") from exc
    else:
        entries = [{"file": p.name} for p in sorted(laws_dir.glob("*.md"))]
    laws = []
    for entry in entries:
        path = laws_dir / entry["file"]
        law = parse_law(path.read_text(encoding="utf-8"), source=str(path))
        # The manifest wins over the file's own meta line where both speak.
        law.short = entry.get("short", law.short)
        law.title = entry.get("title", law.title)
        law.version = entry.get("version", law.version)
        law.kind = entry.get("kind", law.kind)
        laws.append(law)
    return Corpus(laws)


def parse_law(text: str, *, source: str = "<text>") -> Law:
    """Parse one statute file in the shared Markdown format."""
    lines = text.splitlines()
    title = ""
    meta: dict[str, str] = {}
    law = Law(short="", title="", version="")
    chapter: Chapter | None = None
    section: Section | None = None
    current: tuple[int, list[str]] | None = None  # (number, paragraphs)
    current_place: tuple[Chapter | None, Section | None] = (None, None)
    appendix: tuple[str, list[str]] | None = None
    numbers: dict[int, Article] = {}

    def flush() -> None:
        nonlocal current
        if current is None:
            return
        number, paragraphs = current
        ch, sec = current_place
        article = Article(
            law=law.short,
            number=number,
            text="\n".join(paragraphs).strip(),
            chapter=ch.title if ch else "",
            section=sec.title if sec else None,
        )
        if number in numbers:
            raise DataError(f"{source}: article {number} appears twice")
        numbers[number] = article
        if sec is not None:
            sec.articles.append(article)
        if ch is not None:
            ch.articles.append(article)
        else:
            law.preamble.append(article)
        current = None

    def flush_appendix() -> None:
        nonlocal appendix
        if appendix is not None:
            law.appendix.append((appendix[0], "\n".join(appendix[1]).strip()))
            appendix = None

    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if line.startswith("<!--"):
            m = _META_RE.match(line)
            if m:
                for part in m.group(1).split(";"):
                    key, _, value = part.partition("=")
                    meta[key.strip()] = value.strip()
                law.short = meta.get("short", "")
            continue
        if m := _SECTION_RE.match(line):
            flush()
            if appendix is not None:
                appendix[1].append(m.group(1))
                continue
            section = Section(m.group(1))
            if chapter is None:
                chapter = Chapter("")
                law.chapters.append(chapter)
            chapter.sections.append(section)
            continue
        if m := _CHAPTER_RE.match(line):
            flush()
            flush_appendix()
            heading = m.group(1)
            if heading.startswith("附录") or heading.startswith("附件"):
                appendix = (heading, [])
                chapter, section = None, None
                continue
            chapter = Chapter(heading)
            section = None
            law.chapters.append(chapter)
            continue
        if appendix is not None:
            appendix[1].append(line)
            continue
        if m := _ARTICLE_RE.match(line):
            flush()
            current = (cn_to_int(m.group(1)), [m.group(2).strip()] if m.group(2).strip() else [])
            current_place = (chapter, section)
            continue
        if current is not None:
            current[1].append(line)
            continue
        if m := _ITEM_RE.match(line):
            law.items.append(
                CatalogItem(
                    number=int(m.group(1)),
                    name=m.group(2).strip(),
                    chapter=chapter.title if chapter else "",
                    section=section.title if section else None,
                )
            )
            continue
        log.debug("%s: ignoring line %r", source, line[:40])
    flush()
    flush_appendix()
    law.title = title
    law.version = meta.get("version", "")
    law.effective = meta.get("effective", "")
    if not law.short:
        law.short = title.removeprefix("中华人民共和国")
        # Articles were created before the short name was known.
        numbers = {n: _with_law(a, law.short) for n, a in numbers.items()}
    if law.items and not numbers:
        law.kind = "catalog"
    law._by_number = dict(sorted(numbers.items()))
    return law


def _with_law(article: Article, short: str) -> Article:
    return Article(short, article.number, article.text, article.chapter, article.section)
