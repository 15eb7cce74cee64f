"""学时 as an Excel workbook for training files (openpyxl): the workers' chosen display names only —
no Telegram id, username or chat id — their unit, minutes and items; and the units with their rollups."""
from __future__ import annotations

import io
from datetime import timedelta, tzinfo
from typing import TYPE_CHECKING

from study import messages as msg
from study.service import HoursReport

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

INDENT = "　"  # a unit's depth in the tree, as full-width spaces


def hours_xlsx(report: HoursReport, tz: tzinfo) -> bytes:
    """The report as .xlsx bytes: 个人学时 and 单位学时, each headed by the period and the scope."""
    # Imported here: openpyxl (with lxml) is about 13 MB that a process which never exports need not hold.
    from openpyxl import Workbook

    book = Workbook()
    workers = book.active
    assert workers is not None
    workers.title = msg.EXPORT_WORKERS_SHEET
    # The period's end is exclusive; the sheet names the last day it covers.
    period = msg.EXPORT_PERIOD.format(start=report.start.astimezone(tz),
                                      end=(report.end - timedelta(seconds=1)).astimezone(tz))
    scope = msg.EXPORT_SCOPE.format(scope=report.scope)
    workers.append([period, scope])
    workers.append(list(msg.EXPORT_WORKER_HEADERS))
    for w in report.workers:
        workers.append([w.name, w.unit_name, w.minutes, w.items, w.last_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")])
    units = book.create_sheet(msg.EXPORT_UNITS_SHEET)
    units.append([period, scope])
    units.append(list(msg.EXPORT_UNIT_HEADERS))
    for u in report.units:
        units.append([INDENT * u.depth + u.name, u.level, u.members, u.learners, u.minutes, u.rollup_minutes])
    for sheet, widths in ((workers, (20, 24, 14, 10, 18)), (units, (30, 10, 10, 14, 18, 18))):
        _style(sheet, widths)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style(sheet: Worksheet, widths: tuple[int, ...]) -> None:
    from openpyxl.styles import Alignment, Font

    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name typed as "=…" stays text, never a formula
                cell.alignment = Alignment(vertical="top")
