"""User-facing texts of 微课堂 (Simplified Chinese): subscriptions, lessons, quizzes, broadcasts."""
from __future__ import annotations

import re
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from broadcasts.library import Citation, Lesson
from broadcasts.models import ALL_TOPICS, DeliveryStatus, Schedule
from broadcasts.occurrences import Progress, Report
from broadcasts.quiz import Leaderboard
from broadcasts.schedules import WEEKDAYS
from core.topics import BY_CODE
from knowledge.numerals import int_to_cn

MESSAGE_MAX_CHARS = 4096

PICKER_INTRO = "请选择想订阅的微课堂主题（可多选），选好后点“完成”。"
PICKER_CANCELLED = "已关闭，订阅没有改变。发送 /mytopics 查看已订阅的主题。"
PICKER_DONE_NONE = "您没有订阅任何主题。想订阅时发送 /subscribe。"
ALL_LABEL = "全部主题"
DONE_BUTTON = "✅ 完成"
BACK_BUTTON = "⬅️ 返回"
PREV_PAGE = "◀️ 上一页"
NEXT_PAGE = "下一页 ▶️"
SHOW_ARTICLE = "📖 原文：{label}"
UNSUBSCRIBED = "已退订微课堂，不会再收到推送。想重新订阅时发送 /subscribe。"
NOT_SUBSCRIBED = "您目前没有订阅微课堂。发送 /subscribe 选择主题。"
BROWSE_INTRO = "按主题浏览微课堂，点一个主题查看课程："
BROWSE_EMPTY = "这个主题暂时还没有课程。"
NO_MORE_LESSONS = "🎉 您已经学完了全部微课堂课程，真棒！新课上线后会推送给您。"
QUIZ_CORRECT = "✅ 答对了！+{points} 分。"
QUIZ_WRONG = "这题没答对，正确答案是：{answer}。参与也得 {points} 分。"
QUIZ_WRONG_NO_ANSWER = "这题没答对。参与也得 {points} 分。"
QUIZ_SCORE_HINT = "发送 /score 查看积分。"
SHOW_NAME = "在排行榜显示我的名字"
HIDE_NAME = "排行榜上隐藏我的名字"
NAME_SHOWN = "好的，排行榜将显示您的名字。"
NAME_HIDDEN = "好的，排行榜上您将以匿名身份出现。"
RANK_NAMED = "您的名字会显示在排行榜上。"
RANK_ANONYMOUS = "您在排行榜上是匿名的。"
RANK_EMPTY = "排行榜还是空的——答一道微课堂题目就能上榜！发送 /next 开始学习。"
ANNOUNCEMENT_HEADER = "📢 <b>工会通知</b>\n\n"

SCHEDULE_CANCELLED = "已取消，推送计划没有创建。"
SCHEDULE_TIMEOUT = "操作超时，推送计划没有创建。需要时请重新发送 /schedule。"
ASK_WHAT = "<b>安排微课堂推送</b>（随时发送 /cancel 取消）\n第 1 步：推送什么？"
WHAT_LESSON = "指定课程"
WHAT_SERIES = "系列的下一课"
WHAT_TEXT = "文字通知"
ASK_LESSON_TOPIC = "第 1 步：指定课程——先选一个主题："
ALL_LESSONS = "全部课程"
ASK_LESSON = "第 1 步：指定课程——<b>{topic}</b>，共 {count} 课{page}，请选择："
CHOSEN_LESSON = "已选课程：<b>{title}</b>"
CHOSEN_SERIES = "已选：系列“<b>{series}</b>”的下一课"
CHOSEN_TEXT = "已选：文字通知{photo}"
ASK_SERIES = "第 1 步：系列的下一课——请选择系列（每位职工收到他在该系列中尚未学过的下一课）："
ASK_TEXT = "第 1 步：文字通知——请发送通知内容（文字，或带说明文字的图片）："
TEXT_EMPTY = "通知内容是空的。请发送文字，或带说明文字的图片。"
TEXT_TOO_LONG = "通知太长了（{length} 字），{what}最多 {limit} 字。请缩短后重新发送，或发送 /cancel 取消。"
PHOTO_TOO_LARGE = "图片超过 10 MB，请换一张小一些的图片，或发送 /cancel 取消。"
ASK_AUDIENCE = "{chosen}\n\n第 2 步：推送给谁？可选“全部订阅者”，或勾选若干主题后点“完成”。"
AUDIENCE_NONE = "请至少选一个主题，或点“全部订阅者”"
AUDIENCE_ALL = "全部订阅者"
ASK_WHEN = "{chosen}\n对象：{whom}\n\n第 3 步：什么时候推送？"
ASK_UNIT = ("{chosen}\n对象：{whom}\n\n推送范围：点“全部单位”，或发送单位名称（如“机械厂”），"
            "只推送给该单位及其下级单位的职工。")
ASK_UNIT_RESTRICTED = ("{chosen}\n对象：{whom}\n\n推送范围：请发送单位名称（如“机械厂”），"
                       "只推送给该单位及其下级单位的职工。")
UNIT_ALL = "全部单位"
UNIT_RESULTS = "找到以下单位，点一个作为推送范围（含其下级单位）："
UNIT_NONE_FOUND = "没有找到名称含“{text}”、且你可以推送的单位。请换个词再试，或发送 /cancel 取消。"
UNIT_GONE = "该单位已不存在或已撤销，请重新搜索"
UNIT_SCOPE = "范围：{unit} 及其下级单位"
WHEN_NOW = "立即推送"
WHEN_ONCE = "指定时间一次"
WHEN_WEEKLY = "每周固定时间"
WHEN_CRON = "cron 表达式"
ASK_ONCE = ("请输入日期和时间（{tz}），例如 <code>明天 9点</code>、<code>12月1日 9:00</code> 或 "
            "<code>2026-12-01 09:00</code>：")
ASK_WEEKLY = ("请输入星期和时间（{tz}），例如 <code>每周一 9点</code>、<code>一,四 09:00</code> 或 "
              "<code>周一至周五 8点半</code>：")
ASK_CRON = "请输入 cron 表达式（分 时 日 月 星期，{tz}），例如 <code>0 9 * * 1</code>："
ONCE_INVALID = ("没看懂“{text}”。请写成“2026-12-01 09:00”“12月1日 9:00”或“明天 9点”（时间用 24 小时制），"
                "或发送 /cancel 取消。")
WEEKLY_INVALID = "没看懂“{text}”。请写成“一,四 09:00”（星期用 一…日，时间用 24 小时制），或发送 /cancel 取消。"
CRON_INVALID = ("没看懂“{text}”。cron 表达式有 5 段：分 时 日 月 星期，例如 <code>0 9 * * 1</code> 表示每周一 9:00。"
                "请重新输入，或发送 /cancel 取消。")
WHEN_PAST = "{time} 已经过去了。请输入以后的时间，或发送 /cancel 取消。"
SCHEDULE_INVALID = "推送计划没有创建：内容或时间已经失效。请重新发送 /schedule。"
CREATE_TOO_LATE = "{time} 已经过去了，推送计划没有创建。请重新发送 /schedule。"
NEXT_FIRINGS = "下次推送：{first}"
LATER_FIRINGS = "之后：{rest}"
CONFIRM = "第 4 步：请确认\n{summary}"
AUDIENCE_SIZE = "预计接收：约 {count} 人"
INPUT_ECHO_MAX_CHARS = 30
CONFIRM_BUTTON = "✅ 确认"
CANCEL_BUTTON = "取消"
SCHEDULE_CREATED = "✅ 已创建推送计划 #{id}。\n{summary}\n发送 /broadcasts 查看和管理。"
SENDING_NOW = "🚀 推送 #{occurrence} 已开始，共 {recipients} 位接收人。结束后我会发来报告。"

BROADCASTS_EMPTY = "目前没有推送计划。发送 /schedule 新建一个。"
BROADCASTS_HEADER = "<b>推送计划</b>（共 {count} 个{page}）"
SCHEDULES_PAGE = "，第 {page}/{pages} 页"
PAUSE = "暂停"
RESUME = "恢复"
CANCEL = "删除"
SEND_NOW = "立即推送"
REFRESH = "刷新进度"
ACTION_DONE = {"pause": "已暂停 #{id}。", "resume": "已恢复 #{id}。", "cancel": "已删除 #{id}。"}
CONFIRM_SEND_NOW = "确定把 #{id} 立即推送给{whom}（约 {count} 人）吗？\n{summary}"
CONFIRM_DELETE = "确定删除推送计划 #{id} 吗？删除后不再推送，正在进行的推送也会停止。\n{summary}"
YES_BUTTON = "确定"
SEND_STARTED = "已开始推送 #{id}。"
ACTION_INVALID = "#{id} 当前状态为“{status}”，不能执行这个操作。"
SCHEDULE_MISSING = "找不到这个推送计划，可能已被删除。"

WEEKDAY_LABELS = {"mon": "一", "tue": "二", "wed": "三", "thu": "四", "fri": "五", "sat": "六", "sun": "日"}
# Time zones an admin may configure, as Chinese readers name them; others are shown by their id.
ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Harbin": "北京时间",
              "Asia/Urumqi": "乌鲁木齐时间", "Asia/Hong_Kong": "香港时间", "Asia/Macau": "澳门时间",
              "Asia/Taipei": "台北时间", "UTC": "协调世界时", "Etc/UTC": "协调世界时"}


def topic_label(code: str) -> str:
    return ALL_LABEL if code == ALL_TOPICS else BY_CODE[code].label


def my_topics(topics: frozenset[str]) -> str:
    if not topics:
        return NOT_SUBSCRIBED
    if ALL_TOPICS in topics:
        return "您订阅了<b>全部主题</b>。发送 /subscribe 修改，/unsubscribe 退订。"
    names = "、".join(BY_CODE[c].label for c in BY_CODE if c in topics)
    return f"您订阅的主题：<b>{escape(names)}</b>\n发送 /subscribe 修改，/unsubscribe 退订。"


def picker_saved(topics: frozenset[str]) -> str:
    if not topics:
        return PICKER_DONE_NONE
    return "✅ 订阅已保存。\n" + my_topics(topics)


def _inline_markdown(text: str) -> str:
    """The lesson files' light Markdown (**bold**, "- " lists) as Telegram HTML."""
    lines = []
    for line in escape(text, quote=False).split("\n"):
        if line.startswith("- "):
            line = "• " + line[2:]
        lines.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line))
    return "\n".join(lines)


def citation_text(citation: Citation) -> str:
    """安全生产法第五十四条: the way the Q&A side labels articles too."""
    return f"{citation.law}第{int_to_cn(citation.article)}条"


def basis_text(citations: tuple[Citation, ...] | list[Citation]) -> str:
    """建设工程安全生产管理条例第三十三条、第二十五条；安全生产法第五十四条: each law named once."""
    by_law: dict[str, list[int]] = {}
    for c in citations:
        numbers = by_law.setdefault(c.law, [])
        if c.article not in numbers:
            numbers.append(c.article)
    return "；".join(law + "、".join(f"第{int_to_cn(n)}条" for n in numbers) for law, numbers in by_law.items())


def lesson_html(lesson: Lesson) -> str:
    head = f"📚 <b>微课堂｜{escape(lesson.title)}</b>"
    if lesson.series:
        head += f"\n<i>{escape(lesson.series)} · 第 {lesson.series_order} 课</i>"
    head += f"\n⏱ 约 {lesson.reading_minutes} 分钟"
    basis = escape(basis_text(lesson.citations))
    return f"{head}\n\n{_inline_markdown(lesson.body)}\n\n📖 依据：{basis}\n\n👇 下面答一道题，赢安康杯积分。"


def split_message(text: str, limit: int = MESSAGE_MAX_CHARS) -> list[str]:
    """Split on paragraph (then line) boundaries so each part fits one message; tags never span parts
    because the lesson markup is line-local."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for para in text.split("\n"):
        candidate = f"{current}\n{para}" if current else para
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(para) > limit:
            parts.append(para[:limit])
            para = para[limit:]
        current = para
    if current:
        parts.append(current)
    return parts


def browse_lessons(topic_code: str, lessons: list[Lesson], seen: set[str]) -> str:
    """The heading above a topic's lesson buttons (the titles are on the buttons)."""
    done = sum(1 for lesson in lessons if lesson.id in seen)
    learnt = f"，已学 {done} 课" if done else ""
    return f"<b>{escape(topic_label(topic_code))}</b> · 共 {len(lessons)} 课{learnt}，✔ 为已学"


def quiz_feedback(correct: bool, points: int, answer: str | None) -> str:
    if correct:
        head = QUIZ_CORRECT.format(points=points)
    elif answer:
        head = QUIZ_WRONG.format(answer=answer.rstrip("。．.！!"), points=points)
    else:
        head = QUIZ_WRONG_NO_ANSWER.format(points=points)
    return f"{head}\n{QUIZ_SCORE_HINT}"


def score_text(points: int, answered: int, correct: int) -> str:
    if answered == 0:
        return "您还没有答过微课堂题目。发送 /next 学一课并答题，赢取安康杯积分！"
    return (f"🏆 <b>我的安康杯积分：{points} 分</b>\n已答 {answered} 题，答对 {correct} 题。\n"
            "发送 /rank 查看排行榜，/next 继续学习。")


def rank_text(board: Leaderboard) -> str:
    if not board.top:
        return RANK_EMPTY + "\n\n" + (RANK_NAMED if board.named else RANK_ANONYMOUS)
    lines = ["🏆 <b>安康杯排行榜</b>"]
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    for row in board.top:
        you = "（我）" if row.is_me else ""
        lines.append(f"{medals.get(row.place, f'{row.place}.')} {escape(row.name)}{you} — {row.points} 分")
    if board.me is None:
        lines.append("\n您还没有积分，答一道题就能上榜。")
    elif not any(r.is_me for r in board.top):
        lines.append(f"\n我的名次：第 {board.me.place} 名（{board.me.points} 分）")
    lines.append("\n" + (RANK_NAMED if board.named else RANK_ANONYMOUS))
    return "\n".join(lines)


def announcement_html(text: str) -> str:
    return ANNOUNCEMENT_HEADER + escape(text)


def zone_label(zone: str) -> str:
    """北京时间 for Asia/Shanghai; a zone without a common Chinese name is shown by its id."""
    return ZONE_NAMES.get(zone, zone)


def day_time(moment: datetime, zone: str, now: datetime | None = None) -> str:
    """11月23日（周一）09:00 in ``zone``; the year is written when it is not the current one."""
    local = moment.astimezone(ZoneInfo(zone))
    year = "" if now is not None and now.astimezone(ZoneInfo(zone)).year == local.year else f"{local.year}年"
    weekday = WEEKDAY_LABELS[WEEKDAYS[local.weekday()]]
    return f"{year}{local.month}月{local.day}日（周{weekday}）{local:%H:%M}"


def audience_text(topic_codes: list[str] | tuple[str, ...]) -> str:
    if not topic_codes:
        return AUDIENCE_ALL
    return "订阅了 " + "、".join(BY_CODE[c].label for c in topic_codes if c in BY_CODE) + " 的职工"


def chosen_text(kind: str, *, title: str | None = None, series: str | None = None, photo: bool = False) -> str:
    """The step-1 choice, repeated on the next steps of /schedule."""
    if kind == "lesson":
        return CHOSEN_LESSON.format(title=escape(title or ""))
    if kind == "series":
        return CHOSEN_SERIES.format(series=escape(series or ""))
    return CHOSEN_TEXT.format(photo="（含图片）" if photo else "")


def echo_input(text: str) -> str:
    """An admin's typed input, quoted back in an error: escaped and cut short."""
    text = " ".join(text.split())
    if len(text) > INPUT_ECHO_MAX_CHARS:
        text = text[:INPUT_ECHO_MAX_CHARS - 1] + "…"
    return escape(text)


def next_firings_text(times: list[datetime], zone: str, now: datetime) -> str:
    if not times:
        return ""
    first, *rest = (day_time(t, zone, now) for t in times)
    text = NEXT_FIRINGS.format(first=first)
    return text + ("\n" + LATER_FIRINGS.format(rest="、".join(rest)) if rest else "")


def schedule_summary(schedule: Schedule, lesson_title: str | None = None, now: datetime | None = None) -> str:
    if schedule.kind == "lesson":
        what = f"课程：{escape(lesson_title or schedule.lesson_id or '')}"
    elif schedule.kind == "series":
        what = f"系列“{escape(schedule.series or '')}”的下一课"
    else:
        snippet = (schedule.text or "").strip().replace("\n", " ")
        what = ("通知：" + escape(snippet[:40] + ("…" if len(snippet) > 40 else ""))
                + ("（含图片）" if schedule.photo else ""))
    whom = audience_text(schedule.topic_codes)
    return f"内容：{what}\n对象：{escape(whom)}\n时间：{escape(when_text(schedule, now))}"


def when_text(schedule: Schedule, now: datetime | None = None) -> str:
    zone = zone_label(schedule.timezone)
    if schedule.trigger == "once" and schedule.run_at is not None:
        return f"{day_time(schedule.run_at, schedule.timezone, now)}（一次，{zone}）"
    if schedule.trigger == "weekly":
        days = "、".join("周" + WEEKDAY_LABELS[d] for d in (schedule.weekdays or "").split(",") if d)
        return f"每{days} {schedule.at_time}（{zone}）"
    return f"cron “{schedule.cron}”（{zone}）"


def schedule_line(schedule: Schedule, lesson_title: str | None, next_at: datetime | None, now: datetime) -> str:
    """One schedule in the /broadcasts list."""
    status = schedule.status.label
    nxt = f"\n下次：{day_time(next_at, schedule.timezone, now)}" if next_at else ""
    return f"<b>#{schedule.id}</b>（{status}）\n{schedule_summary(schedule, lesson_title, now)}{nxt}"


def schedules_text(lines: list[str], count: int, page: int, pages: int) -> str:
    where = SCHEDULES_PAGE.format(page=page + 1, pages=pages) if pages > 1 else ""
    return "\n\n".join([BROADCASTS_HEADER.format(count=count, page=where), *lines])


def schedule_button(schedule_id: int, action: str) -> str:
    return f"#{schedule_id} {action}"


def progress_text(p: Progress) -> str:
    counts = "，".join(f"{status.label} {count}" for status, count in (
        (DeliveryStatus.SENT, p.sent), (DeliveryStatus.BLOCKED, p.blocked), (DeliveryStatus.FAILED, p.failed),
        (DeliveryStatus.SKIPPED, p.skipped), (DeliveryStatus.PENDING, p.pending)))
    return f"📊 推送 #{p.occurrence_id}（计划 #{p.schedule_id}）{p.status.label}\n接收人 {p.recipients}：{counts}"


def report_text(r: Report) -> str:
    counts = "".join(f"{status.label}：{count}\n" for status, count in (
        (DeliveryStatus.SENT, r.sent), (DeliveryStatus.BLOCKED, r.blocked), (DeliveryStatus.FAILED, r.failed),
        (DeliveryStatus.SKIPPED, r.skipped)))
    return (
        f"📬 <b>推送报告</b> #{r.occurrence_id}（计划 #{r.schedule_id}）\n接收人：{r.recipients}\n{counts}"
        f"用时：{r.duration_s:.1f} 秒\n实际速率：{r.rate_per_s:.1f} 条/秒（共 {r.messages} 条消息）"
    )
