"""Sentences about a tip case that the bot, the web pages and the console all show (Simplified Chinese).

Kept in the domain because the rule and its wording go together: what 有效举报 means for a
reward, which official channel fits a rejected tip, why a 复查 request is refused.
"""
from __future__ import annotations

from tips.models import Channel

RECOGNIZED = "✅ 您的举报已被认定为有效举报。"
# Anonymity and rewards: the union stores nothing about the tipper, so a claim is made in person.
RECOGNITION_CLAIM = (
    "如需申请奖励：官方奖励需要实名申领。请携带回执码，到工会或有关主管部门（如应急管理部门）"
    "按其规定实名办理；我们没有保存任何能识别您身份的信息，只有您自己能证明这条举报是您提交的。"
)

REVIEW_REFUSED = {
    "open": "这条举报还在办理中，办结后才能申请复查。",
    "again": "这条举报已经申请过复查，不能再次申请。如仍有异议，请拨打 12351 工会职工服务热线。",
    "expired": "已超过复查申请期限（办结后 {days} 天内）。如仍有异议，请拨打 12351 工会职工服务热线。",
    "reason": "请写明申请复查的理由（至少 4 个字，最多 2000 字）。",
}
REVIEW_DONE = "已提交复查申请，举报已重新打开（复查中），工会处理人员会重新核查并答复您。"
REVIEW_HINT = "对办理结果有异议？{until} 前可以申请复查。"


def channel_line(channel: Channel) -> str:
    """Where to turn instead, under a 不予受理."""
    return f"您也可以拨打 {channel.number}（{channel.label}）反映。"


def review_refused(reason: str, days: int) -> str:
    return REVIEW_REFUSED.get(reason, REVIEW_REFUSED["open"]).format(days=days)


# --- Routing to a unit (issue 12, point 4): the bot and the web form say the same.
NO_UNIT_LABEL = "不指定单位（交工会统一处理）"
HIGHER_HINT = "不想让本单位知道？可以改交上级单位"


def small_unit_warning(name: str, members: int, min_size: int, parent: str | None) -> str:
    """Plain text: the chosen unit is small enough that a tip routed there narrows who sent it."""
    advice = f"建议改交上级单位「{parent}」。" if parent else f"建议选择{NO_UNIT_LABEL}。"
    return (f"⚠️ 「{name}」已知只有 {members} 名职工（少于 {min_size} 名）。举报交给人数很少的单位，"
            f"别人可能据此猜到是谁反映的。{advice}")
