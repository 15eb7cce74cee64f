"""Sentences of the campaigns area that the bot and the console both show (refusals, labels)."""
from __future__ import annotations

NAME_EMPTY = "请填写竞赛名称。"
NAME_TOO_LONG = "竞赛名称最多 {limit} 个字。"
DATES_INVALID = "结束日期不能早于开始日期。"
DATES_TOO_LONG = "一场竞赛最长 {limit} 天。"
ENDS_IN_PAST = "结束日期已经过去。"
START_LOCKED = "竞赛已经开始，开始日期不能再改。"
QUESTIONS_RANGE = "每次题数须在 {low}–{high} 之间。"
SECONDS_RANGE = "每题限时须在 {low}–{high} 秒之间。"
ATTEMPTS_RANGE = "每天次数须在 1–{high} 之间。"
POINTS_RANGE = "分值须在 0–{high} 之间。"
UNKNOWN_TAG = "题库里没有这个题目类别：{tag}。"
UNKNOWN_TOPIC = "没有这个订阅主题：{topic}。"
UNKNOWN_AUDIENCE = "题目对象只能是：新员工、车间职工、班组长、工会干部（或不限）。"
UNKNOWN_UNIT = "找不到这个单位。"
TOO_FEW_QUESTIONS = "按所选类别和对象，题库只有 {have} 道题，不够每次 {need} 题。"
INVITATION_EMPTY = "请填写邀请语。"
INVITATION_TOO_LONG = "邀请语最多 {limit} 个字。"
UNKNOWN_TEMPLATE = "没有这个竞赛模板。"

# Refusals when a worker starts an attempt.
NOT_FOUND = "找不到这场竞赛，可能已被取消。"
NOT_STARTED = "「{name}」{day} 才开始，到时再来吧。"
ENDED = "「{name}」已于 {day} 结束。可以用「练习」继续做题（不计分）。"
CANCELLED = "「{name}」已取消。"
DAILY_CAP = "今天的 {cap} 次答题机会已用完，明天再来吧！想多做题可以选「练习」（不计分）。"
IN_PROGRESS = "你还有一次答题没有结束，请先答完当前的题目。"

AUDIENCE_LABELS: dict[str, str] = {
    "": "不限",
    "new_hire": "新员工",
    "workshop": "车间职工",
    "team_leader": "班组长",
    "union_staff": "工会干部",
}
