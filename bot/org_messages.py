"""Texts of the worker's unit (组织架构): joining through a unit's link and choosing it in /settings."""
from __future__ import annotations

from html import escape

START_PREFIX = "u_"  # /start u_<code>: the deep link printed on a unit's poster

UNKNOWN_UNIT = ("没有找到这个单位（二维码可能已过期或单位已撤销）。\n"
                "可以发送 <code>/settings 单位名称</code> 搜索并选择你的单位。")
NO_UNIT = ("你还没有选择所在单位（可不选）。\n"
           "发送 <code>/settings 单位名称</code> 搜索，例如 <code>/settings 机械厂</code>。")
SEARCH_EMPTY = "没有找到名称包含「{query}」的单位，换个关键词试试，例如单位简称。"
SEARCH_RESULTS = "找到以下单位，点一下即可加入："
LEAVE_BUTTON = "🚪 不属于任何单位"
LEFT = "已退出所在单位。需要时发送 <code>/settings 单位名称</code> 重新选择。"
UNIT_GONE = "这个单位已撤销或不存在，请重新搜索：<code>/settings 单位名称</code>"
LEVEL = "（{level}）"


def unit_label(name: str, level: str) -> str:
    """A unit as shown on a button (plain text)."""
    return name + (LEVEL.format(level=level) if level else "")


def joined(name: str, level: str) -> str:
    return (f"✅ 已加入：<b>{escape(unit_label(name, level))}</b>\n"
            "所在单位只用于工会按单位组织活动，可随时在 /settings 更改。")


def current_unit(name: str, level: str) -> str:
    return (f"你所在的单位：<b>{escape(unit_label(name, level))}</b>\n"
            "更换单位请发送 <code>/settings 单位名称</code>。")


def search_empty(query: str) -> str:
    return SEARCH_EMPTY.format(query=escape(query[:40]))
