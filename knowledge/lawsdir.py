"""The statute directory (ANKANG_LAWS_DIR): a quick diagnosis for start-up and /healthz, and the
thorough check of ``ankang laws check``."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from knowledge import messages as msg
from knowledge.errors import DataError
from knowledge.statutes import Law, parse_law

MANIFEST = "manifest.json"


class LawsStatus(StrEnum):
    OK = "ok"
    UNSET = "unset"  # ANKANG_LAWS_DIR not configured
    MISSING = "missing"  # the path does not exist, or is not a directory
    EMPTY = "empty"  # a directory without manifest.json and without any .md statute
    UNREADABLE = "unreadable"  # permissions, a manifest that is not JSON, a listed file absent


@dataclass(frozen=True, slots=True)
class LawsDiagnosis:
    status: LawsStatus
    path: Path | None = None
    statutes: int = 0  # files the directory lists (not yet parsed)
    detail: str = ""  # why it is unreadable

    @property
    def ok(self) -> bool:
        return self.status is LawsStatus.OK

    @property
    def message(self) -> str:
        """One Chinese / English line naming the directory (for logs and the command line)."""
        return self._line(f"ANKANG_LAWS_DIR={self.path}" if self.path is not None else "ANKANG_LAWS_DIR")

    def public(self) -> dict[str, object]:
        """What /healthz shows: the status and the line, without the server's paths."""
        return {"status": str(self.status), "statutes": self.statutes, "message": self._line("ANKANG_LAWS_DIR")}

    def _line(self, where: str) -> str:
        return msg.LAWS_STATUS[self.status].format(where=where, n=self.statutes, detail=self.detail)


def diagnose_laws_dir(path: Path | str | None) -> LawsDiagnosis:
    """Say whether the statute directory can be loaded, without parsing the statutes (fast)."""
    if path is None or str(path) == "":
        return LawsDiagnosis(LawsStatus.UNSET)
    path = Path(path)
    try:
        if not path.exists():
            return LawsDiagnosis(LawsStatus.MISSING, path, detail="does not exist")
        if not path.is_dir():
            return LawsDiagnosis(LawsStatus.MISSING, path, detail="is a file, not a directory")
        names = os.listdir(path)
    except OSError as exc:
        return LawsDiagnosis(LawsStatus.UNREADABLE, path, detail=exc.strerror or str(exc))
    if MANIFEST in names:
        try:
            entries = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return LawsDiagnosis(LawsStatus.UNREADABLE, path, detail=f"{MANIFEST}: {exc}")
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("file") for e in entries):
            return LawsDiagnosis(LawsStatus.UNREADABLE, path, detail=f"{MANIFEST}: not a list of entries with a “file”")
        files = [str(e["file"]) for e in entries]
    else:
        files = sorted(name for name in names if name.endswith(".md"))
    if not files:
        return LawsDiagnosis(LawsStatus.EMPTY, path)
    for name in files:
        if not os.access(path / name, os.R_OK) or not (path / name).is_file():
            problem = "cannot be read" if (path / name).exists() else "is missing"
            return LawsDiagnosis(LawsStatus.UNREADABLE, path, len(files), f"{name} {problem}")
    return LawsDiagnosis(LawsStatus.OK, path, len(files))


# ---------------------------------------------------------------------------------------------
# ankang laws check


@dataclass
class StatuteReport:
    file: str
    title: str = ""
    chapters: int = 0
    sections: int = 0
    articles: int = 0
    items: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class CorpusReport:
    path: Path
    statutes: list[StatuteReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # of the directory as a whole

    @property
    def ok(self) -> bool:
        return not self.problems and all(not s.problems for s in self.statutes)

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(s.problems) for s in self.statutes)


def check_laws_dir(path: Path) -> CorpusReport:
    """Validate a corpus directory the way Ankang will load it, and more strictly.

    The manifest is present and lists existing files, every .md is listed, each file parses, its
    article numbers run 1, 2, 3… without a gap, and chapters, sections, articles and catalogue
    entries are as many as the manifest says.
    """
    path = Path(path)
    report = CorpusReport(path)
    diagnosis = diagnose_laws_dir(path)
    if diagnosis.status in (LawsStatus.MISSING, LawsStatus.EMPTY) or not (path / MANIFEST).is_file():
        report.problems.append(diagnosis.message if not diagnosis.ok else f"no {MANIFEST} in {path}")
        return report
    try:
        entries = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.problems.append(f"{MANIFEST}: {exc}")
        return report
    if not isinstance(entries, list):
        report.problems.append(f"{MANIFEST}: not a list of entries")
        return report
    listed: set[str] = set()
    shorts: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry.get("file"):
            report.problems.append(f"{MANIFEST}: entry {n} has no “file”")
            continue
        statute = StatuteReport(str(entry["file"]))
        report.statutes.append(statute)
        listed.add(statute.file)
        _check_entry(path, entry, statute, shorts)
    for name in sorted(p.name for p in path.glob("*.md")):
        if name not in listed:
            report.problems.append(f"{name}: not listed in {MANIFEST}, so Ankang does not load it")
    if not report.statutes and not report.problems:
        report.problems.append(f"{MANIFEST} lists no statutes")
    return report


def _check_entry(path: Path, entry: dict[str, Any], statute: StatuteReport, shorts: dict[str, str]) -> None:
    problems = statute.problems
    for key in ("title", "short", "version"):
        if not entry.get(key):
            problems.append(f"manifest entry has no “{key}”")
    try:
        text = (path / statute.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append("listed in the manifest but the file is missing")
        return
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"cannot be read: {exc}")
        return
    try:
        law: Law = parse_law(text, source=statute.file)
    except DataError as exc:
        problems.append(str(exc).removeprefix(f"{statute.file}: "))
        return
    statute.title = law.title
    statute.chapters = len(law.chapters)
    statute.sections = sum(len(c.sections) for c in law.chapters)
    statute.articles = len(law.articles)
    statute.items = len(law.items)
    if not law.title:
        problems.append("no “# title” line")
    elif entry.get("title") and entry["title"] != law.title:
        problems.append(f"title “{law.title}” differs from the manifest's “{entry['title']}”")
    short = entry.get("short") or law.short
    if short in shorts:
        problems.append(f"short name “{short}” is also used by {shorts[short]}")
    shorts.setdefault(short, statute.file)
    catalog = entry.get("kind") == "catalog" or law.kind == "catalog"
    if catalog:
        if not law.items:
            problems.append("a catalogue without entries (lines such as “1.矽肺”)")
    elif not law.articles:
        problems.append("no articles (lines starting with 第一条, 第二条…)")
    numbers = [a.number for a in law.articles]
    gaps = sorted(set(range(1, max(numbers) + 1)) - set(numbers)) if numbers else []
    if gaps:
        shown = "、".join(str(n) for n in gaps[:10]) + ("…" if len(gaps) > 10 else "")
        problems.append(f"article numbers are not continuous: {len(gaps)} missing ({shown})")
    counted = {"chapters": statute.chapters, "articles": statute.articles}
    if "sections" in entry or statute.sections:
        counted["sections"] = statute.sections
    if catalog or "items" in entry:
        counted["items"] = statute.items
    for key, found in counted.items():
        if key in entry and entry[key] != found:
            problems.append(f"the manifest says {entry[key]} {key}, the file has {found}")
        elif key not in entry and key in ("chapters", "articles"):
            problems.append(f"manifest entry has no “{key}” count (the file has {found})")
