"""User-facing texts of the anonymous tip flow, the follow-up thread and tip triage (Simplified Chinese)."""
from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from tips import messages as case_text
from tips.cases import CasePolicy, Deadline, channel_for, deadline
from tips.models import Author, EventKind, Tip, TipNote, TipStatus
from tips.service import DESCRIPTION_MAX_CHARS, DESCRIPTION_MIN_CHARS, place_label, topic_label

REPORT_BUTTON = "📝 匿名举报隐患"

INTRO = (
    "📝 <b>匿名举报事故隐患</b>\n"
    "举报内容只保存隐患本身：<b>不记录</b>您的 Telegram 账号、姓名、用户名；照片中的位置等信息会被自动删除。\n"
    "随时发送 /cancel 可取消。\n\n"
    "第 1 步：隐患属于哪一类？"
)
ASK_PLACE = "第 2 步：隐患在什么类型的场所？"
ASK_LOCATION = (
    "第 3 步：具体地点（可选）。\n"
    "例如“XX区XX路XX厂二号车间东侧”。只写隐患所在位置，<b>不要写您自己的姓名、工号或电话</b>。\n"
    "不想填写可点“跳过”。"
)
ASK_DESCRIPTION = (
    f"第 4 步：请描述隐患（{DESCRIPTION_MIN_CHARS}–{DESCRIPTION_MAX_CHARS} 字）：看到了什么、持续多久、"
    "可能造成什么危险。"
)
ASK_PHOTOS = (
    "第 5 步：可以发送 0–5 张现场照片（照片或图片文件均可）。\n"
    "照片会重新压缩并删除拍摄时间、GPS 位置等信息。没有照片就点“跳过”；发了照片，发完点“完成”。"
)
ASK_URGENCY = "第 6 步：现场是否存在<b>直接危及人身安全的紧急情况</b>（如起火、泄漏、坍塌、有人被困）？"
EMERGENCY_GUIDANCE = (
    "🚨 <b>紧急情况请先保证自身安全！</b>\n"
    "1. 立即停止作业，按疏散路线撤离到安全地点，提醒身边的人；\n"
    "2. 火灾拨打 <b>119</b>，有人受伤拨打 <b>120</b>，治安情况拨打 <b>110</b>；\n"
    "3. 安全生产隐患也可拨打 <b>12350</b> 举报；\n"
    "4. 不要冒险返回现场抢救物品。\n\n"
    "您的举报提交后会立即通知值班的工会人员。"
)
PREVIEW_HEADER = "第 7 步：请核对，确认后提交：\n\n"
# Routing to a unit (issue 12, point 4): asked only when the union has set up its units.
ASK_UNIT = (
    "这条举报交给哪个工会处理？\n"
    "点下面的单位，或直接发送单位名称搜索（例如“机械厂”）。只保存您选的单位，不保存您是谁。"
)
ASK_UNIT_MEMBER = "您加入的单位是「{name}」，默认交给它。" + case_text.HIGHER_HINT + "（点“⬆ 上级”）。"
UNIT_OWN_BUTTON = "✅ {name}（本单位）"
UNIT_HIGHER_BUTTON = "⬆ {name}（上级）"
UNIT_FOUND = "找到以下单位，点一下选择："
UNIT_NOT_FOUND = "没有找到名称包含「{query}」的单位，换个关键词试试，或点“不指定单位”。"
UNIT_GONE = "这个单位已撤销或不存在，请重新选择。"
UNIT_QUERY_MAX_CHARS = 64
UNIT_PARENT_BUTTON = "⬆ 改交上级：{name}"
CHANGE_UNIT_BUTTON = "🏢 更换单位"
CONFIRM_BUTTON = "✅ 确认提交"
CANCEL_BUTTON = "取消"
SKIP_BUTTON = "跳过"
DONE_BUTTON = "完成"
YES_URGENT_BUTTON = "是，情况紧急"
NOT_URGENT_BUTTON = "否"

CANCELLED = "已取消，草稿已删除，没有保存任何内容。"
TIMED_OUT = "您超过 30 分钟没有操作，举报草稿已删除，没有保存任何内容。需要时请重新发送 /report。"
RATE_LIMITED = "您在一小时内提交的举报已达上限，请稍后再试。如遇紧急情况请直接拨打 119 / 120，或拨打 12350 举报。"
SUBMIT_FAILED = "抱歉，提交失败了，举报<b>没有</b>保存。请稍后点“确认提交”再试一次，或 /cancel。"

DESCRIPTION_TOO_SHORT = f"描述太短了，请至少写 {DESCRIPTION_MIN_CHARS} 个字，说清楚看到了什么。"
DESCRIPTION_TOO_LONG = "描述太长了（{length} 字），请缩短到 " + str(DESCRIPTION_MAX_CHARS) + " 字以内。"
LOCATION_TOO_LONG = "地点请控制在 200 字以内，只写位置即可。"
USE_BUTTONS = "请点击上面的按钮选择，或发送 /cancel 取消。"
FOLLOWUPS_LIMIT = (
    "这条举报今天已补充很多次了，为保证处理人员能看清，请明天再补充。"
    "情况紧急请直接拨打 119 / 120，或拨打 12350 举报。"
)
NEED_TEXT = "这一步请用文字输入。贴纸、语音、位置等内容无法保存；发送 /cancel 可取消。"
NEED_PHOTO = "这一步请发送照片或图片文件；发完点“完成”，没有照片点“跳过”。"
PHOTO_RECEIVED = "已收到第 {count} 张照片（最多 5 张）。可以继续发送，发完点“完成”。"
PHOTO_LIMIT = "已收到 5 张照片，达到上限。"
PHOTO_REJECTED = {
    "too_large": "这张图片超过 10 MB，请压缩后再发。",
    "not_image": "无法识别这张图片，请发送 JPG、PNG 或 WebP 格式的照片。",
    "too_many_pixels": "这张图片尺寸过大，请缩小后再发。",
}
PRIVATE_ONLY = "为保护您的匿名，请私聊我发送 /report 举报、/status 查询。"
STATUS_IN_GROUP = (
    "为保护您的匿名，请私聊我查询进展。回执码已经发在群里，其他人也能看到：请马上删除那条消息，"
    "之后只在私聊中使用回执码。"
)
IN_FLOW_COMMAND = "您正在填写举报。请按提示继续，或发送 /cancel 取消后再使用其他功能。"


def receipt(tip_id: int, code: str) -> str:
    return (
        "✅ <b>举报已提交</b>，工会会尽快处理。\n\n"
        f"您的回执码（只显示这一次）：\n<code>{escape(code)}</code>\n\n"
        "请<b>抄下或截图保存</b>。凭回执码可以查询处理进展、阅读工会的回复、补充信息：\n"
        f"<code>/status {escape(code)}</code>\n"
        "我们不保存回执码本身，丢失后无法找回。为保护您，建议随后删除本聊天记录。"
    )


# --- Follow-up with the receipt (/status) ---
ASK_CODE = "请发送您的回执码，例如 <code>K7QF-2M9D-XR4T-PB6N</code>。发送 /cancel 取消。"
RECEIPT_REFUSED = "回执码不正确。请核对后重新发送 <code>/status 回执码</code>。"
RECEIPT_REFUSED_AGAIN = "回执码不正确，请核对后再发一次（不分大小写，横线可省略），或发送 /cancel 取消。"
RECEIPT_RATE_LIMITED = "尝试次数过多，请 15 分钟后再试。"
ADD_INFO_BUTTON = "➕ 补充信息"
END_BUTTON = "结束"
REVIEW_BUTTON = "🔁 申请复查"
ASK_REVIEW_REASON = "请写明申请复查的理由（例如隐患仍然存在、整改不到位），工会会重新核查并答复您。发送 /cancel 放弃。"
ASK_FOLLOWUP = "请发送要补充的文字或照片（可以多条）。发完点“结束”。"
FOLLOWUP_SAVED = "已补充到您的举报中，工会处理人员可以看到。可以继续发送，或点“结束”。"
FOLLOWUP_DONE = "好的。需要时再发送 <code>/status 回执码</code> 查看进展。"
FOLLOWUP_ENDED = "已退出补充信息，这条消息没有保存。需要补充时请重新发送 /status 加回执码。"
FOLLOWUP_TIMED_OUT = "长时间没有操作，已退出补充信息。需要时再用 /status 加回执码。"


def _hour(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:00")


def _minute(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def unit_button(template: str, name: str) -> str:
    """A unit's name on a button (plain text, cut to fit)."""
    return template.format(name=name[:24])


def unit_not_found(query: str) -> str:
    return UNIT_NOT_FOUND.format(query=escape(query[:40]))


def tip_summary(tip: Tip | None, *, category: str, place_type: str, location: str, description: str,
                urgent: bool | None, photos: int, unit: str | None = None) -> str:
    """The tip as the tipper checks it; ``unit``: the unit it is routed to ("" for none, None: not asked)."""
    lines = [
        f"类别：{escape(topic_label(category))}",
        f"场所：{escape(place_label(place_type))}",
        f"地点：{escape(location) if location else '（未填写）'}",
        f"紧急：{'是' if urgent else '否'}",
        f"照片：{photos} 张",
        "",
        f"描述：{escape(description)}",
    ]
    if unit is not None:
        lines.insert(0, f"交给：{escape(unit) if unit else case_text.NO_UNIT_LABEL}")
    if tip is not None:
        lines.insert(0, f"<b>举报 #{tip.id}</b>  状态：<b>{escape(tip.status_label)}</b>")
    return "\n".join(lines)


def thread(tip: Tip, tz: ZoneInfo) -> str:
    """The status history and messages of a tip, oldest first."""
    lines = []
    for event in tip.events:
        when = _hour(event.at, tz) if event.author == Author.TIPPER else _minute(event.at, tz)
        who = event.author.label
        photos = f"（{len(event.photos)} 张照片）" if event.photos else ""
        if event.kind == EventKind.SUBMITTED:
            lines.append(f"• {when} 提交举报{photos}")
        elif event.kind == EventKind.REVIEW:
            lines.append(f"• {when} 举报人申请<b>复查</b>：{escape(event.text)}")
        elif event.kind == EventKind.STATUS:
            note = f"：{escape(event.text)}" if event.text else ""
            lines.append(f"• {when} 状态变为 <b>{escape(event.status_label)}</b>{note}")
        else:
            said = f"：{escape(event.text)}" if event.text else ""
            lines.append(f"• {when} {who}留言{photos}{said}")
    return "\n".join(lines)


def deadline_line(due: Deadline, tz: ZoneInfo) -> str:
    return f"{due.label}：{_minute(due.due_at, tz)}（{due.left_text}）"


def case_lines(tip: Tip, now: datetime, policy: CasePolicy) -> list[str]:
    """What the tipper reads about the case: deadlines, a rejection's reason and channel, 有效举报, 复查."""
    tz = policy.tz
    lines = []
    if tip.ack_due_at is not None and tip.feedback_due_at is not None:
        acked = "（已受理）" if tip.status is not TipStatus.NEW else ""
        lines.append(f"受理时限：{_minute(tip.ack_due_at, tz)}{acked}")
        lines.append(f"反馈时限：{_minute(tip.feedback_due_at, tz)}" + ("" if tip.is_open else "（已答复）"))
    if tip.status is TipStatus.REJECTED and tip.reject_reason_label:
        lines.append(f"不予受理的原因：{escape(tip.reject_reason_label)}")
        lines.append(escape(case_text.channel_line(channel_for(tip))))
    if tip.recognized:
        note = f"（{escape(tip.recognition_note)}）" if tip.recognition_note else ""
        lines.append(case_text.RECOGNIZED + note)
        lines.append(escape(case_text.RECOGNITION_CLAIM))
    until = policy.review_until(tip)
    if until is not None and not tip.review_requested and now < until:
        lines.append(case_text.REVIEW_HINT.format(until=_minute(until, tz)))
    return lines


def status_view(tip: Tip, tz: ZoneInfo, now: datetime | None = None, policy: CasePolicy | None = None) -> str:
    head = f"📋 <b>您的举报</b>（{escape(topic_label(tip.category))}）\n当前状态：<b>{escape(tip.status_label)}</b>\n"
    lines = case_lines(tip, now, policy) if now is not None and policy is not None else []
    head += "\n".join(lines) + ("\n" if lines else "")
    return head + "\n<b>进展与回复</b>\n" + thread(tip, tz)


# --- Admin side ---
NO_TIPS = "没有符合条件的举报。"
TIP_NOT_FOUND = "找不到这条举报。"
ASK_NOTE = "请输入给举报人看的说明（将状态改为 <b>{status}</b>）。发送 /cancel 放弃。"
ASK_REPLY = "请输入对举报 #{tip_id} 的回复，举报人凭回执码可以看到。发送 /cancel 放弃。"
STATUS_CHANGED = "举报 #{tip_id} 已改为 <b>{status}</b>。"
TRANSITION_REFUSED = "举报 #{tip_id} 当前为“{current}”，不能改为“{target}”。"
REPLY_SENT = "回复已加入举报 #{tip_id} 的匿名对话，举报人凭回执码可以看到。"
ADMIN_CANCELLED = "已取消，没有做任何修改。"
DUTY_ON = "✅ 您已开始值班：紧急举报会立即通知您。结束时发送 /duty off。"
DUTY_OFF = "您已结束值班。再次值班时发送 /duty on。"
DUTY_STATUS_ON = "您正在值班，紧急举报会立即通知您。结束值班请发送 /duty off。"
DUTY_STATUS_OFF = (
    "您现在没有值班。开始值班请发送 /duty on。\n"
    "（没有任何人值班时，紧急举报会通知全部管理员。）"
)
FILTER_OPEN = "未办结"
URGENT_ONLY = "🚨 仅紧急"
PREV_BUTTON = "« 上一页"
NEXT_BUTTON = "下一页 »"
REPLY_BUTTON = "💬 回复"
OPEN_TIP_BUTTON = "查看并处理"  # under an urgent alert, a follow-up notice, a reminder
OPEN_LIST_BUTTON = "打开举报列表"  # under the digest of new tips
VIEW_TIP_BUTTON = "查看举报"  # under the confirmation of an admin's action
BACK_BUTTON = "返回列表"
TAKE_BUTTON = "🙋 由我负责"
NOTE_BUTTON = "🔒 内部备注"
CONFIRM_ACTION_BUTTON = "✅ 确认"
CANCEL_ACTION_BUTTON = "取消"
ASK_PRIVATE_NOTE = "请输入举报 #{tip_id} 的内部备注（<b>仅工会人员可见，举报人看不到</b>）。发送 /cancel 放弃。"
NOTE_SAVED = "内部备注已保存（举报人看不到）。"
TAKEN = "举报 #{tip_id} 现在由您负责：举报人补充信息时会通知您。"
ASK_CLOSE_NOTE = "请输入给举报人看的<b>办结说明</b>（处理结果），办结后举报人可以看到。发送 /cancel 放弃。"
ASK_REJECT_REASON = "请选择不予受理的原因（举报人会看到原因和可以反映的官方渠道）："
CONFIRM_FINAL = (
    "确认将举报 #{tip_id} 改为 <b>{status}</b>？\n说明：{note}\n{extra}"
    "此操作结束办理，之后举报人只能在 {days} 天内申请复查。"
)
NEED_NOTE = "请填写说明后再提交。"


def list_header(total: int, offset: int, shown: int, status: TipStatus | None, category: str | None,
                urgent: bool | None) -> str:
    filters = [status.label if status is not None else FILTER_OPEN]
    if category:
        filters.append(topic_label(category))
    if urgent:
        filters.append("仅紧急")
    start = offset + 1 if shown else 0
    return f"🗂 <b>隐患举报</b>（{escape('、'.join(filters))}）第 {start}–{offset + shown} 条，共 {total} 条"


def list_button(tip: Tip, tz: ZoneInfo, now: datetime | None = None) -> str:
    flag = ("🚨" if tip.urgent else "") + ("✉️" if tip.tipper_unread else "")
    due = deadline(tip, now) if now is not None else None
    left = f" ⏰{due.left_text}" if due is not None else ""
    return f"#{tip.id} {flag}{tip.status_label}{left} {topic_label(tip.category)} {tip.description[:10]}"


def admin_tip(tip: Tip, tz: ZoneInfo, now: datetime | None = None, notes: list[TipNote] | None = None) -> str:
    """The whole tip, its case state, its whole thread and the private notes; the bot splits it into
    messages under Telegram's limit."""
    case = []
    if tip.tipper_unread:
        case.append("✉️ <b>举报人有新补充</b>")
    case.append(f"负责人：{tip.owner_id if tip.owner_id is not None else '未指定'}")
    due = deadline(tip, now) if now is not None else None
    if due is not None:
        case.append(("⚠️ " if due.overdue else "") + deadline_line(due, tz))
    if tip.review_requested:
        case.append("🔁 举报人申请过复查")
    if tip.recognized:
        case.append("✅ 有效举报")
    if tip.hold_reason is not None:
        case.append(f"🔒 法律保全：{escape(tip.hold_reason)}")
    text = (
        tip_summary(tip, category=tip.category, place_type=tip.place_type, location=tip.location,
                    description=tip.description, urgent=tip.urgent, photos=len(tip.photos))
        + f"\n\n提交时间：{_hour(tip.created_hour, tz)}（精确到小时）\n" + "\n".join(case)
        + "\n\n<b>处理记录（举报人可见）</b>\n" + thread(tip, tz)
    )
    if notes:
        text += "\n\n<b>🔒 内部备注（仅工会可见）</b>\n" + "\n".join(
            f"• {_minute(n.at, tz)} {n.admin_id}：{escape(n.text)}" for n in notes)
    return text
