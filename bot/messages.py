"""Common user-facing texts of the bot (Simplified Chinese); each area keeps its own beside its handlers."""
from __future__ import annotations

from html import escape

from bot.commands import Command, admin_commands, worker_commands

WELCOME = (
    "您好，我是<b>安康助手</b> 👷\n"
    "工会劳动保护的小帮手，可以：\n"
    "• 回答安全生产、职业病防治、工伤等问题，并给出法条依据——直接打字提问即可；\n"
    "• 每周推送“微课堂”安全小课和答题，赢取安康杯积分；\n"
    "• 让您<b>匿名</b>举报身边的事故隐患（/report）。\n\n"
    "⚠️ 遇到火灾、触电、中毒、有人倒在井下等紧急情况，请先拨打 119 / 120 / 110！"
)
WELCOME_BACK = "欢迎回来！直接输入问题即可，例如：<i>劳保用品要自己掏钱吗</i>。/help 查看全部功能。"
OFFER_SUBSCRIBE = "要订阅“微课堂”安全小课吗？选择感兴趣的主题，每次推送几分钟就能读完。"
WELCOME_BACK_OFFER = WELCOME_BACK + "\n还没有订阅微课堂？点下面的按钮选择主题。"
SUBSCRIBE_BUTTON = "📚 订阅微课堂"

UNKNOWN_COMMAND = "抱歉，我不认识这个命令 {command}。请发送 /help 查看我能做的事，或直接用文字提问。"
NOTHING_TO_CANCEL = "现在没有进行中的操作，不需要取消。直接输入问题即可，或发送 /help 查看功能。"
NOT_ADMIN = "抱歉，这个功能只对工会管理员开放。"
# Only what is true: the handler failed, so the message may not have been acted on (issue 17).
ERROR = "抱歉，处理这条消息时出错了，可能没有完成。请稍后再发一次。如遇紧急情况请直接拨打 119 / 120 / 110。"
ERROR_DATABASE = (
    "抱歉，系统暂时无法保存数据，这条消息没有处理完成，请过几分钟再发一次。"
    "提问和紧急情况指引不受影响，可以直接提问。如遇紧急情况请直接拨打 119 / 120 / 110。"
)
UNSUPPORTED_MESSAGE = "我目前只能看懂文字消息。请用文字描述您的问题，或发送 /help 查看功能。"
TOO_LONG = "您的消息太长了（{length} 字）。请把问题缩短到 {limit} 字以内，说清楚最关心的一点即可。"
EMPTY = "请用文字输入您的问题，例如：<i>没有经过安全培训能上岗吗</i>。"
# After the emergency guidance, the step of the flow the worker was in, asked again.
FLOW_CONTINUES = "↩️ 刚才的{flow}还在继续：\n\n{prompt}"
FLOW_CONTINUES_TEXT = (
    "↩️ 刚才的{flow}还在继续。如果刚才那句话就是这一步要填写的内容，请原样再发送一次。\n\n{prompt}"
)
STALE_BUTTON = "这个按钮已过期，请重新发送问题或命令。"
UNSTORABLE_TEXT = "消息里有无法识别的特殊字符（如空字符或残缺的表情符号），没有处理。请删掉这些字符后重新发送。"
INLINE_BUTTON = "请在与安康助手的私聊中使用按钮。"
WEBLOGIN_PRIVATE_ONLY = "为安全起见，请在与机器人的私聊中发送 /weblogin。"
WEBLOGIN_LINK = (
    "🔐 管理后台一次性登录链接（10 分钟内有效，仅可使用一次，请勿转发）：\n{url}"
)
WEBLOGIN_EXPIRES = "有效期至 {time}。"
WEBLOGIN_NO_PUBLIC_URL = "（提示：未配置 ANKANG_PUBLIC_URL，链接使用服务器本地地址。）"
# Before a lesson an admin sends to themself from the web console.
TEST_LESSON_NOTE = "🧪 <i>以下是管理后台发出的微课堂测试推送，答题不计积分。</i>"


def _command_line(command: Command) -> str:
    usage = f" <i>{escape(command.usage)}</i>" if command.usage else ""
    return f"/{command.name}{usage} — {escape(command.description)}"


def help_text(is_admin: bool, bot_username: str | None = None) -> str:
    lines = ["<b>安康助手能做什么</b>", "直接输入问题即可提问，例如“发现隐患向谁报告”。", ""]
    lines += [_command_line(c) for c in worker_commands()]
    if is_admin:
        lines += ["", "<b>管理员</b>"]
        lines += [_command_line(c) for c in admin_commands()]
    mention = f"@{escape(bot_username)}" if bot_username else "@机器人用户名"
    lines += ["", f"在任意聊天中输入 <code>{mention} 关键词</code>（如 <code>{mention} 劳保</code>）可分享法条和解答。"]
    return "\n".join(lines)


def not_permitted(need: str, unit: str | None) -> str:
    """An admin command, button or step refused for its role or scope (issue 12, point 3)."""
    if unit is None:
        return f"抱歉，你没有「{need}」权限（也可能刚被移除）。如有疑问，请联系上级管理员。"
    return f"抱歉，你在「{unit}」没有「{need}」权限（也可能刚被移除）。如有疑问，请联系上级管理员。"

INVITE_PRIVATE_ONLY = "管理员邀请链接只能在与机器人的私聊中打开。"
INVITE_ACCEPTED = ("✅ 你已成为「{unit}」的<b>{role}</b>管理员（含其下级单位）。\n"
                   "发送 /weblogin 获取管理后台登录链接，发送 /help 查看管理员命令。")
INVITE_ALREADY = ("你已经拥有「{unit}」的<b>{role}</b>权限，无需重复接受邀请；这个链接已作废。\n"
                  "发送 /weblogin 获取管理后台登录链接。")

# After a restart or a takeover (bot/restarted.py): what the worker had open lived only in the memory of
# the process that stopped. One sentence per flow (``bot.conversation.Flow.name``), said plainly.
RESTARTED = "⚠️ 服务刚刚重启，{lost}"
LOST_FLOWS = {
    # The tip may have been stored just before the stop (its receipt then reached the worker, or is on its
    # way): nothing links a draft to a stored tip, so the notice covers both cases truthfully.
    "tip_report": ("如果您刚才已经收到回执码，举报已经保存，可用 /status 加回执码查看进展；如果没有收到回执码，"
                   "您未提交的举报草稿没有保存（为保护匿名，草稿只存在内存中），请重新开始 /report。"),
    "tip_status": "刚才的举报进展查询已中断，未发出的补充内容没有保存。请重新发送 /status 加回执码。",
    "tip_triage": "您刚才对举报的处理操作没有完成，也没有保存，请用 /tips 重新操作。",
    "handoff": "您正在填写的问工会问题没有保存，请重新发送 /ask 加上您的问题。",
    "handoff_confirm": "等待您确认的问工会问题没有发出，请重新发送 /ask 加上您的问题。",
    "handoff_answer": "您正在填写的问工会回答没有保存，请在提醒消息下重新点“回答”。",
    "schedule": "推送设置向导里填写的内容没有保存，请重新发送 /schedule。",
}
LOST_UNKNOWN = "您刚才进行中的操作没有保存，请重新开始。"
# Under a button of a conversation the restart lost (the notice itself follows as a message).
RESTARTED_BUTTON = "服务刚刚重启，这个按钮已失效，请看下面的说明。"


def restarted(flows: list[str]) -> str:
    """The notice for the flows a worker had open when the service stopped."""
    lines = list(dict.fromkeys(LOST_FLOWS.get(flow, LOST_UNKNOWN) for flow in flows))
    return RESTARTED.format(lost="\n".join(lines))
