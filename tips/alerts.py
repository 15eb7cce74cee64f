"""The text of an urgent-tip alert to on-duty admins (HTML), shared by the bot and the web form.

It carries the tip id and content, never anything about the sender.
"""
from __future__ import annotations

from html import escape

from tips.models import Tip
from tips.service import place_label, topic_label


def urgent_alert_html(tip: Tip) -> str:
    location = escape(tip.location) if tip.location else "（未填写）"
    return (
        f"🚨 <b>紧急隐患举报 #{tip.id}</b>\n"
        f"类别：{escape(topic_label(tip.category))}\n"
        f"场所：{escape(place_label(tip.place_type))}\n"
        f"地点：{location}\n"
        f"照片：{len(tip.photos)} 张\n\n"
        f"{escape(tip.description)}\n\n"
        "请立即核实处置（/tips 查看）。"
    )
