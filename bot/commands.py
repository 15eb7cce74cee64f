"""The bot's command menu: one list, used for setMyCommands and /help."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    admin: bool = False
    usage: str = ""  # what may follow the command, shown in /help (the menu has no room for it)


COMMANDS: tuple[Command, ...] = (
    Command("start", "开始使用安康助手"),
    Command("help", "查看全部功能"),
    Command("laws", "浏览法律法规"),
    Command("ask", "把问题转给工会工作人员", usage="问题"),
    Command("myquestions", "查看我问工会的问题"),
    Command("report", "匿名举报事故隐患"),
    Command("status", "用回执码查询举报进展", usage="回执码"),
    Command("subscribe", "订阅微课堂主题"),
    Command("unsubscribe", "退订微课堂"),
    Command("mytopics", "查看我订阅的主题"),
    Command("lessons", "浏览微课堂"),
    Command("next", "马上学下一课"),
    Command("score", "我的安康杯积分"),
    Command("rank", "安康杯排行榜", usage="[campaign]"),
    Command("campaign", "参加安康杯知识竞赛"),
    Command("contest", "知识竞赛（同 /campaign）"),
    Command("mystudy", "我的学时和证书"),
    Command("settings", "选择或更换我所在的单位", usage="[单位名称]"),
    Command("cancel", "取消当前操作"),
    # Admin-only commands are listed in /help for admins and refused politely for others.
    Command("schedule", "安排微课堂推送", admin=True),
    Command("broadcasts", "查看推送计划", admin=True),
    Command("tips", "处理隐患举报", admin=True, usage="[状态] [类别] [紧急]"),
    Command("duty", "查看或切换值班（紧急举报通知值班人员）", admin=True, usage="[on|off]"),
    Command("weblogin", "获取管理后台登录链接", admin=True),
)


def worker_commands() -> list[Command]:
    return [c for c in COMMANDS if not c.admin]


def admin_commands() -> list[Command]:
    return [c for c in COMMANDS if c.admin]
