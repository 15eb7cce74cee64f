"""The tree in and out of files (.xlsx, .csv, .yaml): export, and an all-or-nothing import naming each bad row.

Import adds new codes and updates existing ones (name, level, parent; a retired code comes back).
Nothing is written unless every row is valid and the resulting tree has no cycle.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from org import messages as msg
from org.models import Organisation
from org.service import OrgError, all_units, check_code, check_level, check_name, tree_lines

FORMATS = ("xlsx", "csv", "yaml")
COLUMNS = ("code", "name", "level", "parent")
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


class ImportRejected(OrgError):
    """The file was refused as a whole; ``problems`` lists each one, naming its row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join([msg.IMPORT_REJECTED, *problems]))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    where: str  # "第 3 行" / "第 2 条", as the messages name it
    code: str
    name: str
    level: str
    parent: str


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def format_of(filename: str) -> str:
    """The format a file name says (``.yml`` is YAML), or ImportRejected."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = {"yml": "yaml"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise ImportRejected([msg.UNKNOWN_FORMAT.format(suffix=suffix[:10] or filename[:20])])
    return fmt


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _table_rows(header: list[str], body: list[tuple[int, list[Any]]]) -> list[Row]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("code", "name") if c not in names]
    if missing:
        raise ImportRejected([msg.MISSING_COLUMNS.format(columns="、".join(missing))])
    index = {c: names.index(c) for c in COLUMNS if c in names}

    def get(values: list[Any], column: str) -> str:
        i = index.get(column)
        return _cell(values[i]) if i is not None and i < len(values) else ""

    return [Row(msg.ROW.format(row=n, problem="").removesuffix("："), *(get(v, c) for c in COLUMNS))
            for n, v in body if any(_cell(x) for x in v)]


def parse(data: bytes, fmt: str) -> list[Row]:
    """The rows of a file in ``fmt``, or ImportRejected when it cannot be read at all."""
    if len(data) > MAX_BYTES:
        raise ImportRejected([msg.TOO_MANY_ROWS.format(limit=MAX_ROWS)])
    if fmt == "xlsx":
        rows = _parse_xlsx(data)
    elif fmt == "csv":
        rows = _parse_csv(data)
    else:
        rows = _parse_yaml(data)
    if not rows:
        raise ImportRejected([msg.EMPTY_FILE])
    if len(rows) > MAX_ROWS:
        raise ImportRejected([msg.TOO_MANY_ROWS.format(limit=MAX_ROWS)])
    return rows


def _parse_xlsx(data: bytes) -> list[Row]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRejected([msg.NOT_EXCEL]) from exc
    if not table:
        return []
    return _table_rows([_cell(h) for h in table[0]], [(n, r) for n, r in enumerate(table[1:], start=2)])


def _parse_csv(data: bytes) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
        if "\x00" in text:
            raise ValueError("binary")
        table = list(csv.reader(io.StringIO(text)))
    except (UnicodeDecodeError, ValueError, csv.Error) as exc:
        raise ImportRejected([msg.NOT_CSV]) from exc
    if not table:
        return []
    return _table_rows(table[0], [(n, list(r)) for n, r in enumerate(table[1:], start=2)])


def _parse_yaml(data: bytes) -> list[Row]:
    try:
        items = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportRejected([msg.NOT_YAML]) from exc
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportRejected([msg.NOT_YAML])
    return [Row(msg.ITEM.format(row=n, problem="").removesuffix("："), *(_cell(i.get(c)) for c in COLUMNS))
            for n, i in enumerate(items, start=1)]


def _chain_cycle(start: str, parents: dict[str, str | None]) -> list[str] | None:
    """The codes round a cycle reached from ``start``, or None."""
    path: list[str] = []
    current: str | None = start
    while current is not None:
        if current in path:
            return [*path[path.index(current):], current]
        path.append(current)
        current = parents.get(current)
    return None


async def import_tree(session: AsyncSession, rows: list[Row]) -> ImportResult:
    """Add or update every row, or nothing (ImportRejected listing each problem with its row)."""
    existing = {u.code: u for u in await all_units(session)}
    id_to_code = {u.id: u.code for u in existing.values()}
    problems: list[str] = []
    checked: dict[str, tuple[str, str, str, str | None]] = {}  # code -> (where, name, level, parent)
    for row in rows:
        try:
            code = check_code(row.code)
            name, level = check_name(row.name), check_level(row.level)
            parent = check_code(row.parent) if row.parent else None
        except OrgError as exc:
            problems.append(f"{row.where}：{exc}")
            continue
        if code in checked:
            problems.append(f"{row.where}：" + msg.DUPLICATE_IN_FILE.format(code=code, first=checked[code][0]))
            continue
        checked[code] = (row.where, name, level, parent)
    for where, _, _, parent in checked.values():
        if parent is None or parent in checked:
            continue
        if parent not in existing:
            problems.append(f"{where}：" + msg.UNKNOWN_PARENT.format(code=parent))
        elif existing[parent].retired:
            problems.append(f"{where}：" + msg.RETIRED_PARENT.format(code=parent))
    parents: dict[str, str | None] = {
        code: id_to_code.get(u.parent_id) if u.parent_id is not None else None for code, u in existing.items()}
    parents.update({code: entry[3] for code, entry in checked.items()})
    reported: set[str] = set()
    for code, (where, _, _, _) in checked.items():
        cycle = _chain_cycle(code, parents)
        if cycle and code in cycle and code not in reported:
            reported.update(cycle)
            problems.append(f"{where}：" + msg.CYCLE_IN_FILE.format(code=code, chain=" → ".join(cycle)))
    if problems:
        raise ImportRejected(problems)

    added = 0
    for code, (_, name, level, _) in checked.items():
        unit = existing.get(code)
        if unit is None:
            unit = Organisation(code=code, name=name, level=level, retired=False)
            session.add(unit)
            existing[code] = unit
            added += 1
        else:
            unit.name, unit.level, unit.retired = name, level, False
    await session.flush()
    for code, (_, _, _, parent) in checked.items():
        existing[code].parent_id = existing[parent].id if parent else None
    await session.flush()
    return ImportResult(added=added, updated=len(checked) - added)


async def export_rows(session: AsyncSession) -> list[dict[str, str]]:
    """The active tree as rows, each parent before its children (so the file imports as it is)."""
    return [{"code": line.unit.code, "name": line.unit.name, "level": line.unit.level,
             "parent": line.parent_code or ""} for line in tree_lines(await all_units(session))]


def render(rows: list[dict[str, str]], fmt: str) -> bytes:
    """``rows`` as a file in ``fmt``."""
    if fmt == "yaml":
        return yaml.safe_dump(rows, allow_unicode=True, sort_keys=False).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")  # with a BOM, Excel opens Chinese CSV correctly
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "组织架构"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.data_type = "s"  # text, never a formula, whatever a name starts with
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()
