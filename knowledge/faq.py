"""FAQ entries, glossary terms and synonyms: the project's own knowledge, loaded from YAML."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import DataError

DATA_DIR = Path(__file__).with_name("data")
FAQ_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_ANSWER_CHARS = 300
# libyaml's loader is ten times faster than the pure-Python one; both are "safe".
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Citation:
    law: str  # manifest short name
    article: int

    def to_dict(self) -> dict[str, Any]:
        return {"law": self.law, "article": self.article}


@dataclass(slots=True)
class FaqEntry:
    id: str
    q: str
    a: str
    alt: list[str] = field(default_factory=list)
    cite: list[Citation] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str = ""  # file name, or "db" for entries written in the web console
    # For an overview entry: the ids of the detailed entries offered as buttons under its answer.
    see: list[str] = field(default_factory=list)

    @property
    def questions(self) -> list[str]:
        return [self.q, *self.alt]


@dataclass(slots=True)
class GlossaryEntry:
    term: str
    definition: str
    aliases: list[str] = field(default_factory=list)
    cite: list[Citation] = field(default_factory=list)
    source: str = ""

    @property
    def names(self) -> list[str]:
        return [self.term, *self.aliases]


def _citations(raw: Any, where: str) -> list[Citation]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise DataError(f"{where}: cite must be a list")
    out = []
    for item in raw:
        if not isinstance(item, dict) or "law" not in item or "article" not in item:
            raise DataError(f"{where}: each citation needs law and article, got {item!r}")
        try:
            out.append(Citation(str(item["law"]).strip(), int(item["article"])))
        except (TypeError, ValueError):
            raise DataError(f"{where}: article must be a number, got {item['article']!r}") from None
    return out


def _str_list(raw: Any, where: str, name: str) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list):
        raise DataError(f"{where}: {name} must be a list")
    return [str(x).strip() for x in raw if str(x).strip()]


def faq_entry_from_dict(raw: Any, source: str = "") -> FaqEntry:
    """Build an entry from its YAML/JSON form; structural problems raise DataError."""
    if not isinstance(raw, dict):
        raise DataError(f"{source}: an FAQ entry must be a mapping, got {type(raw).__name__}")
    where = f"{source}: {raw.get('id', '?')}"
    if "id" not in raw or "q" not in raw:
        raise DataError(f"{where}: an FAQ entry needs id and q")
    return FaqEntry(
        id=str(raw["id"]).strip(),
        q=str(raw["q"]).strip(),
        a=str(raw.get("a") or "").strip(),
        alt=_str_list(raw.get("alt"), where, "alt"),
        cite=_citations(raw.get("cite"), where),
        tags=_str_list(raw.get("tags"), where, "tags"),
        source=source,
        see=_str_list(raw.get("see"), where, "see"),
    )


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        raise DataError(f"{path.name}: invalid YAML: {exc}") from exc


def load_faq(faq_dir: Path) -> list[FaqEntry]:
    """Read every ``*.yaml``/``*.yml`` file of ``faq_dir`` (each a list of entries), sorted by name."""
    entries: list[FaqEntry] = []
    if not faq_dir.is_dir():
        return entries
    for path in sorted([*faq_dir.glob("*.yaml"), *faq_dir.glob("*.yml")]):
        data = _read_yaml(path)
        if data is None:
            continue
        if not isinstance(data, list):
            raise DataError(f"{path.name}: expected a list of FAQ entries")
        entries.extend(faq_entry_from_dict(item, path.name) for item in data)
    return entries


def load_glossary(path: Path) -> list[GlossaryEntry]:
    if not path.exists():
        return []
    data = _read_yaml(path) or []
    if isinstance(data, dict):  # tolerate {terms: [...]}
        data = data.get("terms", [])
    out = []
    for raw in data:
        if not isinstance(raw, dict) or "term" not in raw:
            raise DataError(f"{path.name}: each glossary entry needs a term")
        where = f"{path.name}: {raw['term']}"
        out.append(
            GlossaryEntry(
                term=str(raw["term"]).strip(),
                definition=str(raw.get("definition") or "").strip(),
                aliases=_str_list(raw.get("aliases"), where, "aliases"),
                cite=_citations(raw.get("cite"), where),
                source=path.name,
            )
        )
    return out


@dataclass(slots=True)
class Synonyms:
    """Colloquial → canonical words, and English keywords → Chinese, for query expansion."""

    canonical: dict[str, str] = field(default_factory=dict)  # variant → canonical
    english: dict[str, str] = field(default_factory=dict)  # english phrase → chinese words

    def words(self) -> Iterable[str]:
        yield from self.canonical
        yield from set(self.canonical.values())


def load_synonyms(path: Path) -> Synonyms:
    if not path.exists():
        return Synonyms()
    data = _read_yaml(path) or {}
    syn = Synonyms()
    for canonical, variants in (data.get("synonyms") or {}).items():
        canonical = str(canonical).strip()
        syn.canonical.setdefault(canonical, canonical)
        for v in _str_list(variants, path.name, canonical):
            syn.canonical[v] = canonical
    for phrase, chinese in (data.get("english") or {}).items():
        syn.english[str(phrase).strip().lower()] = str(chinese).strip()
    return syn
