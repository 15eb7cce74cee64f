"""Texts of 问工会 in the bot: the worker's side (confirm, state, answers) and the staff's notices."""
from __future__ import annotations

from html import escape

from knowledge.handoff import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, HandoffAnswer, HandoffNotice, NoticeKind
from knowledge.models import Handoff

# --- the worker ---------------------------------------------------------------------------------
CONFIRM = ("🙋 <b>把这个问题转给工会工作人员？</b>\n\n「{question}」\n\n"
           "工作人员回答后会在这里回复您；他们看不到您的姓名和账号，只看到“职工 #编号”。")
SEND_BUTTON = "✅ 发送给工会"
EDIT_BUTTON = "✏️ 修改问题"
DROP_BUTTON = "取消"
TYPE_QUESTION = f"✏️ 请输入您想问工会的问题（{MAX_QUESTION_CHARS} 字以内）。发送 /cancel 取消。"
TYPE_FOLLOW_UP = "💬 请输入您的追问（{limit} 字以内），工会工作人员会继续回复您。发送 /cancel 取消。"
EMPTY = "问题不能是空的，请用一两句话写下您的问题。"
TOO_LONG = "您的问题有 {length} 字，太长了。请精简到 {limit} 字以内再发送（原文没有丢失，您可以复制修改）。"
SENT = ("📨 <b>已收到</b>：您的问题（职工 #{number}）已转给工会工作人员，回答后会在这里回复您。"
        "\n发送 /myquestions 查看进展。紧急情况请直接拨打 119 / 120 / 110。")
ALREADY_SENT = "这个问题已经提交过了（职工 #{number}），请耐心等待回复。发送 /myquestions 查看进展。"
DRAFT_GONE = "这个问题已经提交或取消了。发送 /myquestions 查看进展，或用 /ask 重新提问。"
DROPPED = "好的，没有发送。还有问题随时问我。"
CANCELLED = "已取消。"
FOLLOW_UP_SENT = "📨 已收到您的追问，工会工作人员会继续回复您（职工 #{number}）。"
THREAD_CLOSED = "这个问题已经结束了。还有疑问请发送 /ask 重新提问。"
NOT_YOURS = "找不到这个问题，请发送 /myquestions 查看您的问题。"
RATED_GOOD = "谢谢您的反馈！本次咨询已结束。还有问题随时问我，或发送 /ask 问工会。"
RATED_BAD = "抱歉没能帮到您，我们会改进。本次咨询已结束；如需继续，请发送 /ask 再问工会。"
ANSWER_HEAD = "🏛 <b>工会回复</b>（职工 #{number}）"
HELPFUL = "👍 解决了"
NOT_HELPFUL = "👎 没解决"
FOLLOW_UP_BUTTON = "💬 继续追问"
MY_NONE = "您现在没有进行中的问工会问题。想问工会，请发送 /ask 加上您的问题。"
MY_HEAD = "<b>我的问题</b>（已结束的问题不再保留与您的联系）"
PRIVATE_ONLY = "问工会请私聊机器人使用：工会的回答只发给您本人，不会发到群里。"
ASK_UNKNOWN_QUESTION = "请先发送您的问题，或用 /ask 加上问题，例如：/ask 加班费怎么算"


def confirm(question: str) -> str:
    return CONFIRM.format(question=escape(question))


def too_long(length: int, limit: int = MAX_QUESTION_CHARS) -> str:
    return TOO_LONG.format(length=length, limit=limit)


def answer_to_worker(answer: HandoffAnswer) -> str:
    return (f"{ANSWER_HEAD.format(number=answer.handoff_id)}\n\n"
            f"<i>您的问题：{escape(_short(answer.question, 200))}</i>\n\n{escape(answer.answer)}")


def my_questions(handoffs: list[Handoff]) -> str:
    lines = [MY_HEAD]
    for h in handoffs:
        lines.append(f"\n<b>#{h.id}</b> · {h.status.label}\n{escape(_short(h.question, 80))}")
        staff = [t.text for t in h.turns if not t.from_worker]
        if staff:
            lines.append(f"↳ 工会：{escape(_short(staff[-1], 200))}")
    return "\n".join(lines)


# --- the staff ----------------------------------------------------------------------------------
NOTICE_HEAD = {
    NoticeKind.NEW: "🙋 <b>职工 #{number} 问工会</b>",
    NoticeKind.FOLLOW_UP: "💬 <b>职工 #{number} 继续追问</b>",
    NoticeKind.REMINDER: "⏰ <b>提醒：职工 #{number} 的问题已等待 {hours} 小时</b>",
    NoticeKind.ESCALATION: "🔺 <b>升级：职工 #{number} 的问题已等待 {hours} 小时仍未回答</b>",
}
NOTICE_FOOT = "\n\n点“回答”直接回复，或在管理后台“待回答”中处理。"
ANSWER_BUTTON = "✍️ 回答"
TO_FAQ_BUTTON = "📚 转为FAQ"
TYPE_ANSWER = (f"✍️ 请输入给职工 #{{number}} 的回答（{MAX_ANSWER_CHARS} 字以内）。发送 /cancel 取消。"
               "\n\n职工的问题：\n{question}")
ANSWER_SENT = "✅ 已回复职工 #{number}。"
ANSWER_STORED = "✅ 回答已保存，但暂时没能发送给职工 #{number}；职工可在 /myquestions 中看到。"
ANSWER_BLOCKED = "⚠️ 职工 #{number} 已屏蔽机器人，回答无法送达；该问题已关闭。"
ALREADY_ANSWERED = "ℹ️ 职工 #{number} 的这条问题已由其他工作人员先回答了，您的回答没有发送。"
HANDOFF_CLOSED = "ℹ️ 职工 #{number} 的问题已经结束，无需再回答。"
HANDOFF_MISSING = "找不到这个问工会问题（可能已被删除）。"
ANSWER_EMPTY = "回答不能是空的，请输入回答内容，或发送 /cancel 取消。"
ANSWER_TOO_LONG = f"回答有 {{length}} 字，超过 {MAX_ANSWER_CHARS} 字，请精简后再发送（/cancel 取消）。"
TO_FAQ_LINK = ("📚 在管理后台把职工 #{number} 的问题写成 FAQ（表单已预填问题和回答）：\n{url}\n\n"
               "链接 10 分钟内有效，只能使用一次。")
ANSWER_CANCELLED = "已取消，没有发送回答。"


def notice(n: HandoffNotice) -> str:
    head = NOTICE_HEAD[n.kind].format(number=n.handoff_id, hours=f"{n.waiting_h:g}")
    return f"{head}\n\n{escape(_short(n.question, 1500))}{NOTICE_FOOT}"


def type_answer(number: int, question: str) -> str:
    return TYPE_ANSWER.format(number=number, question=escape(_short(question, 1500)))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
