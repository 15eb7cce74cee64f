"""A rollup as an Excel workbook (openpyxl): Chinese headers, local dates and times, rates as percentages."""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from org.rollups import Figures, Rollup, RollupRow

HEADERS = ("单位", "层级", "代码", "加入职工", "订阅者", "参与人数", "参与率", "答题数", "答对数", "正确率", "提问数")
TIP_HEADERS = ("举报受理", "举报办结", "举报超期")
DIRECT = "（本级直属）"
WIDTHS = (28, 8, 14, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)


def row_label(row: RollupRow) -> str:
    """A row's unit as the table names it: the unit's own workers and retired units are marked."""
    if row.direct:
        return row.unit.name + DIRECT
    return row.unit.name + ("（已撤销）" if row.unit.retired else "")


def _cells(figures: Figures, tips: bool) -> list[Any]:
    cells: list[Any] = [figures.joined, figures.subscribers, figures.participants, figures.participation,
                        figures.answers, figures.correct, figures.accuracy, figures.questions]
    if tips:
        cells += [figures.tips_received or 0, figures.tips_closed or 0, figures.tips_overdue or 0]
    return cells


def rollup_xlsx(rollup: Rollup, exported_at: datetime) -> bytes:
    """The rollup's child units (and the unit's own workers) with a total row; the period and the export
    time in the local time zone above the table."""
    # Imported here: openpyxl (with lxml) is about 13 MB that a process which never exports need not hold.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    tz = rollup.period.tz
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "单位汇总"
    where = " → ".join(u.name for u in rollup.path) or "全部单位"
    sheet.append(["汇总范围", where])
    sheet.append(["统计期间", f"{rollup.period.first:%Y-%m-%d} 至 {rollup.period.last:%Y-%m-%d}（{tz.key}）"])
    sheet.append(["导出时间", exported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    headers = HEADERS + (TIP_HEADERS if rollup.tips_by_unit else ())
    sheet.append(list(headers))
    header_row = sheet.max_row
    for row in rollup.rows:
        sheet.append([row_label(row), row.unit.level, row.unit.code, *_cells(row.figures, rollup.tips_by_unit)])
    sheet.append(["合计", "", "", *_cells(rollup.total, rollup.tips_by_unit)])
    for cell in sheet[header_row] + sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row_cells in sheet.iter_rows(min_row=1):
        for cell in row_cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a unit named "=…" stays text, never a formula
            elif isinstance(cell.value, float):
                cell.number_format = "0.0%"
    sheet.freeze_panes = f"A{header_row + 1}"
    for index, width in enumerate(WIDTHS[:len(headers)], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
