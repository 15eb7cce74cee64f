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
TIP_CONFIRM_FINAL = (
    "举报 #{tip_id} 将改为“{status}”，办理就此结束；举报人会看到下面的说明，之后只能在 {days} 天内申请复查。"
)
CONFIRM_SEND_NOW = "推送计划 #{sid} 将立即发送给 {audience} 位订阅者，发出后无法撤回。"
CONFIRM_SEND_NOW_JS = "推送计划 #{sid} 将立即发送给全部对象，发出后无法撤回。确认发送？"
CONFIRM_CANCEL_SCHEDULE = "推送计划 #{sid} 取消后不能恢复，之后的推送都不会再发送（需要时只能重新创建）。"
TIP_CONFIRM_FINAL_JS = "确认结束举报 #{tip_id} 的办理？举报人会看到您填写的说明，之后只能在 {days} 天内申请复查。"
CONFIRM_HOLD_RELEASE = "解除举报 #{tip_id} 的法律保全后，它会在保存期满时被定期清除（内容、沟通记录和照片都不可恢复）。"
TIP_NOTE_EMPTY = "请填写备注内容。"
TIP_OWNER_NOT_ADMIN = "所选人员已不是管理员（可能刚被移除），请重新选择负责人。"
TIP_OWNER_NOT_HANDLER = "所选管理员在这条举报所属单位没有「举报处理」权限，请从列表中重新选择负责人。"
TIP_CLOSE_NOTE_NEEDED = "办结需要填写办结说明（举报人会看到处理结果）。"
TIP_REJECT_REASON_NEEDED = "不予受理需要从列表中选择原因。"
TIP_HOLD_REFUSED = {
    "held": "该举报已处于法律保全中。",
    "not_held": "该举报没有法律保全，无需解除。",
    "reason": "请填写法律保全的原因。",
}
KB_NOT_LOADED = "知识库尚未加载完成（服务器启动后需要几秒钟），请稍后刷新页面。"
UNAVAILABLE = "该功能暂时不可用，请稍后再试。"
SERVER_ERROR = "服务器处理时出错了，操作可能没有完成。请刷新页面查看结果，如多次出现请联系技术人员。"
BOT_KB_NOT_LOADED = "知识库尚未加载完成（服务器启动后需要几秒钟），请稍后刷新页面。"
BOT_UNAVAILABLE = "机器人当前未连接，无法发送测试消息。"
TEST_SEND_FAILED = "测试消息没有发出：请确认您已在 Telegram 中打开机器人（发送过 /start）且没有屏蔽它，然后重试。"

# Public pages (web/pages.py): the landing page and the site's error pages.
LANDING_TITLE = "首页"
PAGE_NOT_FOUND_TITLE = "找不到页面"
PAGE_NOT_FOUND = "您要找的页面不存在，可能链接不完整或已经失效。"
PAGE_METHOD_TITLE = "操作无效"
PAGE_METHOD = "这个页面不能这样打开或提交，请从首页重新进入。"
PAGE_ERROR_TITLE = "出错了"
PAGE_ERROR = "服务器处理时出错了，请稍后再试。紧急情况请直接拨打下面的电话。"

# ?done=<code> after a successful action (post/redirect/get).
FLASH: dict[str, str] = {
    "campaign_created": "竞赛已创建，邀请已交给推送引擎（开始当天 9:00 前创建的，在开始当天 9:00 发出）。",
    "campaign_edited": "竞赛已修改。",
    "campaign_cancelled": "竞赛已取消。",
    "certificate_issued": "证书已颁发，可在下方列表下载。",
    "org_added": "单位已添加。",
    "org_rename": "单位名称已修改。",
    "org_move": "单位已移动到新的上级。",
    "org_retire": "单位已撤销，其成员和下级单位已移交上级单位。",
    "org_merge": "单位已合并，其成员和下级单位已移交合并后的单位。",
    "test_sent": "测试消息已发送到您的 Telegram。",
    "faq_saved": "FAQ 条目已保存，并已立即用于机器人问答。",
    "faq_edited": "FAQ 条目已修改，机器人已按新内容回答。",
    "question_dismissed": "已从未答问题列表移除。",
    "questions_merged": "这些问题已作为“其他问法”并入已有条目，机器人已能据此回答。",
    "questions_merge_proposed": "合并已提交，等待另一位管理员审核；审核发布后，机器人才会按这些问法回答。",
    "handoff_answered": "回答已发送给职工。",
    "handoff_blocked": "职工已屏蔽机器人，回答无法送达；该问题已结束。",
    "handoff_stored": "回答已保存，但暂时没能发送；职工可在 /myquestions 中看到。",
    "handoff_closed": "问题已结束，与职工的联系已删除。",
    "handoff_claimed": "已标记为“回答中”，职工可以看到有人在处理。",
    "faq_disable": "FAQ 条目已停用，机器人不再用它回答。",
    "faq_enable": "FAQ 条目已重新启用，机器人已用它回答。",
    "faq_publish": "FAQ 条目已审核发布，机器人已用它回答。",
    "faq_delete": "FAQ 条目已删除（可在回收站恢复）。",
    "faq_restore": "FAQ 条目已恢复为停用状态，核对后可重新启用。",
    "faq_drafted": "FAQ 草稿已保存，需另一位管理员审核发布后才会用于回答。",
    "faq_reviewed": "已确认保留后台修改的版本。",
    "faq_proposed": "修改已提交，等待另一位管理员审核；审核发布前，机器人仍按原内容回答。",
    "faq_revision_published": "修改已审核发布，机器人已按新内容回答。",
    "faq_revision_rejected": "修改已退回，机器人继续按原内容回答。",
    "status_changed": "状态已更新，举报人可通过回执码查看。",
    "replied": "回复已发送到举报线程。",
    "owner_set": "负责人已更新。",
    "note_added": "内部备注已保存（举报人看不到）。",
    "recognized": "已标记为有效举报，举报人可在进展页看到。",
    "hold_set": "已设置法律保全：该举报不会被定期清除。",
    "hold_released": "已解除法律保全。",
    "exported": "导出完成。",
    "schedule_saved": "推送计划已保存。",
    "schedule_paused": "推送计划已暂停。",
    "schedule_resumed": "推送计划已恢复。",
    "schedule_cancelled": "推送计划已取消。",
    "admin_added": "管理员已添加：对方在 Telegram 中发送 /weblogin 即可登录管理后台。",
    "admin_removed": "管理员已移除，其管理后台登录已全部失效。",
    "grant_removed": "角色已移除；如果这是对方的最后一个角色，对方已不再是管理员，管理后台登录已失效。",
}

SUBSCRIBED_TO_ALL = "全部主题"  # a subscription to every topic, on the dashboard

# The audit log in words (web/console_audit.py).
AUDIT_BY_CLI = "服务器命令行"
AUDIT_ADMIN_UNNAMED = "管理员 {id}"
AUDIT_TIP = "举报 #{n}"
AUDIT_SCHEDULE = "推送计划 #{n}"
AUDIT_RUN = "第 {n} 次推送"
AUDIT_HANDOFF = "问工会问题 #{n}"
AUDIT_FAQ = "FAQ：{question}"
AUDIT_UNANSWERED = "未答问题：{question}"
AUDIT_LESSON = "微课堂：{title}"
AUDIT_EXPORT_TARGET = "举报导出包"
AUDIT_EXPORT_COUNTS = "{tips} 条举报，{photos} 张照片"
AUDIT_VIA_CLI = "通过服务器命令行"
AUDIT_REPLACED_BY = "改为新的{ref}"
AUDIT_SENT_AS = "{ref}"
AUDIT_EXPORT_HEADER = ("时间", "管理员", "操作", "对象", "详情")

AUDIT_ACTIONS: dict[str, str] = {
    "web.login": "登录管理后台",
    "web.logout": "退出管理后台",
    "web.lesson_test": "发送微课堂测试",
    "kb.faq_add": "新增 FAQ 条目",
    "kb.faq_edit": "修改 FAQ 条目",
    "kb.unanswered_dismiss": "移除未答问题",
    "kb.faq_disable": "停用 FAQ 条目",
    "kb.faq_enable": "启用 FAQ 条目",
    "kb.faq_draft": "保存 FAQ 草稿",
    "kb.faq_publish": "审核发布 FAQ 条目",
    "kb.faq_propose": "提交 FAQ 修改（待审核）",
    "kb.faq_accept": "审核发布 FAQ 修改",
    "kb.faq_reject": "退回 FAQ 修改",
    "kb.faq_delete": "删除 FAQ 条目",
    "kb.faq_restore": "恢复 FAQ 条目",
    "kb.faq_review_bundled": "复核随包 FAQ 的更新",
    "kb.faq_import": "导入 FAQ 条目",
    "kb.faq_export": "导出 FAQ 条目",
    "handoff.claim": "开始回答问工会问题",
    "handoff.answer": "回答问工会问题",
    "handoff.close": "结束问工会问题",
    "tip.status": "更改举报状态",
    "tip.reply": "回复举报",
    "tip.owner": "指定举报负责人",
    "tip.note": "添加举报内部备注",
    "tip.view": "查看举报",
    "tip.recognize": "认定有效举报",
    "tip.hold": "设置法律保全",
    "tip.hold.release": "解除法律保全",
    "tip.purge": "定期清除举报",
    "tip.export": "导出举报",
    "rollup.export": "导出单位汇总",
    "campaign.create": "新建竞赛活动",
    "campaign.edit": "修改竞赛活动",
    "campaign.cancel": "取消竞赛活动",
    "broadcast.create": "新建推送计划",
    "broadcast.edit": "修改推送计划",
    "broadcast.pause": "暂停推送计划",
    "broadcast.resume": "恢复推送计划",
    "broadcast.cancel": "取消推送计划",
    "broadcast.send_now": "立即推送",
    "admin.add": "添加管理员",
    "org.add": "添加单位",
    "org.rename": "修改单位名称",
    "org.move": "移动单位",
    "org.retire": "撤销单位",
    "org.merge": "合并单位",
    "study.export": "导出学时",
    "study.certificate": "颁发证书",
    "admin.remove": "移除管理员",
    "admin.invite": "生成管理员邀请链接",
    "admin.invite_accept": "接受管理员邀请",
    "admin.role_remove": "移除管理员角色",
    "admin.role_grant": "授予管理员角色",
    "duty.on": "开始值班",
    "duty.off": "结束值班",
    "web.audit_export": "导出审计日志",
}

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# 问工会 (console inbox).
HANDOFF_NO_BOT = "机器人未运行，暂时无法把回答发给职工。请稍后再试。"
HANDOFF_ANSWER_EMPTY = "请填写回答内容。"
HANDOFF_ANSWER_TOO_LONG = "回答有 {length} 字，超过 {limit} 字，请精简后再发送。"
HANDOFF_ALREADY_ANSWERED = "这条问题已由其他工作人员先回答了，您的回答没有发送（内容保留在下方，可以改为追加说明）。"
HANDOFF_CLOSED = "这个问题已经结束，无法再回答。"
FAQ_TRANSITION_REFUSED = "这个条目现在是“{status}”，不能进行这个操作。请刷新页面后再试。"
FAQ_NO_PENDING_REVISION = "这个条目没有待审核的修改：可能已被另一位管理员发布或退回。请刷新页面。"
FAQ_CONFIRM_TITLE = "确认发布 FAQ"
FAQ_CONFIRM_QUESTION = "确认后，下面的内容会立即用于机器人回答职工的提问。请核对无误后再发布。"
FAQ_CONFIRM_JS = "确认发布？保存后，这个条目会立即用于机器人回答职工的提问。"
FAQ_CONFIRM_LABEL = "确认发布"
FAQ_REVIEW_OWN = "按照本站的审核设置（ANKANG_FAQ_REVIEW=two-person），自己写的草稿或修改需要由另一位管理员审核。"
MERGE_CONFIRM_TITLE = "确认合并到已有条目"
MERGE_CONFIRM_QUESTION = "确认后，下面的问题会作为“其他问法”并入这个条目，立即用于机器人回答。请核对无误后再合并。"
MERGE_CONFIRM_JS = "确认合并？这些问题会作为“其他问法”并入已有条目，立即用于机器人回答。"
MERGE_CONFIRM_LABEL = "确认合并"
IMPORT_EMPTY = "请选择要导入的文件（YAML 或 Excel .xlsx），文件里至少要有一条 FAQ。"
IMPORT_TOO_LARGE = "文件太大了（超过 5 MB），请分批导入。"
IMPORT_UNREADABLE = ("读不懂这个文件：请上传从本页导出的 YAML（FAQ 列表）或 Excel 文件"
                     "（第一行为 id、标准问题、其他问法、回答、法条依据、主题）。")

# Request bodies over their route's limit (web/limits.py), refused before they are read.
BODY_TOO_LARGE_TIP = (
    "提交的内容太大了：最多 5 张照片，每张不超过 10 MB。请删减或压缩照片后再试，已填写的内容需要重新填写。"
)
BODY_TOO_LARGE = "提交的内容太大了，请删减后再试。"

# 管理员 (console_admins.py)
ADMIN_ID_INVALID = "请填写对方的 Telegram 数字 ID（只含数字 0–9，最多 16 位，例如 123456789）。"
ADMIN_NAME_EMPTY = "请填写姓名或称呼，方便在后台和审计日志中认出对方。"
ADMIN_NAME_TOO_LONG = "姓名不能超过 {limit} 个字（现在 {given} 个字）。"
ADMIN_ALREADY = "{who} 已经是管理员了（{source}），无需重复添加。"
ADMIN_REMOVE_SELF = "不能移除自己。如需移除您的管理员身份，请另一位管理员操作。"
ADMIN_REMOVE_SETTINGS = ("{who} 的管理员身份来自配置 ANKANG_ADMIN_IDS，不能在这里移除："
                         "请从配置中删去该 ID 并重启服务。")
ADMIN_NOT_FOUND = "{who} 已不是在控制台添加的管理员（可能刚被其他管理员移除），请看下方最新名单。"


ADMIN_REMOVE_QUESTION = ("移除后，{who} 立即不能再使用任何管理员功能：已登录的管理后台会立即失效，"
                         "值班也会一并取消。确定移除吗？")


# 组织架构 (console_org.py)
ORG_NO_BOT = "机器人尚未启动，还不知道它的用户名，无法生成加入链接。请在机器人运行时再试。"


ORG_MERGE_PICK = "请选择要并入的单位。"


def org_merge_question(name: str, into: str, members: int) -> str:
    return (f"把「{name}」并入「{into}」后，它的 {members} 名成员和全部下级单位将移交给「{into}」，"
            f"「{name}」将被撤销。确定合并吗？")


def org_retire_question(name: str, members: int) -> str:
    return (f"撤销「{name}」后，它的 {members} 名成员和全部下级单位将移交给上级单位，"
            "此后扫它的二维码将无法加入。确定撤销吗？")

# 单位汇总 (web/console_rollups.py)
ROLLUP_BAD_DATE = "日期格式不对，请用日期选择器选择，或写成 2026-11-01 这样的格式。"
ROLLUP_PERIOD_REVERSED = "开始日期晚于结束日期，请重新选择统计期间。"
ROLLUP_PERIOD_TOO_LONG = "统计期间最长十年，请缩短后再试。"
ROLLUP_NO_UNIT = "找不到单位“{unit}”。请从列表中选择，或输入单位代码。"
ROLLUP_OUT_OF_REACH = "该单位不在你的管理范围内。"

# Roles (issue 12, point 3).
FORBIDDEN_TITLE = "没有权限"


def forbidden(need: str, unit: str | None) -> str:
    """A console request refused for its role or scope; ``unit`` None: the role is held nowhere."""
    if unit is None:
        return f"你没有「{need}」权限（也可能刚被移除）。如需此权限，请联系上级管理员。"
    return f"你在「{unit}」没有「{need}」权限（也可能刚被移除）。如需此权限，请联系该单位或上级单位的管理员。"
INVITE_PICK_ROLE = "请选择要邀请的角色。"
GRANT_GONE = "这个角色已不存在（可能刚被其他管理员移除），请看下方最新名单。"
GRANT_REMOVE_QUESTION = "移除 {who} 在「{unit}」的「{role}」角色？对方下一次操作起即不能再使用这个角色的功能。"

# The public certificate check (/verify).
VERIFY_TITLE = "证书验证"
VERIFY_TOO_MANY = "查询太频繁，请 10 分钟后再试。"
VERIFY_MALFORMED = "验证码格式不对：验证码是 10 位字母和数字，例如 7K3QD-9X2MB（不区分大小写，可省略短横线）。"
STUDY_PICK_UNIT = "请选择获奖单位。"
