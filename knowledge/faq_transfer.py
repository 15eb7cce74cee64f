"""FAQ entries out of and into the console as YAML or Excel (.xlsx), citation-checked on the way in.

An import is all or nothing: every row is read and checked (``check_faq``: text, topics, each cited
article exists) before anything is stored, so a file with one bad citation changes nothing and the
admin is told which row and why. A row whose id is an entry stored here or bundled updates it (a
revision, as an edit in the form); any other row adds a new entry.

The review step is the form's (``ANKANG_FAQ_REVIEW``): under two-person review new entries are drafts
and edits of published entries are pending revisions, published by a second admin; under self review
the console shows ``plan_import``'s report and imports only once the author confirms it.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml
from sqlalchemy import select

from core.db import SessionMaker
from knowledge.engine import KnowledgeBase
from knowledge.errors import KnowledgeError
from knowledge.faq import FaqEntry
from knowledge.faq_admin import (
    FaqDraft,
    FaqNotFound,
    FaqProblem,
    FaqReview,
    add_faq,
    bundled_entries,
    check_faq,
    edit_faq,
    edit_waits_for_review,
)
from knowledge.models import FaqEntryRecord

MAX_ROWS = 2000
XLSX_HEADERS = ("id", "标准问题", "其他问法", "回答", "法条依据", "主题", "状态")
_CITE = re.compile(r"《?([^\s《》\d;；,，、第]+)》?\s*第?\s*(\d{1,4})\s*条?")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ImportUnreadable(KnowledgeError, ValueError):
    """The file is not a YAML list of entries or an .xlsx sheet with the expected columns."""


@dataclass(frozen=True, slots=True)
class ImportRow:
    number: int  # the row as the admin sees it (Excel row, or position in the YAML list from 1)
    faq_id: str
    draft: FaqDraft
    cite_errors: tuple[str, ...] = ()  # citations that could not be read at all


class RowAction(StrEnum):
    ADD = "add"  # a new entry: live under self review, a draft under two-person review
    UPDATE = "update"  # written over the entry: at once under self review, a draft in place under two-person
    PROPOSE = "propose"  # under two-person review, an edit of any other entry: a pending revision
    UNCHANGED = "unchanged"


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # ids; questions before the import is carried out
    updated: list[str] = field(default_factory=list)
    proposed: list[str] = field(default_factory=list)  # edits waiting for a second admin
    unchanged: list[str] = field(default_factory=list)
    live: bool = True  # what was added or updated answers at once (self review)
    planned: list[tuple[ImportRow, RowAction]] = field(default_factory=list, repr=False)
    # Row number → what is wrong with it (nothing was imported when this is not empty).
    problems: dict[int, list[FaqProblem]] = field(default_factory=dict)
    unreadable_cites: dict[int, list[str]] = field(default_factory=dict)
    bad_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.problems or self.unreadable_cites or self.bad_ids)


# --- export ---------------------------------------------------------------------------------------

def entry_rows(entries: list[FaqEntry], statuses: dict[str, str]) -> list[dict[str, Any]]:
    """Plain rows for export: id, q, alt, a, cite, tags, status."""
    return [{"id": e.id, "q": e.q, "alt": list(e.alt), "a": e.a, "cite": [c.to_dict() for c in e.cite],
             "tags": list(e.tags), "status": statuses.get(e.id, "published")} for e in entries]


def to_yaml(rows: list[dict[str, Any]]) -> bytes:
    return yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=1000).encode()


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.create_sheet("FAQ", 0)
    book.remove(book.worksheets[1])  # the default empty sheet
    sheet.append(list(XLSX_HEADERS))
    for r in rows:
        cites = "；".join(f"{c['law']}第{c['article']}条" for c in r["cite"])
        sheet.append([r["id"], r["q"], "\n".join(r["alt"]), r["a"], cites, "，".join(r["tags"]), r["status"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------------

def parse_yaml(data: bytes) -> list[ImportRow]:
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportUnreadable("not YAML") from exc
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ImportUnreadable("not a list of entries")
    rows = []
    for number, item in enumerate(raw[:MAX_ROWS + 1], start=1):
        cite: list[tuple[str, int]] = []
        errors: list[str] = []
        for c in item.get("cite") or []:
            if isinstance(c, dict) and str(c.get("article", "")).isdigit():
                cite.append((str(c.get("law", "")), int(c["article"])))
            elif isinstance(c, str):
                cite += _cites(c, errors)
            else:
                errors.append(str(c)[:40])
        rows.append(ImportRow(number, str(item.get("id") or ""), FaqDraft(
            q=str(item.get("q") or ""), a=str(item.get("a") or ""), cite=tuple(cite),
            alt=tuple(str(a) for a in item.get("alt") or []), tags=tuple(str(t) for t in item.get("tags") or []),
        ), tuple(errors)))
    return _limit(rows)


def parse_xlsx(data: bytes) -> list[ImportRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportUnreadable("not an xlsx workbook") from exc
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(lines, ())]
    if tuple(header[:len(XLSX_HEADERS) - 1]) != XLSX_HEADERS[:-1]:
        raise ImportUnreadable("unexpected columns")
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = [("" if v is None else str(v)).strip() for v in (*values, *[None] * 7)][:7]
        if not any(cells):
            continue
        faq_id, q, alt, a, cites, tags, _ = cells
        errors: list[str] = []
        rows.append(ImportRow(number, faq_id, FaqDraft(
            q=q, a=a, cite=tuple(_cites(cites, errors)), alt=tuple(alt.splitlines()),
            tags=tuple(t for t in re.split(r"[，,\s]+", tags) if t),
        ), tuple(errors)))
        if len(rows) > MAX_ROWS:
            break
    return _limit(rows)


def _limit(rows: list[ImportRow]) -> list[ImportRow]:
    if len(rows) > MAX_ROWS:
        raise ImportUnreadable(f"more than {MAX_ROWS} rows")
    return rows


def _cites(text: str, errors: list[str]) -> list[tuple[str, int]]:
    """"安全生产法第45条；职业病防治法 39" → pairs; pieces that are not a citation go to ``errors``."""
    found = []
    for piece in re.split(r"[;；\n]+", text):
        piece = piece.strip()
        if not piece:
            continue
        match = _CITE.fullmatch(piece)
        if match is None:
            errors.append(piece[:40])
        else:
            found.append((match.group(1), int(match.group(2))))
    return found


async def plan_import(
    sessions: SessionMaker, kb: KnowledgeBase, rows: list[ImportRow], *, review: FaqReview = FaqReview.SELF,
) -> ImportReport:
    """Check every row and say what importing them would do (added, updated, proposed, unchanged); store nothing."""
    report = ImportReport(live=review is FaqReview.SELF)
    for row in rows:
        if row.faq_id and not _ID.match(row.faq_id):
            report.bad_ids.append(row.number)
        if row.cite_errors:
            report.unreadable_cites[row.number] = list(row.cite_errors)
        problems = check_faq(row.draft, kb.corpus)
        if problems:
            report.problems[row.number] = problems
    if not report.ok:
        return report
    async with sessions() as session:
        records = {r.id: r for r in (await session.execute(select(FaqEntryRecord))).scalars()}
    for row in rows:
        record = records.get(row.faq_id) if row.faq_id else None
        current = (record.to_entry() if record is not None else kb.entry(row.faq_id)) if row.faq_id else None
        if current is not None and _same(current, row.draft, kb):
            action = RowAction.UNCHANGED  # re-importing an export changes nothing
        elif record is None and row.faq_id not in bundled_entries():
            action = RowAction.ADD
        elif edit_waits_for_review(record, review):
            action = RowAction.PROPOSE
        else:
            action = RowAction.UPDATE
        report.planned.append((row, action))
        if action is not RowAction.ADD:
            {RowAction.UPDATE: report.updated, RowAction.PROPOSE: report.proposed,
             RowAction.UNCHANGED: report.unchanged}[action].append(row.faq_id)
    return report


async def import_entries(
    sessions: SessionMaker, kb: KnowledgeBase, rows: list[ImportRow], *, admin_id: int, now: datetime,
    review: FaqReview = FaqReview.SELF,
) -> ImportReport:
    """Check every row, then (only if all are fine) add or update them through the review step of
    ``review``: see the module's docstring."""
    report = await plan_import(sessions, kb, rows, review=review)
    if not report.ok:
        return report
    for row, action in report.planned:
        if action is RowAction.ADD:
            entry = await add_faq(sessions, kb, row.draft, admin_id=admin_id, now=now, review=review)
            report.added.append(entry.id)
        elif action is not RowAction.UNCHANGED:
            try:
                await edit_faq(sessions, kb, row.faq_id, row.draft, admin_id=admin_id, now=now, review=review)
            except FaqNotFound:  # pragma: no cover - known above
                continue
    return report


def _same(entry: FaqEntry, draft: FaqDraft, kb: KnowledgeBase) -> bool:
    """Whether ``draft`` says what ``entry`` says (citations compared under the laws' short names)."""
    cite = [(kb.corpus.resolve_law(law) or law, article) for law, article in draft.cite]
    return (entry.q == draft.q.strip() and entry.a == draft.a.strip()
            and list(entry.alt) == [a.strip() for a in draft.alt if a.strip()]
            and [(c.law, c.article) for c in entry.cite] == cite and list(entry.tags) == list(draft.tags))
