"""User-facing texts of the admin console and the browser chat (Simplified Chinese), in one place."""
from __future__ import annotations

LOGIN_EXPIRED = "登录链接已过期（有效期 10 分钟）。请在 Telegram 中重新发送 /weblogin 获取新链接。"
LOGIN_USED = "这个登录链接已经用过了，每个链接只能使用一次。请重新发送 /weblogin 获取新链接。"
LOGIN_INVALID = "登录链接无效，可能复制不完整。请重新发送 /weblogin 获取新链接。"
LOGIN_NOT_ADMIN = "该账号不是工会管理员，无法登录管理后台。"
NOT_FOUND = "找不到该页面或记录，可能已被删除，或链接不完整。"
METHOD_NOT_ALLOWED = "该操作不能这样提交，请从管理后台的页面上操作。"
TOO_LARGE = "提交的内容太大（图片不超过 10 MB，文字请精简后再提交）。"
TIP_TRANSITION_REFUSED = "当前状态下不能改为所选状态（可能已被其他管理员处理），请看下方最新状态后重新选择。"
TIP_NOTE_TOO_LONG = "说明不能超过 {limit} 字（现在 {given} 字），请精简后再提交。"
TIP_REPLY_TOO_LONG = "回复不能超过 {limit} 字（现在 {given} 字），请精简或分几次发送。"
TIP_REPLY_EMPTY = "请填写回复内容。"
KB_NOT_LOADED = "知识库尚未加载完成（服务器启动后需要几秒钟），请稍后刷新页面。"
UNAVAILABLE = "该功能暂时不可用，请稍后再试。"
SERVER_ERROR = "服务器处理时出错了，操作可能没有完成。请刷新页面查看结果，如多次出现请联系技术人员。"
BOT_KB_NOT_LOADED = "知识库尚未加载完成（服务器启动后需要几秒钟），请稍后刷新页面。"
BOT_UNAVAILABLE = "机器人当前未连接，无法发送测试消息。"
TEST_SEND_FAILED = "测试消息没有发出：请确认您已在 Telegram 中打开机器人（发送过 /start）且没有屏蔽它，然后重试。"

# ?done=<code> after a successful action (post/redirect/get).
FLASH: dict[str, str] = {
    "test_sent": "测试消息已发送到您的 Telegram。",
    "faq_saved": "FAQ 条目已保存，并已立即用于机器人问答。",
    "faq_edited": "FAQ 条目已修改，机器人已按新内容回答。",
    "question_dismissed": "已从未答问题列表移除。",
    "status_changed": "状态已更新，举报人可通过回执码查看。",
    "replied": "回复已发送到举报线程。",
    "exported": "导出完成。",
    "schedule_saved": "推送计划已保存。",
    "schedule_paused": "推送计划已暂停。",
    "schedule_resumed": "推送计划已恢复。",
    "schedule_cancelled": "推送计划已取消。",
}

AUDIT_ACTIONS: dict[str, str] = {
    "web.login": "登录管理后台",
    "web.logout": "退出管理后台",
    "web.lesson_test": "发送微课堂测试",
    "kb.faq_add": "新增 FAQ 条目",
    "kb.faq_edit": "修改 FAQ 条目",
    "kb.unanswered_dismiss": "移除未答问题",
    "tip.status": "更改举报状态",
    "tip.reply": "回复举报",
    "tip.export": "导出举报",
    "broadcast.create": "新建推送计划",
    "broadcast.edit": "修改推送计划",
    "broadcast.pause": "暂停推送计划",
    "broadcast.resume": "恢复推送计划",
    "broadcast.cancel": "取消推送计划",
}

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# Request bodies over their route's limit (web/limits.py), refused before they are read.
BODY_TOO_LARGE_TIP = (
    "提交的内容太大了：最多 5 张照片，每张不超过 10 MB。请删减或压缩照片后再试，已填写的内容需要重新填写。"
)
BODY_TOO_LARGE = "提交的内容太大了，请删减后再试。"
