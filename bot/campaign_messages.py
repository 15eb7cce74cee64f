"""What the bot says about campaigns (HTML; user content escaped)."""
from __future__ import annotations

from datetime import date

from bot.render import h
from campaigns.attempts import AskQuestion, AttemptResult
from campaigns.models import QuestionStatus
from campaigns.rankings import SiblingRanking

START_BUTTON = "🏆 开始答题"
PRACTICE_BUTTON = "📝 练习（不计分）"
NO_CAMPAIGN = "现在没有正在进行的知识竞赛。可以用 /next 学一课微课堂。"
STALE_BUTTON = "这个按钮已失效。"
STARTING = "开始！共 {total} 题，每题 {seconds} 秒，超时自动进入下一题。"
PRACTICE_STARTING = "练习开始（不计分）：共 {total} 题，每题 {seconds} 秒。"
TIMED_OUT = "⏰ 第 {number} 题超时，不得分。"
LATE_ANSWER = "这道题已超时，这次作答不计分。"
POLL_PREFIX = "（{number}/{total}）"
MULTIPLE_PREFIX = "【多选】"
QUESTION_MAX = 300
TRUE_FALSE = "判断"
MARKS = {True: "✅", False: "❌"}


def invitation_html(text: str) -> str:
    return f"🏆 {h(text)}"


def campaign_list_html(names: list[tuple[str, date, date]]) -> str:
    lines = ["<b>正在进行的知识竞赛</b>"]
    for name, starts, ends in names:
        lines.append(f"• {h(name)}（{starts.isoformat()} 至 {ends.isoformat()}）")
    lines.append("选择下面的按钮开始答题或练习。")
    return "\n".join(lines)


def poll_question(ask: AskQuestion) -> str:
    """The poll's question: its number, a 多选 mark when several answers are right, then the stem."""
    prefix = POLL_PREFIX.format(number=ask.number, total=ask.total)
    if ask.question.type == "multiple":
        prefix += MULTIPLE_PREFIX
    text = prefix + ask.question.stem
    return text if len(text) <= QUESTION_MAX else ask.question.stem[:QUESTION_MAX]


def _cite(result_question) -> str:
    return "；".join(f"{c.law}第{c.article}条" for c in result_question.cite)


def result_html(result: AttemptResult) -> str:
    head = "练习结束" if result.practice else "答题结束"
    lines = [f"<b>「{h(result.campaign_name)}」{head}</b>",
             f"得分 <b>{result.score}</b>，答对 {result.correct}/{result.asked} 题"
             + (f"，超时 {result.timed_out} 题" if result.timed_out else "") + "。"]
    if result.skipped:
        lines.append(f"有 {result.skipped} 题在答题期间被移出题库，不计入。")
    if result.practice:
        lines.append("练习不计入成绩。")
    else:
        best = f"个人最佳 {result.best} 分" + ("（新纪录！）" if result.new_best else "")
        lines.append(f"🔥 连续参与 {result.streak_days} 天 · {best}")
        if result.study_minutes:
            lines.append(f"📚 计入学时 {result.study_minutes} 分钟（/mystudy 查看）")
    lines.append("")
    lines.append("<b>解析</b>")
    for item in result.review:
        q = item.question
        if q is None:
            lines.append(f"{item.number}. 此题已下架，不计分。")
            continue
        if item.status == QuestionStatus.TIMED_OUT:
            mark = "⏰"
        elif item.status == QuestionStatus.SKIPPED:
            mark = "—"
        else:
            mark = MARKS[item.correct]
        answer = "、".join(q.correct_options)
        lines.append(f"{item.number}. {mark} {h(q.stem)}")
        lines.append(f"   正确答案：{h(answer)}。{h(q.explanation)}（{h(_cite(q))}）")
    return "\n".join(lines)


RANK_NONE = "还没有知识竞赛。"
RANK_EMPTY = "还没有人完成答题，快来当第一名！"
RANK_TOP = 10
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def rank_html(campaign_name: str, standings, my_chat_id: int, tie_persons: str, tie_units: str,
              chain: list[SiblingRanking] | None = None) -> str:
    """A campaign's rankings: the first people (names only with consent), then the units: with the worker's
    unit known, at each level of their chain (their unit among its siblings, up to the top), else the top level."""
    state = "最终结果" if standings.frozen else "实时排名"
    lines = [f"🏆 <b>「{h(campaign_name)}」{state}</b>"]
    if not standings.persons:
        lines.append(RANK_EMPTY)
    for row in standings.persons[:RANK_TOP]:
        me = "（我）" if row.chat_id == my_chat_id else ""
        place = MEDALS.get(row.place, f"{row.place}.")
        lines.append(f"{place} {h(row.name)}{me} — {row.points} 分（{row.attempts} 次）")
    mine = next((r for r in standings.persons if r.chat_id == my_chat_id), None)
    if mine is not None and mine.place > RANK_TOP:
        lines.append(f"我的名次：第 {mine.place} 名（{mine.points} 分）")
    lines.append(f"<i>{h(tie_persons)}</i>")
    if chain:
        for step in chain:
            lines.append("")
            title = f"{h(step.parent.name)}下属单位" if step.parent is not None else "顶级单位"
            lines.append(f"<b>{title}排名</b>（{UNIT_FIGURES}）")
            lines += _sibling_lines(step)
        lines.append(f"<i>{h(tie_units)}</i>")
        return "\n".join(lines)
    top_units = [u for u in standings.units if u.depth == 0][:RANK_TOP]
    if top_units:
        lines.append("")
        lines.append(f"<b>单位排名</b>（{UNIT_FIGURES}）")
        for u in top_units:
            lines.append(f"{u.place}. {h(u.name)} — {_figures(u)}")
        lines.append(f"<i>{h(tie_units)}</i>")
        lines.append(RANK_JOIN_HINT)
    return "\n".join(lines)


UNIT_FIGURES = "参与率 · 平均分 · 人均次数"
RANK_JOIN_HINT = "发送 /settings 选择您所在的单位，就能看到本单位在各级的排名。"


def _figures(u) -> str:
    return f"{u.participation:.0%} · {u.average:.1f} · {u.attempts_per_member:.1f}"


def _sibling_lines(step: SiblingRanking) -> list[str]:
    """The first siblings, and the worker's own line after them when it is further down."""
    lines = []
    for place, u in step.rows:
        if place <= RANK_TOP or u.code == step.mine:
            if place > RANK_TOP:
                lines.append("…")
            me = "（我的单位）" if u.code == step.mine else ""
            lines.append(f"{place}. {h(u.name)}{me} — {_figures(u)}")
    return lines
