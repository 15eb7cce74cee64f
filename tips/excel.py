"""Tips as an Excel workbook (openpyxl): Chinese headers, local times, labels instead of codes.

Two sheets, 举报 (one row per tip, with its case data) and 处理记录 (the thread). Private notes are
not exported: they are for the union's staff, and exports are handed to authorities.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.topics import BY_CODE as TOPICS_BY_CODE
from tips.models import PLACES_BY_CODE, Author, EventKind, Tip

TIP_HEADERS = ("编号", "提交时间（精确到小时）", "类别", "场所类型", "地点", "描述", "紧急", "状态", "负责人",
               "受理时限", "反馈时限", "办结时间", "不予受理原因", "申请过复查", "有效举报", "照片数", "单位")
THREAD_HEADERS = ("举报编号", "时间", "来自", "类型", "状态", "内容", "照片数")
KIND_LABELS = {EventKind.SUBMITTED: "提交举报", EventKind.STATUS: "状态变更", EventKind.MESSAGE: "留言",
               EventKind.REVIEW: "申请复查"}
WIDTHS = {"A": 8, "B": 20, "C": 14, "D": 12, "E": 24, "F": 60}


def _local(when: datetime | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return when.astimezone(tz).strftime(fmt) if when is not None else ""


def _label(table: dict[str, object], code: str) -> str:
    entry = table.get(code)
    return str(getattr(entry, "label", code)) if entry is not None else code


def write_xlsx(tips: list[Tip], path: Path, tz: ZoneInfo, unit_names: dict[int, str] | None = None) -> Path:
    """Write ``tips`` (thread and photos loaded) to ``path``; text, not formulas (a description
    starting with "=" stays text). ``unit_names``: the names of the units tips are routed to."""
    # Imported here: openpyxl takes about 24 MB, and most processes never export (issue 14, point 7).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    names = unit_names or {}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "举报"
    sheet.append(TIP_HEADERS)
    for tip in tips:
        sheet.append([
            tip.id, _local(tip.created_hour, tz, "%Y-%m-%d %H:00"), _label(dict(TOPICS_BY_CODE), tip.category),
            _label(dict(PLACES_BY_CODE), tip.place_type), tip.location, tip.description, "是" if tip.urgent else "否",
            tip.status_label, tip.owner_id or "", _local(tip.ack_due_at, tz), _local(tip.feedback_due_at, tz),
            _local(tip.closed_at, tz), tip.reject_reason_label, "是" if tip.review_requested else "否",
            ("是：" + tip.recognition_note if tip.recognition_note else "是") if tip.recognized else "否",
            len(tip.photos), names.get(tip.unit_id, "") if tip.unit_id is not None else "",
        ])
    thread = book.create_sheet("处理记录")
    thread.append(THREAD_HEADERS)
    for tip in tips:
        for event in tip.events:
            tipper = event.author == Author.TIPPER
            thread.append([
                tip.id, _local(event.at, tz, "%Y-%m-%d %H:00" if tipper else "%Y-%m-%d %H:%M"),
                "举报人" if tipper else "工会", KIND_LABELS.get(event.kind, event.kind), event.status_label,
                event.text, len(event.photos),
            ])
    for ws in (sheet, thread):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for column, width in WIDTHS.items():
            ws.column_dimensions[column].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the tipper typed
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)
    return path
